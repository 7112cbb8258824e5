"""The bounded outbox and the reconnect backoff: sans-I/O, clock passed in.

Why an outbox in front of the MQTT client: the audio path must never wait on
the network, and a broker outage must not lose nudges. Every message goes into
this queue at once; the publisher's connection task drains it oldest-first and
removes a message only once the broker acknowledged it, so a message in flight
when the connection drops is sent again after reconnecting. What the queue may
lose is bounded and counted: nudges past their expiry (an agent must never see
a stale prompt) and, when full, the oldest QoS 0 message (else the oldest).
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

__all__ = ["Backoff", "Outbox", "Outgoing"]


@dataclass(frozen=True, slots=True, eq=False)
class Outgoing:
    """One message to publish. Compared by identity: two equal payloads are two messages.

    ``expires_at`` is on the outbox clock (the publisher's monotonic clock);
    ``coalesce`` marks state that only matters in its latest version (a retained
    per-agent state), so a newer message replaces a queued older one.
    """

    topic: str
    payload: bytes
    qos: int
    retain: bool = False
    expires_at: float | None = None
    content_type: str = "application/json"
    user_properties: tuple[tuple[str, str], ...] = ()
    coalesce: bool = False


class Outbox:
    """A FIFO of :class:`Outgoing` with a capacity, expiry and coalescing.

    Use: ``put`` from the producer; the sender calls ``next(now)``, publishes
    the message, then ``done(message)`` once it is acknowledged (or sent, for
    QoS 0). ``next`` returns the same message until ``done``.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("outbox capacity must be at least 1")
        self._capacity = capacity
        self._queue: deque[Outgoing] = deque()
        self.expired = 0  # dropped because they expired before they could be sent
        self.dropped = 0  # dropped because the outbox was full
        self.coalesced = 0  # replaced by a newer version on the same topic

    def __len__(self) -> int:
        return len(self._queue)

    def put(self, message: Outgoing) -> None:
        """Queue ``message`` behind everything already queued."""
        if message.coalesce:
            stale = [m for m in self._queue if m.coalesce and m.topic == message.topic]
            for old in stale:
                self._queue.remove(old)
            self.coalesced += len(stale)
        if len(self._queue) >= self._capacity:
            victim = next((m for m in self._queue if m.qos == 0), self._queue[0])
            self._queue.remove(victim)
            self.dropped += 1
        self._queue.append(message)

    def next(self, now: float) -> Outgoing | None:
        """The oldest message still worth sending at ``now``, or None; expired ones are dropped."""
        while self._queue:
            head = self._queue[0]
            if head.expires_at is None or head.expires_at > now:
                return head
            self._queue.popleft()
            self.expired += 1
        return None

    def done(self, message: Outgoing) -> None:
        """``message`` reached the broker: forget it (a no-op if it was replaced or dropped meanwhile)."""
        for i, queued in enumerate(self._queue):
            if queued is message:
                del self._queue[i]
                return


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential reconnect delays with jitter.

    ``delay(n)`` for the n-th consecutive failure (0-based) is
    ``min(max_s, base_s * 2**n)`` scaled by a random factor in
    ``[1 - jitter, 1]`` drawn from ``rng`` (seed it in tests).
    """

    base_s: float
    max_s: float
    jitter: float
    rng: random.Random

    def delay(self, attempt: int) -> float:
        raw = min(self.max_s, self.base_s * 2 ** min(attempt, 62))
        return raw * (1.0 - self.jitter * self.rng.random())
