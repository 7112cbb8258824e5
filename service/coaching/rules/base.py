"""What every rule sees: one utterance, tokenised and matched against its pack.

Rules are small state machines fed in call time. Each gets every transcript
segment (partials included: a rule that counts turns ignores partials) and may
be told about voice activity (``on_speech``: who started or stopped talking,
which words alone cannot say, e.g. that a reply is over), call time moving
(``advance``), the end of the call (``finish``) and interruptions. None of them touches a clock or a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...core.events import Evidence, Interruption, Nudge, RuleOutput, SpeechEvent, TranscriptSegment
from ..phrases import Match, PhrasePack
from ..text import Token

from ..settings import CoachingSettings

__all__ = ["Output", "Utterance", "Rule"]

Output = RuleOutput


@dataclass(frozen=True, slots=True)
class Utterance:
    """A transcript segment with its tokens, the pack of its language and the call time it arrived."""

    segment: TranscriptSegment
    tokens: tuple[Token, ...]
    pack: PhrasePack
    now: float
    _found: dict[tuple[str, bool], list[Match]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def final(self) -> bool:
        return self.segment.final

    @property
    def by_agent(self) -> bool:
        return self.segment.speaker == "agent"

    def find(self, category: str, *, negatable: bool = True) -> list[Match]:
        """Matches of ``category`` (memoised: several rules ask for the same one)."""
        key = (category, negatable)
        if key not in self._found:
            self._found[key] = self.pack.find(category, self.tokens, negatable=negatable)
        return self._found[key]

    def first(self, category: str, *, negatable: bool = True) -> Match | None:
        found = self.find(category, negatable=negatable)
        return found[0] if found else None

    def quote(self, match: Match) -> str:
        return match.quote(self.segment.text, self.tokens)

    def evidence(self, match: Match | None = None) -> Evidence:
        """The segment's time span, quoting the matched words (or the whole text)."""
        text = self.quote(match) if match else self.segment.text
        return Evidence(self.segment.start, self.segment.end, text)

    def is_backchannel(self) -> bool:
        """Only backchannel words ("mm-hm", "right"): not a real turn."""
        covered: set[int] = set()
        for m in self.find("backchannel", negatable=False):
            covered.update(range(m.first, m.last + 1))
        return bool(self.tokens) and len(covered) == len(self.tokens)


class Rule:
    """Base of the coaching rules: every hook does nothing unless overridden."""

    def __init__(self, settings: CoachingSettings) -> None:
        self.settings = settings

    def on_utterance(self, utt: Utterance) -> list[Output]:
        """A transcript segment (partial or final) arrived at ``utt.now``."""
        return []

    def on_speech(self, event: SpeechEvent, now: float) -> list[Output]:
        """A party started or stopped talking; learned at call time ``now``."""
        return []

    def on_interruption(self, event: Interruption) -> None:
        """``event.by`` talked over the other party."""

    def advance(self, now: float) -> list[Output]:
        """Call time reached ``now``: raise anything whose deadline passed."""
        return []

    def finish(self, now: float) -> list[Output]:
        """The call ended at ``now``."""
        return []

    def nudge(self, kind: str, t: float, evidence: Evidence, *, escalated: bool = False) -> Nudge:
        severity = self.settings.escalated_severity if escalated else self.settings.severity[kind]
        return Nudge(kind, t=t, speaker="agent", severity=severity, evidence=evidence)
