"""The turn-taking engine fed voice activity frame by frame: exact call times.

Activity is given per 30 ms frame (receive_activity), so every expected time is
an exact multiple of the frame: the nudge must land on the frame at which its
condition first holds, never earlier (no look-ahead) and never a frame later.
"""

from __future__ import annotations

import math

import pytest

from service.core import CallSession, SessionSettings
from service.config import load_config

FRAME = 0.03


def frames(seconds: float) -> int:
    return round(seconds / FRAME)


def snap(seconds: float) -> float:
    """``seconds`` on the frame grid, as the engine sees a span edge."""
    return frames(seconds) * FRAME


def activity(spans: list[tuple[float, float]], total: float) -> list[bool]:
    """Per-frame voiced flags for speech spans given in seconds."""
    flags = [False] * frames(total)
    for a, b in spans:
        for k in range(frames(a), frames(b)):
            flags[k] = True
    return flags


def run(agent, customer, total, overrides=None, chunk=None):
    config = load_config(overrides=overrides or {})
    session = CallSession(SessionSettings.from_config(config), transcribe=False)
    a, c = activity(agent, total), activity(customer, total)
    step = chunk or len(a)
    emitted = []
    for i in range(0, len(a), step):
        session.receive_activity("agent", a[i : i + step])
        session.receive_activity("customer", c[i : i + step])
        emitted.extend(session.events_to_send())
    session.finish()
    emitted.extend(session.events_to_send())
    return session, emitted


def test_interruption_raised_at_overlap_start_plus_minimum(config):
    min_overlap = config["dynamics"]["min_overlap_s"]
    # customer talks 1.0-6.0; agent barges in at 3.0 and talks over for 2 s
    session, out = run(agent=[(3.0, 5.0)], customer=[(1.0, 6.0)], total=8.0)
    nudges = [n for n in out if getattr(n, "kind", "") == "interruption"]
    assert len(nudges) == 1
    expected = math.ceil(round(min_overlap / FRAME, 6)) * FRAME + 3.0
    assert nudges[0].t == pytest.approx(expected, abs=1e-9)
    assert nudges[0].t - (3.0 + min_overlap) < FRAME + 1e-9
    assert nudges[0].evidence.start == pytest.approx(3.0)
    assert session.result().metrics.interruptions_by_agent == 1


def test_backchannel_is_not_an_interruption():
    # a 0.4 s "mm-hm" inside the customer's turn
    session, out = run(agent=[(3.0, 3.4)], customer=[(1.0, 6.0)], total=8.0)
    assert not [n for n in out if getattr(n, "kind", "") == "interruption"]
    m = session.result().metrics
    assert m.interruptions_by_agent == 0
    assert m.overtalk_s == pytest.approx(snap(3.4) - snap(3.0))


def test_customer_over_agent_is_counted_not_nudged():
    session, out = run(agent=[(1.0, 6.0)], customer=[(3.0, 5.0)], total=8.0)
    assert not [n for n in out if getattr(n, "kind", "") == "interruption"]
    m = session.result().metrics
    assert m.interruptions_by_customer == 1
    assert m.interruptions_by_agent == 0
    assert m.overtalk_s == pytest.approx(snap(5.0) - snap(3.0))


def test_agent_answering_after_customer_stops_is_not_an_interruption():
    # the customer stops at 3.0; the agent starts at 3.05 (within the customer's hang-over)
    _, out = run(agent=[(3.06, 6.0)], customer=[(1.0, 3.0)], total=8.0)
    assert not [n for n in out if getattr(n, "kind", "") == "interruption"]


@pytest.mark.parametrize("last, key", [("customer", "dead_air_s"), ("agent", "dead_air_after_agent_s")])
def test_dead_air_threshold_depends_on_who_owes_the_next_word(config, last, key):
    threshold = config["dynamics"][key]
    first, second = [(0.5, 2.0)], [(2.0 + threshold + 3.0, 2.0 + threshold + 4.0)]
    spans = {last: first, ("agent" if last == "customer" else "customer"): second}
    total = 2.0 + threshold + 5.0
    session, out = run(agent=spans["agent"], customer=spans["customer"], total=total)
    dead = [n for n in out if getattr(n, "kind", "") == "dead_air"]
    assert len(dead) == 1
    silence_start = snap(2.0)
    assert silence_start + threshold - 1e-9 <= dead[0].t < silence_start + threshold + FRAME
    assert dead[0].evidence.start == pytest.approx(silence_start)
    m = session.result().metrics
    assert m.longest_silence_s == pytest.approx(snap(second[0][0]) - silence_start)
    # the trailing 1 s silence did not raise dead air: dead_air_s is the one long gap only
    assert m.dead_air_s == pytest.approx(snap(second[0][0]) - silence_start)


