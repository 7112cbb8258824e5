"""Clients for the three ingress protocols: the other side of the adapters.

Used by ``scripts/simulate_call.py`` (the pre-go-live check a contact-centre
engineer runs against a deployed server) and by the integration tests. Each
streams a two-party call the way its platform does: Twilio as two mu-law
tracks of base64 JSON with media timestamps, AudioHook as interleaved stereo
PCMU after an open/opened exchange, /stream as interleaved pcm16.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soxr
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from service.core.codecs import pcm16_to_ulaw, ulaw_to_pcm16
from service.replay.audio import probe_recording, read_stereo_chunks

from .audiohook import VERSION as AUDIOHOOK_VERSION
from .twilio import twilio_signature

__all__ = ["PROTOCOLS", "Call", "StreamResult", "load_stereo", "stream_call"]

PROTOCOLS = ("twilio", "audiohook", "stream")
TELEPHONY_RATE = 8000
# A frame whose peak is below this (int16; about -54 dBFS) counts as silence
# for the Twilio setups that send no frames when a track is silent.
SILENT_PEAK = 64
_LOAD_CHUNK_S = 60.0  # decode in large pieces: load_stereo wants the whole call anyway


@dataclass(frozen=True)
class Call:
    """A two-party call to stream: int16 mono per party at ``rate``."""

    agent: np.ndarray
    customer: np.ndarray
    rate: int
    call_id: str = field(default_factory=lambda: f"sim-{uuid.uuid4().hex[:12]}")
    agent_id: str = "agent-1"


@dataclass
class _Sent:
    frames: int = 0


@dataclass
class StreamResult:
    """What the server said: text replies, its close code and reason, frames sent."""

    replies: list[str]
    close_code: int | None
    close_reason: str
    frames_sent: int

    def json_replies(self) -> list[dict]:
        return [json.loads(r) for r in self.replies]


def load_stereo(path: str | Path, agent_channel: str = "left") -> Call:
    """A stereo recording as a :class:`Call` (any format PyAV decodes; mono is refused)."""
    rate = probe_recording(path).sample_rate
    chunks = list(read_stereo_chunks(path, _LOAD_CHUNK_S))
    left, right = (np.concatenate([c[i] for c in chunks]) if chunks else np.zeros(0, dtype=np.int16) for i in (0, 1))
    agent, customer = (left, right) if agent_channel == "left" else (right, left)
    return Call(agent=agent, customer=customer, rate=rate, call_id=Path(path).stem)


def _telephony(samples: np.ndarray, rate: int) -> bytes:
    """int16 at ``rate`` to 8 kHz mu-law bytes."""
    if rate != TELEPHONY_RATE:
        samples = soxr.resample(samples, rate, TELEPHONY_RATE, quality="HQ").astype(np.int16)
    return pcm16_to_ulaw(samples)


class _Pacer:
    """Sleeps so chunk ``n`` leaves at ``n * chunk_s / speed`` (no sleep when speed is None)."""

    def __init__(self, chunk_s: float, speed: float | None) -> None:
        self._step = chunk_s / speed if speed else 0.0
        self._t0 = time.monotonic()

    async def wait(self, n: int) -> None:
        delay = self._t0 + n * self._step - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        elif n % 50 == 0:
            await asyncio.sleep(0)  # let the loop breathe at max speed


async def _drain(ws: ClientConnection, replies: list[str]) -> None:
    """Read until the server closes."""
    try:
        async for message in ws:
            if isinstance(message, str):
                replies.append(message)
    except ConnectionClosed:
        pass


async def _expect(ws: ClientConnection, replies: list[str], kind_key: str, kind: str) -> bool:
    """Wait for a text reply of type ``kind``; False if the server closed first."""
    try:
        async for message in ws:
            if isinstance(message, str):
                replies.append(message)
                if json.loads(message).get(kind_key) == kind:
                    return True
    except ConnectionClosed:
        pass
    return False


async def _twilio(ws, call: Call, frame_ms: int, pacer: _Pacer, replies: list[str], sent: _Sent,
                  skip_silent: str | None) -> None:
    stream_sid, call_sid = f"MZ{uuid.uuid4().hex}", call.call_id
    tracks = {"inbound": _telephony(call.customer, call.rate), "outbound": _telephony(call.agent, call.rate)}
    seq = 0

    async def send(message: dict) -> None:
        nonlocal seq
        seq += 1
        await ws.send(json.dumps({**message, "sequenceNumber": str(seq), "streamSid": stream_sid}))

    await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
    await send({"event": "start", "start": {
        "streamSid": stream_sid, "accountSid": "AC" + "0" * 32, "callSid": call_sid,
        "tracks": ["inbound", "outbound"], "customParameters": {"agentId": call.agent_id},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": TELEPHONY_RATE, "channels": 1},
    }})
    step = TELEPHONY_RATE * frame_ms // 1000
    total = max(len(t) for t in tracks.values())
    for n, offset in enumerate(range(0, total, step)):
        await pacer.wait(n)
        for track, payload in tracks.items():
            chunk = payload[offset:offset + step]
            if not chunk or (track == skip_silent and np.abs(ulaw_to_pcm16(chunk)).max() < SILENT_PEAK):
                continue  # Twilio sends nothing for this track here: the server must fill the gap
            await send({"event": "media", "media": {
                "track": track, "chunk": str(n + 1), "timestamp": str(offset * 1000 // TELEPHONY_RATE),
                "payload": base64.b64encode(chunk).decode()}})
            sent.frames += 1
    await send({"event": "stop", "stop": {"accountSid": "AC" + "0" * 32, "callSid": call_sid}})
    await _drain(ws, replies)


async def _audiohook(ws, call: Call, frame_ms: int, pacer: _Pacer, replies: list[str], sent: _Sent,
                     session: str) -> None:
    seq = 0

    async def send(kind: str, parameters: dict, position: float) -> None:
        nonlocal seq
        seq += 1
        await ws.send(json.dumps({"version": AUDIOHOOK_VERSION, "id": session, "type": kind, "seq": seq,
                                  "serverseq": seq - 1, "position": f"PT{position:.3f}S", "parameters": parameters}))

    await send("open", {
        "organizationId": str(uuid.uuid4()), "conversationId": call.call_id,
        "participant": {"id": str(uuid.uuid4()), "ani": "+15550100", "aniName": "", "dnis": "+15550199"},
        "media": [{"type": "audio", "format": "PCMU", "channels": ["external", "internal"], "rate": TELEPHONY_RATE}],
        "language": "en-US", "customConfig": {"agentId": call.agent_id},
    }, 0.0)
    if not await _expect(ws, replies, "type", "opened"):
        return
    external, internal = _telephony(call.customer, call.rate), _telephony(call.agent, call.rate)
    n_samples = max(len(external), len(internal))
    external, internal = external.ljust(n_samples, b"\xff"), internal.ljust(n_samples, b"\xff")
    stereo = np.frombuffer(external, np.uint8), np.frombuffer(internal, np.uint8)
    interleaved = np.stack(stereo, axis=1).tobytes()
    step = TELEPHONY_RATE * frame_ms // 1000
    for n, offset in enumerate(range(0, n_samples, step)):
        await pacer.wait(n)
        await ws.send(interleaved[2 * offset:2 * (offset + step)])
        sent.frames += 1
    await send("close", {"reason": "end"}, n_samples / TELEPHONY_RATE)
    await _drain(ws, replies)


async def _generic(ws, call: Call, frame_ms: int, pacer: _Pacer, replies: list[str], sent: _Sent) -> None:
    await ws.send(json.dumps({"type": "start", "call_id": call.call_id, "agent_id": call.agent_id,
                              "encoding": "pcm16", "sample_rate": call.rate, "channels": 2,
                              "agent_channel": "left"}))
    if not await _expect(ws, replies, "type", "started"):
        return
    n_samples = max(len(call.agent), len(call.customer))
    stereo = np.zeros((n_samples, 2), dtype="<i2")
    stereo[: len(call.agent), 0] = call.agent
    stereo[: len(call.customer), 1] = call.customer
    step = call.rate * frame_ms // 1000
    for n, offset in enumerate(range(0, n_samples, step)):
        await pacer.wait(n)
        await ws.send(stereo[offset:offset + step].tobytes())
        sent.frames += 1
    await ws.send(json.dumps({"type": "stop"}))
    await _drain(ws, replies)


async def stream_call(
    base_url: str,
    protocol: str,
    call: Call,
    *,
    speed: float | None = 1.0,
    frame_ms: int = 20,
    token: str = "",
    twilio_skip_silent_track: str | None = None,
) -> StreamResult:
    """Stream ``call`` to ``base_url`` (``ws://host:port``) speaking ``protocol``.

    ``speed`` 1 paces in real time, N at N x, None as fast as possible. ``token``
    is the endpoint's credential (stream token, Twilio auth token or AudioHook
    API key). ``twilio_skip_silent_track`` ("inbound"/"outbound") leaves out that
    track's silent frames, as some Twilio setups do.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}")
    url = f"{base_url.rstrip('/')}/{protocol}"
    headers: dict[str, str] = {}
    session = str(uuid.uuid4())
    if protocol == "stream" and token:
        headers["Authorization"] = f"Bearer {token}"
    elif protocol == "twilio" and token:
        public = url.replace("ws://", "wss://", 1) if url.startswith("ws://") else url
        headers["X-Twilio-Signature"] = twilio_signature(token, public)
    elif protocol == "audiohook":
        headers.update({"Audiohook-Session-Id": session, "Audiohook-Organization-Id": str(uuid.uuid4()),
                        "Audiohook-Correlation-Id": str(uuid.uuid4())})
        if token:
            headers["X-API-KEY"] = token
    replies: list[str] = []
    sent = _Sent()
    pacer = _Pacer(frame_ms / 1000, speed)
    run = {"twilio": _twilio, "audiohook": _audiohook, "stream": _generic}[protocol]
    extra = {"twilio": (twilio_skip_silent_track,), "audiohook": (session,), "stream": ()}[protocol]
    async with connect(url, additional_headers=headers, max_size=None, open_timeout=30) as ws:
        try:
            await run(ws, call, frame_ms, pacer, replies, sent, *extra)
        except ConnectionClosed:  # the server closed first: its code and reason say why
            pass
    return StreamResult(replies, ws.close_code, ws.close_reason or "", sent.frames)
