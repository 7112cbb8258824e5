"""Twilio Media Streams client: two mu-law tracks of base64 JSON with media timestamps.

The signature is computed here, not borrowed from the server, so a server bug
in it cannot hide behind the same code on both sides: Twilio signs a
WebSocket upgrade as base64(HMAC-SHA1(auth token, public wss:// URL)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid

import numpy as np

from service.core.codecs import ulaw_to_pcm16

from .common import TELEPHONY_RATE, Call, Exchange, StreamResult, endpoint, run_exchange, to_ulaw

__all__ = ["SILENT_PEAK", "stream_twilio", "twilio_signature"]

PATH = "/twilio"
TRACKS = ("inbound", "outbound")  # Twilio's names: the customer's track, then the agent's
ACCOUNT_SID = "AC" + "0" * 32
# A frame whose peak is below this (int16; about -54 dBFS) counts as silence
# for the Twilio setups that send no frames when a track is silent.
SILENT_PEAK = 64


def twilio_signature(auth_token: str, url: str) -> str:
    """``X-Twilio-Signature`` of a request to ``url`` without POST parameters."""
    digest = hmac.new(auth_token.encode(), url.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _public_url(url: str) -> str:
    """The URL Twilio signs: the public one, TLS-terminated in front of a plain ws:// server."""
    return "wss://" + url.removeprefix("ws://") if url.startswith("ws://") else url


async def stream_twilio(base_url: str, call: Call, *, speed: float | None = 1.0, frame_ms: int = 20,
                        token: str = "", skip_silent_track: str | None = None,
                        language: str | None = None) -> StreamResult:
    """Stream ``call`` as Twilio does; ``token`` is the auth token that signs the request.

    ``language`` is sent as the ``<Parameter name="language">`` of the ``<Stream>``.

    ``skip_silent_track`` ("inbound"/"outbound") leaves out that track's silent
    frames, as some Twilio setups do.
    """
    url = endpoint(base_url, PATH)
    headers = {"X-Twilio-Signature": twilio_signature(token, _public_url(url))} if token else {}
    stream_sid, call_sid = f"MZ{uuid.uuid4().hex}", call.call_id
    tracks = dict(zip(TRACKS, (to_ulaw(call.customer, call.rate), to_ulaw(call.agent, call.rate))))

    async def body(ex: Exchange) -> None:
        seq = 0

        def message(event: dict) -> str:
            nonlocal seq
            seq += 1
            return json.dumps({**event, "sequenceNumber": str(seq), "streamSid": stream_sid})

        await ex.ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ex.ws.send(message({"event": "start", "start": {
            "streamSid": stream_sid, "accountSid": ACCOUNT_SID, "callSid": call_sid,
            "tracks": list(TRACKS),
            "customParameters": {"agentId": call.agent_id, **({"language": language} if language else {})},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": TELEPHONY_RATE, "channels": 1},
        }}))
        step = TELEPHONY_RATE * frame_ms // 1000
        async for n, offset in ex.pacer.frames(max(len(t) for t in tracks.values()), step):
            for track, payload in tracks.items():
                chunk = payload[offset:offset + step]
                if not chunk or (track == skip_silent_track and np.abs(ulaw_to_pcm16(chunk)).max() < SILENT_PEAK):
                    continue  # Twilio sends nothing for this track here: the server must fill the gap
                await ex.send_frame(message({"event": "media", "media": {
                    "track": track, "chunk": str(n + 1), "timestamp": str(offset * 1000 // TELEPHONY_RATE),
                    "payload": base64.b64encode(chunk).decode()}}))
        await ex.ws.send(message({"event": "stop", "stop": {"accountSid": ACCOUNT_SID, "callSid": call_sid}}))
        await ex.drain()

    return await run_exchange(url, body, headers=headers, speed=speed, frame_ms=frame_ms)
