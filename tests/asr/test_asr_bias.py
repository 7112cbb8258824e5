"""Decoder biasing: the pack vocabulary as a prompt, its budget, its setting, and a real decode with it."""

import dataclasses

import pytest

from service.asr import AsrSettings, SettingsError
from service.coaching.kinds import coaching_settings
from service.coaching.bias import bias_vocabulary
from service.coaching.vocabulary import bounded_prompt, pack_vocabulary
from coaching.packs import make_pack

CATEGORIES = ("distress", "acknowledgement", "policy", "runaround")


def test_vocabulary_interleaves_categories_drops_syntax_and_repeats():
    pack = make_pack(distress=["frustrat*", "fed+up", "waited # hours"], acknowledgement=["I am sorry", "frustrat*"],
                     policy=["policy"], name_intro=["my name is {Name}"])
    assert pack_vocabulary(pack, ("distress", "acknowledgement", "policy", "name_intro")) == (
        "frustrat", "I am sorry", "policy", "my name is", "fed up", "waited hours")


def test_prompt_keeps_whole_terms_in_order_within_the_budget():
    words = len  # a stand-in counter: one token per character
    assert bounded_prompt(["upset", "sorry", "policy"], words, 12) == "upset, sorry"
    assert bounded_prompt(["upset", "sorry", "policy"], words, 100) == "upset, sorry, policy"
    assert bounded_prompt(["much too long"], words, 5) == ""


def test_shipped_packs_fill_every_language_and_whisper_budget_holds(config, whisper):
    vocabulary = bias_vocabulary(coaching_settings(config["coaching"]), CATEGORIES)
    assert set(vocabulary) == {"en", "el", "tr", "lv", "tl"}
    tokenizer = whisper.model.hf_tokenizer
    for language, terms in vocabulary.items():
        prompt = bounded_prompt(terms, lambda t: len(tokenizer.encode(" " + t).ids), 200)
        assert 150 < len(tokenizer.encode(" " + prompt).ids) <= 200, language


@pytest.mark.parametrize("tokens", [0, 224])
def test_prompt_budget_beyond_whisper_is_refused(config, tokens):
    with pytest.raises(SettingsError, match="asr.bias.max_prompt_tokens"):
        AsrSettings.from_config({**config["asr"], "bias": {**config["asr"]["bias"], "max_prompt_tokens": tokens}})


def test_biased_decode_keeps_the_speech(config, settings, whisper, speech):
    """With the English prompt on, real Whisper still transcribes what is said (the prompt is not echoed)."""
    vocabulary = bias_vocabulary(coaching_settings(config["coaching"]), CATEGORIES)
    on = dataclasses.replace(settings, bias=dataclasses.replace(settings.bias, languages=("en",)))
    biased = type(whisper)(whisper.model, on, vocabulary)
    text = biased.transcribe(speech("My internet has been down since yesterday morning."), language="en").text
    assert "internet" in text.lower() and "yesterday" in text.lower()
    assert "policy" not in text.lower()
