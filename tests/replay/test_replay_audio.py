"""Replaying synthesized stereo calls: nudges where the labels say, metrics, bad files."""

from __future__ import annotations

import json
import subprocess
import sys
import wave

import av
import numpy as np
import pytest

from service.media.audio import AudioFileError
from service.replay.recording import ReplayError, replay_recording
from service.testing.synth import write_wav

TOLERANCE_S = 0.1  # VAD onset/offset vs. the synthesizer's labels: a few 30 ms frames


def kinds(report):
    return [n["kind"] for n in report["nudges"]]


def expected_times(labels, config):
    """Where the scenario's expected nudges must land, from the labelled turn times."""
    out = []
    for item in labels["expect"]:
        turn = labels["turns"][item["after_turn"]]
        if item["kind"] == "interruption":
            out.append(("interruption", turn["start"] + config["dynamics"]["min_overlap_s"]))
        elif item["kind"] == "dead_air":
            out.append(("dead_air", turn["end"] + config["dynamics"]["dead_air_s"]))
    return out


@pytest.mark.parametrize("name", ["interruption_and_dead_air", "interruption_and_dead_air_8k",
                                  "interruption_and_dead_air_noisy"])
def test_nudges_land_where_the_labels_say(calls, timing_config, name):
    wav, labels = calls[name]
    report = replay_recording(wav, timing_config)
    expected = expected_times(labels, timing_config)
    assert kinds(report) == [kind for kind, _ in expected]
    for nudge, (kind, t) in zip(report["nudges"], expected):
        assert abs(nudge["t"] - t) <= TOLERANCE_S, (kind, nudge["t"], t)
        assert nudge["t"] >= nudge["evidence"]["end"] - 1e-9
        assert nudge["message"]
    m = report["metrics"]
    assert m["interruptions_by_agent"] == 1
    assert m["longest_silence_s"] == pytest.approx(10.0, abs=TOLERANCE_S)
    assert m["dead_air_s"] == pytest.approx(10.0, abs=TOLERANCE_S)
    assert m["overtalk_s"] == pytest.approx(1.5, abs=TOLERANCE_S)


def test_talk_metrics_match_labels(calls, timing_config):
    wav, labels = calls["interruption_and_dead_air"]
    report = replay_recording(wav, timing_config)
    for party in ("agent", "customer"):
        spoken = sum(t["end"] - t["start"] for t in labels["turns"] if t["speaker"] == party)
        # espeak-ng leaves short pauses between words and clauses inside a turn
        assert report["metrics"][f"{party}_talk_s"] == pytest.approx(spoken, rel=0.1)
    assert report["schema"] == "callcoach.report/1"
    assert report["duration"] == pytest.approx(labels["duration"], abs=0.03)


def test_clean_call_gets_no_timing_nudges(calls, timing_config):
    report = replay_recording(calls["clean"][0], timing_config)
    assert not [k for k in kinds(report) if k in ("interruption", "dead_air")]
    assert report["metrics"]["interruptions_by_agent"] == 0


def test_sample_rates_agree(calls, timing_config):
    r16 = replay_recording(calls["interruption_and_dead_air"][0], timing_config)
    r8 = replay_recording(calls["interruption_and_dead_air_8k"][0], timing_config)
    assert kinds(r16) == kinds(r8)
    for a, b in zip(r16["nudges"], r8["nudges"]):
        assert abs(a["t"] - b["t"]) <= 0.061  # two VAD frames


