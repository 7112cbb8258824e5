"""The real engine: faster-whisper with the packaged base model on espeak-ng speech.

Assertions are on words that must appear (synthetic speech is not perfectly
recognised), never on exact strings or on timings.
"""

from __future__ import annotations

import dataclasses
import difflib
import threading

import numpy as np
import pytest

from service.asr import DecodeJob, DecodeScheduler, LanguageTracker, Transcriber
from service.asr.guards import NO_VOICE, normalise

from .conftest import words

ACCOUNT = "Could you give me your account number please?"
REFUND = "I can see two charges on your card, and I will refund the second one today."


def test_english_words_and_language_are_recognised(whisper, speech):
    assert isinstance(whisper, Transcriber)
    result = whisper.transcribe(speech(ACCOUNT), language=None)
    assert {"account", "number"} <= words(result.text)
    assert result.language == "en" and result.language_probability > 0.5
    assert not result.rejected and result.avg_logprob > -1.0
    assert 0 < result.window_s < 30


@pytest.mark.parametrize("text, required", [
    ("Yes.", {"yes"}),
    ("One moment please, I am going to put you on hold.", {"moment", "please"}),
    (REFUND, {"charges", "card", "refund", "today"}),
])
def test_trimmed_window_gives_the_words_of_the_full_window(whisper, whisper_full, speech, text, required):
    trimmed = whisper.transcribe(speech(text), language="en")
    full = whisper_full.transcribe(speech(text), language="en")
    assert trimmed.window_s < full.window_s == 30
    assert required <= words(trimmed.text) and required <= words(full.text)
    same = difflib.SequenceMatcher(None, normalise(trimmed.text).split(), normalise(full.text).split()).ratio()
    assert same >= 0.8, (trimmed.text, full.text)


def test_decoding_is_deterministic(whisper, speech):
    first = whisper.transcribe(speech(REFUND), language="en")
    second = whisper.transcribe(speech(REFUND), language="en")
    assert first.text == second.text and first.avg_logprob == second.avg_logprob


def test_partial_decode_of_the_first_part_of_an_utterance(whisper, speech):
    audio = speech(REFUND)
    result = whisper.transcribe(audio[: len(audio) // 2], language="en", partial=True)
    assert {"two", "charges"} <= words(result.text) and "today" not in words(result.text)


def test_silence_and_noise_give_no_text(whisper):
    silence = whisper.transcribe(np.zeros(32000, np.float32), language=None)
    assert silence.rejected == NO_VOICE and silence.text == ""
    hiss = (np.random.default_rng(7).standard_normal(48000) * 0.05).astype(np.float32)
    noise = whisper.transcribe(hiss, language="en")
    assert noise.text == "" and noise.rejected


def test_long_audio_is_decoded_in_pieces(whisper, settings, speech):
    engine = whisper.with_settings(dataclasses.replace(settings, max_chunk_s=3.0))
    audio = np.concatenate([speech(ACCOUNT), speech("Thanks for calling, have a great day.")])
    result = engine.transcribe(audio, language="en")
    assert {"account", "calling", "great", "day"} <= words(result.text)


@pytest.mark.parametrize("language, text", [
    ("el", "Ευχαριστώ πολύ για την υπομονή σας."),
    ("tr", "Teşekkür ederim, iyi günler."),
    ("lv", "Labdien, kā es varu jums palīdzēt?"),
    ("tl", "Sandali lang po, titingnan ko ang inyong account."),  # read by the Indonesian voice
])
def test_other_languages_with_the_language_configured(whisper, speech, language, text):
    """espeak-ng's voices are rough, so only a loose character similarity is required."""
    result = whisper.transcribe(speech(text, language), language=language)
    assert result.language == language and not result.rejected
    similarity = difflib.SequenceMatcher(None, normalise(text), normalise(result.text)).ratio()
    assert similarity >= 0.5, result.text


def test_detection_is_limited_to_the_served_languages(whisper, speech):
    result = whisper.transcribe(speech("Θα σας μεταφέρω στο τμήμα πληρωμών.", "el"), language=None)
    assert result.language == "el"


def test_scheduler_and_language_tracker_on_the_real_model(whisper, settings, speech):
    scheduler = DecodeScheduler(whisper, settings)
    trackers = {call: LanguageTracker(settings) for call in ("call-1", "call-2")}
    results, lock = {}, threading.Lock()

    def on_done(job, result):
        with lock:
            results[job.key] = result
            trackers[job.call_id].observe(result, duration_s=job.end - job.start)

    texts = [ACCOUNT, "I understand how frustrating that must be."]
    for call in trackers:
        for utt, text in enumerate(texts):
            audio = speech(text)
            assert scheduler.submit(DecodeJob(call, utt, "agent", 0.0, len(audio) / 16000, audio, None, False), on_done)
    scheduler.close(wait=True)
    assert {"account", "number"} <= words(results[("call-1", 0)].text)
    assert "frustrating" in words(results[("call-2", 1)].text)
    assert all(t.language == "en" for t in trackers.values())
    metrics = scheduler.metrics()
    assert metrics["decoded_finals"] == 4 and metrics["decode_latency_p95_s"] > 0
