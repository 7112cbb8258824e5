"""Hold announcements ("one moment", "let me check"): tell the dynamics to wait longer.

Not a nudge: the dead-air detector of service.core switches to its hold
threshold after a ``HoldAnnounced``, and its nudge becomes "check back in".
"""

from __future__ import annotations

from ...core.events import HoldAnnounced
from .base import Output, Rule, Utterance

__all__ = ["HoldRule"]


class HoldRule(Rule):
    def on_utterance(self, utt: Utterance) -> list[Output]:
        match = utt.first("hold") if utt.by_agent else None
        return [HoldAnnounced(t=utt.now, evidence=utt.evidence(match))] if match else []
