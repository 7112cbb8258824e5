"""Test helpers: `coach archive` as a real process, and `ended` events published the way `coach serve` does."""

from __future__ import annotations

import dataclasses
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Self

from service.call import CallInfo
from service.egress import MqttCallSink, MqttSettings, Publisher
from service.replay.transcript import replay_transcript

WAIT_S = 60.0  # generous: the test machine is shared and slow; never a timing assertion
# A short call with a nudge and a kudos, so the archived page has something on every part of it.
TRANSCRIPT = {"language": "en", "turns": [
    {"speaker": "agent", "start": 0.0, "end": 2.5, "text": "Thank you for calling, how can I help?"},
    {"speaker": "customer", "start": 3.0, "end": 8.0, "text": "I am so frustrated, this is the third time I call!"},
    {"speaker": "agent", "start": 8.5, "end": 12.0, "text": "Our policy says refunds take thirty days."},
    {"speaker": "customer", "start": 12.5, "end": 14.0, "text": "That is not good enough."},
    {"speaker": "agent", "start": 14.5, "end": 18.0, "text": "I understand, I'm sorry. Thank you for your patience."},
]}
_ARCHIVED = re.compile(r"archived call (\S+): ")


async def publish_calls(settings: MqttSettings, config: dict, call_ids: list[str]) -> list[dict]:
    """One real report per call id, each published as its `ended` event by the service's own sink; the reports."""
    reports = [replay_call(config, call_id) for call_id in call_ids]
    async with Publisher(settings) as publisher:
        sink = MqttCallSink(publisher, settings)
        for report in reports:
            sink.call_ended(CallInfo(report["call_id"], report["agent_id"], "stream"), report)
        assert await publisher.flush(WAIT_S), "the broker did not take every message"
    return reports


def replay_call(config: dict, call_id: str) -> dict:
    """A real engine report: a realistic transcript replayed under ``call_id``."""
    return replay_transcript(TRANSCRIPT, config, call_id=call_id, agent_id="agent-7")


def publisher_settings(config: dict, broker_url: str) -> MqttSettings:
    """The shipped [mqtt] defaults aimed at the test broker, as a `coach serve` replica would be."""
    base = MqttSettings.from_config(config["mqtt"])
    return dataclasses.replace(base, broker_url=broker_url, protocol="5", instance_id="replica-1")


def wait_until(predicate, timeout: float = WAIT_S) -> bool:
    """Poll until ``predicate()`` holds; False after ``timeout`` (a failure, not a timing check)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class ArchiverProcess:
    """A real `coach archive` process; its log (stderr) accumulates in one file across restarts."""

    def __init__(self, folder: Path, broker_url: str, out: Path, client_id: str, group: str = "test-group") -> None:
        self.client_id = client_id
        self.log_path = folder / f"{client_id}.log"
        self.args = [sys.executable, "-m", "service.cli", "archive", "--broker", broker_url, "--out", str(out),
                     "--group", group, "--client-id", client_id]
        self.process: subprocess.Popen | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def archived(self) -> list[str]:
        """Call ids this archiver wrote, one entry per write (a second write of one id would show twice)."""
        return _ARCHIVED.findall(self.log())

    def start(self) -> Self:
        """Start and wait until it is subscribed (its 'archiving ...' line)."""
        subscribed = self.log().count("INFO service.archive.archiver: archiving ")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=log)
        ready = wait_until(lambda: self.log().count("INFO service.archive.archiver: archiving ") > subscribed
                           or self.process.poll() is not None)
        assert ready and self.process.poll() is None, self.log()
        return self

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Send ``sig`` and wait for the exit status."""
        self.process.send_signal(sig)
        return self.process.wait(timeout=WAIT_S)


def archived_across(*archivers: ArchiverProcess) -> Counter:
    """How many times each call id was written, over every archiver given."""
    return Counter(call_id for archiver in archivers for call_id in archiver.archived())
