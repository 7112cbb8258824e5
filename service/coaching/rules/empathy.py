"""Distress and what the agent does about it: policy_before_empathy, missing_empathy, empathy kudos.

Once the customer shows distress, the agent should acknowledge it before
facts, policy or blame: an upset customer who hears policy first feels unheard.
A distress *episode* opens on the customer's final words and closes on the
first acknowledgement or on the one nudge it earns (policy first, or a first
reply without acknowledgement), so one episode never nudges twice.

A raised voice (:class:`~service.core.voice.VoiceDistress`) is the second
sign, for calls whose words do not survive speech recognition: with
``voice_opens_episode`` it opens an episode too, but only when the customer
is not already known to be distressed, so a customer who stays loud after
the agent acknowledged them is not a new episode every few sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.events import Evidence, Interruption, Kudos, SpeechEvent, SpeechStarted
from ...core.voice import VoiceDistress
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
    source: str = "words"  # what opened it: "words" or "voice"


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
        self._last_distress: float | None = None  # the customer's last distress words
        self._last_voice: float | None = None  # the customer's last raised-voice verdict
        self._agent_interruptions: list[float] = []
        self._speaking = {"agent": False, "customer": False}

    def distressed(self, now: float) -> bool:
        """Whether the customer is distressed at ``now`` for the rules (open episode or recent distress).

        A raised voice counts only with ``voice_opens_episode``: the switch says
        whether the rules act on the voice at all.
        """
        if self._episode is not None or self._recent(self._last_distress, now):
            return True
        return self.settings.voice_opens_episode and self._recent(self._last_voice, now)

    def distress_source(self, now: float) -> str | None:
        """What shows the customer's distress at ``now``: "words", else "voice" (whatever the switch), else None."""
        if (self._episode is not None and self._episode.source == "words") or self._recent(self._last_distress, now):
            return "words"
        if self._episode is not None or self._recent(self._last_voice, now):
            return "voice"
        return None

    def _recent(self, t: float | None, now: float) -> bool:
        return t is not None and now - t <= self.settings.distress_memory_s

    def on_voice(self, event: VoiceDistress, now: float) -> list[Output]:
        """The customer's voice was raised (learned at ``now``): maybe open an episode (see the module docstring)."""
        opens = self.settings.voice_opens_episode and not self.distressed(now)
        self._last_voice = now
        if opens:
            interrupted = any(event.start <= t <= event.end for t in self._agent_interruptions)
            self._episode = _Episode(Evidence(event.start, event.end), opened_at=now, escalated=interrupted,
                                     source="voice")
        return []

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