def test_right_channel_agent(calls, timing_config, tmp_path):
    wav, labels = calls["interruption_and_dead_air"]
    with wave.open(str(wav)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
    swapped = tmp_path / "swapped.wav"
    write_wav(swapped, pcm[:, ::-1].astype(np.float32) / 32768.0, rate)
    config = dict(timing_config, audio=dict(timing_config["audio"], agent_channel="right"))
    assert kinds(replay_recording(swapped, config)) == kinds(replay_recording(wav, timing_config))


def test_mp3_input(calls, timing_config, tmp_path):
    wav, labels = calls["interruption_and_dead_air"]
    mp3 = tmp_path / "call.mp3"
    with av.open(str(wav)) as src, av.open(str(mp3), "w") as dst:
        stream = dst.add_stream("mp3", rate=16000, layout="stereo")
        stream.bit_rate = 64000
        for frame in src.decode(audio=0):
            frame.pts = None
            for packet in stream.encode(frame):
                dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)
    report = replay_recording(mp3, timing_config)
    expected = expected_times(labels, timing_config)
    assert kinds(report) == [kind for kind, _ in expected]
    # mp3 adds encoder delay (~ 1 frame of 1152 samples): allow it on top of the VAD tolerance
    for nudge, (_, t) in zip(report["nudges"], expected):
        assert abs(nudge["t"] - t) <= TOLERANCE_S + 0.08


def test_mono_file_is_refused_with_advice(tmp_path, timing_config):
    mono = tmp_path / "mono.wav"
    write_wav(mono, np.zeros(16000 * 3, dtype=np.float32), 16000)
    with pytest.raises(AudioFileError, match="mono recording.*stereo"):
        replay_recording(mono, timing_config)


def test_silence_only_is_refused(tmp_path, timing_config):
    silent = tmp_path / "silent.wav"
    rng = np.random.default_rng(1)
    write_wav(silent, rng.normal(0, 10 ** (-65 / 20), (16000 * 10, 2)).astype(np.float32), 16000)
    with pytest.raises(ReplayError, match="no speech"):
        replay_recording(silent, timing_config)


def test_very_short_file_is_refused(tmp_path, timing_config):
    short = tmp_path / "short.wav"
    write_wav(short, np.zeros((4000, 2), dtype=np.float32), 16000)
    with pytest.raises(ReplayError, match="too short"):
        replay_recording(short, timing_config)


@pytest.mark.parametrize("content", [b"", b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 10, bytes(range(256)) * 40])
def test_corrupt_file_is_refused(tmp_path, timing_config, content):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(content)
    with pytest.raises(AudioFileError, match="broken.wav"):
        replay_recording(bad, timing_config)


def test_cli_batch_continues_past_bad_files(calls, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("interruption_and_dead_air", "clean"):
        (folder / f"{name}.wav").write_bytes(calls[name][0].read_bytes())
    (folder / "corrupt.wav").write_bytes(b"not audio at all")
    config = tmp_path / "noasr.toml"
    config.write_text('[asr]\nengine = "none"\n')
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "service.cli", "replay", str(folder), "--out", str(out), "--config", str(config),
         "--workers", "2"],  # worker processes
        capture_output=True, text=True,
    )
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "corrupt.wav" in errors[0]
    reports = {p.name for p in out.glob("*.coach.json")}
    assert reports == {"interruption_and_dead_air.coach.json", "clean.coach.json"}
    report = json.loads((out / "interruption_and_dead_air.coach.json").read_text())
    assert [n["kind"] for n in report["nudges"]] == ["interruption", "dead_air"]
    summary = (out / "summary.csv").read_text().splitlines()
    assert len(summary) == 3 and summary[0].startswith("call_id,")
    assert {p.name for p in out.glob("*.html")} == {"interruption_and_dead_air.html", "clean.html", "summary.html"}
    page = (out / "interruption_and_dead_air.html").read_text()
    assert 'data-kind="interruption"' in page and 'data-kind="dead_air"' in page
    # a second run skips the calls whose reports are up to date, and still reports the broken file
    again = subprocess.run(
        [sys.executable, "-m", "service.cli", "replay", str(folder), "--out", str(out), "--config", str(config),
         "--workers", "1"],  # in-process
        capture_output=True, text=True,
    )
    assert again.returncode == 1
    assert again.stderr.count("report up to date, skipped") == 2
