"""Typed events shared by the engine, the rules and the edges.

Every time is *call time*: seconds since the call started, derived from the
number of samples received (never the wall clock), so a replay at any speed
produces the same events as the live call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "SPEAKERS",
    "Speaker",
    "Severity",
    "Evidence",
    "Nudge",
    "Kudos",
    "SpeechSegment",
    "TranscriptSegment",
    "Interruption",
    "DeadAir",
    "HoldAnnounced",
    "ClosingSaid",
    "ConversationResumed",
    "SpeechStarted",
    "SpeechEnded",
    "SpeechEvent",
    "RuleOutput",
    "other_speaker",
]

Speaker = Literal["agent", "customer"]
SPEAKERS: tuple[Speaker, Speaker] = ("agent", "customer")
Severity = Literal["info", "warn", "alert"]


def other_speaker(speaker: Speaker) -> Speaker:
    """The other party of a two-party call."""
    return "customer" if speaker == "agent" else "agent"


def _r(t: float) -> float:
    """Round a call time for reports: millisecond resolution, stable output."""
    return round(t, 3)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What justifies a nudge: a span of call time and, for text rules, the words."""

    start: float
    end: float
    text: str = ""

    def to_dict(self) -> dict:
        out: dict = {"start": _r(self.start), "end": _r(self.end)}
        if self.text:
            out["text"] = self.text
        return out


@dataclass(frozen=True, slots=True)
class Nudge:
    """A coaching prompt for the agent, raised at call time ``t``.

    ``t`` is when the condition became true live; it is never earlier than
    ``evidence.end`` for text rules, nor earlier than the threshold crossing for
    timing rules. ``variant`` selects an alternative message (for example
    ``after_hold`` for dead air after an announced hold).
    """

    kind: str
    t: float
    speaker: Speaker
    severity: Severity
    evidence: Evidence
    message: str = ""
    variant: str = ""

    def to_dict(self) -> dict:
        out = {
            "kind": self.kind,
            "t": _r(self.t),
            "speaker": self.speaker,
            "severity": self.severity,
            "message": self.message,
            "evidence": self.evidence.to_dict(),
        }
        if self.variant:
            out["variant"] = self.variant
        return out


@dataclass(frozen=True, slots=True)
class Kudos:
    """Positive reinforcement: a good move by the agent (empathy, thanks...)."""

    kind: str
    t: float
    evidence: Evidence
    message: str = ""

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "t": _r(self.t), "evidence": self.evidence.to_dict()}
        if self.message:
            out["message"] = self.message
        return out


@dataclass(frozen=True, slots=True)
class SpeechSegment:
    """A stretch of voice activity on one channel, as closed by the VAD."""

    speaker: Speaker
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class TranscriptSegment:
    """Words of one utterance of one party.

    ``final`` segments replace any earlier partials with the same
    ``utterance_id``; rules may act on partials (to fire mid-turn) but must not
    act twice on the same words when the final arrives.
    """

    speaker: Speaker
    start: float
    end: float
    text: str
    language: str = ""
    final: bool = True
    utterance_id: int = 0

    def to_dict(self) -> dict:
        return {
            "speaker": self.speaker,
            "start": _r(self.start),
            "end": _r(self.end),
            "text": self.text,
            "language": self.language,
        }


@dataclass(frozen=True, slots=True)
class Interruption:
    """``by`` started talking over the other party, who was mid-turn.

    Raised at ``t`` = ``overlap_start`` + the minimum overlap, the moment the
    overlap stops being a plausible backchannel.
    """

    t: float
    by: Speaker
    overlap_start: float


@dataclass(frozen=True, slots=True)
class DeadAir:
    """Both parties silent since ``silence_start``; raised when the threshold is met."""

    t: float
    silence_start: float
    after_hold: bool = False


@dataclass(frozen=True, slots=True)
class HoldAnnounced:
    """A party announced a hold at call time ``t``.

    The dynamics then allow the next silence longer: a short hold ("one
    second", "let me pull that up") buys a short allowance, an announced long
    one ("let me check, it may take a minute") a long one (``long``).
    """

    t: float
    evidence: Evidence = field(default_factory=lambda: Evidence(0.0, 0.0))
    long: bool = False
    by: Speaker = "agent"  # a customer's "hang on, let me find my card" holds the line too


@dataclass(frozen=True, slots=True)
class ClosingSaid:
    """The call is closing at ``t`` (goodbyes, thanks for calling, the closing
    question answered with a no): timing nudges stop until it resumes."""

    t: float
    evidence: Evidence = field(default_factory=lambda: Evidence(0.0, 0.0))


@dataclass(frozen=True, slots=True)
class ConversationResumed:
    """After a closing, someone said something substantive at ``t`` ("oh, one more thing")."""

    t: float


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """Voice activity: ``speaker`` started talking at ``start`` (backdated to the first voiced frame)."""

    speaker: Speaker
    start: float


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    """Voice activity: ``speaker``'s turn that began at ``start`` ended at ``end`` (last voiced frame)."""

    speaker: Speaker
    start: float
    end: float


SpeechEvent = SpeechStarted | SpeechEnded
# What the coaching rules hand back to the session: nudges and kudos to publish,
# and the signals that change the timing dynamics.
RuleOutput = Nudge | Kudos | HoldAnnounced | ClosingSaid | ConversationResumed
