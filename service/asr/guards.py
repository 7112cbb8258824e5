"""Guards against Whisper's known failure modes; pure functions, no model.

Why separate: the rules that decide whether a decode is trustworthy are the
part most worth unit-testing and tuning, and they must not need a model to
test. Whisper fails in recognisable ways: it invents a polite phrase on
silence or noise ("Thank you."), it loops ("okay okay okay ..."), or it decodes
noise into low-probability gibberish, or it writes a subtitler's credit it
learned from video subtitles ("Subtitles by the Amara.org community",
"Υπότιτλοι AUTHORWAVE"). Each check returns a short reason that ends up in
``TranscriptionResult.rejected``.

Thresholds can differ per language (``GuardSettings.for_language``): Whisper
base is far less confident on Latvian or Tagalog than on English, so one set of
log-probability limits either drops real speech in one language or lets noise
through in another. Stock phrases (``stock_phrases``) are never published,
whatever the confidence; a stock sentence inside a longer real decode is cut
out and the rest kept.
"""

from __future__ import annotations

import re
import string
import zlib
from functools import lru_cache

import numpy as np
import webrtcvad

from .settings import GuardSettings

__all__ = [
    "HALLUCINATION",
    "LOW_CONFIDENCE",
    "NO_SPEECH",
    "NO_VOICE",
    "REPETITION",
    "STOCK_PHRASE",
    "compression_ratio",
    "cut_loop",
    "is_repetitive",
    "is_stock",
    "judge",
    "normalise",
    "sentences",
    "strip_stock",
    "voiced_fraction",
]

NO_VOICE = "no_voice"
NO_SPEECH = "no_speech"
REPETITION = "repetition"
LOW_CONFIDENCE = "low_confidence"
HALLUCINATION = "hallucination"
STOCK_PHRASE = "stock_phrase"

SAMPLE_RATE = 16000
_PUNCTUATION = str.maketrans("", "", string.punctuation + "¿¡«»“”‘’…。，、！？;·")


def compression_ratio(text: str) -> float:
    """zlib compression ratio of the UTF-8 text, as Whisper computes it (loops compress well)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def normalise(text: str) -> str:
    """Lower-case, punctuation removed, whitespace collapsed: for phrase comparison."""
    return " ".join(text.lower().translate(_PUNCTUATION).split())


def voiced_fraction(audio: np.ndarray, aggressiveness: int, frame_ms: int) -> float:
    """Fraction of ``frame_ms`` frames of float32 16 kHz ``audio`` that webrtcvad calls voiced."""
    frame = SAMPLE_RATE * frame_ms // 1000
    count = len(audio) // frame
    if count == 0:
        return 0.0
    pcm = (np.clip(audio[: count * frame], -1.0, 1.0) * 32767).astype("<i2").tobytes()
    vad = webrtcvad.Vad(aggressiveness)
    step = frame * 2
    voiced = sum(vad.is_speech(pcm[i : i + step], SAMPLE_RATE) for i in range(0, len(pcm), step))
    return voiced / count


def is_repetitive(text: str, guards: GuardSettings) -> bool:
    """True when the text compresses like a repetition loop."""
    return compression_ratio(text) > guards.compression_ratio_threshold


@lru_cache(maxsize=8)
def _char_loop(max_repeats: int) -> re.Pattern[str]:
    return re.compile(rf"([^\s\d]{{1,8}}?)\1{{{max_repeats},}}")


_SENTENCE_END = re.compile(r"(?<=[.!?…。！？;])\s+|\n+")


def sentences(text: str) -> list[str]:
    """``text`` split after sentence-ending punctuation (the punctuation stays with its sentence)."""
    return [part for part in (p.strip() for p in _SENTENCE_END.split(text)) if part]


@lru_cache(maxsize=64)
def _stock_set(phrases: tuple[str, ...]) -> frozenset[str]:
    return frozenset(key for key in map(normalise, phrases) if key)


def _stock(guards: GuardSettings) -> frozenset[str]:
    return _stock_set(guards.stock_for(guards.language))


def _is_stock_sentence(sentence: str, stock: frozenset[str]) -> bool:
    key = normalise(sentence)
    return bool(key) and key in stock


def is_stock(text: str, guards: GuardSettings) -> bool:
    """True when every sentence of ``text`` is a stock hallucination (a subtitler's credit, "thanks for watching")."""
    stock = _stock(guards)
    parts = sentences(text)
    return bool(stock and parts) and all(_is_stock_sentence(p, stock) for p in parts)


def strip_stock(text: str, guards: GuardSettings) -> str:
    """``text`` without its stock-hallucination sentences, when real sentences remain; else unchanged.

    Only whole sentences are compared, so the same words inside a longer real
    sentence ("I was thanking you for watching the kids") are kept. A decode
    made only of stock sentences is left whole for ``judge`` to reject.
    """
    stock = _stock(guards)
    if not stock:
        return text
    parts = sentences(text)
    kept = [p for p in parts if not _is_stock_sentence(p, stock)]
    return " ".join(kept) if kept and len(kept) < len(parts) else text


def cut_loop(text: str, guards: GuardSettings) -> str:
    """``text`` cut after the first unit of a decoding loop, stock sentences removed (``strip_stock``).

    A loop is a word n-gram (n <= ``loop_max_ngram``) repeated consecutively
    more than ``loop_max_repeats`` times, compared after ``normalise``. Loops
    inside a word ("sa'y'y'y'y'y'") collapse to one unit first; digits are
    never collapsed (1000000 is a number, not a loop).
    """
    return strip_stock(_cut_loop(text, guards), guards)


def _cut_loop(text: str, guards: GuardSettings) -> str:
    text = _char_loop(guards.loop_max_repeats).sub(r"\1", text)
    words = text.split()
    keys = [normalise(w) for w in words]
    for i in range(len(keys)):
        for n in range(1, guards.loop_max_ngram + 1):
            unit = keys[i : i + n]
            if len(unit) < n:
                break
            repeats = 1
            while keys[i + repeats * n : i + (repeats + 1) * n] == unit:
                repeats += 1
            if repeats > guards.loop_max_repeats:
                return " ".join(words[: i + n])
    return text


def judge(text: str, avg_logprob: float, no_speech_prob: float, guards: GuardSettings) -> str:
    """Reason to reject a decode, or "" to keep it. Order: silence, stock phrase, loop, noise, polite phrase.

    ``guards`` is either the base section or ``guards.for_language(language)``,
    which applies that language's thresholds and stock phrases.
    """
    if no_speech_prob > guards.no_speech_threshold and avg_logprob < guards.logprob_threshold:
        return NO_SPEECH
    if not normalise(text):  # nothing but punctuation ("...", "-"): no word was heard
        return NO_SPEECH
    if is_stock(text, guards):
        return STOCK_PHRASE
    if is_repetitive(text, guards):
        return REPETITION
    if avg_logprob < guards.min_avg_logprob:
        return LOW_CONFIDENCE
    confident = no_speech_prob < guards.hallucination_no_speech_prob and avg_logprob > guards.hallucination_min_logprob
    if not confident and normalise(text) in {normalise(p) for p in guards.hallucination_phrases}:
        return HALLUCINATION
    return ""
