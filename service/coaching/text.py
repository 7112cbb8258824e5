"""Language-aware normalisation and tokenisation of transcript text.

Why fold so hard: live transcripts are noisy in predictable ways. ASR and
agents' keyboards drop Greek tonos, Latvian long-vowel marks and Turkish
dotted/dotless i, and case is arbitrary. Phrase packs and transcripts are both
passed through the same fold, so a pack author writes natural spelling and it
still matches "λυπαμαι", "zel" or "anliyorum".

Each token keeps its character span in the original text so evidence can quote
the words the agent actually said, and the index of its clause and sentence so
negation and phrase gaps never reach across punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Token", "fold", "tokenize"]

# Languages whose capital I lowers to dotless ı and capital İ to i.
_DOTLESS_I_LANGUAGES = frozenset({"tr", "az"})
_APOSTROPHES = "'’ʼ`"
_WORD = re.compile(r"[\w" + _APOSTROPHES + r"]+")
_CLAUSE_BREAK = re.compile(r"[,:—–()\"“”«»]")
_SENTENCE_BREAK = re.compile(r"[.!?;·…]")  # "·" is the Greek ano teleia; ";" also ends a Greek question


@dataclass(frozen=True, slots=True)
class Token:
    """One word: its folded form, where it sits in the original text, its clause and sentence."""

    norm: str
    start: int
    end: int
    clause: int
    sentence: int
    capital: bool = False  # a capital first letter inside its sentence (names in cased transcripts)


def fold(word: str, language: str = "") -> str:
    """Fold a word for matching: case, accents, diacritics, apostrophes.

    Turkish (and Azeri) capitals are lowered the Turkish way first (I -> ı,
    İ -> i), because ``casefold`` would turn "I" into "i" and "İ" into "i̇".
    Dotless ı is then folded to i like any other diacritic, since ASR output
    and typed transcripts often lose the distinction. Greek final sigma becomes
    σ through ``casefold``.
    """
    if language in _DOTLESS_I_LANGUAGES:
        word = word.replace("İ", "i").replace("I", "ı")
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("ı", "i").translate({ord(a): None for a in _APOSTROPHES})


def tokenize(text: str, language: str = "") -> tuple[Token, ...]:
    """Split ``text`` into folded tokens with their spans, clause and sentence indices."""
    tokens: list[Token] = []
    clause = sentence = 0
    last_end = 0
    for m in _WORD.finditer(text):
        between = text[last_end : m.start()]
        if _SENTENCE_BREAK.search(between):
            sentence += 1
            clause += 1
        elif _CLAUSE_BREAK.search(between):
            clause += 1
        norm = fold(m.group(), language)
        if norm:
            # A capital tells a name only inside a sentence: every sentence starts with one.
            inside = bool(tokens) and tokens[-1].sentence == sentence
            tokens.append(Token(norm, m.start(), m.end(), clause, sentence, inside and m.group()[0].isupper()))
        last_end = m.end()
    return tuple(tokens)
