"""The optional ``team`` beside the agent id: Twilio customParameters, AudioHook customConfig, /stream start."""

from __future__ import annotations

import json

from service.protocols import CallStart, ProtocolError

from .helpers import AudioHookClient, make_adapter, twilio_start


def _start(events: list) -> CallStart:
    return next(e for e in events if isinstance(e, CallStart))


def test_twilio_custom_parameter_team_reaches_the_call_metadata():
    message = json.loads(twilio_start(agent="alice"))
    message["start"]["customParameters"]["team"] = "billing"
    start = _start(make_adapter("twilio").receive_text(json.dumps(message)))
    assert start.agent_id == "alice" and start.metadata["team"] == "billing"
    assert "team" not in _start(make_adapter("twilio").receive_text(twilio_start())).metadata


def test_audiohook_custom_config_team_reaches_the_call_metadata():
    opened = json.loads(AudioHookClient().open(agent="bob"))
    opened["parameters"]["customConfig"]["team"] = "billing"
    start = _start(make_adapter("audiohook").receive_text(json.dumps(opened)))
    assert start.agent_id == "bob" and start.metadata["team"] == "billing"
    assert "team" not in _start(make_adapter("audiohook").receive_text(AudioHookClient().open())).metadata


def _stream(**over) -> list:
    msg = {"type": "start", "call_id": "c1", "agent_id": "a1", "encoding": "pcm16", "sample_rate": 16000,
           "channels": 2, "agent_channel": "left", **over}
    return make_adapter("stream").receive_text(json.dumps(msg))


def test_stream_start_team_is_optional_and_must_be_a_string():
    assert _start(_stream(team="billing")).metadata["team"] == "billing"
    assert "team" not in _start(_stream()).metadata
    (error,) = [e for e in _stream(team=7) if isinstance(e, ProtocolError)]
    assert error.kind == "bad_field" and "team" in error.reason
