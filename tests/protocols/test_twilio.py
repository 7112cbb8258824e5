"""Twilio Media Streams adapter: lifecycle, track mapping, gaps, sequence and errors."""

from __future__ import annotations

import json

import numpy as np

from service.protocols import CallStart, CallStop, Fault, ProtocolError
from service.protocols.twilio import TwilioAdapter, twilio_signature

from .helpers import (
    audio_totals,
    concat,
    make_adapter,
    tone,
    twilio_media,
    twilio_start,
    ulaw,
)

FRAME = 160  # 20 ms at 8 kHz


def adapter(**server) -> TwilioAdapter:
    return make_adapter("twilio", **server)


def run_call(a: TwilioAdapter, frames: list[tuple[str, int]]) -> list:
    """Feed start, media (track, ms) of a tone, and stop; return every event."""
    events = a.receive_text(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
    events += a.receive_text(twilio_start())
    for seq, (track, ms) in enumerate(frames, start=2):
        events += a.receive_text(twilio_media(track, ulaw(tone(FRAME)), ms, seq))
    events += a.receive_text(json.dumps({"event": "stop", "sequenceNumber": str(len(frames) + 2)}))
    return events


def test_start_gives_call_identity_and_agent_from_custom_parameters():
    events = adapter().receive_text(twilio_start(agent="alice"))
    (start,) = events
    assert isinstance(start, CallStart)
    assert (start.call_id, start.agent_id) == ("CA1", "alice")
    assert start.metadata["streamSid"] == "MZ1"


def test_the_language_parameter_is_the_call_language_and_its_absence_leaves_it_open():
    (given,) = adapter().receive_text(twilio_start(language="el"))
    (absent,) = adapter().receive_text(twilio_start())
    (empty,) = adapter().receive_text(twilio_start(language=""))
    assert (given.language, absent.language, empty.language) == ("el", None, None)
    assert given.metadata["customParameters"]["language"] == "el"


def test_tracks_map_to_parties_and_both_end_equal_length():
    events = run_call(adapter(), [("inbound", 0), ("outbound", 0), ("inbound", 20), ("outbound", 20)])
    totals = audio_totals(events)
    assert totals["agent"] == totals["customer"] == 2 * 2 * FRAME  # 40 ms at 16 kHz
    assert isinstance(events[-1], CallStop)


def test_track_mapping_is_configurable_for_outbound_campaigns():
    a = adapter(twilio_inbound_speaker="agent", twilio_outbound_speaker="customer")
    events = a.receive_text(twilio_start()) + a.receive_text(twilio_media("inbound", ulaw(tone(FRAME)), 0, 2))
    events += a.receive_text(json.dumps({"event": "stop"}))
    assert np.abs(concat(events, "agent")).max() > 1000
    assert np.abs(concat(events, "customer")).max() == 0


def test_missing_frames_are_filled_by_timestamp():
    # outbound sends nothing for 1 s (silence not sent), then resumes
    frames = [("inbound", ms) for ms in range(0, 2000, 20)] + [("outbound", 0), ("outbound", 1000)]
    events = run_call(adapter(), sorted(frames, key=lambda f: f[1]))
    agent = concat(events, "agent")
    assert len(agent) == len(concat(events, "customer")) == 2 * 16000
    # the resumed outbound frame sits at 1.0 s, not right after the first frame
    loud = np.flatnonzero(np.abs(agent) > 1000)
    assert loud.min() < 800 and 15800 < loud[loud > 800].min() < 16800


def test_arrival_order_within_skew_does_not_change_output():
    frames = [(t, ms) for ms in range(0, 400, 20) for t in ("inbound", "outbound")]
    shuffled = [f for f in frames if f[0] == "inbound"][:5] + [f for f in frames if f not in
                [x for x in frames if x[0] == "inbound"][:5]]
    a, b = run_call(adapter(), frames), run_call(adapter(), shuffled)
    for speaker in ("agent", "customer"):
        assert np.array_equal(concat(a, speaker), concat(b, speaker))


def test_duplicate_sequence_is_dropped_and_reported():
    a = adapter()
    a.receive_text(twilio_start(seq=1))
    a.receive_text(twilio_media("inbound", ulaw(tone(FRAME)), 0, 2))
    again = a.receive_text(twilio_media("inbound", ulaw(tone(FRAME)), 0, 2))
    assert [e.kind for e in again] == ["duplicate_sequence"] and not again[0].fatal
    assert audio_totals(a.receive_text(json.dumps({"event": "stop"})))["customer"] == 2 * FRAME


def test_media_before_start_is_a_fatal_protocol_error():
    (err,) = adapter().receive_text(twilio_media("inbound", b"\xff" * FRAME, 0, 1))
    assert isinstance(err, ProtocolError) and err.fatal and err.code == Fault.PROTOCOL


def test_bad_base64_and_malformed_json_are_invalid_data():
    a = adapter()
    a.receive_text(twilio_start())
    bad = json.dumps({"event": "media", "media": {"track": "inbound", "timestamp": "0", "payload": "!!!"}})
    (err,) = a.receive_text(bad)
    assert (err.kind, err.code) == ("bad_base64", Fault.INVALID)
    (err,) = adapter().receive_text("{not json")
    assert (err.kind, err.code) == ("malformed_json", Fault.INVALID)


def test_wrong_media_format_is_unsupported():
    (err,) = adapter().receive_text(twilio_start(encoding="audio/l16"))
    assert (err.kind, err.code) == ("unsupported_media", Fault.UNSUPPORTED)


def test_unknown_event_is_counted_not_fatal_and_input_after_fatal_is_ignored():
    a = adapter()
    (note,) = a.receive_text(json.dumps({"event": "future-thing"}))
    assert note.kind == "unknown_event" and not note.fatal
    a.receive_bytes(b"\x00\x01")
    assert a.failed and a.receive_text(twilio_start()) == []


def test_client_vanishing_mid_call_flushes_equal_audio_and_stops():
    a = adapter()
    a.receive_text(twilio_start())
    a.receive_text(twilio_media("inbound", ulaw(tone(FRAME)), 0, 2))
    events = a.connection_lost()
    assert isinstance(events[-1], CallStop) and events[-1].reason == "disconnect"


def test_signature_matches_twilio_reference_vector():
    # HMAC-SHA1 of the URL keyed by the auth token, base64: computed independently with openssl
    assert twilio_signature("12345", "wss://example.com/twilio") == "4qZsm0/0bGQYw36gQ+0YyAX07W0="


def test_audio_later_than_the_skew_bound_is_dropped_and_counted():
    a = adapter()
    events = run_call(a, [("inbound", ms) for ms in range(0, 2000, 20)] + [("outbound", 0)])
    assert a.timeline.late_samples == FRAME
    assert np.abs(concat(events, "agent")).max() == 0
