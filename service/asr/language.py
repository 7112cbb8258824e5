"""Per-call language: given, or detected on the first confident utterances, held, and re-checked.

Why hold it: Whisper detects the language afresh on every window, and on short
or accented utterances it drifts ("ok" decoded as Welsh, Latvian as
Lithuanian). A call rarely changes language, so once ``agreeing_utterances``
confident detections agree, the language is fixed and passed to every decode.

Why re-check it: a detected language can be wrong from the start (a Latvian
caller whose first words were English names), and a decode in the wrong
language garbles every later utterance. Whisper still reports what it hears
when it decodes with a given language (``TranscriptionResult.detected_language``),
so once ``recheck_utterances`` confident detections in a row disagree with a
detected language, detection re-opens (those detections count as its first
votes) and the call may switch. A language the telephony side or the
configuration gave is never re-opened: it is the operator's word.

Pure state machine: one per call, fed results and call times, no model and no clock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .settings import AsrSettings
from .transcriber import TranscriptionResult

__all__ = ["LanguageEvidence", "LanguageSwitch", "LanguageTracker"]

_ROUND = 3  # report times to the millisecond


@dataclass(frozen=True, slots=True)
class LanguageSwitch:
    """Detection re-opened at call time ``at``: ``to`` is what it settled on (None: nothing by the call's end)."""

    at: float
    from_language: str
    to_language: str | None

    def to_dict(self) -> dict:
        return {"at": round(self.at, _ROUND), "from": self.from_language, "to": self.to_language}


@dataclass(frozen=True, slots=True)
class LanguageEvidence:
    """What the tracker saw: confident detections per language over the call, when detection fixed, its re-checks."""

    votes: dict[str, int]
    fixed_at: float | None
    switches: tuple[LanguageSwitch, ...]

    def to_dict(self) -> dict:
        return {
            "votes": dict(sorted(self.votes.items())),
            "fixed_at": None if self.fixed_at is None else round(self.fixed_at, _ROUND),
            "switches": [s.to_dict() for s in self.switches],
        }


class LanguageTracker:
    """Decides the language to decode a call's next utterance with."""

    def __init__(self, settings: AsrSettings, configured: str | None = None) -> None:
        self._settings = settings.language
        self._given = bool(configured)
        self._held: str | None = configured or None
        self._votes: Counter[str] = Counter()  # every confident detection of the call (evidence)
        self._round: Counter[str] = Counter()  # confident detections since detection (re-)opened
        self._against: Counter[str] = Counter()  # consecutive confident detections disagreeing with the held one
        self._fixed_at: float | None = None
        self._switches: list[LanguageSwitch] = []

    @property
    def language(self) -> str | None:
        """The held language, or None while still detecting."""
        return self._held

    @property
    def detected(self) -> bool:
        """True when the held language was fixed by detection (not given)."""
        return self._held is not None and not self._given

    def hint(self) -> str | None:
        """What to pass as ``language`` to the next ``transcribe`` (None = let Whisper detect)."""
        return self._held

    def evidence(self) -> LanguageEvidence:
        return LanguageEvidence(dict(self._votes), self._fixed_at, tuple(self._switches))

    def observe(self, result: TranscriptionResult, duration_s: float | None = None, *, at: float = 0.0) -> None:
        """Count ``result``'s detection if it is confident: towards fixing the language, or against a detected one.

        ``duration_s`` is the utterance length (when omitted, the result's
        window); ``at`` is the call time the utterance ended, for the evidence.
        Rejected results do not count, nor does the language of a decode that
        was given one (only its ``detected_language``).
        """
        detection = self._detection(result)
        if detection is None:
            return
        s = self._settings
        language, probability = detection
        seconds = result.window_s if duration_s is None else duration_s
        if probability < s.min_probability or seconds < s.min_utterance_s:
            return
        if s.languages and language not in s.languages:
            return
        self._votes[language] += 1
        if self._given:
            return
        if self._held is None:
            self._vote(language, at)
        elif language == self._held:
            self._against.clear()
        else:
            self._against[language] += 1
            if s.recheck_utterances and self._against.total() >= s.recheck_utterances:
                self._reopen(at)

    def _detection(self, result: TranscriptionResult) -> tuple[str, float] | None:
        if result.rejected:
            return None
        if result.detected_language:
            return result.detected_language, result.detected_probability
        if self._held is None and result.language:  # decoded without a hint: its language is a detection
            return result.language, result.language_probability
        return None

    def _vote(self, language: str, at: float) -> None:
        self._round[language] += 1
        self._settle(at)

    def _settle(self, at: float) -> None:
        """Fix the language this round of detection agrees on, once ``agreeing_utterances`` say it."""
        leader = self._round.most_common(1)
        if not leader or leader[0][1] < self._settings.agreeing_utterances:
            return
        self._held, self._fixed_at = leader[0][0], at
        self._round.clear()
        if self._switches and self._switches[-1].to_language is None:
            last = self._switches[-1]
            self._switches[-1] = LanguageSwitch(last.at, last.from_language, self._held)

    def _reopen(self, at: float) -> None:
        """The disagreeing streak re-opens detection as its first votes (so it may fix a new language at once)."""
        assert self._held is not None
        self._switches.append(LanguageSwitch(at, self._held, None))
        self._held = None
        self._round, self._against = self._against, Counter()
        self._settle(at)
