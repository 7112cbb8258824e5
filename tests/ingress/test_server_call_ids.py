"""Call ids name report files: a reused or colliding id is refused instead of overwriting a report."""

from __future__ import annotations

import asyncio
import dataclasses
import json

from service.testing.clients import load_stereo, stream_call

from .conftest import TOKENS


def test_a_reused_or_colliding_call_id_is_refused_and_the_first_report_kept(server, synth_calls):
    call = dataclasses.replace(load_stereo(synth_calls["short"]), call_id="dup call 1")
    first = asyncio.run(stream_call(server.url, "stream", call, speed=None, token=TOKENS["stream"]))
    assert first.close_code == 1000
    saved = server.report("dup_call_1").read_text()

    again = asyncio.run(stream_call(server.url, "stream", call, speed=None, token=TOKENS["stream"]))
    same_file = dataclasses.replace(call, call_id="dup_call_1")  # another id, the same report file name
    colliding = asyncio.run(stream_call(server.url, "stream", same_file, speed=None, token=TOKENS["stream"]))
    for refused in (again, colliding):
        assert refused.close_code == 1007 and "already has a report" in refused.close_reason
    assert server.report("dup_call_1").read_text() == saved
    assert json.loads(saved)["call_id"] == "dup call 1"


def test_a_second_open_call_with_the_same_or_a_colliding_id_is_refused(server, synth_calls):
    call = dataclasses.replace(load_stereo(synth_calls["short"]), call_id="twin 1")

    async def three():
        first = asyncio.create_task(stream_call(server.url, "stream", call, speed=1.0, token=TOKENS["stream"]))
        await asyncio.sleep(1.0)
        same = await stream_call(server.url, "stream", call, speed=None, token=TOKENS["stream"])
        colliding = await stream_call(server.url, "stream", dataclasses.replace(call, call_id="twin_1"), speed=None,
                                      token=TOKENS["stream"])
        return await first, same, colliding

    first, same, colliding = asyncio.run(three())
    assert first.close_code == 1000
    assert same.close_code == 1007 and "is already in progress" in same.close_reason
    assert colliding.close_code == 1007 and "collides with a call in progress" in colliding.close_reason
