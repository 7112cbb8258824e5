"""What every protocol client shares: the call, pacing, resampling, the WebSocket exchange.

The clients stream a two-party call the way a telephony platform does, in
real time or faster; only the framing differs per protocol, so the call
model, the pacing clock and the read-until-the-server-closes logic live here
once.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soxr
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from service.core.codecs import pcm16_to_ulaw
from service.media.audio import probe_recording, read_stereo_chunks

__all__ = [
    "TELEPHONY_RATE", "Call", "Exchange", "Pacer", "StreamResult", "endpoint", "interleave", "load_stereo",
    "resample", "run_exchange", "to_ulaw",
]

TELEPHONY_RATE = 8000
OPEN_TIMEOUT_S = 30.0
_LOAD_CHUNK_S = 60.0  # decode in large pieces: load_stereo wants the whole call anyway
_YIELD_EVERY_FRAMES = 50  # at full speed, let the event loop run other tasks this often


@dataclass(frozen=True)
class Call:
    """A two-party call to stream: int16 mono per party at ``rate``."""

    agent: np.ndarray
    customer: np.ndarray
    rate: int
    call_id: str = field(default_factory=lambda: f"sim-{uuid.uuid4().hex[:12]}")
    agent_id: str = "agent-1"


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


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """int16 at ``rate`` as int16 at ``target`` (unchanged when the rates match)."""
    if rate == target:
        return samples
    return soxr.resample(samples, rate, target, quality="HQ").astype(np.int16)


def to_ulaw(samples: np.ndarray, rate: int) -> bytes:
    """int16 at ``rate`` to 8 kHz mu-law bytes, as Twilio and AudioHook carry it."""
    return pcm16_to_ulaw(resample(samples, rate, TELEPHONY_RATE))


def interleave(first: np.ndarray, second: np.ndarray, fill: int = 0) -> np.ndarray:
    """Two mono tracks as one ``(n, 2)`` array, the shorter padded with ``fill``."""
    n = max(len(first), len(second))
    out = np.full((n, 2), fill, dtype=np.result_type(first, second))
    out[: len(first), 0] = first
    out[: len(second), 1] = second
    return out


def endpoint(base_url: str, path: str) -> str:
    """``base_url`` (``ws://host:port``) joined with an endpoint ``path``."""
    return f"{base_url.rstrip('/')}/{path.lstrip('/')}"


class Pacer:
    """Sleeps so frame ``n`` leaves at ``n * frame_s / speed`` (no sleep when speed is None)."""

    def __init__(self, frame_s: float, speed: float | None) -> None:
        self._step = frame_s / speed if speed else 0.0
        self._t0 = time.monotonic()

    async def wait(self, n: int) -> None:
        delay = self._t0 + n * self._step - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        elif n % _YIELD_EVERY_FRAMES == 0:
            await asyncio.sleep(0)

    async def frames(self, total: int, step: int) -> AsyncIterator[tuple[int, int]]:
        """``(n, offset)`` of each ``step``-sample frame of ``total`` samples, each on time."""
        for n, offset in enumerate(range(0, total, step)):
            await self.wait(n)
            yield n, offset


@dataclass
class Exchange:
    """One WebSocket call in progress: the connection, its pacing, replies and frames sent."""

    ws: ClientConnection
    pacer: Pacer
    replies: list[str] = field(default_factory=list)
    frames_sent: int = 0

    async def send_frame(self, message: str | bytes) -> None:
        """Send one audio frame (counted; control messages go through ``ws.send``)."""
        await self.ws.send(message)
        self.frames_sent += 1

    async def drain(self) -> None:
        """Collect text replies until the connection closes."""
        await self._collect(lambda reply: False)

    async def expect(self, key: str, value: str) -> bool:
        """Wait for a JSON text reply whose ``key`` is ``value``; False if the server closed first."""
        return await self._collect(lambda reply: json.loads(reply).get(key) == value)

    async def _collect(self, until: Callable[[str], bool]) -> bool:
        """Keep text replies until one satisfies ``until`` (True) or the connection closes (False)."""
        try:
            async for message in self.ws:
                if isinstance(message, str):
                    self.replies.append(message)
                    if until(message):
                        return True
        except ConnectionClosed:
            pass
        return False


async def run_exchange(url: str, body: Callable[[Exchange], Awaitable[None]], *, headers: dict[str, str],
                       speed: float | None, frame_ms: int, subprotocols: list[str] | None = None) -> StreamResult:
    """Connect to ``url``, run ``body`` and report how the server answered and closed."""
    async with connect(url, additional_headers=headers, max_size=None, open_timeout=OPEN_TIMEOUT_S,
                       subprotocols=subprotocols) as ws:
        exchange = Exchange(ws, Pacer(frame_ms / 1000, speed))
        try:
            await body(exchange)
        except ConnectionClosed:  # the server closed first: its code and reason say why
            pass
    return StreamResult(exchange.replies, ws.close_code, ws.close_reason or "", exchange.frames_sent)
