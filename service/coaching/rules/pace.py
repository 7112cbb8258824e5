"""pace: the agent talks much faster than the customer, and keeps doing it.

Agents should mirror the customer's language and pace. Rates are words per
minute of speech (words / seconds of the speaker's segments) over a sliding
window of call time; comparing with the customer's own rate makes the rule
work across languages whose words differ in length.

Three things real calls taught (tests/data/real): a customer dictating a card
number, a phone number or an address speaks slowly by nature, so those turns
are left out of the customer's rate; a rate measured on a two-word answer is
mostly the segment's edges, so short turns are left out of both; and one
quick explanation is not a pace problem, so the agent's rate is measured over
at least ``pace_min_agent_speech_s`` of their speech before the nudge.
"""

from __future__ import annotations

from collections import deque

from ...core.events import Evidence
from .base import Output, Rule, Utterance

__all__ = ["PaceRule"]

_SECONDS_PER_MINUTE = 60.0


class PaceRule(Rule):
    def __init__(self, settings) -> None:
        super().__init__(settings)
        self._history: deque[tuple[str, float, float, int]] = deque()  # speaker, start, end, words

    def on_utterance(self, utt: Utterance) -> list[Output]:
        seg = utt.segment
        if not utt.final or seg.end <= seg.start:
            return []
        if len(utt.tokens) >= self.settings.pace_min_turn_words and (utt.by_agent or not self._dictation(utt)):
            self._history.append((seg.speaker, seg.start, seg.end, len(utt.tokens)))
        while self._history and self._history[0][2] < utt.now - self.settings.pace_window_s:
            self._history.popleft()
        return self._check(utt.now) if utt.by_agent else []

    def _dictation(self, utt: Utterance) -> bool:
        """Digits, number words and spelled-out letters make up most of the turn."""
        numbers = utt.pack.numbers
        spelled = sum(1 for t in utt.tokens if t.norm.isdigit() or t.norm in numbers or len(t.norm) == 1)
        return bool(utt.tokens) and spelled >= self.settings.pace_dictation_share * len(utt.tokens)

    def _rate(self, speaker: str) -> tuple[int, float, float]:
        """Words, seconds of speech and words per minute of ``speaker`` in the window."""
        words = sum(w for s, _, _, w in self._history if s == speaker)
        seconds = sum(e - b for s, b, e, _ in self._history if s == speaker)
        return words, seconds, (words / seconds * _SECONDS_PER_MINUTE if seconds else 0.0)

    def _check(self, now: float) -> list[Output]:
        s = self.settings
        agent_words, agent_s, agent_wpm = self._rate("agent")
        customer_words, _, customer_wpm = self._rate("customer")
        if (
            agent_words < s.pace_min_agent_words
            or agent_s < s.pace_min_agent_speech_s
            or customer_words < s.pace_min_customer_words
            or agent_wpm < s.pace_ratio * customer_wpm
        ):
            return []
        start = min(b for sp, b, _, _ in self._history if sp == "agent")
        self._history.clear()  # the next pace nudge needs a fresh window of evidence
        text = f"agent {agent_wpm:.0f} wpm, customer {customer_wpm:.0f} wpm"
        return [self.nudge("pace", now, Evidence(start, now, text))]
