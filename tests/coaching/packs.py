"""A small phrase pack built in the test, so a test shows the exact phrases it relies on."""

from __future__ import annotations

from service.coaching import CATEGORIES, pack_from_dict

MAX_GAP_WORDS = 2
NEGATION_WINDOW_WORDS = 3


def make_pack(language="en", *, joiners=(), negation_before=(), negation_after=(), numbers=(), particles=(),
              **categories):
    """A pack with only ``categories`` filled (the rest empty) and the given grammar words."""
    raw = {
        "language": language,
        "negation": {"before": list(negation_before), "after": list(negation_after)},
        "clause_joiners": list(joiners),
        "numbers": list(numbers),
        "particles": list(particles),
        "categories": {name: categories.get(name, []) for name in CATEGORIES},
    }
    return pack_from_dict(raw, max_gap=MAX_GAP_WORDS, negation_window=NEGATION_WINDOW_WORDS)
