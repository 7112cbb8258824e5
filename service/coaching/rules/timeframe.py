"""no_timeframe: a follow-up promise without a time or date.

Customers should be told when they will hear back. A promise opens a
short grace period (``timeframe_grace_s``) because live segments end at short
pauses and the time often follows ("I'll call you back. By Friday."). The nudge
is raised when the grace period expires, at that call time.
"""

from __future__ import annotations

from ...core.events import Evidence
from .base import Output, Rule, Utterance

__all__ = ["TimeframeRule"]


class TimeframeRule(Rule):
    def __init__(self, settings) -> None:
        super().__init__(settings)
        self._pending: tuple[float, Evidence] | None = None  # (deadline, promise)

    def on_utterance(self, utt: Utterance) -> list[Output]:
        if not (utt.by_agent and utt.final):
            return self.advance(utt.now)
        out = self.advance(utt.now)
        has_time = utt.first("timeframe", negatable=False) is not None
        if has_time:
            self._pending = None
            return out
        promise = utt.first("follow_up")
        if promise is not None and self._pending is None:
            self._pending = (utt.now + self.settings.timeframe_grace_s, utt.evidence(promise))
        return out

    def advance(self, now: float) -> list[Output]:
        if self._pending is None or now < self._pending[0]:
            return []
        return self._fire(self._pending[0])

    def finish(self, now: float) -> list[Output]:
        return self._fire(min(now, self._pending[0])) if self._pending else []

    def _fire(self, t: float) -> list[Output]:
        assert self._pending is not None
        evidence = self._pending[1]
        self._pending = None
        return [self.nudge("no_timeframe", max(t, evidence.end), evidence)]
