"""Real speech on two channels, realistic turn-taking: no false timing nudge, and a real overlap caught.

The calls are built from the real recordings in tests/data/speech by
service.testing.real_calls (replies in the other party's last syllables,
backchannels, silent look-ups, line noise, a phone line's mu-law) and replayed
through the recording path with transcription off. scripts/bench_real_stereo.py
gives the rates over many such calls; these are two of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.replay.recording import replay_recording
from service.testing.real_calls import load_clips, plant_overlap, realistic_call, write_call

SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"
SEED = 18000  # the first call of scripts/bench_real_stereo.py


@pytest.fixture(scope="module")
def clips():
    return load_clips(SPEECH, ("en", "lv"))


@pytest.fixture(scope="module")
def call(clips):
    return realistic_call(clips, SEED)


def timing_nudges(report: dict) -> list[dict]:
    return [n for n in report["nudges"] if n["kind"] in ("interruption", "dead_air")]


@pytest.mark.parametrize("telephone", [False, True], ids=["16k-pcm", "8k-ulaw"])
def test_realistic_turn_taking_raises_no_timing_nudge(call, timing_config, tmp_path, telephone):
    # The call does hold what used to fire: replies over the last syllable, backchannels, a look-up.
    assert call.late_starts and call.backchannels and call.lookups
    report = replay_recording(write_call(call, tmp_path / "call.wav", telephone=telephone), timing_config)
    assert timing_nudges(report) == []
    assert report["metrics"]["interruptions_by_agent"] == report["metrics"]["interruptions_by_customer"] == 0
    assert report["suppressed"] == {}


def test_a_second_of_real_agent_speech_over_the_customer_mid_sentence_is_caught(call, clips, timing_config,
                                                                              tmp_path):
    with_overlap = plant_overlap(call, clips, SEED)
    planted = with_overlap.planted
    report = replay_recording(write_call(with_overlap, tmp_path / "planted.wav", telephone=True), timing_config)
    [nudge] = timing_nudges(report)
    assert nudge["kind"] == "interruption" and nudge["speaker"] == "agent"
    # Raised once the overlap reached dynamics.min_overlap_s, and while the planted speech still ran.
    assert planted.start - 0.1 <= nudge["evidence"]["start"] <= planted.start + 0.2
    assert nudge["evidence"]["end"] - nudge["evidence"]["start"] >= timing_config["dynamics"]["min_overlap_s"] - 0.03
    assert nudge["t"] <= planted.end
