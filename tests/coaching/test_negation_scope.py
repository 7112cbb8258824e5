"""Which matches a negation cue reaches.

Negation carries only to a match after a negated one, never back to an
overlapping match with its own verdict, and a wide negated match does not hide
a tighter one. A clause joiner (Latvian "ka") lets negation reach across the
comma before it, never across a sentence end or a plain comma.
"""

from service.coaching import tokenize

from .packs import make_pack


def greek_pack(**categories):
    return make_pack("el", negation_before=["δεν", "καθόλου"], **categories)




def found(pack, category, text):
    return [m.phrase for m in pack.find(category, tokenize(text, pack.language))]


def test_a_match_overlapping_a_negated_one_keeps_its_own_verdict():
    # "δεν είμαι ευχαριστημέν*" spans the cue "καθόλου" in its gap and is negated;
    # the longer phrase covers the same words with "καθόλου" as one of its own
    # terms and is not. Negation carries only to a match *after* a negated one.
    pack = greek_pack(distress=["δεν είμαι ευχαριστημέν*", "δεν είμαι καθόλου ευχαριστημέν*"])
    matches = pack.find("distress", tokenize("Δεν είμαι καθόλου ευχαριστημένος με την εξυπηρέτηση", "el"))
    assert [m.phrase for m in matches] == ["δεν είμαι καθόλου ευχαριστημέν*"]


def test_negation_still_carries_to_a_later_match():
    pack = greek_pack(runaround=["φόρμ*", "συμπληρώσετε"])
    assert pack.find("runaround", tokenize("δεν χρειάζεται να συμπληρώσετε καμία φόρμα", "el")) == []


def test_a_negated_wide_match_does_not_hide_a_tighter_one():
    # Tagalog repeats "hindi" ("Hindi po, hindi kayo tumawag": no, you didn't call).
    # The phrase first matches from the first "hindi", with the second one, a cue,
    # in its gap; the tight match after the comma is the contradiction.
    pack = make_pack("tl", negation_before=["hindi"], particles=["po"], contradiction=["hindi kayo tumawag"])
    matches = pack.find("contradiction", tokenize("Hindi po, hindi kayo tumawag noong isang linggo", "tl"))
    assert [(m.first, m.last) for m in matches] == [(2, 4)]
    assert pack.find("contradiction", tokenize("hindi ko sinasabing hindi kayo tumawag", "tl")) == []


def test_negation_reaches_across_a_comma_before_a_clause_joiner():
    # Latvian sets a comma before every "ka": "I'm not saying, that you are wrong".
    kwargs = dict(negation_before=["nesaku"], contradiction=["jums nav taisnība"])
    with_joiner = make_pack("lv", joiners=["ka"], **kwargs)
    without = make_pack("lv", **kwargs)
    text = "Anna, es nesaku, ka jums nav taisnība."
    assert found(without, "contradiction", text) == ["jums nav taisnība"]
    assert found(with_joiner, "contradiction", text) == []


def test_a_joiner_never_carries_negation_across_a_sentence_or_a_plain_comma():
    pack = make_pack("lv", joiners=["ka"], negation_before=["nesaku"], contradiction=["jums nav taisnība"])
    assert found(pack, "contradiction", "Es nesaku. Ka jums nav taisnība.") == ["jums nav taisnība"]
    assert found(pack, "contradiction", "Es nesaku, jums nav taisnība.") == ["jums nav taisnība"]


def test_shipped_latvian_pack_reads_the_negated_contradiction_as_negated(call):
    c = call("lv")
    c.customer(0.5, 5.0, "Man šķiet, ka rēķins ir nepareizs.")
    assert [n.kind for n in c.agent(5.5, 10.0, "Es nesaku, ka jums nav taisnība, apskatīsim rēķinu.")] == []
    assert [n.kind for n in c.agent(10.5, 13.0, "Jums nav taisnība.")] == ["contradiction"]
