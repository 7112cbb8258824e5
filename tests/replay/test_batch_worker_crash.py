"""A worker process that dies mid-batch costs only the call it was running.

The test kills real worker processes of a real `coach replay` from outside
(SIGKILL, as the out-of-memory killer would), found as the children of the
command that hold the recording open; replays are paced (``--speed``) so a
call is surely still running when it is looked for.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_batch_rerun import counts, no_asr_config

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="finds worker processes in /proc")

LOOK_S = 120.0  # give up looking for a worker after this long (a broken batch, not a slow machine)


def children_holding(parent: int, path: Path) -> set[int]:
    """Child processes of ``parent`` that have ``path`` open."""
    target = str(path.resolve())
    found = set()
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit() or int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]) != parent:
                continue
            if any(os.readlink(fd) == target for fd in (proc / "fd").iterdir()):
                found.add(int(proc.name))
        except (OSError, ValueError, IndexError):  # the process ended while we looked
            continue
    return found


def kill_worker_replaying(command: subprocess.Popen, path: Path, spared: set[int]) -> int:
    """SIGKILL the worker process of ``command`` that is replaying ``path`` (not one in ``spared``)."""
    deadline = time.monotonic() + LOOK_S
    while time.monotonic() < deadline and command.poll() is None:
        for pid in children_holding(command.pid, path) - spared:
            os.kill(pid, signal.SIGKILL)
            return pid
        time.sleep(0.02)
    raise AssertionError(f"no worker process was replaying {path.name}")


def test_killed_workers_cost_only_their_call(calls, tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    doomed, unlucky, bystander = inbox / "doomed.wav", inbox / "unlucky.wav", inbox / "bystander.wav"
    for path in (doomed, unlucky):
        shutil.copy(calls["interruption_and_dead_air"][0], path)
    shutil.copy(calls["clean"][0], bystander)
    command = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "replay", str(doomed), str(unlucky), str(bystander), "--out", str(out),
         "--config", str(no_asr_config(tmp_path)), "--workers", "2", "--speed", "5"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        killed = {kill_worker_replaying(command, doomed, set())}
        killed.add(kill_worker_replaying(command, unlucky, killed))  # while the doomed call is being retried
        killed.add(kill_worker_replaying(command, doomed, killed))  # its second worker: no third try
        _, err = command.communicate(timeout=300)
    finally:
        command.kill()
    assert command.returncode == 1, err
    assert counts(err) == (2, 0, 1)
    assert sorted(line.split(":")[0] for line in err.splitlines() if "retrying it in a fresh one" in line) == [
        "doomed", "unlucky"]
    (error,) = [line for line in err.splitlines() if "error:" in line]
    assert f"{doomed}: the worker process died while replaying it, 2 times" in error
    assert sorted(p.name for p in out.glob("*.coach.json")) == ["bystander.coach.json", "unlucky.coach.json"]
    unlucky_report = json.loads((out / "unlucky.coach.json").read_text())
    assert [n["kind"] for n in unlucky_report["nudges"]] == ["interruption", "dead_air"]
    assert len((out / "summary.csv").read_text().splitlines()) == 3
