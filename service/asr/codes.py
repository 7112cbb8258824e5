"""Whisper's language codes, and telephony language tags mapped onto them.

Its own module because both the settings check (a centre's configured
languages must be ones Whisper knows) and the call layer (a platform's tag)
need it, and the language tracker imports the settings.
"""

from __future__ import annotations

import functools

__all__ = ["whisper_language"]

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
