"""A deterministic stand-in transcriber for tests and demos without a model.

Why: the call engine, the rules, replay and the live server need words to
test, and loading Whisper in every such test would make them slow and
machine-dependent. The fake returns scripted texts (by position, or computed
from the audio) or, by default, one placeholder word per
``fake.seconds_per_word`` seconds of audio, so duration-based metrics (words
per minute) stay plausible. Silence (all-zero audio) is rejected like Whisper's
guards would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from .guards import NO_VOICE
from .settings import AsrSettings
from .transcriber import SAMPLE_RATE, TranscriptionResult

__all__ = ["FakeTranscriber"]

Script = Sequence[str] | Callable[[np.ndarray, bool], str]
PLACEHOLDER_WORD = "word"


class FakeTranscriber:
    """``Transcriber`` that needs no model; same input, same output.

    ``script`` as a sequence: the n-th *final* call returns ``script[n]`` ("" once
    exhausted); partials return the text of the final they precede. As a
    callable: ``script(audio, partial)`` gives the text.
    """

    def __init__(self, settings: AsrSettings, script: Script | None = None) -> None:
        self._settings = settings.fake
        self._script = script
        self._finals = 0
        self._lock = threading.Lock()
        self.calls: list[tuple[float, str | None, bool]] = []  # (seconds, language, partial), for tests

    def transcribe(self, audio: np.ndarray, *, language: str | None, partial: bool = False) -> TranscriptionResult:
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        seconds = len(audio) / SAMPLE_RATE
        language = language or self._settings.language
        with self._lock:
            self.calls.append((seconds, language, partial))
            text = self._text(audio, seconds, partial)
        if not np.any(audio) or not text:
            return TranscriptionResult("", language, 1.0, NO_VOICE)
        return TranscriptionResult(text, language, 1.0, avg_logprob=-0.1, window_s=seconds)

    def _text(self, audio: np.ndarray, seconds: float, partial: bool) -> str:
        if callable(self._script):
            return self._script(audio, partial)
        if self._script is not None:
            index = self._finals
            if not partial:
                self._finals += 1
            return self._script[index] if index < len(self._script) else ""
        return " ".join([PLACEHOLDER_WORD] * int(seconds / self._settings.seconds_per_word))
