import dataclasses

from service.asr import LanguageTracker, TranscriptionResult


def result(language, probability, rejected="", window_s=3.0):
    return TranscriptionResult("text" if not rejected else "", language, probability, rejected, window_s=window_s)


def test_configured_language_is_held_from_the_start(settings):
    tracker = LanguageTracker(settings, configured="el")
    tracker.observe(result("en", 0.99))
    assert tracker.language == tracker.hint() == "el"


def test_agreeing_confident_detections_fix_the_language(settings):
    s = dataclasses.replace(settings, language=dataclasses.replace(settings.language, agreeing_utterances=2))
    tracker = LanguageTracker(s)
    assert tracker.hint() is None
    tracker.observe(result("tr", 0.9))
    assert tracker.language is None
    tracker.observe(result("tr", 0.8))
    assert tracker.language == tracker.hint() == "tr"
    tracker.observe(result("en", 0.99))
    tracker.observe(result("en", 0.99))
    assert tracker.language == "tr"  # held: no drifting mid-call


def test_unconfident_short_rejected_or_unserved_detections_do_not_count(settings):
    s = dataclasses.replace(settings, language=dataclasses.replace(
        settings.language, agreeing_utterances=1, min_probability=0.5, min_utterance_s=1.0, languages=("en", "lv")))
    tracker = LanguageTracker(s)
    tracker.observe(result("lv", 0.3))
    tracker.observe(result("lv", 0.9, window_s=0.5))
    tracker.observe(result("lv", 0.9, rejected="no_speech"))
    tracker.observe(result("lt", 0.95))
    assert tracker.language is None
    tracker.observe(result("lv", 0.6), duration_s=2.0)
    assert tracker.language == "lv"
