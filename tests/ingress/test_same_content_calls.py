"""A live call whose two channels carry one mix of both parties is ended with a clear error; other calls go on.

Through a real `coach serve`: the mixed call is real speech (tests/data/speech,
public domain and CC0) in a realistic conversation
(:mod:`service.testing.real_calls`), sent with the same audio on both
channels; a normal synthesized call streams beside it at the same time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from service.testing.clients import Call, StreamResult, load_stereo, stream_call
from service.testing.clients.common import Pacer, endpoint, interleave
from service.testing.real_calls import load_clips, realistic_call

from .conftest import TOKENS
from .test_server_hardening import http_get
from .test_server_lifecycle import metric

SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"
UNSUPPORTED = 1003  # Fault.UNSUPPORTED: media we do not take


@pytest.fixture(scope="module")
def mixed() -> Call:
    """The first 40 s of a real conversation mixed to one track, sent as stereo with both channels equal."""
    call = realistic_call(load_clips(SPEECH, ("en", "lv")), seed=5)
    mono = np.clip(np.round((call.agent + call.customer) * 32768), -32768, 32767).astype(np.int16)[:40 * 16000]
    return Call(agent=mono, customer=mono.copy(), rate=16000, call_id="mixed-call")


async def stream_listening(base_url: str, call: Call, *, speed: float, token: str) -> StreamResult:
    """``/stream`` a call while reading the server's replies, so an error sent mid-call is not missed.

    (The shared test client reads replies only after its last frame, and the
    server ends this call long before that.)
    """
    replies: list[str] = []
    stereo = interleave(call.agent, call.customer).astype("<i2")
    step = call.rate // 50  # 20 ms frames
    async with connect(endpoint(base_url, "/stream"), additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        await ws.send(json.dumps({"type": "start", "call_id": call.call_id, "agent_id": call.agent_id,
                                  "encoding": "pcm16", "sample_rate": call.rate, "channels": 2}))

        async def read() -> None:
            async for message in ws:
                replies.append(str(message))

        reader = asyncio.create_task(read())
        sent = 0
        try:
            async for _, offset in Pacer(0.02, speed).frames(len(stereo), step):
                await ws.send(stereo[offset:offset + step].tobytes())
                sent += 1
            await ws.send(json.dumps({"type": "stop"}))
        except ConnectionClosed:
            pass
        try:
            await reader
        except ConnectionClosed:
            pass
    return StreamResult(replies, ws.close_code, ws.close_reason or "", sent)


def test_same_audio_on_both_channels_ends_the_call_while_a_parallel_call_completes(server, synth_calls, mixed):
    normal = dataclasses.replace(load_stereo(synth_calls["busy"]), call_id="normal-beside-mixed")
    errors_before = metric(http_get(server.http + "/metrics")[2], 'callcoach_errors_total{endpoint="stream",'
                                                                  'type="same_content"}')

    async def both():
        return await asyncio.gather(stream_listening(server.url, mixed, speed=4.0, token=TOKENS["stream"]),
                                    stream_call(server.url, "stream", normal, speed=2.0, token=TOKENS["stream"]))

    refused, completed = asyncio.run(both())
    assert refused.close_code == UNSUPPORTED and "same audio" in refused.close_reason
    assert [r["type"] for r in refused.json_replies()] == ["started", "error", "stopped"]
    error = refused.json_replies()[1]
    assert error["error"] == "same_content"
    assert "both channels carry the same audio" in error["reason"] and "its own channel" in error["reason"]
    assert refused.json_replies()[2]["report"] == "mixed-call.coach.json"
    report = json.loads(server.report(mixed.call_id).read_text())
    assert report["channels"]["same_content"] is True
    assert [w["kind"] for w in report["warnings"]] == ["same_content"]
    assert report["duration"] < len(mixed.agent) / mixed.rate - 5.0  # ended early, not at the stop
    after = metric(http_get(server.http + "/metrics")[2], 'callcoach_errors_total{endpoint="stream",'
                                                          'type="same_content"}')
    assert after == errors_before + 1

    assert completed.close_code == 1000
    beside = json.loads(server.report(normal.call_id).read_text())
    assert [n["kind"] for n in beside["nudges"]] == ["interruption", "dead_air"]
    assert beside["channels"]["same_content"] is False and "warnings" not in beside


@pytest.mark.parametrize("protocol", ["audiohook", "twilio"])
def test_telephony_protocols_end_a_same_content_call_too(server, mixed, protocol):
    """Each protocol's connection is closed with the code and reason, and the report says why."""
    call = dataclasses.replace(mixed, call_id=f"mixed-{protocol}")
    result = asyncio.run(stream_call(server.url, protocol, call, speed=None, token=TOKENS[protocol]))
    assert result.close_code == UNSUPPORTED and "same audio" in result.close_reason
    report = json.loads(server.report(call.call_id).read_text())
    assert report["channels"]["same_content"] is True and report["warnings"][0]["kind"] == "same_content"
