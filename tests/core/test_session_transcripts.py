"""How transcripts meet the rules: call-time stamps, ordering, superseded partials.

The rules here are a recorder (the real coaching engine is tested in
tests/coaching); the session is fed voice activity frame by frame, so every
request time is exact.
"""

from __future__ import annotations

import pytest

from service.config import load_config
from service.core import CallSession, Nudge, SessionSettings, TranscriptSegment
from service.core.events import Evidence

FRAME = 0.03
HANGOVER = load_config()["vad"]["hangover_s"]


class RecordingRules:
    """Implements the session's Rules protocol; logs what it sees and when."""

    def __init__(self, fire_on: str = ""):
        self.log: list[tuple] = []
        self.fire_on = fire_on

    def on_transcript(self, seg: TranscriptSegment, now: float):
        self.log.append(("text", seg.text, seg.final, round(now, 6)))
        if self.fire_on and self.fire_on in seg.text:
            return [Nudge("jargon", now, "agent", "info", Evidence(seg.start, seg.end, seg.text))]
        return []

    def on_speech(self, event, now: float):
        self.log.append(("speech", type(event).__name__, event.speaker, round(now, 6)))
        return []

    def on_interruption(self, ev):
        self.log.append(("interruption", ev.by))

    def advance(self, now: float):
        self.log.append(("advance", round(now, 6)))
        return []

    def finish(self, now: float):
        self.log.append(("finish", round(now, 6)))
        return []

    def customer_distressed(self, now: float) -> bool:
        return False

    def clock(self) -> float:
        return max(entry[1] for entry in self.log if entry[0] == "advance")


def flags(spans, total):
    out = [False] * round(total / FRAME)
    for a, b in spans:
        for k in range(round(a / FRAME), round(b / FRAME)):
            out[k] = True
    return out


def session_with(rules, overrides=None):
    config = load_config(overrides=overrides or {"utterances": {"partial_every_s": 0.0}})
    return CallSession(SessionSettings.from_config(config), rules=rules, transcribe=True)


def feed(session, agent, customer, start, end):
    a, b = round(start / FRAME), round(end / FRAME)
    session.receive_activity("agent", agent[a:b])
    session.receive_activity("customer", customer[a:b])


def test_final_request_is_issued_when_the_vad_closes_the_utterance():
    rules = RecordingRules()
    session = session_with(rules)
    agent, customer = flags([(0.9, 3.0)], 6.0), flags([], 6.0)
    feed(session, agent, customer, 0, 6.0)
    (request,) = session.transcription_requests()
    assert request.partial is False
    assert (request.start, request.end) == pytest.approx((0.9, 3.0))
    assert request.issued_at == pytest.approx(3.0 + HANGOVER, abs=1e-9)


def test_rules_clock_waits_for_an_undecoded_utterance_and_text_is_stamped_at_close():
    rules = RecordingRules(fire_on="synergy")
    session = session_with(rules)
    agent, customer = flags([(0.9, 3.0)], 10.0), flags([], 10.0)
    feed(session, agent, customer, 0, 8.1)
    (request,) = session.transcription_requests()
    # decoding is slow: call time ran on to 8.1 s, the rules clock stopped at the close
    assert rules.clock() <= request.issued_at + 1e-9
    session.receive_transcript(request, "let us leverage synergy", "en")
    assert ("text", "let us leverage synergy", True, round(request.issued_at, 6)) in rules.log
    (nudge,) = [e for e in session.events_to_send() if isinstance(e, Nudge) and e.kind == "jargon"]
    assert nudge.t == pytest.approx(request.issued_at)
    assert rules.clock() == pytest.approx(8.1)


def test_results_arriving_out_of_order_reach_the_rules_in_close_order():
    rules = RecordingRules()
    session = session_with(rules)
    agent, customer = flags([(1.0, 2.0)], 8.0), flags([(3.0, 4.0)], 8.0)
    feed(session, agent, customer, 0, 8.0)
    first, second = session.transcription_requests()
    session.receive_transcript(second, "customer words", "en")
    assert not [e for e in rules.log if e[0] == "text"]
    session.receive_transcript(first, "agent words", "en")
    texts = [e[1] for e in rules.log if e[0] == "text"]
    assert texts == ["agent words", "customer words"]
    assert [s.text for s in session.events_to_send() if isinstance(s, TranscriptSegment)] == texts


def test_partials_mid_turn_and_superseded_partials_are_dropped():
    rules = RecordingRules()
    session = session_with(rules, {"utterances": {"partial_every_s": 2.1}})
    agent, customer = flags([(0.9, 8.1)], 10.2), flags([], 10.2)
    feed(session, agent, customer, 0, 3.6)
    (p1,) = session.transcription_requests()
    assert p1.partial and p1.issued_at == pytest.approx(3.0)
    assert rules.clock() <= 3.0 + 1e-9  # the rules wait for the partial
    feed(session, agent, customer, 3.6, 5.7)
    (p2,) = session.transcription_requests()
    assert p2.partial and p2.issued_at == pytest.approx(5.1)
    session.receive_transcript(p1, "old partial", "en")  # superseded by p2: dropped
    session.receive_transcript(p2, "newer partial", "en")
    feed(session, agent, customer, 5.7, 10.2)
    requests = session.transcription_requests()
    final = [r for r in requests if not r.partial][0]
    session.receive_transcript(final, "the whole turn", "en")
    texts = [(e[1], e[2]) for e in rules.log if e[0] == "text"]
    assert texts == [("newer partial", False), ("the whole turn", True)]
    assert [s.text for s in session.result().transcript] == ["the whole turn"]


def test_finish_closes_open_turns_and_runs_end_of_call_rules_after_the_last_text():
    rules = RecordingRules()
    session = session_with(rules)
    agent, customer = flags([(1.0, 4.0)], 4.0), flags([], 4.0)
    feed(session, agent, customer, 0, 4.0)
    session.finish()
    (request,) = session.transcription_requests()
    assert not [e for e in rules.log if e[0] == "finish"]
    session.receive_transcript(request, "last words", "en")
    kinds = [e[0] for e in rules.log]
    assert kinds.index("text") < kinds.index("finish")
    assert kinds.count("finish") == 1
