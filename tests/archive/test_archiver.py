"""The archiver's async API against a real Mosquitto: what it skips, what it acknowledges, and when."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiomqtt
from egress.mosquitto import Mosquitto

from service.archive import ArchiveSettings, Archiver, ReportStore
from service.call import SCHEMA
from service.replay.html_report import ReportSettings

from .helpers import WAIT_S, publish_calls, publisher_settings, replay_call

TOPIC = "callcoach/v1/calls/x/events"
ACL = Path(__file__).resolve().parents[2] / "config" / "mosquitto.acl"


def ended(report: dict) -> bytes:
    """An `ended` event as service/egress/sink.py shapes it."""
    return json.dumps({"event": "ended", "call_id": report.get("call_id"), "agent_id": "a", "issued_at": 1.0,
                       "report": report}).encode()


class FailingOnce(ReportStore):
    """A disk whose first write fails: the report must stay with the broker and come back."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, ReportSettings.shipped())
        self.failures = 0

    def save(self, call_id: str, report: dict):
        if not self.failures:
            self.failures += 1
            raise OSError(28, "No space left on device")
        return super().save(call_id, report)


async def publish_raw(port: int, payloads: list[bytes]) -> None:
    """Publish ``payloads`` (QoS 1) on one call's events topic, as an anonymous client."""
    async with aiomqtt.Client("127.0.0.1", port, protocol=aiomqtt.ProtocolVersion.V5) as client:
        for payload in payloads:
            await client.publish(TOPIC, payload, qos=1)


async def archive_until(archiver: Archiver, publish: Callable[[], Awaitable[object]], done) -> None:
    """Run ``archiver``, ``publish()`` once it is subscribed, stop once ``done(stats)``."""
    stop = asyncio.Event()
    task = asyncio.create_task(archiver.run(stop))
    async with asyncio.timeout(WAIT_S):
        while not archiver.stats.connections:
            await asyncio.sleep(0.02)
        await publish()
        while not done(archiver.stats):
            await asyncio.sleep(0.02)
    stop.set()
    await task


def counts(archiver: Archiver) -> tuple[int, int, int, int]:
    s = archiver.stats
    return s.archived, s.unchanged, s.skipped, s.ignored


def test_unusable_payloads_are_logged_acknowledged_and_never_written(mosquitto, tmp_path, config, engine_config,
                                                                    caplog):
    good, later = replay_call(engine_config, "good-1"), replay_call(engine_config, "good-2")
    minimal = {"schema": SCHEMA}
    unusable = [
        b"not json",
        b"\xff\xfe\x00",
        b"[1, 2]",
        b'{"call_id": "x"}',  # no event
        json.dumps({"event": "ended", "call_id": "x"}).encode(),  # no report
        ended({**minimal, "agent_id": "a"}),  # no call_id
        ended({**good, "schema": "callcoach.report/2"}),
        ended({**good, "call_id": "../escaped"}),
        ended({**good, "call_id": ".hidden"}),
        ended({**good, "call_id": "x" * 200}),
        ended({**minimal, "call_id": "no-fields"}),  # nothing the page can show
    ]
    started = json.dumps({"event": "started", "call_id": "x", "agent_id": "a"}).encode()
    out = tmp_path / "archive"
    mqtt = publisher_settings(config, mosquitto.url)
    settings = ArchiveSettings(out_dir=str(out), group="g", client_id="archiver-m", session_expiry_s=600)

    def archiver() -> Archiver:
        return Archiver(mqtt, settings, ReportStore(out, ReportSettings.shipped()))

    first = archiver()
    asyncio.run(archive_until(first, lambda: publish_raw(mosquitto.port, [*unusable, started, ended(good)]),
                              lambda s: s.archived))
    assert counts(first) == (1, 0, len(unusable), 1)  # archived, unchanged, skipped, ignored (`started`)
    written = [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()]
    assert sorted(w for w in written if not w.startswith("mosquitto")) == ["archive/good-1.coach.json",
                                                                            "archive/good-1.html"]
    assert caplog.text.count(f"skipped a message on {TOPIC}") == len(unusable)
    # The same session again: none of them comes back (all were acknowledged); a new report does, after them.
    second = archiver()
    asyncio.run(archive_until(second, lambda: publish_raw(mosquitto.port, [ended(later)]), lambda s: s.archived))
    assert counts(second) == (1, 0, 0, 0)


def test_a_report_the_disk_refused_is_not_acknowledged_and_comes_back(mosquitto, tmp_path, config, engine_config,
                                                                      caplog):
    report = replay_call(engine_config, "retried")
    store = FailingOnce(tmp_path / "archive")
    settings = ArchiveSettings(out_dir=str(store.folder), group="g", client_id="archiver-d", session_expiry_s=600)
    archiver = Archiver(publisher_settings(config, mosquitto.url), settings, store)
    asyncio.run(archive_until(archiver, lambda: publish_raw(mosquitto.port, [ended(report)]), lambda s: s.archived))
    assert store.failures == 1 and counts(archiver) == (1, 0, 0, 0)
    assert archiver.stats.connections == 2  # it dropped the connection to get the message again
    assert "No space left on device" in caplog.text
    assert json.loads((store.folder / "retried.coach.json").read_text()) == report


def test_the_shipped_acls_qa_user_may_hold_the_shared_subscription(tmp_path, config, engine_config):
    broker = Mosquitto(tmp_path, acl_file=ACL).start()
    try:
        service = dataclasses.replace(publisher_settings(config, broker.url), username="callcoach")
        settings = ArchiveSettings(out_dir=str(tmp_path / "archive"), group="g", client_id="archiver-qa",
                                   session_expiry_s=600)
        archiver = Archiver(dataclasses.replace(service, username="qa"), settings,
                            ReportStore(tmp_path / "archive", ReportSettings.shipped()))
        asyncio.run(archive_until(archiver, lambda: publish_calls(service, engine_config, ["acl-1"]),
                                  lambda s: s.archived))
    finally:
        broker.stop()
    assert (tmp_path / "archive" / "acl-1.coach.json").exists()
