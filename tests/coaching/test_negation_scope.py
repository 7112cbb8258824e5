"""Matching bugs found while raising recall on unseen paraphrases (round 2)."""

from service.coaching import CATEGORIES, pack_from_dict, tokenize


def make_pack(**categories):
    raw = {
        "language": "el",
        "negation": {"before": ["δεν", "καθόλου"], "after": []},
        "categories": {name: categories.get(name, []) for name in CATEGORIES},
    }
    return pack_from_dict(raw, max_gap=2, negation_window=3)


def test_a_match_overlapping_a_negated_one_keeps_its_own_verdict():
    # "δεν είμαι ευχαριστημέν*" spans the cue "καθόλου" in its gap and is negated;
    # the longer phrase covers the same words with "καθόλου" as one of its own
    # terms and is not. Negation carries only to a match *after* a negated one.
    pack = make_pack(distress=["δεν είμαι ευχαριστημέν*", "δεν είμαι καθόλου ευχαριστημέν*"])
    found = pack.find("distress", tokenize("Δεν είμαι καθόλου ευχαριστημένος με την εξυπηρέτηση", "el"))
    assert [m.phrase for m in found] == ["δεν είμαι καθόλου ευχαριστημέν*"]


def test_negation_still_carries_to_a_later_match():
    pack = make_pack(runaround=["φόρμ*", "συμπληρώσετε"])
    assert pack.find("runaround", tokenize("δεν χρειάζεται να συμπληρώσετε καμία φόρμα", "el")) == []


def test_a_negated_wide_match_does_not_hide_a_tighter_one():
    # Tagalog repeats "hindi" ("Hindi po, hindi kayo tumawag": no, you didn't call).
    # The phrase first matches from the first "hindi", with the second one, a cue,
    # in its gap; the tight match after the comma is the contradiction.
    raw = {
        "language": "tl",
        "negation": {"before": ["hindi"], "after": []},
        "particles": ["po"],
        "categories": {name: [] for name in CATEGORIES} | {"contradiction": ["hindi kayo tumawag"]},
    }
    pack = pack_from_dict(raw, max_gap=2, negation_window=3)
    found = pack.find("contradiction", tokenize("Hindi po, hindi kayo tumawag noong isang linggo", "tl"))
    assert [(m.first, m.last) for m in found] == [(2, 4)]
    assert pack.find("contradiction", tokenize("hindi ko sinasabing hindi kayo tumawag", "tl")) == []
