"""Client of callcoach's own ``/stream`` protocol: a JSON start, interleaved pcm16, a JSON stop."""

from __future__ import annotations

import json

from .common import Call, Exchange, StreamResult, endpoint, interleave, run_exchange

__all__ = ["stream_pcm"]

PATH = "/stream"


async def stream_pcm(base_url: str, call: Call, *, speed: float | None = 1.0, frame_ms: int = 20,
                     token: str = "", language: str | None = None) -> StreamResult:
    """Stream ``call`` at its own rate, agent on the left; ``token`` is the bearer token, ``language`` the start's."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    stereo = interleave(call.agent, call.customer).astype("<i2")

    async def body(ex: Exchange) -> None:
        await ex.ws.send(json.dumps({"type": "start", "call_id": call.call_id, "agent_id": call.agent_id,
                                     "encoding": "pcm16", "sample_rate": call.rate, "channels": 2,
                                     "agent_channel": "left", **({"language": language} if language else {})}))
        if not await ex.expect("type", "started"):
            return
        step = call.rate * frame_ms // 1000
        async for _, offset in ex.pacer.frames(len(stereo), step):
            await ex.send_frame(stereo[offset:offset + step].tobytes())
        await ex.ws.send(json.dumps({"type": "stop"}))
        await ex.drain()

    return await run_exchange(endpoint(base_url, PATH), body, headers=headers, speed=speed, frame_ms=frame_ms)