def test_a_silence_just_under_the_threshold_is_no_dead_air(config):
    threshold = config["dynamics"]["dead_air_s"]
    _, out = run(agent=[(2.0 + threshold - 0.1, 12.0)], customer=[(0.5, 2.0)], total=13.0)
    assert not [n for n in out if getattr(n, "kind", "") == "dead_air"]


def test_two_long_silences_in_a_row_both_raise_dead_air(config):
    threshold = config["dynamics"]["dead_air_s"]
    second = 2.0 + threshold + 1.0
    _, out = run(agent=[(second - 0.5, second)], customer=[(0.5, 2.0), (second + 0.5, second + 1.0)],
                 total=second + 1.0 + threshold + 1.0)
    assert len([n for n in out if getattr(n, "kind", "") == "dead_air"]) == 2


def test_overlap_is_measured_on_speech_not_on_the_hang_over():
    # the agent starts at 3.0; the customer's last voiced frame is at 3.6 (0.6 s of
    # real overlap); the customer's hang-over alone would stretch it past 0.8 s
    _, out = run(agent=[(3.0, 6.0)], customer=[(1.0, 3.6)], total=8.0)
    assert not [n for n in out if getattr(n, "kind", "") == "interruption"]


def test_no_dead_air_before_first_word_or_below_threshold():
    _, out = run(agent=[(8.0, 9.0), (12.0, 13.0)], customer=[(9.5, 11.0)], total=14.0)
    assert not [n for n in out if getattr(n, "kind", "") == "dead_air"]


def test_talk_metrics():
    session, _ = run(agent=[(0.0, 3.0), (6.0, 7.5)], customer=[(3.3, 6.0)], total=8.0)
    m = session.result().metrics
    agent_s, customer_s = snap(3.0) + snap(7.5) - snap(6.0), snap(6.0) - snap(3.3)
    assert m.agent_talk_s == pytest.approx(agent_s)
    assert m.customer_talk_s == pytest.approx(customer_s)
    assert m.talk_ratio_agent == pytest.approx(agent_s / (agent_s + customer_s))
    assert m.longest_silence_s == pytest.approx(snap(8.0) - snap(7.5))  # the trailing silence
    assert m.dead_air_s == 0


@pytest.mark.parametrize("chunk", [1, 7, 33, 100])
def test_rechunking_gives_identical_results(chunk):
    spans = dict(agent=[(3.0, 5.0), (14.0, 15.0)], customer=[(1.0, 6.0), (15.5, 20.0)], total=22.0)
    _, whole = run(**spans)
    _, chunked = run(**spans, chunk=chunk)
    assert whole == chunked


def test_cooldown_holds_back_repeated_nudges():
    # two interruptions 5 s apart; the interruption cooldown (15 s) keeps the second off screen
    session, out = run(agent=[(2.0, 4.0), (7.0, 9.0)], customer=[(1.0, 10.0)], total=12.0)
    assert len([n for n in out if getattr(n, "kind", "") == "interruption"]) == 1
    result = session.result()
    assert result.metrics.interruptions_by_agent == 2
    assert result.suppressed == {"interruption": 1}


def test_disabled_kind_never_fires():
    _, out = run(agent=[(15.0, 16.0)], customer=[(0.5, 2.0)], total=17.0,
                 overrides={"nudges": {"disabled": ["dead_air"]}})
    assert not [n for n in out if getattr(n, "kind", "") == "dead_air"]


def test_live_state_reports_the_current_silence():
    config = load_config()
    session = CallSession(SessionSettings.from_config(config), transcribe=False)
    session.receive_activity("agent", activity([(0.9, 3.0)], 6.0))
    session.receive_activity("customer", activity([], 6.0))
    state = session.live_state()
    assert state["silence_s"] == pytest.approx(6.0 - 3.0)
    assert state["customer_distress"] is False
    assert state["metrics"]["agent_talk_s"] == pytest.approx(2.1)
    session.receive_activity("agent", activity([(0.0, 1.2)], 1.2))
    session.receive_activity("customer", activity([], 1.2))
    assert session.live_state()["silence_s"] == 0.0  # the agent is talking again
