"""Learning the customer's name and the customer-name kudos.

A name is learned from a self-introduction ("my name is", "it's {Name}",
"I am" + a capitalised word); a cased capture takes only a capitalised word
that does not merely start a sentence; several captures learn first name and
surname, so the agent using either earns the kudos. Spelled-out letters and
"I am" + an ordinary word teach no name.
"""

import pytest

from service.coaching import PhraseError, tokenize
from service.core.events import Kudos, Nudge

from .packs import make_pack




def captures(pack, text):
    return [m.capture for m in pack.find("name_intro", tokenize(text, pack.language), negatable=False)]


def kinds(events):
    return [e.kind for e in events if isinstance(e, (Nudge, Kudos))]


def test_spelled_out_letters_are_not_a_name(call):
    # "It's H A R T" once taught the names "h" and "a", so "at" earned a name kudos.
    c = call("en")
    c.customer(0.0, 2.0, "It's H A R T.")
    assert kinds(c.agent(2.5, 6.0, "Okay, I've got the claim up. It's with the assessor at the moment.")) == []
    c.customer(6.5, 9.0, "My name is Margaret Hart.")
    assert kinds(c.agent(9.5, 12.0, "Thanks Margaret, I've found it.")) == ["customer_name"]


@pytest.mark.parametrize(
    ("language", "customer", "agent"),
    [
        # "I am" + an ordinary word is no self-introduction: the agent repeating
        # the word ("ļoti": very; "κάτοχος": holder) earned a name kudos.
        ("lv", "Es esmu ļoti dusmīgs, trīs dienas nav interneta.", "Man ļoti žēl, ka tā notika."),
        ("el", "Είμαι ο κάτοχος του λογαριασμού.", "Ο κάτοχος του λογαριασμού μπορεί να το αλλάξει."),
    ],
)
def test_i_am_plus_an_ordinary_word_is_not_a_name(call, language, customer, agent):
    c = call(language)
    c.customer(0.0, 3.0, customer)
    assert "customer_name" not in kinds(c.agent(3.5, 7.0, agent))


@pytest.mark.parametrize(
    ("language", "customer", "agent"),
    [
        ("lv", "Labdien, es esmu Inese no Rīgas.", "Labdien, Inese, kā varu palīdzēt?"),
        ("el", "Καλημέρα, είμαι η Μαρία Παππά.", "Καλημέρα κυρία Παππά, πώς μπορώ να βοηθήσω;"),
    ],
)
def test_i_am_plus_a_capitalised_name_is_still_learned(call, language, customer, agent):
    c = call(language)
    c.customer(0.0, 3.0, customer)
    assert kinds(c.agent(3.5, 7.0, agent)) == ["customer_name"]


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
