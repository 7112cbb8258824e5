"""Hold announcements: tell the dynamics how long the coming silence may be.

Not a nudge: the dead-air detector of service.core gives the next silence
the hold's allowance after a ``HoldAnnounced``, and its nudge becomes "check
back in". "One second" and "let me pull that up" (category ``hold``) buy a
short allowance; an announced longer wait ("it may take a minute", "I'll put
you on hold", category ``hold_long``) a long one. Real agents say "one
second" and then work for a quarter of a minute, which customers notice. The
customer can hold the line too ("hang on, it's by the front door"): the
silence is theirs, so it gets the long allowance.
"""

from __future__ import annotations

from ...core.events import HoldAnnounced
from .base import Output, Rule, Utterance

__all__ = ["HoldRule"]


class HoldRule(Rule):
    def on_utterance(self, utt: Utterance) -> list[Output]:
        if not utt.final:
            return []
        announced_long = utt.first("hold_long")
        match = announced_long or utt.first("hold")
        if match is None:
            return []
        # A customer who says "hang on, let me find my card" owes the next word and
        # may take a while: the long allowance, until they speak again.
        long = announced_long is not None or not utt.by_agent
        return [HoldAnnounced(t=utt.now, evidence=utt.evidence(match), long=long, by=utt.segment.speaker)]
