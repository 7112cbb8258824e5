"""Batch progress: one line rewritten in place on a terminal, a line per update in a log, JSON for schedulers."""

from __future__ import annotations

import fcntl
import io
import json
import os
import shutil
import struct
import termios

import pytest

from service.replay.progress import Progress

from .test_batch_rerun import coach, no_asr_config

MARK = "<end of output>"
KEYS = {"event", "call", "message", "done", "total", "replayed", "skipped", "failed", "retries", "audio_s",
        "elapsed_s", "speed_x", "eta_s"}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def a_batch(progress: Progress, clock: Clock) -> None:
    """Four calls: one up to date, one replayed (60 s of audio), one retried then failed."""
    clock.now += 1
    progress.update("skipped", "old", "old: report up to date, skipped (--force to redo)")
    clock.now += 2
    progress.update("replayed", "late", "late: 60.0 s, 2 nudges, 0 kudos, replayed in 2.0 s", 60.0)
    progress.retry("doomed", "doomed: its worker process died; retrying it in a fresh one")
    clock.now += 1
    progress.update("failed", "doomed", "error: doomed.wav: the worker process died while replaying it, 2 times")


def test_a_log_gets_a_line_per_update_with_counts_audio_speed_eta_and_failures():
    clock, out = Clock(), io.StringIO()
    progress = Progress(4, out, clock=clock)
    a_batch(progress, clock)
    progress.end("reports")
    assert out.getvalue().splitlines() == [
        "[1/4] 0.00 h audio, --x real time, ETA -:--:--, 0 failed | old: report up to date, skipped (--force to redo)",
        "[2/4] 0.02 h audio, 20x real time, ETA 0:00:04, 0 failed | late: 60.0 s, 2 nudges, 0 kudos, "
        "replayed in 2.0 s",
        "doomed: its worker process died; retrying it in a fresh one",
        "[3/4] 0.02 h audio, 15x real time, ETA 0:00:02, 1 failed | "
        "error: doomed.wav: the worker process died while replaying it, 2 times",
        "replayed 1, skipped 1 up to date, failed 1 of 3 inputs; 0.02 h audio in 4.0 s; reports in reports",
    ]


def test_json_progress_is_one_object_per_update_with_the_documented_keys():
    clock, out = Clock(), io.StringIO()
    progress = Progress(4, out, as_json=True, clock=clock)
    a_batch(progress, clock)
    progress.end("reports")
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert all(set(record) == KEYS for record in records)
    assert [(r["event"], r["call"], r["done"], r["failed"], r["retries"]) for r in records] == [
        ("skipped", "old", 1, 0, 0), ("replayed", "late", 2, 0, 0), ("retry", "doomed", 2, 0, 1),
        ("failed", "doomed", 3, 1, 1), ("end", None, 3, 1, 1)]
    replayed = records[1]
    assert (replayed["audio_s"], replayed["elapsed_s"], replayed["speed_x"], replayed["eta_s"]) == (60.0, 3.0, 20.0,
                                                                                                  4.0)
    assert records[0]["speed_x"] is None and records[0]["eta_s"] is None  # nothing replayed yet: unknown


@pytest.fixture
def terminal():
    """A real pseudo-terminal 60 columns wide: (the stream a batch writes to, a function reading what it shows)."""
    controller, screen = os.openpty()
    fcntl.ioctl(screen, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))
    attrs = termios.tcgetattr(screen)
    attrs[1] &= ~termios.OPOST  # as written, without "\n" turned into "\r\n"
    termios.tcsetattr(screen, termios.TCSANOW, attrs)
    stream = os.fdopen(screen, "w")

    def shown() -> str:
        """All written so far: the terminal passes output on asynchronously, so read up to a mark written last."""
        stream.write(MARK)
        stream.flush()
        text = ""
        while not text.endswith(MARK):
            text += os.read(controller, 1 << 16).decode()
        return text.removesuffix(MARK)

    yield stream, shown
    stream.close()
    os.close(controller)


def test_a_terminal_gets_one_line_rewritten_in_place_and_keeps_what_needs_attention(terminal):
    stream, shown = terminal
    clock = Clock()
    progress = Progress(4, stream, clock=clock)
    progress.note("passing over 1 sidecar")
    a_batch(progress, clock)
    text = shown()
    clear = "\r\x1b[K"
    kept = [line.rsplit(clear, 1)[-1] for line in text.split("\n")[:-1]]
    assert kept == ["passing over 1 sidecar", "doomed: its worker process died; retrying it in a fresh one",
                    "error: doomed.wav: the worker process died while replaying it, 2 times"]
    assert text.startswith(f"{clear}passing over 1 sidecar\n{clear}[1/4]")  # no status line before the first call
    assert text.count(clear) == 5 and text.endswith("\n[3/4] 0.02 h audio, 15x real time, ETA 0:00:02, 1 failed")
    replayed = "[2/4] 0.02 h audio, 20x real time, ETA 0:00:04, 0 failed | late: 60.0 s, 2 nudges"
    assert f"{clear}{replayed[:59]}{clear}" in text  # cut to the terminal's width: a wrapped line could not be redrawn
    progress.end("reports")
    assert shown() == f"{clear}replayed 1, skipped 1 up to date, failed 1 of 3 inputs; 0.02 h audio in 4.0 s; " \
                      f"reports in reports\n"


def test_coach_replay_json_progress_reports_each_call_once(capfd, calls, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(calls["clean"][0], inbox / "clean.wav")
    shutil.copy(calls["interruption_and_dead_air"][0], inbox / "late.wav")
    (inbox / "broken.wav").write_bytes(b"not audio")
    rc, err = coach(capfd, inbox, "--out", tmp_path / "out", "--config", no_asr_config(tmp_path), "--workers", "2",
                    "--json-progress")
    records = [json.loads(line) for line in err.splitlines()]
    assert rc == 1
    assert sorted((r["event"], r["call"]) for r in records[:-1]) == [
        ("failed", "broken"), ("replayed", "clean"), ("replayed", "late")]
    end = records[-1]
    assert (end["event"], end["done"], end["total"], end["replayed"], end["failed"], end["eta_s"]) == (
        "end", 3, 3, 2, 1, 0.0)
    assert end["audio_s"] > 50 and end["speed_x"] > 1
