"""The pipeline's two transcription paths give the same report.

At full speed each utterance is decoded in line; paced (like a live call) the
jobs go through the shared decode scheduler and come back on its thread. Text
decisions are stamped with the call time the utterance closed, so the reports
must be identical. The deterministic fake transcriber stands in for Whisper
here (real Whisper runs in tests/asr, tests/replay/test_replay_asr.py and the
demo test); its text depends only on the audio it is given.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from service.asr import AsrSettings, DecodeScheduler, FakeTranscriber
from service.config import load_config
from service.replay.recording import replay_recording
from service.testing.synth import load_scenario, synthesize_call

SCENARIO = Path(__file__).resolve().parent / "data" / "scenarios" / "interruption_and_dead_air.yaml"


def script(audio: np.ndarray, partial: bool) -> str:
    """Words that trigger rules, chosen by the audio's length (the same audio, the same words)."""
    seconds = audio.size / 16000
    if seconds > 5:
        return "I am so frustrated, this is ridiculous" if partial else "I am so frustrated, this is ridiculous and nobody helps"
    if seconds > 2.5:
        return "our policy is that refunds take thirty days"
    return "please fill in the form on our website"


@pytest.fixture(scope="module")
def call(tmp_path_factory) -> Path:
    wav = tmp_path_factory.mktemp("pipeline") / "call.wav"
    synthesize_call(load_scenario(SCENARIO), wav)
    return wav


def comparable(report: dict) -> dict:
    return {key: report[key] for key in ("transcript", "nudges", "kudos", "metrics", "duration", "suppressed")}


def test_paced_through_the_scheduler_equals_inline_at_full_speed(call):
    config = load_config(overrides={"asr": {"engine": "fake"}})
    settings = AsrSettings.from_config(config["asr"])
    inline = replay_recording(call, config, transcriber=FakeTranscriber(settings, script))
    scheduler = DecodeScheduler(FakeTranscriber(settings, script), settings)
    try:
        paced = replay_recording(call, config, asr=scheduler, speed=8.0)
    finally:
        scheduler.close(wait=True)
    assert comparable(paced) == comparable(inline)
    kinds = [n["kind"] for n in inline["nudges"]]
    assert "interruption" in kinds and "runaround" in kinds  # text and timing nudges both present
    assert inline["transcript"], "the fake transcriber produced words"


def test_a_refused_decode_never_stalls_the_call(call):
    """A scheduler that refuses every job (closed): the call still ends, timing nudges intact, no text."""
    config = load_config(overrides={"asr": {"engine": "fake"}})
    settings = AsrSettings.from_config(config["asr"])
    scheduler = DecodeScheduler(FakeTranscriber(settings, script), settings)
    scheduler.close(wait=True)
    report = replay_recording(call, config, asr=scheduler, speed=None)
    assert report["transcript"] == []
    assert [n["kind"] for n in report["nudges"]] == ["interruption", "dead_air"]
