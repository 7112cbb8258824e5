"""Asterisk AudioSocket adapter: framing over a byte stream, one party per leg, errors."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from service.protocols import CallStart, CallStop, Fault, ProtocolError
from service.protocols.audiosocket import AUDIO_RATES, Kind, canonical_uuid, frame

from .helpers import concat, make_adapter, tone

CALL = uuid.UUID("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f")
SLIN8 = 0x10
SLIN16 = 0x12


def leg(party: str = "customer"):
    return make_adapter("audiosocket", party=party)


def session(samples: np.ndarray, kind: int = SLIN8, frame_samples: int = 160) -> bytes:
    body = b"".join(frame(kind, samples[i:i + frame_samples].astype("<i2").tobytes())
                    for i in range(0, len(samples), frame_samples))
    return frame(Kind.UUID, CALL.bytes) + body + frame(Kind.HANGUP)


@pytest.mark.parametrize("party", ["agent", "customer"])
def test_a_leg_starts_with_its_uuid_and_carries_only_its_party(party):
    events = leg(party).receive_bytes(session(tone(1600)))
    start = events[0]
    assert isinstance(start, CallStart)
    assert start.call_id == str(CALL) and start.parties == (party,) and start.agent_id == ""
    assert len(concat(events, party)) == 3200  # 8 kHz in, engine rate (16 kHz) out
    assert len(concat(events, "customer" if party == "agent" else "agent")) == 0
    assert isinstance(events[-1], CallStop) and events[-1].reason == "hangup"


def test_any_split_of_the_byte_stream_gives_the_same_audio():
    data = session(tone(1600, freq=300))
    whole = concat(leg().receive_bytes(data), "customer")
    for step in (1, 2, 3, 7, 161, 4096):
        adapter = leg()
        events = [e for i in range(0, len(data), step) for e in adapter.receive_bytes(data[i:i + step])]
        assert np.array_equal(concat(events, "customer"), whole), step


def test_sixteen_khz_audio_passes_through_at_the_engine_rate():
    x = tone(3200, rate=16000)
    events = leg().receive_bytes(session(x, SLIN16, 320))
    assert np.array_equal(concat(events, "customer"), x)


def test_dtmf_is_ignored_and_asterisk_errors_are_noted():
    adapter = leg()
    events = adapter.receive_bytes(frame(Kind.UUID, CALL.bytes) + frame(Kind.DTMF, b"5") + frame(Kind.ERROR, b"\x02"))
    notes = [e for e in events if isinstance(e, ProtocolError)]
    assert [(n.kind, n.fatal) for n in notes] == [("client_error", False)]
    assert not adapter.failed


@pytest.mark.parametrize("data, kind, fault", [
    (frame(SLIN8, bytes(320)), "audio_before_start", Fault.PROTOCOL),
    (frame(Kind.UUID, b"short"), "bad_field", Fault.INVALID),
    (frame(Kind.UUID, CALL.bytes) + frame(Kind.UUID, CALL.bytes), "duplicate_start", Fault.PROTOCOL),
    (frame(Kind.UUID, CALL.bytes) + frame(0x42, b"x"), "unknown_message", Fault.PROTOCOL),
    (frame(Kind.UUID, CALL.bytes) + frame(SLIN8, bytes(3)), "bad_audio", Fault.INVALID),
    (frame(Kind.UUID, CALL.bytes) + frame(0x17, bytes(320)), "unsupported_media", Fault.UNSUPPORTED),
    (frame(Kind.UUID, CALL.bytes) + frame(SLIN8, bytes(320)) + frame(SLIN16, bytes(640)), "unsupported_media",
     Fault.UNSUPPORTED),
])
def test_malformed_legs_fail_with_a_clear_error(data, kind, fault):
    adapter = leg()
    events = adapter.receive_bytes(data)
    error = events[-1]
    assert isinstance(error, ProtocolError) and error.fatal
    assert (error.kind, error.code) == (kind, fault)
    assert adapter.receive_bytes(frame(SLIN8, bytes(320))) == []  # a failed leg ignores the rest


def test_a_truncated_message_waits_for_the_rest_and_text_is_refused():
    adapter = leg()
    assert adapter.receive_bytes(frame(Kind.UUID, CALL.bytes)[:10]) == []
    assert isinstance(adapter.receive_bytes(frame(Kind.UUID, CALL.bytes)[10:])[0], CallStart)
    (error,) = leg().receive_text("hello")
    assert error.kind == "malformed_frame"


def test_registration_ids_are_made_canonical_and_rates_match_the_kinds():
    assert canonical_uuid(str(CALL).upper()) == str(CALL)
    with pytest.raises(ValueError, match="UUID"):
        canonical_uuid("not-a-uuid")
    assert AUDIO_RATES[SLIN8] == 8000 and AUDIO_RATES[SLIN16] == 16000


def test_a_leg_needs_its_party():
    with pytest.raises(ValueError, match="party"):
        leg(party=None)
