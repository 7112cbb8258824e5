"""`coach serve` driven by real WebSocket clients: the saved report matches `coach replay`.

For /stream the audio is the 16 kHz recording itself; for Twilio and AudioHook
it travels as 8 kHz mu-law, so the reference is `coach replay` of that same
telephony audio. Timing nudges must agree in kind and, within one 30 ms VAD
frame, in time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

from service.testing.clients import load_stereo, stream_call

from .conftest import TOKENS, assert_same_nudges

@pytest.mark.parametrize("protocol, reference", [("stream", "busy"), ("twilio", "busy_8k"), ("audiohook", "busy_8k")])
def test_live_report_matches_replay(server, synth_calls, replayed, protocol, reference):
    call = dataclasses.replace(load_stereo(synth_calls["busy"]), call_id=f"parity-{protocol}", agent_id="ag-9")
    result = asyncio.run(stream_call(server.url, protocol, call, speed=None, token=TOKENS[protocol]))
    assert result.close_code == 1000, result.close_reason
    live = json.loads(server.report(call.call_id).read_text())
    assert {n["kind"] for n in live["nudges"]} >= {"interruption", "dead_air"}
    assert_same_nudges(live, replayed[reference])
    assert live["call_id"] == call.call_id


def test_twilio_without_frames_for_a_silent_track_still_matches(server, synth_calls, replayed):
    call = dataclasses.replace(load_stereo(synth_calls["busy"]), call_id="parity-twilio-gaps")
    result = asyncio.run(stream_call(server.url, "twilio", call, speed=None, token=TOKENS["twilio"],
                                     twilio_skip_silent_track="outbound"))
    assert result.close_code == 1000
    full = result.frames_sent
    assert full < 2 * len(call.agent) // 320  # frames really were left out
    assert_same_nudges(json.loads(server.report(call.call_id).read_text()), replayed["busy_8k"])


def test_generic_client_gets_the_report_name(server, synth_calls):
    call = dataclasses.replace(load_stereo(synth_calls["short"]), call_id="named..call 1")
    result = asyncio.run(stream_call(server.url, "stream", call, speed=None, token=TOKENS["stream"]))
    stopped = result.json_replies()[-1]
    assert stopped["type"] == "stopped" and stopped["report"] == "named..call_1.coach.json"
    assert (server.reports / stopped["report"]).exists()


def test_an_id_that_cannot_be_a_topic_level_is_refused(server, synth_calls):
    call = dataclasses.replace(load_stereo(synth_calls["short"]), call_id="named/../call")
    result = asyncio.run(stream_call(server.url, "stream", call, speed=None, token=TOKENS["stream"]))
    assert result.close_code == 1007
    assert "call or agent id" in result.close_reason
