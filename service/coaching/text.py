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
from functools import lru_cache

__all__ = ["Token", "fold", "tokenize", "within_edits"]

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


@lru_cache(maxsize=1 << 16)
def within_edits(word: str, target: str, edits: int, *, tail: int = 1, prefix: bool = False) -> bool:
    """Whether folded ``word`` is ``target`` with at most ``edits`` letters inserted, deleted or replaced.

    The edits may only fall between the first letter and the last ``tail``
    letters of ``target``, which must appear as they are. With ``prefix``,
    whether ``word`` *starts with* such a string (a stem matching with edits).
    Why: speech recognition garbles long words by a letter or two
    ("συγγνώμη" as "συγνώμη", "απογοητευμένος" as "απογοιτευμένος"), and the
    phrase packs are written in correct spelling. But a negating prefix
    (Latvian "ne-", English "un-") is a first-letter edit, and in Greek,
    Turkish and Latvian the grammar sits in a word's last letters: "-ατε" /
    "-ετε" (you did / you should), Turkish "-miz" / "-niz" (our / your),
    "doldurmadı" / "doldurmanız" (didn't fill / you need to fill). The check
    stays cheap because most pairs fail on the first letter or on length.
    Cached: a call's vocabulary repeats, so each pair is computed about once.
    """
    tail = max(1, tail)
    if len(target) <= tail or not word or word[0] != target[0] or len(word) < len(target) - edits:
        return False
    if not prefix and abs(len(word) - len(target)) > edits:
        return False
    head, end = target[:-tail], target[-tail:]
    scope = word[: len(target) + edits - tail] if prefix else word[:-tail]
    row = list(range(len(scope) + 1))  # edits from head[:i] to scope[:j], one row per letter of head
    for i, letter in enumerate(head, 1):
        diagonal, row[0] = row[0], i
        for j, other in enumerate(scope, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (letter != other))
        if min(row) > edits:  # a row's minimum never falls again
            return False
    if prefix:  # some start of the word within reach, followed by the stem's last letters
        return any(row[j] <= edits and word.startswith(end, j) for j in range(len(row)))
    return row[-1] <= edits and word.endswith(end)
