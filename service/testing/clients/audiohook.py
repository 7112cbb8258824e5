"""Genesys AudioHook client: an open/opened exchange, then interleaved stereo PCMU.

The protocol version is this client's own constant, not the server's, so the
two sides are checked against each other rather than against shared code.
"""

from __future__ import annotations

import json
import uuid

import numpy as np

from .common import TELEPHONY_RATE, Call, Exchange, StreamResult, endpoint, interleave, run_exchange, to_ulaw

__all__ = ["VERSION", "stream_audiohook"]

PATH = "/audiohook"
VERSION = "2"  # the AudioHook protocol version every message carries
ULAW_SILENCE = 0xFF  # mu-law byte for zero amplitude: pads the shorter channel
CHANNELS = ["external", "internal"]  # AudioHook's names: the customer first, then the agent


async def stream_audiohook(base_url: str, call: Call, *, speed: float | None = 1.0, frame_ms: int = 20,
                           token: str = "", language: str = "en-US") -> StreamResult:
    """Stream ``call`` as Genesys Cloud does; ``token`` is the API key (``X-API-KEY``), ``language`` the open's."""
    session = str(uuid.uuid4())
    headers = {"Audiohook-Session-Id": session, "Audiohook-Organization-Id": str(uuid.uuid4()),
               "Audiohook-Correlation-Id": str(uuid.uuid4())}
    if token:
        headers["X-API-KEY"] = token
    external, internal = (np.frombuffer(to_ulaw(x, call.rate), np.uint8) for x in (call.customer, call.agent))
    stereo = interleave(external, internal, fill=ULAW_SILENCE).tobytes()
    n_samples = max(len(external), len(internal))

    async def body(ex: Exchange) -> None:
        seq = 0

        async def send(kind: str, parameters: dict, position: float) -> None:
            nonlocal seq
            seq += 1
            await ex.ws.send(json.dumps({"version": VERSION, "id": session, "type": kind, "seq": seq,
                                         "serverseq": seq - 1, "position": f"PT{position:.3f}S",
                                         "parameters": parameters}))

        await send("open", {
            "organizationId": str(uuid.uuid4()), "conversationId": call.call_id,
            "participant": {"id": str(uuid.uuid4()), "ani": "+15550100", "aniName": "", "dnis": "+15550199"},
            "media": [{"type": "audio", "format": "PCMU", "channels": CHANNELS, "rate": TELEPHONY_RATE}],
            "language": language, "customConfig": {"agentId": call.agent_id},
        }, 0.0)
        if not await ex.expect("type", "opened"):
            return
        step = TELEPHONY_RATE * frame_ms // 1000
        async for _, offset in ex.pacer.frames(n_samples, step):
            await ex.send_frame(stereo[2 * offset:2 * (offset + step)])
        await send("close", {"reason": "end"}, n_samples / TELEPHONY_RATE)
        await ex.drain()

    return await run_exchange(endpoint(base_url, PATH), body, headers=headers, speed=speed, frame_ms=frame_ms)
