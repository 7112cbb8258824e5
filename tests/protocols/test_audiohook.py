"""AudioHook adapter: open/opened negotiation, stereo audio, seq checks, pauses, close."""

from __future__ import annotations

import json

import numpy as np

from service.protocols import CallStart, CallStop, Fault, ProtocolError, Reply
from service.protocols.audiohook import AudioHookAdapter
from service.protocols.audiohook import PROBE_CONVERSATION

from .helpers import AudioHookClient, audio_totals, concat, make_adapter, tone, ulaw


def adapter() -> AudioHookAdapter:
    return make_adapter("audiohook")


def replies(events: list) -> list[dict]:
    return [json.loads(e.text) for e in events if isinstance(e, Reply)]


def stereo(external: np.ndarray, internal: np.ndarray) -> bytes:
    return np.stack([np.frombuffer(ulaw(external), np.uint8), np.frombuffer(ulaw(internal), np.uint8)], 1).tobytes()


def test_open_picks_the_stereo_pcmu_offer_and_starts_the_call():
    a, c = adapter(), AudioHookClient()
    events = a.receive_text(c.open())
    (opened,) = replies(events)
    assert opened["type"] == "opened" and opened["seq"] == 1 and opened["clientseq"] == 1
    assert opened["id"] == c.session
    assert opened["parameters"]["media"][0]["channels"] == ["external", "internal"]
    start = next(e for e in events if isinstance(e, CallStart))
    assert (start.call_id, start.agent_id, start.language) == ("conv-1", "bob", "en-US")


def test_external_is_customer_internal_is_agent():
    a, c = adapter(), AudioHookClient()
    a.receive_text(c.open())
    events = a.receive_bytes(stereo(tone(1600), np.zeros(1600, np.int16)))
    events += a.receive_text(c.msg("close", {"reason": "end"}))
    assert np.abs(concat(events, "customer")).max() > 1000
    assert np.abs(concat(events, "agent")).max() == 0
    assert replies(events)[-1]["type"] == "closed" and isinstance(events[-1], CallStop)


def test_ping_pong_and_update_updated_carry_sequence_numbers():
    a, c = adapter(), AudioHookClient()
    a.receive_text(c.open())
    (pong,) = replies(a.receive_text(c.msg("ping", {"rtt": "PT0.05S"})))
    (updated,) = replies(a.receive_text(c.msg("update", {"language": "el-GR"})))
    assert (pong["type"], pong["seq"], pong["clientseq"]) == ("pong", 2, 2)
    assert (updated["type"], updated["seq"], updated["clientseq"]) == ("updated", 3, 3)


def test_discarded_and_resumed_audio_is_filled_with_silence_on_both_parties():
    a, c = adapter(), AudioHookClient()
    a.receive_text(c.open())
    events = a.receive_bytes(stereo(tone(800), tone(800)))
    events += a.receive_text(c.msg("paused"))
    events += a.receive_text(c.msg("resumed", {"start": "PT0.1S", "discarded": "PT2.5S"}))
    events += a.receive_text(c.msg("discarded", {"start": "PT2.6S", "discarded": "PT0.5S"}))
    events += a.receive_text(c.msg("close", {"reason": "end"}))
    totals = audio_totals(events)
    assert totals["agent"] == totals["customer"] == round((0.1 + 2.5 + 0.5) * 16000)


def test_sequence_gap_or_repeat_disconnects_with_error():
    for bad_seq in (1, 3):
        a, c = adapter(), AudioHookClient()
        a.receive_text(c.open())
        events = a.receive_text(c.msg("ping", seq=bad_seq))
        assert replies(events)[-1]["type"] == "disconnect"
        assert replies(events)[-1]["parameters"]["reason"] == "error"
        assert isinstance(events[-1], ProtocolError) and events[-1].kind == "sequence"


def test_audio_before_open_and_unsupported_media_are_refused():
    err = adapter().receive_bytes(b"\xff\xff")[-1]
    assert (err.kind, err.code) == ("audio_before_open", Fault.PROTOCOL)
    events = adapter().receive_text(AudioHookClient().open(media=[
        {"type": "audio", "format": "L16", "channels": ["external", "internal"], "rate": 16000}]))
    assert replies(events)[0]["type"] == "disconnect"
    assert (events[-1].kind, events[-1].code) == ("unsupported_media", Fault.UNSUPPORTED)


def test_odd_length_stereo_frame_is_invalid():
    a, c = adapter(), AudioHookClient()
    a.receive_text(c.open())
    assert a.receive_bytes(b"\xff\xff\xff")[-1].code == Fault.INVALID


def test_connection_probe_is_answered_but_starts_no_call():
    a, c = adapter(), AudioHookClient()
    events = a.receive_text(c.open(conversation=PROBE_CONVERSATION))
    assert [r["type"] for r in replies(events)] == ["opened"]
    assert not any(isinstance(e, CallStart) for e in events)
    events = a.receive_text(c.msg("close", {"reason": "end"}))
    assert [r["type"] for r in replies(events)] == ["closed"] and a.stopped
