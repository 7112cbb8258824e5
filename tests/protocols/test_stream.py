"""Generic /stream adapter: start/ack, encodings, channel order, stop, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from service.core.codecs import pcm16_to_ulaw
from service.protocols import CallStart, CallStop, Fault, ProtocolError, Reply
from service.protocols.stream import StreamAdapter

from .helpers import concat, make_adapter, tone


def adapter() -> StreamAdapter:
    return make_adapter("stream")


def start(**over) -> str:
    msg = {"type": "start", "call_id": "c1", "agent_id": "a1", "encoding": "pcm16", "sample_rate": 16000,
           "channels": 2, "agent_channel": "left"}
    return json.dumps({**msg, **over})


@pytest.mark.parametrize("agent_channel", ["left", "right"])
def test_pcm16_at_engine_rate_passes_through_exactly(agent_channel):
    a = adapter()
    events = a.receive_text(start(agent_channel=agent_channel))
    assert isinstance(events[0], CallStart) and json.loads(events[1].text) == {"type": "started", "call_id": "c1"}
    left, right = tone(3200, 16000), np.zeros(3200, np.int16)
    events = a.receive_bytes(np.stack([left, right], 1).astype("<i2").tobytes())
    events += a.receive_text(json.dumps({"type": "stop"}))
    agent = concat(events, "agent")
    assert np.array_equal(agent, left if agent_channel == "left" else right)
    assert isinstance(events[-1], CallStop)


def test_the_start_language_is_the_call_language():
    (given, _), (absent, _) = adapter().receive_text(start(language="lv")), adapter().receive_text(start())
    assert (given.language, absent.language) == ("lv", None)


@pytest.mark.parametrize("encoding", ["mulaw", "alaw"])
def test_g711_at_8k_is_decoded_and_resampled(encoding):
    a = adapter()
    a.receive_text(start(encoding=encoding, sample_rate=8000))
    x = tone(1600)
    payload = pcm16_to_ulaw(x) if encoding == "mulaw" else bytes(1600)
    interleaved = np.stack([np.frombuffer(payload, np.uint8)] * 2, 1).tobytes()
    events = a.receive_bytes(interleaved) + a.receive_text(json.dumps({"type": "stop"}))
    assert len(concat(events, "agent")) == len(concat(events, "customer")) == 3200


def test_stopped_reply_names_the_report():
    a = adapter()
    a.receive_text(start())
    (reply,) = a.call_finalised("c1.coach.json")
    assert json.loads(reply.text) == {"type": "stopped", "call_id": "c1", "report": "c1.coach.json"}


@pytest.mark.parametrize("message, kind, code", [
    (start(encoding="opus"), "unsupported_media", Fault.UNSUPPORTED),
    (start(channels=1), "unsupported_media", Fault.UNSUPPORTED),
    (start(sample_rate="8000"), "bad_field", Fault.INVALID),
    (start(agent_channel="middle"), "bad_field", Fault.INVALID),
    (json.dumps({"type": "start"}), "missing_field", Fault.INVALID),
    (json.dumps({"type": "dance"}), "unknown_message", Fault.PROTOCOL),
    (json.dumps([1, 2]), "malformed_json", Fault.INVALID),
    (json.dumps({"type": "stop"}), "stop_before_start", Fault.PROTOCOL),
])
def test_bad_messages_get_an_error_reply_and_close_code(message, kind, code):
    events = adapter().receive_text(message)
    error_reply, error = events[-2:]
    assert isinstance(error, ProtocolError) and (error.kind, error.code) == (kind, code)
    assert isinstance(error_reply, Reply) and json.loads(error_reply.text)["error"] == kind


def test_binary_before_start_and_torn_frames_are_refused():
    (_, err) = adapter().receive_bytes(b"\x00" * 8)
    assert (err.kind, err.code) == ("audio_before_start", Fault.PROTOCOL)
    a = adapter()
    a.receive_text(start())
    assert a.receive_bytes(b"\x00" * 6)[-1].code == Fault.INVALID
