"""Phrase patterns and phrase packs: how a QA team's YAML becomes matches.

A phrase is written in natural spelling, words separated by spaces:

- ``frustrat*``: a stem; matches any word that starts with it (frustrated,
  frustrating). Inflection-rich languages (Turkish, Latvian, Greek) rely on it.
- ``#``: any number, as digits or as one of the pack's number words.
- ``{name}``: any word, captured (used to learn the customer's name).
- ``{Name}``: a word written with a capital, captured. Cased transcripts
  (Whisper's, typed ones) capitalise names, and that tells "it's Margaret"
  from "it's about my bill"; self-introductions that are also ordinary
  phrases ("I'm {Name}", Turkish "ben {Name}") need it. Several captures in
  one phrase learn several names ("είμαι η {name}+{Name}": first name and
  surname, for "κυρία Παππά").
- ``never+happened``: words joined by ``+`` must be adjacent.

Consecutive words of a phrase may have up to ``max_gap`` other words between
them ("I am *so very* sorry"), but never a sentence end. A match is *negated*
when a negation cue of the pack sits inside its gaps, up to
``negation_window`` words before it in the same clause ("I'm not sorry", "δεν
λυπάμαι"), or, for languages that negate after the word (Turkish "değil"), up
to that many words after it. Negation carries over to a match of the same
category that follows a negated one within ``max_gap`` words ("you don't need
to *fill out* any *form*"). The pack's ``particles`` (Tagalog "po", "na";
fillers such as "um") do not count towards gaps or windows, so politeness
never pushes a negation out of reach. A clause that opens with one of the
pack's ``clause_joiners`` belongs to the clause before it for negation: Latvian
sets a comma before every "ka" (that), so without it "es nesaku, ka jūs
kļūdāties" (I'm not saying that you're wrong) could never be negated. Rules
decide whether negation matters.

Speech recognition garbles long words by a letter or two, so a pack compiled
with an ``EditTolerance`` lets its long stems match with small edits
(``text.within_edits``: the first and last letters must agree, a stem still
anchors at the start of a word). Whole words, negation cues, numbers and
captures always match exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from typing import Literal

from .text import Token, fold, within_edits

__all__ = [
    "CATEGORIES",
    "EXACT",
    "EditTolerance",
    "Match",
    "Phrase",
    "PhraseError",
    "PhrasePack",
    "Term",
    "compile_phrase",
    "pack_from_dict",
]

TermKind = Literal["word", "stem", "number", "capture"]
_CAPTURE = "{name}"
_CASED_CAPTURE = "{Name}"
_NUMBER = "#"
_STEM = "*"
_ADJACENT = "+"


class PhraseError(ValueError):
    """A phrase in a pack cannot be compiled."""


@dataclass(frozen=True, slots=True)
class EditTolerance:
    """How many letters a pack stem may differ by in a transcript, by its folded length.

    At least ``one_edit_chars`` letters: one edit; at least ``two_edit_chars``:
    two; 0 turns a step off. Short stems never get any ("polic*" and
    "polis"). The stem's first letter and last ``exact_tail_chars`` letters
    must appear as written (``text.within_edits``). Only stems: their author
    marked where the meaning ends; a whole word's ending is grammar (Turkish
    "çalışmıyor", not working, is one letter from "çalışıyor", working).
    """

    one_edit_chars: int = 0
    two_edit_chars: int = 0
    exact_tail_chars: int = 1

    def edits_for(self, folded: str) -> int:
        """The edits a pack word of this folded spelling is allowed."""
        if self.two_edit_chars and len(folded) >= self.two_edit_chars:
            return 2
        return 1 if self.one_edit_chars and len(folded) >= self.one_edit_chars else 0


EXACT = EditTolerance()  # every word as written (negation cues always; packs unless configured)


@dataclass(frozen=True, slots=True)
class Term:
    """One word of a phrase pattern, already folded."""

    kind: TermKind
    text: str = ""
    adjacent: bool = False  # must directly follow the previous term (particles aside)
    cased: bool = False  # a capture that only takes a word written with a capital
    edits: int = 0  # letters a stem may differ by (EditTolerance)
    tail: int = 1  # last letters of a stem that must match when it matches with edits

    def matches(self, norm: str, numbers: frozenset[str], capital: bool = False) -> bool:
        if self.kind == "word":
            return norm == self.text
        if self.kind == "stem":
            return norm.startswith(self.text) or (
                self.edits > 0 and within_edits(norm, self.text, self.edits, tail=self.tail, prefix=True)
            )
        if self.kind == "number":
            return norm.isdigit() or norm in numbers
        return not norm.isdigit() and (capital or not self.cased)


@dataclass(frozen=True, slots=True)
class Phrase:
    """A compiled phrase: its source text (for evidence and debugging) and its terms."""

    source: str
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """Where a phrase of ``category`` matched: token indices ``first``..``last`` inclusive."""

    category: str
    phrase: str
    first: int
    last: int
    capture: str = ""  # the captured words, folded, separated by spaces

    def quote(self, text: str, tokens: tuple[Token, ...]) -> str:
        """The original words covered by the match, for evidence."""
        return text[tokens[self.first].start : tokens[self.last].end]


def _compile_term(word: str, language: str, phrase: str, adjacent: bool, tolerance: EditTolerance) -> Term:
    if word in (_CAPTURE, _CASED_CAPTURE):
        return Term("capture", adjacent=adjacent, cased=word == _CASED_CAPTURE)
    if word == _NUMBER:
        return Term("number", adjacent=adjacent)
    if _STEM in word.rstrip(_STEM) or "{" in word or _NUMBER in word:
        raise PhraseError(f"phrase {phrase!r}: '*' may only end a word; '#', '{{name}}' and '{{Name}}' stand alone")
    stem = word.endswith(_STEM)
    folded = fold(word.rstrip(_STEM), language)
    if not folded:
        raise PhraseError(f"phrase {phrase!r}: empty word {word!r}")
    if not stem:
        return Term("word", folded, adjacent)
    return Term("stem", folded, adjacent, edits=tolerance.edits_for(folded), tail=tolerance.exact_tail_chars)


def compile_phrase(source: str, language: str, tolerance: EditTolerance = EXACT) -> Phrase:
    """Compile one phrase of a pack (see the module docstring for the syntax and ``tolerance``)."""
    terms = []
    for chunk in source.replace(",", " ").split():
        words = chunk.split(_ADJACENT)
        if not all(words):
            raise PhraseError(f"phrase {source!r}: '+' must join two words")
        terms += [_compile_term(w, language, source, i > 0, tolerance) for i, w in enumerate(words)]
    if not terms:
        raise PhraseError("empty phrase")
    return Phrase(source, tuple(terms))


@dataclass(frozen=True, slots=True)
class PhrasePack:
    """The compiled phrases of one language, by category, with its negation cues."""

    language: str
    categories: dict[str, tuple[Phrase, ...]]
    negation_before: tuple[Term, ...]
    negation_after: tuple[Term, ...]
    numbers: frozenset[str]
    max_gap: int
    negation_window: int
    particles: frozenset[str] = frozenset()
    joiners: frozenset[str] = frozenset()  # words whose clause negation reads as one with the clause before
    # category -> (phrases by their literal first word, phrases starting otherwise)
    _index: dict[str, tuple[dict[str, list[Phrase]], list[Phrase]]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        for category, phrases in self.categories.items():
            by_word: dict[str, list[Phrase]] = {}
            others: list[Phrase] = []
            for phrase in phrases:
                head = phrase.terms[0]
                if head.kind == "word":
                    by_word.setdefault(head.text, []).append(phrase)
                else:
                    others.append(phrase)
            self._index[category] = (by_word, others)

    def find(self, category: str, tokens: tuple[Token, ...], *, negatable: bool = True) -> list[Match]:
        """All matches of ``category`` in ``tokens``, earliest first.

        A phrase matches again only after its previous match, or from the
        next word when that match was negated. With ``negatable`` (the
        default) negated matches are dropped.
        """
        by_word, others = self._index.get(category, ({}, []))
        found: list[tuple[Match, bool]] = []
        resume: dict[int, int] = {}  # id(phrase) -> first token it may match from again
        for start, token in enumerate(tokens):
            for phrase in chain(by_word.get(token.norm, ()), others):
                if resume.get(id(phrase), 0) > start:
                    continue
                hit = self._match_at(phrase, tokens, start)
                if hit is None:
                    continue
                indices, capture = hit
                match = Match(category, phrase.source, indices[0], indices[-1], capture)
                negated = negatable and self._negated(tokens, indices)
                found.append((match, negated))
                # A negated match may span a tighter one that stands: "hindi po, hindi kayo
                # tumawag" first matches from the first "hindi" with the second in its gap.
                resume[id(phrase)] = start + 1 if negated else indices[-1] + 1
        found.sort(key=lambda mn: (mn[0].first, mn[0].last))
        return self._carry_negation(found, tokens) if negatable else [m for m, _ in found]

    def _carry_negation(self, found: list[tuple[Match, bool]], tokens: tuple[Token, ...]) -> list[Match]:
        kept: list[Match] = []
        negated_end: int | None = None
        for match, negated in found:
            chained = (  # only a match after the negated one; an overlapping one stands on its own cues
                negated_end is not None
                and match.first > negated_end
                and tokens[match.first].clause == tokens[negated_end].clause
                and self._words_between(tokens, negated_end, match.first) <= self.max_gap
            )
            if negated or chained:
                negated_end = max(match.last, negated_end or 0)
            else:
                kept.append(match)
        return kept

    def _words_between(self, tokens: tuple[Token, ...], a: int, b: int) -> int:
        """Words strictly between token indices ``a`` < ``b``, particles not counted."""
        return sum(1 for k in range(a + 1, b) if tokens[k].norm not in self.particles)

    def first(self, category: str, tokens: tuple[Token, ...], *, negatable: bool = True) -> Match | None:
        """The earliest match of ``category``, or None."""
        found = self.find(category, tokens, negatable=negatable)
        return found[0] if found else None

    def _match_at(self, phrase: Phrase, tokens: tuple[Token, ...], start: int) -> tuple[list[int], str] | None:
        terms = phrase.terms
        if not terms[0].matches(tokens[start].norm, self.numbers, tokens[start].capital):
            return None
        return self._extend(terms, tokens, [start])

    def _extend(
        self, terms: tuple[Term, ...], tokens: tuple[Token, ...], indices: list[int]
    ) -> tuple[list[int], str] | None:
        if len(indices) == len(terms):
            return indices, " ".join(tokens[i].norm for t, i in zip(terms, indices) if t.kind == "capture")
        term = terms[len(indices)]
        prev = indices[-1]
        allowed = 0 if term.adjacent else self.max_gap
        skipped = 0  # words between prev and k, particles not counted
        for k in range(prev + 1, len(tokens)):
            if tokens[k].sentence != tokens[prev].sentence:
                break
            if term.matches(tokens[k].norm, self.numbers, tokens[k].capital):
                found = self._extend(terms, tokens, indices + [k])
                if found is not None:
                    return found
            skipped += tokens[k].norm not in self.particles
            if skipped > allowed:
                break
        return None

    def _is_cue(self, cues: tuple[Term, ...], norm: str) -> bool:
        return any(cue.matches(norm, self.numbers) for cue in cues)

    def _negated(self, tokens: tuple[Token, ...], indices: list[int]) -> bool:
        first, last = indices[0], indices[-1]
        gaps = (k for k in range(first, last + 1) if k not in indices)
        cues = self.negation_before + self.negation_after
        if any(self._is_cue(cues, tokens[k].norm) for k in gaps):
            return True
        before = self._window(tokens, first, range(first - 1, -1, -1))
        if any(self._is_cue(self.negation_before, tokens[k].norm) for k in before):
            return True
        after = self._window(tokens, last, range(last + 1, len(tokens)))
        return any(self._is_cue(self.negation_after, tokens[k].norm) for k in after)

    def _window(self, tokens: tuple[Token, ...], anchor: int, walk: range) -> list[int]:
        """Up to ``negation_window`` words from ``anchor`` along ``walk``, in its clause (particles free).

        The window crosses into a neighbouring clause of the same sentence only
        where the later of the two clauses opens with a joiner ("..., ka ...").
        """
        out: list[int] = []
        words = 0
        prev = anchor
        for k in walk:
            if words >= self.negation_window or not self._same_clause(tokens, prev, k):
                break
            out.append(k)
            words += tokens[k].norm not in self.particles
            prev = k
        return out

    def _same_clause(self, tokens: tuple[Token, ...], a: int, b: int) -> bool:
        """Whether neighbouring tokens ``a`` and ``b`` share a clause for negation."""
        if tokens[a].clause == tokens[b].clause:
            return True
        later = tokens[max(a, b)]
        return later.sentence == tokens[min(a, b)].sentence and later.norm in self.joiners


# Categories every pack defines (an empty list is allowed); the rules read them.
CATEGORIES = (
    "distress",  # customer: upset, angry, confused, "I don't understand"
    "acknowledgement",  # agent: empathy, apology, "I understand how frustrating"
    "false_acknowledgement",  # agent: an apology for something else ("sorry, could you repeat")
    "policy",  # agent: policy and rule-book language
    "runaround",  # agent: website, form, another number
    "brush_off",  # agent: another department, transfers, "nothing I can do"
    "ownership",  # agent: owning the hand-off ("I'll stay on the line") cancels a brush-off
    "blame",  # agent: the customer's fault, the system, a colleague
    "contradiction",  # agent: "you're wrong", "that's not true"
    "identity_request",  # agent: account / phone / reference numbers
    "greeting",  # agent: greetings and personal touches
    "hold",  # either: "one moment", "let me check", "hang on" (an allowance before dead air)
    "hold_long",  # agent: "it may take a minute", "I'll put you on hold" (a long allowance)
    "follow_up",  # agent: "we'll get back to you", "I'll look into it"
    "timeframe",  # agent: "by Friday", "within # hours"
    "thanks",  # agent: thanking the customer
    "confirmation",  # agent: "does that solve it?"
    "closing",  # either: goodbyes ("bye", "have a nice day"): the call is ending
    "closing_question",  # agent: "anything else I can help you with?" (a ritual, not a confirmation)
    "decline",  # customer: "no that's all" after the closing question
    "backchannel",  # either: "mm-hm", "right", "okay"
    "name_intro",  # customer: "my name is {name}"
    "jargon",  # agent: terms and acronyms customers do not use
)


def pack_from_dict(
    raw: dict, *, max_gap: int, negation_window: int, source: str = "", tolerance: EditTolerance = EXACT
) -> PhrasePack:
    """Compile a pack from its YAML structure (see config/phrases/en.yaml).

    ``tolerance`` applies to the categories' phrases; negation cues stay
    exact. Refuses a pack that lacks a category or names an unknown one, so a
    typo in a QA team's file is an error, not a silently dead rule.
    """
    where = source or "phrase pack"
    language = str(raw.get("language", "")).strip()
    if not language:
        raise PhraseError(f"{where}: missing 'language'")
    categories = raw.get("categories") or {}
    unknown = sorted(set(categories) - set(CATEGORIES))
    missing = [c for c in CATEGORIES if c not in categories]
    if unknown or missing:
        raise PhraseError(f"{where}: unknown categories {unknown}, missing categories {missing}")
    negation = raw.get("negation") or {}

    def words(items) -> list[str]:
        odd = [item for item in items or () if isinstance(item, bool) or not isinstance(item, (str, int))]
        if odd:  # YAML reads a bare yes/no/on/off as a boolean
            raise PhraseError(f"{where}: {odd} are not text; quote them (\"yes\")")
        return [str(item) for item in items or ()]

    def compile_all(items, tolerance: EditTolerance = EXACT) -> tuple[Phrase, ...]:
        items = words(items)
        try:
            return tuple(compile_phrase(item, language, tolerance) for item in items)
        except PhraseError as exc:
            raise PhraseError(f"{where}: {exc}") from None

    def cues(items) -> tuple[Term, ...]:
        return tuple(term for phrase in compile_all(items) for term in phrase.terms)

    return PhrasePack(
        language=language,
        categories={name: compile_all(categories[name], tolerance) for name in CATEGORIES},
        negation_before=cues(negation.get("before")),
        negation_after=cues(negation.get("after")),
        numbers=frozenset(fold(n, language) for n in words(raw.get("numbers"))),
        max_gap=max_gap,
        negation_window=negation_window,
        particles=frozenset(fold(p, language) for p in words(raw.get("particles"))),
        joiners=frozenset(fold(j, language) for j in words(raw.get("clause_joiners"))),
    )
