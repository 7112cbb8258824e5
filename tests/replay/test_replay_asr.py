"""Replay with real faster-whisper (the packaged base model): the report's
transcript, languages and words-per-minute come from the audio, and text
rules fire at the call time the utterance closed."""

from __future__ import annotations

import pytest

from service.asr import AsrSettings, load_transcriber
from service.config import load_config
from service.replay.recording import replay_recording


@pytest.fixture(scope="module")
def report(calls):
    config = load_config()
    transcriber = load_transcriber(AsrSettings.from_config(config["asr"]))
    return replay_recording(calls["interruption_and_dead_air"][0], config, transcriber=transcriber)


def words(report, speaker):
    return " ".join(seg["text"] for seg in report["transcript"] if seg["speaker"] == speaker).lower()


def test_transcript_has_both_parties_words_in_order(report, calls):
    labels = calls["interruption_and_dead_air"][1]
    assert "laptop" in words(report, "customer") and "emails" in words(report, "customer")
    assert "order number" in words(report, "agent") and "tomorrow" in words(report, "agent")
    assert report["language"] == "en"
    assert all(seg["language"] == "en" for seg in report["transcript"])
    starts = [seg["start"] for seg in report["transcript"]]
    assert starts == sorted(starts)
    # every segment lies on a labelled turn of its speaker (no text invented in silence)
    for seg in report["transcript"]:
        assert any(t["speaker"] == seg["speaker"] and t["start"] - 0.3 <= seg["start"] and seg["end"] <= t["end"] + 0.5
                   for t in labels["turns"]), seg


def test_words_per_minute_come_from_the_transcript(report):
    m = report["metrics"]
    for party in ("agent", "customer"):
        expected = len(words(report, party).split()) * 60 / m[f"{party}_talk_s"]
        assert m[f"{party}_wpm"] == pytest.approx(expected, abs=0.1)
        assert 80 < m[f"{party}_wpm"] < 250


def test_timing_nudges_unchanged_by_transcription(report, calls, timing_config):
    timing_only = replay_recording(calls["interruption_and_dead_air"][0], timing_config)
    timing = [(n["kind"], n["t"]) for n in report["nudges"] if n["kind"] in ("interruption", "dead_air")]
    assert timing == [(n["kind"], n["t"]) for n in timing_only["nudges"]]
