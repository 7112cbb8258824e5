"""``coach archive``: every finished call's report, from MQTT into a folder, until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path

from ..config import ConfigError
from ..egress import MqttSettings
from ..replay.html_report import ReportSettings
from ..settings import load_checked_config
from .archiver import Archiver, CannotArchive
from .settings import ArchiveSettings
from .store import ReportStore

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "archive", help="write each finished call's report, published over MQTT, into a folder",
        description="Subscribe to the `ended` events the `coach serve` replicas publish and write each report "
                    "(<call_id>.coach.json and <call_id>.html) into a folder. Archivers in one --group share the "
                    "work through an MQTT 5 shared subscription, and each keeps a persistent session, so a restart "
                    "loses nothing. Needs an external MQTT 5 broker with shared subscriptions (Mosquitto 2.x); "
                    "the embedded amqtt broker of `coach serve` has none.")
    p.add_argument("--out", metavar="DIR", help="archive folder (archive.out_dir)")
    p.add_argument("--broker", metavar="URL", help="MQTT 5 broker, mqtt://user:pass@host:port (mqtt.broker_url)")
    p.add_argument("--group", metavar="NAME", help="shared-subscription group the work is split in (archive.group)")
    p.add_argument("--client-id", metavar="ID",
                   help="stable MQTT client id naming this archiver's session (archive.client_id; "
                        "default <group>-<host name>)")
    p.add_argument("--config", metavar="FILE", help="TOML file overriding config/*.toml")
    p.set_defaults(func=_main)


def _overrides(args: argparse.Namespace) -> dict:
    archive = {key: value for key, value in (("out_dir", args.out), ("group", args.group),
                                             ("client_id", args.client_id)) if value}
    return {"archive": archive, **({"mqtt": {"broker_url": args.broker}} if args.broker else {})}


def _main(args: argparse.Namespace) -> int:
    try:
        config = load_checked_config(args.config, _overrides(args))
        mqtt = MqttSettings.from_config(config["mqtt"])
        settings = ArchiveSettings.from_config(config["archive"])
        if mqtt.embedded:
            raise ConfigError("coach archive needs an external MQTT 5 broker (--broker or mqtt.broker_url): "
                              "the embedded broker has no shared subscriptions")
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    store = ReportStore(Path(settings.out_dir), ReportSettings.from_config(config["reports"]))
    try:
        store.open()
    except OSError as exc:
        log.error("cannot write the archive folder: %s", exc)
        return 1
    try:
        return asyncio.run(_archive(Archiver(mqtt, settings, store)))
    except CannotArchive as exc:
        log.error("%s", exc)
        return 1


async def _archive(archiver: Archiver) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await archiver.run(stop)
    s = archiver.stats
    log.info("stopped: %d report(s) archived, %d already archived, %d message(s) skipped",
             s.archived, s.unchanged, s.skipped)
    return 0
