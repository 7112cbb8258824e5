"""CoachingEngine: transcript segments and call time in, nudges and kudos out.

Sans-I/O: the caller (the live CallSession or transcript replay) feeds final
and partial segments stamped in call time, tells it about interruptions and
about time moving, and gets events back. The engine owns no clock and no
cooldowns (the gate of service.core applies those to every kind).
"""

from __future__ import annotations

from .kinds import build_rules
from .loader import load_packs
from .phrases import PhrasePack
from .rules import EmpathyRule, Output, Rule, Utterance
from .settings import CoachingSettings
from .text import tokenize
from ..core.events import (
    ClosingSaid,
    ConversationResumed,
    HoldAnnounced,
    Interruption,
    Kudos,
    Nudge,
    SpeechEvent,
    TranscriptSegment,
)
from ..core.voice import VoiceDistress

__all__ = ["CoachingEngine"]

_SIGNAL_KEYS = {HoldAnnounced: "hold", ClosingSaid: "closing", ConversationResumed: "resumed"}


def _key(item: Output) -> str:
    """What an output is, for "a final never repeats what its partials raised"."""
    return _SIGNAL_KEYS.get(type(item)) or item.kind


class CoachingEngine:
    """Runs every coaching rule of the kind catalogue for one call, in the call's language.

    ``packs`` defaults to the shipped phrase packs of ``settings`` (loaded once
    per process); tests pass their own.
    """

    def __init__(self, settings: CoachingSettings, language: str = "en", packs: dict[str, PhrasePack] | None = None):
        self._settings = settings
        self._packs = packs if packs is not None else load_packs(settings)
        if settings.fallback_language not in self._packs:
            raise ValueError(f"no phrase pack for the fallback language {settings.fallback_language!r}")
        self._language = settings.fallback_language
        self.set_language(language)
        self._rules: tuple[Rule, ...] = build_rules(settings)
        self._empathy = next(rule for rule in self._rules if isinstance(rule, EmpathyRule))
        # kinds already raised on partials of an utterance, so its final does not repeat them
        self._from_partials: dict[tuple[str, int], set[str]] = {}

    @property
    def language(self) -> str:
        return self._language

    def set_language(self, language: str) -> None:
        """Switch the call's language (e.g. once ASR detected it); unknown codes use the fallback pack."""
        base = language.split("-")[0].lower() if language else ""
        self._language = base if base in self._packs else self._settings.fallback_language

    def _pack_for(self, segment: TranscriptSegment) -> PhrasePack:
        base = segment.language.split("-")[0].lower() if segment.language else ""
        return self._packs.get(base) or self._packs[self._language]

    def on_transcript(self, segment: TranscriptSegment, now: float) -> list[Output]:
        """Feed one transcript segment that became available at call time ``now`` (>= its end).

        Partial segments may raise phrase nudges mid-turn; the final segment of
        the same utterance never raises a kind again.
        """
        pack = self._pack_for(segment)
        utt = Utterance(segment, tokenize(segment.text, pack.language), pack, now)
        out = [item for rule in self._rules for item in rule.on_utterance(utt)]
        key = (segment.speaker, segment.utterance_id)
        if segment.final:
            seen = self._from_partials.pop(key, set())
            out = [item for item in out if _key(item) not in seen]
        else:
            self._from_partials.setdefault(key, set()).update(_key(item) for item in out)
        return sorted(out, key=lambda item: item.t)

    def on_speech(self, event: SpeechEvent, now: float) -> list[Output]:
        """A voice-activity boundary learned at call time ``now`` (lets rules tell when a reply is over)."""
        return sorted((item for rule in self._rules for item in rule.on_speech(event, now)), key=lambda item: item.t)

    def on_interruption(self, event: Interruption) -> None:
        """An interruption detected by the dynamics (lets rules escalate severity)."""
        for rule in self._rules:
            rule.on_interruption(event)

    def on_voice(self, event: VoiceDistress, now: float) -> list[Output]:
        """The customer's raised voice, judged by the session at call time ``now`` (a second distress signal)."""
        return self._empathy.on_voice(event, now)

    def advance(self, now: float) -> list[Nudge | Kudos]:
        """Call time reached ``now``: raise time-driven nudges whose deadline passed."""
        return sorted((item for rule in self._rules for item in rule.advance(now)), key=lambda item: item.t)

    def finish(self, now: float) -> list[Nudge | Kudos]:
        """The call ended at ``now``: raise what is still pending (e.g. distress never acknowledged)."""
        out = [item for rule in self._rules for item in rule.advance(now)]
        out += [item for rule in self._rules for item in rule.finish(now)]
        return sorted(out, key=lambda item: item.t)

    def customer_distressed(self, now: float) -> bool:
        """Whether the customer is distressed at ``now`` (the caller escalates interruptions then)."""
        return self._empathy.distressed(now)

    def customer_distress_source(self, now: float) -> str | None:
        """What shows the customer's distress at ``now`` for the display's mood: "words", "voice" or None."""
        return self._empathy.distress_source(now)
