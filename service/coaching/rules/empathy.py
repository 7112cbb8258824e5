"""Distress and what the agent does about it: policy_before_empathy, missing_empathy, empathy kudos.

Once the customer shows distress, the agent should acknowledge it before
facts, policy or blame: an upset customer who hears policy first feels unheard.
A distress *episode* opens on the customer's final words and closes on the
first acknowledgement or on the one nudge it earns (policy first, or a first
reply without acknowledgement), so one episode never nudges twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.events import Evidence, Interruption, Kudos, SpeechEvent, SpeechStarted
from ..phrases import Match
from .base import Output, Rule, Utterance

__all__ = ["EmpathyRule"]


@dataclass(slots=True)
class _Episode:
    evidence: Evidence  # the customer's distress
    opened_at: float
    escalated: bool = False
    replied: bool = False  # the agent has said words (not a backchannel) since the distress
    reply_end: float | None = None  # the agent fell silent then (last voiced frame), mid-reply


class EmpathyRule(Rule):
    """Tracks distress episodes; raises policy_before_empathy, missing_empathy and empathy kudos.

    The agent's *first reply* after distress decides. The reply is over when
    the agent, having said words, falls silent and the customer speaks, or
    the silence reaches ``reply_gap_s``; voice activity (``on_speech``) tells
    when, so a short "Okay." followed by more words is one reply, and the
    nudge comes while the agent can still act on it.
    """

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self._episode: _Episode | None = None
        self._last_distress: float | None = None
        self._agent_interruptions: list[float] = []
        self._speaking = {"agent": False, "customer": False}

    def distressed(self, now: float) -> bool:
        """Whether the customer is distressed at ``now`` (open episode or recent distress)."""
        if self._episode is not None:
            return True
        return self._last_distress is not None and now - self._last_distress <= self.settings.distress_memory_s

    def on_interruption(self, event: Interruption) -> None:
        if event.by != "agent":
            return
        self._agent_interruptions.append(event.t)
        if self._episode is not None:
            self._episode.escalated = True

    def on_speech(self, event: SpeechEvent, now: float) -> list[Output]:
        speaking = isinstance(event, SpeechStarted)
        self._speaking[event.speaker] = speaking
        episode = self._episode
        if episode is None or not episode.replied:
            return []
        if event.speaker == "agent":
            episode.reply_end = None if speaking else event.end
            if not speaking and self._speaking["customer"]:
                return self._missing(now)  # the customer already has the floor
            return self.advance(now)
        if speaking and not self._speaking["agent"]:
            return self._missing(now)
        return self.advance(now)

    def on_utterance(self, utt: Utterance) -> list[Output]:
        if utt.by_agent:
            return self._agent(utt) if utt.final and not utt.is_backchannel() else []
        distress = utt.first("distress")
        if distress is None:
            return []
        self._last_distress = utt.now
        if utt.final:
            self._open(utt, distress)
        return []

    def _open(self, utt: Utterance, distress: Match) -> None:
        if self._episode is not None:  # distress repeated while unacknowledged
            self._episode.escalated = True
            return
        seg = utt.segment
        interrupted = any(seg.start <= t <= seg.end for t in self._agent_interruptions)
        self._episode = _Episode(utt.evidence(distress), opened_at=utt.now, escalated=interrupted)

    def _acknowledgement(self, utt: Utterance) -> Match | None:
        other = [(m.first, m.last) for m in utt.find("false_acknowledgement", negatable=False)]
        for m in utt.find("acknowledgement"):
            if not any(a <= m.last and m.first <= b for a, b in other):
                return m
        return None

    def _agent(self, utt: Utterance) -> list[Output]:
        episode = self._episode
        if episode is None:
            return []
        ack = self._acknowledgement(utt)
        policy = utt.first("policy", negatable=False)
        if policy is not None and (ack is None or policy.first < ack.first):
            self._episode = None
            return [self.nudge("policy_before_empathy", utt.now, utt.evidence(policy), escalated=episode.escalated)]
        if ack is not None:
            self._episode = None
            return [Kudos("empathy", t=utt.now, evidence=utt.evidence(ack))]
        if utt.first("false_acknowledgement", negatable=False) is not None:
            return []  # "sorry, you cut out, could you repeat?": the distress was not heard yet
        episode.replied = True
        if not self._speaking["agent"]:
            episode.reply_end = utt.segment.end
        return []

    def _missing(self, t: float) -> list[Output]:
        episode = self._episode
        assert episode is not None
        self._episode = None
        end = max(t if episode.reply_end is None else episode.reply_end, episode.evidence.end)
        evidence = Evidence(episode.evidence.start, end, episode.evidence.text)
        return [self.nudge("missing_empathy", t, evidence, escalated=episode.escalated)]

    def advance(self, now: float) -> list[Output]:
        episode = self._episode
        if episode is None or episode.reply_end is None or self._speaking["agent"]:
            return []
        deadline = episode.reply_end + self.settings.reply_gap_s
        return self._missing(deadline) if now >= deadline else []

    def finish(self, now: float) -> list[Output]:
        if self._episode is None or not self._episode.replied:
            return []
        return self._missing(now)
