"""A QA team reruns `coach replay` blindly: a report is kept only when made from the same bytes and settings."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from service.cli import main

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "data" / "realistic" / "en"
SUMMARY = re.compile(r"replayed (\d+), skipped (\d+) up to date, failed (\d+)")


def no_asr_config(folder: Path, extra: str = "") -> Path:
    """A config file with transcription off (the timing engine alone, fast), plus ``extra`` TOML."""
    path = folder / f"noasr{len(extra)}.toml"
    path.write_text('[asr]\nengine = "none"\n' + extra, encoding="utf-8")
    return path


def coach(capfd, *args: str | Path) -> tuple[int, str]:
    """``coach replay ARGS`` in this process (its workers are real processes); returns (exit status, stderr)."""
    capfd.readouterr()
    rc = main(["replay", *map(str, args)])
    return rc, capfd.readouterr().err


def counts(stderr: str) -> tuple[int, int, int]:
    """(replayed, skipped, failed) from the closing line."""
    return tuple(int(n) for n in SUMMARY.search(stderr).groups())


@pytest.fixture
def inbox(calls, tmp_path) -> Path:
    """Two recordings and a transcript, as a QA team's export folder."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(calls["interruption_and_dead_air"][0], folder / "late.wav")
    shutil.copy(calls["clean"][0], folder / "morning.wav")
    shutil.copy(sorted(TRANSCRIPTS.glob("*.json"))[0], folder / "chat.json")
    return folder


def saved(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.coach.json"))}


def test_an_unchanged_rerun_keeps_every_report(capfd, inbox, tmp_path):
    config, out = no_asr_config(tmp_path), tmp_path / "out"
    assert counts(coach(capfd, inbox, "--out", out, "--config", config, "--workers", "2")[1]) == (3, 0, 0)
    first = saved(out)
    report = json.loads(first["late.coach.json"])
    assert report["input"]["sha256"] == hashlib.sha256((inbox / "late.wav").read_bytes()).hexdigest()
    assert report["input"]["sidecar_sha256"] is None
    rc, err = coach(capfd, inbox, "--out", out, "--config", config)
    assert rc == 0 and counts(err) == (0, 3, 0)
    assert saved(out) == first


@pytest.mark.parametrize("option, value, recorded, expected", [
    ("--config", "[dynamics]\ndead_air_s = 6.0\n", lambda r: r["settings"]["dynamics"]["dead_air_s"], 6.0),
    ("--language", "en", lambda r: r["input"]["options"]["language"], "en"),
    ("--agent-channel", "right", lambda r: r["input"]["options"]["audio"]["agent_channel"], "right"),
    ("--agent-id", "a042", lambda r: r["agent_id"], "a042"),
])
def test_changed_settings_redo_every_call_once(capfd, inbox, tmp_path, option, value, recorded, expected):
    config, out = no_asr_config(tmp_path), tmp_path / "out"
    coach(capfd, inbox, "--out", out, "--config", config)
    args = ["--config", no_asr_config(tmp_path, value)] if option == "--config" else ["--config", config, option, value]
    assert counts(coach(capfd, inbox, "--out", out, *args)[1]) == (3, 0, 0)
    assert counts(coach(capfd, inbox, "--out", out, *args)[1]) == (0, 3, 0)
    assert {recorded(json.loads(r)) for r in saved(out).values()} == {expected}


def test_changed_contents_redo_that_call_even_with_an_old_file_time(capfd, inbox, tmp_path):
    config, out = no_asr_config(tmp_path), tmp_path / "out"
    coach(capfd, inbox, "--out", out, "--config", config)
    before = json.loads((out / "chat.coach.json").read_text())
    shutil.copy(sorted(TRANSCRIPTS.glob("*.json"))[1], inbox / "chat.json")
    os.utime(inbox / "chat.json", (0, 0))  # older than its report: a file-time check would keep the stale one
    assert counts(coach(capfd, inbox, "--out", out, "--config", config)[1]) == (1, 2, 0)
    after = json.loads((out / "chat.coach.json").read_text())
    assert after["input"]["sha256"] != before["input"]["sha256"]
    assert after["transcript"] != before["transcript"]


def test_a_new_sidecar_redoes_its_call(capfd, inbox, tmp_path):
    config, out = no_asr_config(tmp_path), tmp_path / "out"
    coach(capfd, inbox, "--out", out, "--config", config)
    (inbox / "morning.meta.json").write_text('{"agent_id": "maria"}', encoding="utf-8")
    assert counts(coach(capfd, inbox, "--out", out, "--config", config)[1]) == (1, 2, 0)
    report = json.loads((out / "morning.coach.json").read_text())
    assert report["agent_id"] == "maria" and report["input"]["sidecar_sha256"]


def test_a_report_without_input_record_or_with_force_is_redone(capfd, inbox, tmp_path):
    config, out = no_asr_config(tmp_path), tmp_path / "out"
    coach(capfd, inbox, "--out", out, "--config", config)
    old = json.loads((out / "late.coach.json").read_text())
    del old["input"]  # as written before inputs were recorded
    (out / "late.coach.json").write_text(json.dumps(old), encoding="utf-8")
    assert counts(coach(capfd, inbox, "--out", out, "--config", config)[1]) == (1, 2, 0)
    assert counts(coach(capfd, inbox, "--out", out, "--config", config, "--force")[1]) == (3, 0, 0)
