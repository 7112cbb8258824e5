"""``coach serve``: run the live ingress until SIGINT/SIGTERM, then finalise every call."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from service.config import ConfigError
from service.egress import EmbeddedBroker, MqttCallSink, MqttSettings, Publisher
from service.settings import load_checked_config

from .server import IngressServer

__all__ = ["open_mqtt_sink", "register", "run_serve"]

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("serve", help="live coaching: WebSocket ingress for Twilio, AudioHook and /stream")
    p.add_argument("--config", metavar="FILE", help="TOML file overriding config/*.toml")
    p.add_argument("--host", help="interface to listen on (server.host)")
    p.add_argument("--port", type=int, help="port for WebSockets and HTTP (server.port)")
    p.add_argument("--broker", metavar="URL", help="external MQTT broker, mqtt://user:pass@host:port (mqtt.broker_url)")
    p.add_argument("--no-mqtt", action="store_true", help="publish nothing (reports are still saved)")
    p.add_argument("--instance", metavar="ID", help="this replica's id, unique among replicas (mqtt.instance_id)")
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    overrides: dict = {"server": {}}
    if args.host:
        overrides["server"]["host"] = args.host
    if args.port is not None:
        overrides["server"]["port"] = args.port
    overrides["mqtt"] = {}
    if args.broker:
        overrides["mqtt"]["broker_url"] = args.broker
    if args.instance:
        overrides["mqtt"]["instance_id"] = args.instance
    try:
        config = load_checked_config(args.config, overrides)
        return asyncio.run(run_serve(config, publish=not args.no_mqtt))
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    except OSError as exc:
        log.error("cannot serve: %s", exc)
        return 1


@contextlib.asynccontextmanager
async def open_mqtt_sink(config: dict, publish: bool) -> AsyncIterator[object | None]:
    """The MQTT call sink (with the embedded broker when none is configured), or None."""
    if not publish:
        yield None
        return
    settings = MqttSettings.from_config(config["mqtt"])
    async with contextlib.AsyncExitStack() as stack:
        if settings.embedded:
            await stack.enter_async_context(EmbeddedBroker(settings))
        publisher = await stack.enter_async_context(Publisher(settings))
        yield MqttCallSink(publisher, settings)


async def run_serve(config: dict, *, publish: bool = True) -> int:
    """Serve until a stop signal, then drain; a second signal stops at once. Every open call is finalised."""
    signals = asyncio.Queue()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, signals.put_nowait, sig)
    async with open_mqtt_sink(config, publish) as sink, IngressServer(config, sink=sink) as server:
        await signals.get()
        drain = asyncio.create_task(server.drain())
        second = asyncio.create_task(signals.get())
        await asyncio.wait((drain, second), return_when=asyncio.FIRST_COMPLETED)
        if not drain.done():
            log.info("second stop signal: closing open calls now")
            drain.cancel()
            await asyncio.gather(drain, return_exceptions=True)
        second.cancel()
    return 0
