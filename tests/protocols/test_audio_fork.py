"""FreeSWITCH mod_audio_fork adapter: metadata first, stereo or one leg, refusals."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from service.protocols import CallStart, CallStop, Fault, Handshake, ProtocolError
from service.protocols.audio_fork import AudioForkSettings, authenticate

from .helpers import concat, make_adapter, tone


def metadata(**over) -> str:
    return json.dumps({"call_id": "fs-1", "agent_id": "a-9", "sample_rate": 8000, **over})


def stereo(left: np.ndarray, right: np.ndarray) -> bytes:
    return np.stack([left, right], 1).astype("<i2").tobytes()


@pytest.mark.parametrize("agent_channel, agent_is_left", [("right", False), ("left", True), (None, False)])
def test_stereo_fork_maps_callee_to_the_agent_by_default(agent_channel, agent_is_left):
    adapter = make_adapter("audio_fork")
    over = {} if agent_channel is None else {"agent_channel": agent_channel}
    (start,) = adapter.receive_text(metadata(language="el", **over))
    assert isinstance(start, CallStart) and start.parties == ("agent", "customer")
    assert (start.call_id, start.agent_id, start.language) == ("fs-1", "a-9", "el")
    left, right = tone(1600, freq=300), np.zeros(1600, np.int16)
    events = adapter.receive_bytes(stereo(left, right)) + adapter.connection_lost()
    loud = "agent" if agent_is_left else "customer"
    assert np.abs(concat(events, loud)).max() > 1000
    assert np.abs(concat(events, "customer" if loud == "agent" else "agent")).max() == 0
    assert isinstance(events[-1], CallStop) and adapter.ends_on_close


def test_a_mono_fork_is_one_party_leg():
    adapter = make_adapter("audio_fork")
    (start,) = adapter.receive_text(metadata(mix="mono", party="customer", sample_rate=16000))
    assert start.parties == ("customer",)
    x = tone(3200, rate=16000)
    events = adapter.receive_bytes(x.astype("<i2").tobytes()) + adapter.connection_lost()
    assert np.array_equal(concat(events, "customer"), x)


def test_text_after_the_metadata_is_noted_not_fatal():
    adapter = make_adapter("audio_fork")
    adapter.receive_text(metadata())
    (note,) = adapter.receive_text(json.dumps({"stop": True}))
    assert note.kind == "text_after_start" and not note.fatal


@pytest.mark.parametrize("first, kind, fault", [
    (metadata(mix="mixed"), "unsupported_media", Fault.UNSUPPORTED),
    (metadata(sample_rate=4000), "unsupported_media", Fault.UNSUPPORTED),
    (metadata(sample_rate="8k"), "unsupported_media", Fault.UNSUPPORTED),
    (metadata(mix="mono"), "bad_field", Fault.INVALID),  # a mono fork must say whose leg it is
    (metadata(agent_channel="middle"), "bad_field", Fault.INVALID),
    (metadata(call_id=""), "bad_field", Fault.INVALID),
    (json.dumps({"agent_id": "a"}), "missing_field", Fault.INVALID),
    ("{not json", "malformed_json", Fault.INVALID),
])
def test_bad_metadata_is_refused_with_a_reason(first, kind, fault):
    (error,) = make_adapter("audio_fork").receive_text(first)
    assert isinstance(error, ProtocolError) and (error.kind, error.code) == (kind, fault)


def test_audio_before_metadata_and_odd_bytes_are_refused():
    (error,) = make_adapter("audio_fork").receive_bytes(bytes(640))
    assert error.kind == "audio_before_start"
    adapter = make_adapter("audio_fork")
    adapter.receive_text(metadata())
    (error,) = adapter.receive_bytes(bytes(3))
    assert error.kind == "bad_audio"


def test_token_as_basic_password_bearer_or_query():
    settings = AudioForkSettings("s3cret")
    basic = "Basic " + base64.b64encode(b"freeswitch:s3cret").decode()
    assert authenticate(settings, Handshake("/audio_fork", {"Authorization": basic})) is None
    assert authenticate(settings, Handshake("/audio_fork", {"Authorization": "Bearer s3cret"})) is None
    assert authenticate(settings, Handshake("/audio_fork?token=s3cret", {})) is None
    wrong = "Basic " + base64.b64encode(b"freeswitch:nope").decode()
    assert authenticate(settings, Handshake("/audio_fork", {"Authorization": wrong})) is not None
    assert authenticate(settings, Handshake("/audio_fork", {"Authorization": "Basic %%%"})) is not None
