"""Whisper's language codes, and telephony language tags mapped onto them.

Its own module because both the settings check (a centre's configured
languages must be ones Whisper knows) and the call layer (a platform's tag)
need it, and the language tracker imports the settings.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

__all__ = ["centre_choice", "whisper_language"]

# Tags whose primary subtag is not Whisper's code for the same language: Genesys and
# BCP 47 say "fil" (Filipino) where Whisper says "tl" (Tagalog, the language Filipino is based on).
_ALIASES = {"fil": "tl"}


@functools.cache
def _whisper_codes() -> frozenset[str]:
    # Imported here: faster-whisper is only needed once a language is named (see load_transcriber).
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return frozenset(_LANGUAGE_CODES)


def whisper_language(tag: str) -> str | None:
    """Whisper's code for a language tag ("el", "el-GR", "en_US", "fil-PH"); None when Whisper has no such language.

    Telephony platforms send BCP 47 tags (AudioHook's ``language`` is "en-US"),
    which Whisper's tokenizer does not take: the primary subtag is the language.
    """
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    code = _ALIASES.get(primary, primary)
    return code if code in _whisper_codes() else None


def centre_choice(ranked: Sequence[tuple[str, float]], allowed: Sequence[str]) -> tuple[str, float]:
    """The detector's choice among ``allowed`` (any language when empty) and its share of their probability.

    ``ranked`` is one window's detection, ``(token, probability)`` best first
    with tokens as the model writes them (``"<|el|>"``). Why a share: Whisper
    base spreads a real Latvian utterance over Lithuanian, Russian and others
    (raw 0.10-0.56), so a raw threshold never fixes a Latvian call; among the
    centre's languages the same utterance is clearly Latvian (0.82-1.00).
    A window whose detection names none of ``allowed`` falls back to all.
    """
    pairs = [(token[2:-2], float(probability)) for token, probability in ranked]
    candidates = [pair for pair in pairs if not allowed or pair[0] in allowed] or pairs
    language, probability = candidates[0]
    return language, probability / sum(p for _, p in candidates)
