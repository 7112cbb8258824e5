"""Phrase syntax and matching: stems, numbers, captures, gaps, adjacency, negation, particles."""

import pytest

from service.coaching import CATEGORIES, PhraseError, pack_from_dict, tokenize
from service.coaching.phrases import EditTolerance

from .packs import make_pack as _make_pack


def make_pack(language="en", negation_before=("not", "dont"), **kwargs):
    """English negation and the number word 'two' by default: what these tests are written against."""
    return _make_pack(language, negation_before=negation_before, numbers=("two",), **kwargs)




def phrases(pack, category, text):
    return [m.phrase for m in pack.find(category, tokenize(text, pack.language))]


def test_stem_matches_any_ending_and_quote_gives_the_original_words():
    pack = make_pack(distress=["frustrat*"])
    text = "I am SO Frustrated."
    match = pack.find("distress", tokenize(text, "en"))[0]
    assert match.quote(text, tokenize(text, "en")) == "Frustrated"
    assert phrases(pack, "distress", "this is frustrating") == ["frustrat*"]
    assert phrases(pack, "distress", "fruit") == []


def test_number_matches_digits_and_number_words():
    pack = make_pack(timeframe=["within # hours"])
    assert phrases(pack, "timeframe", "within 48 hours") == ["within # hours"]
    assert phrases(pack, "timeframe", "within two hours") == ["within # hours"]
    assert phrases(pack, "timeframe", "within some hours") == []


def test_capture_returns_the_folded_word():
    pack = make_pack(name_intro=["my name is {name}"])
    match = pack.find("name_intro", tokenize("My name is Zoë.", "en"))[0]
    assert match.capture == "zoe"


def test_gaps_of_up_to_max_gap_words_but_never_across_a_sentence():
    pack = make_pack(acknowledgement=["I am sorry"])
    assert phrases(pack, "acknowledgement", "I am so very sorry") == ["I am sorry"]
    assert phrases(pack, "acknowledgement", "I am so very very sorry") == []
    assert phrases(pack, "acknowledgement", "I am here. Sorry") == []


def test_plus_joins_words_that_must_be_adjacent():
    pack = make_pack(contradiction=["never+happened"])
    assert phrases(pack, "contradiction", "that never happened") == ["never+happened"]
    assert phrases(pack, "contradiction", "that should never have happened") == []


def test_negation_before_inside_and_after_a_match():
    pack = make_pack(negation_after=("degil*",), acknowledgement=["sorry", "I am sorry"], blame=["your fault"])
    assert phrases(pack, "acknowledgement", "I am not sorry") == []  # cue in the gap, and before "sorry"
    assert phrases(pack, "blame", "it is not your fault") == []
    assert phrases(pack, "blame", "not now, your fault") == ["your fault"]  # another clause
    turkish = make_pack("tr", negation_after=("değil*",), acknowledgement=["üzgün*"])
    assert phrases(turkish, "acknowledgement", "üzgün değilim") == []
    assert phrases(turkish, "acknowledgement", "çok üzgünüm") == ["üzgün*"]


def test_negation_is_optional_per_call():
    pack = make_pack(policy=["policy"])
    tokens = tokenize("it is not policy", "en")
    assert pack.find("policy", tokens) == []
    assert [m.phrase for m in pack.find("policy", tokens, negatable=False)] == ["policy"]


def test_negation_carries_to_a_chained_match_of_the_same_category():
    pack = make_pack(runaround=["fill out", "form"])
    assert phrases(pack, "runaround", "you dont need to fill out any form") == []
    assert phrases(pack, "runaround", "please fill out the form") == ["fill out", "form"]


def test_particles_do_not_count_towards_gaps_or_windows():
    plain = make_pack("tl", negation_before=("hindi",), runaround=["fill out"])
    polite = make_pack("tl", negation_before=("hindi",), particles=("na", "po"), runaround=["fill out"])
    text = "hindi na po kailangang mag fill out"
    assert phrases(plain, "runaround", text) == ["fill out"]
    assert phrases(polite, "runaround", text) == []


def test_a_pack_must_define_every_category_and_only_known_ones():
    raw = {"language": "xx", "categories": {"distress": ["x"]}}
    with pytest.raises(PhraseError, match="missing categories"):
        pack_from_dict(raw, max_gap=2, negation_window=3)
    raw = {"language": "xx", "categories": {**{c: [] for c in CATEGORIES}, "distres": []}}
    with pytest.raises(PhraseError, match="unknown categories"):
        pack_from_dict(raw, max_gap=2, negation_window=3)


def test_yaml_booleans_are_refused_with_a_hint():
    raw = {"language": "en", "categories": {**{c: [] for c in CATEGORIES}, "backchannel": [True]}}
    with pytest.raises(PhraseError, match="quote them"):
        pack_from_dict(raw, max_gap=2, negation_window=3)


@pytest.mark.parametrize("bad", ["fr*ustrated", "my#name", "a + b", "{name}x"])
def test_malformed_phrases_are_refused(bad):
    with pytest.raises(PhraseError):
        make_pack(distress=[bad])


def fuzzy_pack(**kwargs):
    """Stems of 7+ letters match with one edit, their last 3 letters exact (the shipped defaults)."""
    raw = {"language": "en", "negation": {"before": ["not"], "after": []},
           "categories": {name: kwargs.get(name, []) for name in CATEGORIES}}
    return pack_from_dict(raw, max_gap=2, negation_window=3, tolerance=EditTolerance(7, 0, 3))


def test_long_stems_survive_one_recognition_error_short_stems_and_words_do_not():
    pack = fuzzy_pack(distress=["frustrat*", "upset*", "disappointed"])
    assert phrases(pack, "distress", "I am so frustarated") == ["frustrat*"]  # "frusta" + "rat"
    assert phrases(pack, "distress", "I am so frusterated") == ["frustrat*"]
    assert phrases(pack, "distress", "so upsat") == []  # short stem: exact only
    assert phrases(pack, "distress", "dissapointed") == []  # whole words: exact only
    assert phrases(pack, "distress", "refrustrated") == []  # never inside another word


def test_negation_still_scopes_a_fuzzy_match():
    pack = fuzzy_pack(distress=["frustrat*"])
    assert phrases(pack, "distress", "I am not frustarated") == []
    assert phrases(pack, "distress", "not now, I am frustarated") == ["frustrat*"]


def test_exact_packs_stay_exact():
    pack = make_pack(distress=["frustrat*"])
    assert phrases(pack, "distress", "I am so frustarated") == []
