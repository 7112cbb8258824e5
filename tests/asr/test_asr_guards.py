import dataclasses

import numpy as np

from service.asr import guards


def test_compression_ratio_flags_loops(settings):
    assert not guards.is_repetitive("I can see two charges on your card and I will refund one.", settings.guards)
    assert guards.is_repetitive("okay " * 40, settings.guards)


def test_cut_loop_keeps_the_text_before_the_loop(settings):
    g = dataclasses.replace(settings.guards, loop_max_repeats=3, loop_max_ngram=4)
    looped = "I am really sorry about that. I- I- I- I- I- I- I-"
    assert guards.cut_loop(looped, g) == "I am really sorry about that. I-"
    assert guards.cut_loop("thank you very much " * 5, g) == "thank you very much"
    assert guards.cut_loop("no no no, that is fine", g) == "no no no, that is fine"


def test_judge_reasons(settings):
    g = settings.guards
    assert guards.judge("Hello, how can I help?", -0.2, 0.05, g) == ""
    assert guards.judge("Thank you.", -1.4, 0.9, g) == guards.NO_SPEECH
    assert guards.judge("", -0.1, 0.0, g) == guards.NO_SPEECH
    assert guards.judge("la " * 50, -0.3, 0.1, g) == guards.REPETITION
    assert guards.judge("blorp fnarg", -2.5, 0.1, g) == guards.LOW_CONFIDENCE
    assert guards.judge("Thank you.", -0.8, 0.4, g) == guards.HALLUCINATION


def test_a_confident_thank_you_is_kept(settings):
    """Customers do say "thank you": only an unconfident one is treated as a hallucination."""
    assert guards.judge("Thank you.", -0.1, 0.01, settings.guards) == ""


def test_voiced_fraction_separates_speech_from_silence(settings, speech):
    g = settings.guards
    assert guards.voiced_fraction(np.zeros(16000, np.float32), g.vad_aggressiveness, g.vad_frame_ms) == 0.0
    talk = speech("Thank you for calling, how can I help you today?")
    assert guards.voiced_fraction(talk, g.vad_aggressiveness, g.vad_frame_ms) > 0.5


def test_normalise():
    assert guards.normalise("  Thank   you! ") == "thank you"
    assert guards.normalise("Ευχαριστώ.") == "ευχαριστώ"
