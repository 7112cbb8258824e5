"""Per-call language: configured, or detected on the first confident utterances and held.

Why hold it: Whisper detects the language afresh on every window, and on short
or accented utterances it drifts ("ok" decoded as Welsh, Latvian as
Lithuanian). A call rarely changes language, so once ``agreeing_utterances``
confident detections agree, the language is fixed and passed to every decode.
Pure state machine: one per call, fed results, no model and no clock.
"""

from __future__ import annotations

from collections import Counter

from .settings import AsrSettings
from .transcriber import TranscriptionResult

__all__ = ["LanguageTracker"]


class LanguageTracker:
    """Decides the language to decode a call's next utterance with."""

    def __init__(self, settings: AsrSettings, configured: str | None = None) -> None:
        self._settings = settings.language
        self._held: str | None = configured or None
        self._votes: Counter[str] = Counter()

    @property
    def language(self) -> str | None:
        """The held language, or None while still detecting."""
        return self._held

    def hint(self) -> str | None:
        """What to pass as ``language`` to the next ``transcribe`` (None = let Whisper detect)."""
        return self._held

    def observe(self, result: TranscriptionResult, duration_s: float | None = None) -> None:
        """Count ``result`` towards fixing the language if it is a confident detection.

        ``duration_s`` is the utterance length; when omitted, the result's window
        is used. Rejected results and results decoded with a given language
        (probability 1.0 from a hint) while the language is held do not count.
        """
        if self._held is not None or result.rejected or not result.language:
            return
        s = self._settings
        seconds = result.window_s if duration_s is None else duration_s
        if result.language_probability < s.min_probability or seconds < s.min_utterance_s:
            return
        if s.languages and result.language not in s.languages:
            return
        self._votes[result.language] += 1
        if self._votes[result.language] >= s.agreeing_utterances:
            self._held = result.language
