import dataclasses

import pytest

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


def heard(language, probability=0.9, decoded_with=None):
    """A result decoded with ``decoded_with`` (given: probability 1.0) in which the detector heard ``language``."""
    return TranscriptionResult("text", decoded_with or language, 1.0 if decoded_with else probability, window_s=3.0,
                               detected_language=language, detected_probability=probability)


def tracker_with(settings, **language):
    return LanguageTracker(dataclasses.replace(settings, language=dataclasses.replace(settings.language, **language)))


def test_detected_language_is_reopened_by_consecutive_confident_disagreement_and_switches(settings):
    tracker = tracker_with(settings, agreeing_utterances=2, recheck_utterances=3, languages=("en", "tr", "lv"))
    tracker.observe(heard("en"), at=2.0)
    tracker.observe(heard("en"), at=5.0)
    assert (tracker.language, tracker.detected) == ("en", True)
    tracker.observe(heard("tr", decoded_with="en"), at=8.0)
    tracker.observe(heard("tr", decoded_with="en"), at=11.0)
    assert tracker.hint() == "en"  # two disagreeing are not yet three
    tracker.observe(heard("tr", decoded_with="en"), at=14.0)
    assert tracker.hint() == "tr"  # the streak re-opened detection and, agreeing, fixed the new language at once
    assert tracker.evidence().to_dict() == {
        "votes": {"en": 2, "tr": 3}, "fixed_at": 14.0, "switches": [{"at": 14.0, "from": "en", "to": "tr"}]}


def test_an_agreeing_detection_breaks_the_disagreeing_streak_and_doubtful_ones_do_not_count(settings):
    tracker = tracker_with(settings, agreeing_utterances=2, recheck_utterances=2, min_probability=0.5,
                           languages=("en", "tr", "lv"))
    tracker.observe(heard("en"), at=1.0)
    tracker.observe(heard("en"), at=2.0)
    for language, probability in (("tr", 0.9), ("en", 0.9), ("tr", 0.9), ("tr", 0.3), ("lt", 0.99)):
        tracker.observe(heard(language, probability, decoded_with="en"))
    assert tracker.language == "en"
    assert tracker.evidence().to_dict() == {"votes": {"en": 3, "tr": 2}, "fixed_at": 2.0, "switches": []}


def test_a_reopened_detection_without_agreement_stays_open_until_it_settles(settings):
    tracker = tracker_with(settings, agreeing_utterances=2, recheck_utterances=2, languages=("en", "tr", "lv"))
    tracker.observe(heard("en"), at=1.0)
    tracker.observe(heard("en"), at=2.0)
    tracker.observe(heard("tr", decoded_with="en"), at=3.0)
    tracker.observe(heard("lv", decoded_with="en"), at=4.0)
    assert (tracker.hint(), tracker.detected) == (None, False)  # re-opened: Whisper detects again
    assert tracker.evidence().switches[-1].to_dict() == {"at": 4.0, "from": "en", "to": None}
    tracker.observe(TranscriptionResult("text", "lv", 0.8, window_s=3.0), at=6.0)  # decoded without a hint
    assert tracker.language == "lv"
    assert [s.to_dict() for s in tracker.evidence().switches] == [{"at": 4.0, "from": "en", "to": "lv"}]
    assert tracker.evidence().fixed_at == 6.0


def test_a_given_language_is_never_reopened_but_what_whisper_hears_is_kept_as_evidence(settings):
    s = dataclasses.replace(settings, language=dataclasses.replace(
        settings.language, agreeing_utterances=1, recheck_utterances=1, languages=("el", "en")))
    tracker = LanguageTracker(s, configured="el")
    for _ in range(3):
        tracker.observe(heard("en", 0.95, decoded_with="el"), at=3.0)
    assert (tracker.language, tracker.detected) == ("el", False)
    assert tracker.evidence().to_dict() == {"votes": {"en": 3}, "fixed_at": None, "switches": []}


def test_recheck_off_holds_a_detected_language_for_the_whole_call(settings):
    tracker = tracker_with(settings, agreeing_utterances=1, recheck_utterances=0, languages=("en", "tr"))
    tracker.observe(heard("en"))
    for _ in range(5):
        tracker.observe(heard("tr", decoded_with="en"))
    assert tracker.language == "en" and tracker.evidence().switches == ()


def test_whisper_language_takes_telephony_tags_and_refuses_what_whisper_lacks():
    from service.asr.codes import whisper_language

    assert [whisper_language(t) for t in ("el", "el-GR", "EN_us", " tr ", "fil-PH", "lv-LV", "haw")] == \
        ["el", "el", "en", "tr", "tl", "lv", "haw"]
    assert [whisper_language(t) for t in ("english", "xx", "", "-")] == [None, None, None, None]


def test_the_detection_is_the_best_of_the_centres_languages_with_its_share_of_them():
    from service.asr.codes import centre_choice

    ranked = [("<|lt|>", 0.5), ("<|lv|>", 0.3), ("<|ru|>", 0.1), ("<|en|>", 0.1)]
    assert centre_choice(ranked, ("en", "lv")) == ("lv", pytest.approx(0.75))
    assert centre_choice(ranked, ()) == ("lt", pytest.approx(0.5))  # no restriction: the raw probability
    assert centre_choice(ranked, ("el",)) == ("lt", pytest.approx(0.5))  # none of the centre's: all of them
