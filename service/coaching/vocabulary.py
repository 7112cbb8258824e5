"""The words a phrase pack listens for, as a decoder prompt (decoder biasing).

Why: Whisper conditions its decoding on "previous text". Given the call
language's distress, acknowledgement, policy and runaround vocabulary there,
it spells those words the way the packs do instead of a near-homophone the
rules cannot match ("σημομένος" for "θυμωμένος"). The prompt is built once per
language from the compiled packs; this module only turns phrases into plain
words and fits them into the decoder's budget (the token counter is passed
in, so it stays pure and testable without a model).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import chain, zip_longest

from .phrases import PhrasePack

__all__ = ["pack_vocabulary", "bounded_prompt"]

_PLACEHOLDERS = frozenset({"#", "{name}", "{Name}"})
_SEPARATOR = ", "


def _plain(source: str) -> str:
    """A phrase's words without pattern syntax: stems lose their '*', numbers and captures are left out."""
    words = (w.rstrip("*") for w in source.replace("+", " ").replace(",", " ").split() if w not in _PLACEHOLDERS)
    return " ".join(w for w in words if w)


def pack_vocabulary(pack: PhrasePack, categories: Sequence[str]) -> tuple[str, ...]:
    """The phrases of ``categories`` as plain text, taking one of each category in turn, without repeats.

    Interleaving keeps every category in a prompt cut short by the budget:
    listing all distress words first would leave no room for policy terms.
    """
    per_category = [[_plain(p.source) for p in pack.categories.get(c, ())] for c in categories]
    interleaved = chain.from_iterable(zip_longest(*per_category, fillvalue=""))
    return tuple(dict.fromkeys(term for term in interleaved if term))


def bounded_prompt(terms: Iterable[str], count_tokens: Callable[[str], int], budget: int) -> str:
    """``terms`` joined by commas, in order, as many as fit in ``budget`` tokens (``count_tokens`` measures)."""
    prompt = ""
    for term in terms:
        longer = f"{prompt}{_SEPARATOR}{term}" if prompt else term
        if count_tokens(longer) > budget:
            break
        prompt = longer
    return prompt
