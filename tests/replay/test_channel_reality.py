"""Stereo files that are not two parties, from real speech: one mix on both channels is refused, a dead leg warned.

The calls are built from real recordings (tests/data/speech, public domain and
CC0; see its LICENSE-NOTICE.md) with :mod:`service.testing.real_calls`: the
same conversation is written once as a telephone-band stereo call of two
parties (with the agent leaking into the customer leg at -20 dB, as echo and
crosstalk do) and once mixed to one track and saved as stereo with both
channels equal, the way call archives export mixed recordings.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from service.replay.recording import ReplayError, replay_recording
from service.testing.real_calls import load_clips, realistic_call, write_call

SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"
LEAK_DB = -20.0
LEAK_DELAY_S = 0.002


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """name -> 8 kHz mu-law stereo WAV of the same real conversation: two parties, mixed, one party only."""
    out = tmp_path_factory.mktemp("channels")
    call = realistic_call(load_clips(SPEECH, ("en", "lv")), seed=3)
    delay = int(LEAK_DELAY_S * 16000)
    echo = np.concatenate((np.zeros(delay, np.float32), call.agent[:-delay])) * np.float32(10 ** (LEAK_DB / 20))
    mixed = call.agent + call.customer
    calls = {
        "two_parties": dataclasses.replace(call, customer=call.customer + echo),
        "mixed_as_stereo": dataclasses.replace(call, agent=mixed, customer=mixed.copy()),
        "agent_only": dataclasses.replace(call, customer=np.zeros_like(call.customer)),
    }
    return {name: write_call(c, out / f"{name}.wav", telephone=True) for name, c in calls.items()}


def test_a_mixed_recording_saved_as_stereo_is_refused_with_the_mono_advice(files, timing_config):
    with pytest.raises(ReplayError) as refused:
        replay_recording(files["mixed_as_stereo"], timing_config)
    message = str(refused.value)
    assert message.startswith(str(files["mixed_as_stereo"]))
    assert "both channels carry the same audio" in message and "mono recording in a stereo file" in message
    assert "one party per channel" in message and "dual-channel" in message


def test_the_same_speech_as_two_parties_with_crosstalk_is_accepted(files, timing_config):
    report = replay_recording(files["two_parties"], timing_config)
    channels = report["channels"]
    assert channels["same_content"] is False and channels["silent"] == []
    assert channels["judged_s"] > timing_config["channels"]["min_voiced_s"]  # the leak puts sound on both
    assert channels["similarity"] < 0.5
    assert "warnings" not in report
    assert report["metrics"]["agent_talk_s"] > 0 and report["metrics"]["customer_talk_s"] > 0


def test_a_channel_silent_for_the_whole_call_is_a_warning_not_a_refusal(files, timing_config):
    report = replay_recording(files["agent_only"], timing_config)
    assert report["channels"]["silent"] == ["customer"]
    assert [(w["kind"], w["party"]) for w in report["warnings"]] == [("silent_channel", "customer")]
    assert report["metrics"]["agent_talk_s"] > 0 and report["metrics"]["customer_talk_s"] == 0


def test_coach_replay_with_whisper_fails_the_mixed_file_and_goes_on(files, tmp_path):
    """The shipped defaults (packed faster-whisper decode): the refusal comes before any decoding of that file."""
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("two_parties", "mixed_as_stereo"):
        (folder / f"{name}.wav").write_bytes(files[name].read_bytes())
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "service.cli", "replay", str(folder), "--out", str(out),
                           "--workers", "1", "--language", "en"], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "mixed_as_stereo.wav" in errors[0] and "same audio" in errors[0]
    assert "dual-channel" in errors[0]
    assert {p.name for p in out.glob("*.coach.json")} == {"two_parties.coach.json"}
    report = json.loads((out / "two_parties.coach.json").read_text())
    assert report["transcript"] and report["channels"]["same_content"] is False
    assert len((out / "summary.csv").read_text().splitlines()) == 2  # the header and the call that was replayed
