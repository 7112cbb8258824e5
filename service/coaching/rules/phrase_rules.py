"""Rules that one agent utterance decides on its own: runaround, brush_off, blame, contradiction, jargon.

They act on partial segments too, so a nudge can reach the agent mid-turn; the
engine drops the repeat when the final of the same utterance arrives.
"""

from __future__ import annotations

from ..phrases import Match
from .base import Output, Rule, Utterance

__all__ = ["PhraseRule", "JargonRule"]


class PhraseRule(Rule):
    """Raise ``kind`` when an agent utterance matches ``category`` (not negated).

    ``unless`` names a category that cancels the nudge in the same utterance:
    a transfer the agent owns ("I'll stay on the line while I transfer you")
    is not a brush-off, and a form the agent fills in on the customer's
    behalf ("I've filled in the form for you") is not a runaround.
    """

    def __init__(self, settings, kind: str, category: str, unless: str = "") -> None:
        super().__init__(settings)
        self.kind, self.category, self.unless = kind, category, unless

    def on_utterance(self, utt: Utterance) -> list[Output]:
        if not utt.by_agent:
            return []
        match = utt.first(self.category)
        if match is None or (self.unless and utt.first(self.unless) is not None):
            return []
        return [self.nudge(self.kind, utt.now, utt.evidence(match))]


class JargonRule(Rule):
    """Raise ``jargon`` for terms of the pack's jargon list, unless the customer used them first."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self._customer_terms: set[str] = set()

    def on_utterance(self, utt: Utterance) -> list[Output]:
        matches = utt.find("jargon", negatable=False)
        if not utt.by_agent:
            self._customer_terms.update(m.phrase for m in matches)
            return []
        fresh: list[Match] = [m for m in matches if m.phrase not in self._customer_terms]
        return [self.nudge("jargon", utt.now, utt.evidence(fresh[0]))] if fresh else []
