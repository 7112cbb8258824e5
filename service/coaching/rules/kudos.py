"""Kudos for the good moves: thanks, confirmation questions, using the customer's name.

(The empathy kudos belongs to the empathy rule, which knows about distress.)
Each kind is raised once per call: praise that repeats stops meaning anything,
and the gate spaces kudos further.
"""

from __future__ import annotations

from ...core.events import Kudos
from ..phrases import Match
from .base import Output, Rule, Utterance

__all__ = ["KudosRule"]

# A name used with a different ending still counts (vocative "Γιώργο", Latvian
# "Jāni", Turkish "Ayşe'ciğim"): compare this many leading letters at most.
_NAME_STEM = 4
# Letters spelled out after "it's" ("It's H A R T") are captured like a name
# but are spelling, not a name: a one-letter "name" would match every word
# that starts with that letter.
_MIN_NAME_LETTERS = 2


class KudosRule(Rule):
    def __init__(self, settings) -> None:
        super().__init__(settings)
        self._given: set[str] = set()
        self._names: set[str] = set()

    def on_utterance(self, utt: Utterance) -> list[Output]:
        if not utt.final:
            return []
        if not utt.by_agent:
            self._names.update(
                name
                for m in utt.find("name_intro", negatable=False)
                for name in m.capture.split()
                if len(name) >= _MIN_NAME_LETTERS
            )
            return []
        out: list[Output] = []
        for kind, category in (("thanks", "thanks"), ("confirmation", "confirmation")):
            match = utt.first(category, negatable=False)
            if match is not None and kind not in self._given:
                self._given.add(kind)
                out.append(Kudos(kind, t=utt.now, evidence=utt.evidence(match)))
        name = self._name_used(utt)
        if name is not None and "customer_name" not in self._given:
            self._given.add("customer_name")
            out.append(Kudos("customer_name", t=utt.now, evidence=utt.evidence(name)))
        return out

    def _name_used(self, utt: Utterance) -> Match | None:
        for i, token in enumerate(utt.tokens):
            for name in self._names:
                if token.norm.startswith(name[:_NAME_STEM]) and abs(len(token.norm) - len(name)) <= _NAME_STEM - 1:
                    return Match("name", name, i, i)
        return None
