"""Real `coach archive` processes against a real Mosquitto: shared work, exactly-once files, a kill, the CLI."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
from collections import Counter

import pytest
from egress.mosquitto import free_port

from service.call import write_report

from .helpers import WAIT_S, ArchiverProcess, archived_across, publish_calls, publisher_settings, wait_until

CALLS = 20


def assert_archived_as_written(outs, reports) -> None:
    """Each report is in exactly one folder, byte for byte what write_report writes, with its page beside it."""
    for report in reports:
        stem = report["call_id"]
        holders = [out for out in outs if (out / f"{stem}.coach.json").exists()]
        assert len(holders) == 1, (stem, holders)
        expected = write_report(report, holders[0] / "expected", stem).read_bytes()
        assert (holders[0] / f"{stem}.coach.json").read_bytes() == expected
        assert (holders[0] / f"{stem}.html").stat().st_size > 0


@pytest.mark.parametrize("shared", [True, False], ids=["one-folder", "two-folders"])
def test_two_archivers_in_a_group_split_the_reports_and_write_each_once(mosquitto, tmp_path, config, engine_config,
                                                                        shared):
    outs = [tmp_path / "out"] * 2 if shared else [tmp_path / "out-a", tmp_path / "out-b"]
    first = ArchiverProcess(tmp_path, mosquitto.url, outs[0], "archiver-a").start()
    second = ArchiverProcess(tmp_path, mosquitto.url, outs[1], "archiver-b").start()
    ids = [f"call-{n:02d}" for n in range(CALLS)]
    try:
        reports = asyncio.run(publish_calls(publisher_settings(config, mosquitto.url), engine_config, ids))
        assert wait_until(lambda: set(archived_across(first, second)) == set(ids)), first.log() + second.log()
    finally:
        codes = (first.stop(signal.SIGINT), second.stop(signal.SIGTERM))
    assert codes == (0, 0)
    assert archived_across(first, second) == Counter(ids)  # every report written, none twice
    assert first.archived() and second.archived()  # the group shared the work
    for archiver, out in ((first, outs[0]), (second, outs[1])):  # the flags took effect
        assert f"archiving $share/test-group/callcoach/v1/calls/+/events as client {archiver.client_id} into {out}" \
            in archiver.log()
        assert " WARNING " not in archiver.log() and " ERROR " not in archiver.log()
        if not shared:
            assert sorted(p.stem for p in out.glob("*.coach.json")) == sorted(f"{c}.coach" for c in archiver.archived())
    assert_archived_as_written(sorted(set(outs)), reports)


def test_an_archiver_killed_while_reports_flow_gets_all_of_them_after_a_restart(mosquitto, tmp_path, config,
                                                                               engine_config):
    out = tmp_path / "out"
    victim = ArchiverProcess(tmp_path, mosquitto.url, out, "archiver-a").start()
    peer = ArchiverProcess(tmp_path, mosquitto.url, out, "archiver-b").start()
    settings = publisher_settings(config, mosquitto.url)
    before = [f"before-{n:02d}" for n in range(CALLS)]
    during = [f"during-{n:02d}" for n in range(CALLS)]
    reports: list[dict] = []
    publishing = threading.Thread(
        target=lambda: reports.extend(asyncio.run(publish_calls(settings, engine_config, before))))
    try:
        publishing.start()
        assert wait_until(lambda: victim.archived()), victim.log()
        assert victim.stop(signal.SIGKILL) == -signal.SIGKILL  # no goodbye: what it held is unacknowledged
        publishing.join(WAIT_S)
        reports.extend(asyncio.run(publish_calls(settings, engine_config, during)))  # while it is down
        victim.start()  # same client id: the broker resumes its session
        # On disk, not in the logs: the kill may fall between a write and its log line.
        assert wait_until(lambda: {p.name for p in out.glob("*.coach.json")} ==
                          {f"{c}.coach.json" for c in before + during}), victim.log()
    finally:
        if victim.process.poll() is None:
            victim.stop()
        peer.stop()
    assert len(reports) == 2 * CALLS
    assert_archived_as_written([out], reports)
    # Mosquitto kept choosing the dead archiver for its share of the group, and its session kept them.
    assert any(call_id.startswith("during-") for call_id in victim.archived())


def coach(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", "archive", *args], capture_output=True, text=True,
                          timeout=WAIT_S)


def test_an_unreachable_broker_is_one_clear_line_and_exit_1(tmp_path):
    port = free_port()  # nothing listens there
    done = coach("--broker", f"mqtt://user:secret@127.0.0.1:{port}", "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot connect to the MQTT broker at 127.0.0.1:{port}" in lines[0], done.stderr
    assert "secret" not in done.stderr


def test_without_an_external_broker_it_refuses_to_start(tmp_path):
    done = coach("--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "needs an external MQTT 5 broker" in done.stderr
