"""Two general gaps found by the blind hold-out cases (issue 4): clause joiners and cased name captures."""

import pytest

from service.coaching import CATEGORIES, PhraseError, pack_from_dict, tokenize
from service.core.events import Kudos


def make_pack(language, *, joiners=(), negation_before=(), **categories):
    raw = {
        "language": language,
        "negation": {"before": list(negation_before), "after": []},
        "clause_joiners": list(joiners),
        "categories": {name: categories.get(name, []) for name in CATEGORIES},
    }
    return pack_from_dict(raw, max_gap=2, negation_window=3)


def found(pack, category, text):
    return [m.phrase for m in pack.find(category, tokenize(text, pack.language))]


def captures(pack, text):
    return [m.capture for m in pack.find("name_intro", tokenize(text, pack.language), negatable=False)]


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


def test_a_cased_capture_takes_only_a_capitalised_word():
    pack = make_pack("en", name_intro=["it's+{Name}"])
    assert captures(pack, "Hi, it's Margaret, about my bill.") == ["margaret"]
    assert captures(pack, "hi, it's about my bill") == []
    assert captures(pack, "It's been three weeks.") == []


def test_a_capital_that_only_starts_a_sentence_is_no_name():
    pack = make_pack("en", name_intro=["{Name}+here"])
    assert captures(pack, "Hiya, Tom here.") == ["tom"]
    assert captures(pack, "Right here, I've got the letter.") == []


def test_several_captures_learn_first_name_and_surname():
    pack = make_pack("el", name_intro=["είμαι η {name}+{Name}"])
    assert captures(pack, "Γεια σας, είμαι η Ελένη Παππά, για τον λογαριασμό.") == ["ελενη παππα"]
    assert captures(pack, "είμαι η ελένη και τηλεφωνώ") == []


def test_a_misspelt_capture_is_an_error_not_a_dead_phrase():
    with pytest.raises(PhraseError):
        make_pack("en", name_intro=["my name is {Nam}"])


def test_the_agent_using_the_surname_earns_the_customer_name_kudos(call):
    c = call("el")
    c.agent(0.5, 2.0, "Καλησπέρα, με ποιον μιλάω;")
    c.customer(2.5, 7.0, "Γεια σας, είμαι η Ελένη Παππά, νομίζω ότι ο λογαριασμός είναι λάθος.")
    out = c.agent(7.5, 12.0, "Κυρία Παππά, ας δούμε μαζί τον λογαριασμό.")
    assert [k.kind for k in out if isinstance(k, Kudos)] == ["customer_name"]


def test_shipped_latvian_pack_reads_the_negated_contradiction_as_negated(call):
    c = call("lv")
    c.customer(0.5, 5.0, "Man šķiet, ka rēķins ir nepareizs.")
    assert [n.kind for n in c.agent(5.5, 10.0, "Es nesaku, ka jums nav taisnība, apskatīsim rēķinu.")] == []
    assert [n.kind for n in c.agent(10.5, 13.0, "Jums nav taisnība.")] == ["contradiction"]
