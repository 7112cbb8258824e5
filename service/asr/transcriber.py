"""The transcription interface: one utterance of audio in, one typed result out.

Why a protocol with a single method: the call engine, the scheduler and the
replay runner only ever need "words for this audio", so the faster-whisper
engine and the deterministic fake are interchangeable, and tests of everything
above ASR run without a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["SAMPLE_RATE", "Transcriber", "TranscriptionResult"]

SAMPLE_RATE = 16000


@dataclass(frozen=True, slots=True)
class TranscriptionResult:
    """Words of one utterance and the evidence used to trust them.

    ``text`` is "" when the decode was rejected; ``rejected`` then names the
    guard that fired (``no_voice``, ``no_speech``, ``repetition``,
    ``low_confidence``, ``hallucination``, ``stock_phrase``, ``error``; ``shed`` when the decode
    scheduler's overload policy skipped it). ``language`` is the one
    decoded with (given or detected), ``language_probability`` 1.0 when given.
    ``detected_language`` / ``detected_probability`` are what the language
    detector heard (within ``asr.language.languages``) even when a language was
    given, so a call's tracker can re-check a detected language; "" when the
    engine ran no detection.
    ``decode_s`` is wall time, for metrics only: never feed it to call time.
    ``window_s`` is the encoder window that was used (QA can see the setting).
    """

    text: str
    language: str
    language_probability: float = 0.0
    rejected: str = ""
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 0.0
    decode_s: float = 0.0
    window_s: float = 0.0
    detected_language: str = ""
    detected_probability: float = 0.0

    @property
    def accepted(self) -> bool:
        return not self.rejected


@runtime_checkable
class Transcriber(Protocol):
    """Anything that turns 16 kHz mono float32 audio into a ``TranscriptionResult``.

    Implementations must be safe to call from several scheduler worker threads
    and deterministic: the same audio and arguments give the same text.
    """

    def transcribe(self, audio: np.ndarray, *, language: str | None, partial: bool = False) -> TranscriptionResult:
        """Decode one utterance. ``language`` None = detect; ``partial`` = a cheaper mid-turn pass."""
        ...
