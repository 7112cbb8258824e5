"""espeak-ng: one wrapper, and a voice per language for each party of a synthesized call."""

from __future__ import annotations

import json

import numpy as np
import pytest

from service.testing import espeak
from service.testing.espeak import SpeechSynthError, party_voices, render, synthesize
from service.testing.synth import SynthError, synthesize_call

needs_espeak = pytest.mark.skipif(not espeak.available(), reason="espeak-ng is not installed")

TURKISH = {"language": "tr", "sample_rate": 8000, "lead_s": 0.2, "tail_s": 0.2, "turns": [
    {"speaker": "agent", "text": "Merhaba, size nasıl yardımcı olabilirim?"},
    {"speaker": "customer", "text": "Siparişim gelmedi.", "gap": 0.4},
]}


def test_english_voices_are_the_ones_every_expectation_was_made_with():
    assert party_voices("en") == {"agent": "en-us+m3", "customer": "en-gb+f3"}


def test_other_languages_get_their_own_voice_in_two_variants():
    assert party_voices("tr") == {"agent": "tr+m3", "customer": "tr+f3"}
    assert party_voices("tl") == {"agent": "id+m3", "customer": "id+f3"}  # no Tagalog voice in espeak-ng


def test_one_error_type():
    assert SynthError is SpeechSynthError


@needs_espeak
def test_turkish_scenario_is_spoken_by_turkish_voices(tmp_path):
    labels = synthesize_call(TURKISH, tmp_path / "tr.wav")
    assert [t["voice"] for t in labels["turns"]] == ["tr+m3", "tr+f3"]
    assert json.loads((tmp_path / "tr.labels.json").read_text())["turns"][1]["voice"] == "tr+f3"
    assert labels["language"] == "tr" and all(t["end"] > t["start"] for t in labels["turns"])


@needs_espeak
def test_a_scenario_may_name_one_partys_voice(tmp_path):
    labels = synthesize_call({**TURKISH, "voices": {"agent": "tr+m1"}}, tmp_path / "tr.wav")
    assert [t["voice"] for t in labels["turns"]] == ["tr+m1", "tr+f3"]


@needs_espeak
def test_a_short_turkish_phrase_is_speech():
    audio = synthesize("Teşekkür ederim, iyi günler.", "tr")
    assert audio.dtype == np.float32 and audio.size > espeak.SAMPLE_RATE // 2
    assert np.sqrt(np.mean(audio ** 2)) > 0.01


@needs_espeak
def test_the_two_turkish_variants_sound_different():
    text = "Merhaba"
    agent, customer = (render(text, voice, 160)[0] for voice in party_voices("tr").values())
    assert agent.size != customer.size or not np.array_equal(agent, customer)


@needs_espeak
def test_an_unknown_voice_is_an_error():
    with pytest.raises(SpeechSynthError, match="no-such-voice"):
        render("hello", "no-such-voice", 160)


@needs_espeak
def test_an_unknown_variant_is_an_error():
    with pytest.raises(SpeechSynthError, match="variant"):
        render("merhaba", "tr+no-such-variant", 160)


@needs_espeak
@pytest.mark.parametrize("language", sorted(espeak.VOICES))
def test_every_language_has_real_voices(language):
    for voice in party_voices(language).values():
        espeak.check_voice(voice)
