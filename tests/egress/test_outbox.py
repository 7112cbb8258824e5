"""The outbox and backoff: sans-I/O, no broker needed."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.egress import Backoff, Outbox, Outgoing


def msg(topic: str = "t", qos: int = 1, expires_at: float | None = None, coalesce: bool = False) -> Outgoing:
    return Outgoing(topic, topic.encode(), qos, expires_at=expires_at, coalesce=coalesce)


def drain(box: Outbox, now: float = 0.0) -> list[str]:
    out = []
    while (m := box.next(now)) is not None:
        out.append(m.topic)
        box.done(m)
    return out


def test_oldest_first_and_kept_until_done():
    box = Outbox(10)
    a, b = msg("a"), msg("b")
    box.put(a)
    box.put(b)
    assert box.next(0) is a and box.next(0) is a  # not acknowledged yet: offered again
    box.done(a)
    assert box.next(0) is b


def test_expired_messages_are_dropped_and_counted():
    box = Outbox(10)
    box.put(msg("old", expires_at=5.0))
    box.put(msg("forever"))
    box.put(msg("fresh", expires_at=50.0))
    assert drain(box, now=5.0) == ["forever", "fresh"]
    assert box.expired == 1


def test_full_outbox_drops_the_oldest_qos0_first_then_the_oldest():
    box = Outbox(3)
    for m in (msg("n1"), msg("t1", qos=0), msg("n2")):
        box.put(m)
    box.put(msg("n3"))
    assert box.dropped == 1
    box.put(msg("n4"))
    assert drain(box) == ["n2", "n3", "n4"]
    assert box.dropped == 2


def test_coalescing_keeps_only_the_latest_state_per_topic():
    box = Outbox(10)
    box.put(msg("state/a", coalesce=True))
    box.put(msg("nudge"))
    box.put(msg("state/b", coalesce=True))
    latest = msg("state/a", coalesce=True)
    box.put(latest)
    assert drain(box) == ["nudge", "state/b", "state/a"]
    assert box.coalesced == 1


def test_done_on_a_replaced_message_is_harmless():
    box = Outbox(10)
    in_flight = msg("state", coalesce=True)
    box.put(in_flight)
    assert box.next(0) is in_flight
    box.put(msg("state", coalesce=True))  # replaces it while it is being sent
    box.done(in_flight)
    assert len(box) == 1


@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from([0, 1]), st.booleans()), max_size=60),
       st.integers(min_value=1, max_value=8))
def test_bounded_and_order_preserving(puts, capacity):
    box = Outbox(capacity)
    order = []
    for i, (topic, qos, coalesce) in enumerate(puts):
        m = Outgoing(topic, str(i).encode(), qos, coalesce=coalesce)
        order.append(m)
        box.put(m)
        assert len(box) <= capacity
    sent = []
    while (m := box.next(0)) is not None:
        sent.append(order.index(m))
        box.done(m)
    assert sent == sorted(sent)
    assert len(sent) + box.dropped + box.coalesced == len(puts)


def test_backoff_doubles_up_to_the_cap_with_jitter_from_the_rng():
    backoff = Backoff(base_s=0.5, max_s=4.0, jitter=0.5, rng=random.Random(7))
    reference = random.Random(7)
    delays = [backoff.delay(n) for n in range(6)]
    raw = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert delays == [r * (1 - 0.5 * reference.random()) for r in raw]
    assert all(r / 2 <= d <= r for d, r in zip(delays, raw))


def test_backoff_without_jitter_is_exact():
    backoff = Backoff(base_s=1.0, max_s=10.0, jitter=0.0, rng=random.Random())
    assert [backoff.delay(n) for n in (0, 1, 3, 100)] == [1.0, 2.0, 8.0, 10.0]


def test_capacity_must_be_positive():
    with pytest.raises(ValueError):
        Outbox(0)
