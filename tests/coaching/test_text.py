"""Normalisation: the fold that makes packs match real transcripts."""

from service.coaching import fold, tokenize
from service.coaching.text import within_edits


def test_turkish_capitals_lower_the_turkish_way_then_fold_with_ascii_spellings():
    assert fold("KIRMIZI", "tr") == fold("kırmızı", "tr") == fold("kirmizi", "tr") == "kirmizi"
    assert fold("İADE", "tr") == "iade"
    assert fold("ANLIYORUM", "tr") == fold("anlıyorum", "tr") == "anliyorum"


def test_dotted_capital_i_outside_turkish_still_folds_to_plain_i():
    assert fold("İstanbul", "en") == "istanbul"


def test_greek_tonos_and_final_sigma_are_ignored():
    assert fold("Λυπάμαι", "el") == fold("λυπαμαι", "el") == "λυπαμαι"
    assert fold("ΑΠΟΓΟΗΤΕΥΜΕΝΟΣ", "el") == fold("απογοητευμένος", "el") == "απογοητευμενοσ"


def test_latvian_marks_are_ignored():
    assert fold("Žēl", "lv") == "zel"
    assert fold("ļoti", "lv") == "loti"


def test_apostrophes_vanish_so_contractions_are_one_word():
    assert [t.norm for t in tokenize("I'm sorry, don’t worry", "en")] == ["im", "sorry", "dont", "worry"]


def test_tokens_keep_their_span_clause_and_sentence():
    text = "No, I'm sorry. Really."
    tokens = tokenize(text, "en")
    assert [text[t.start : t.end] for t in tokens] == ["No", "I'm", "sorry", "Really"]
    assert [t.clause for t in tokens] == [0, 1, 1, 2]
    assert [t.sentence for t in tokens] == [0, 0, 0, 1]


def test_greek_question_mark_ends_a_sentence():
    assert [t.sentence for t in tokenize("Σας βοήθησα; Ναι", "el")] == [0, 0, 1]


def test_within_edits_allows_letters_inside_a_word_only():
    assert within_edits("pasensya", "pasensiya", 1, tail=1)  # a letter dropped inside
    assert within_edits("συγγνωμη", "συγνωμη", 1, tail=1)  # a letter doubled
    assert not within_edits("pasensa", "pasensiya", 1, tail=1)  # two edits
    assert not within_edits("please", "pleased", 1, tail=1)  # the last letter is grammar
    assert not within_edits("unhappy", "nhappy", 1, tail=1)  # the first letter must agree


def test_within_edits_as_a_stem_keeps_its_tail_and_its_start_of_word():
    assert within_edits("frustarated", "frustrat", 1, tail=3, prefix=True)  # "frusta" + "rat..."
    assert within_edits("απογοιτευμενοσ", "απογοητευμ", 1, tail=3, prefix=True)
    assert not within_edits("siteniz", "sitemiz", 1, tail=3, prefix=True)  # your site is not our site
    assert not within_edits("odemesi", "odemedi", 1, tail=3, prefix=True)  # payment is not "did not pay"
    assert not within_edits("refrustrated", "frustrat", 1, tail=3, prefix=True)  # never inside a word
