"""``coach serve``: run the live ingress until SIGINT/SIGTERM, then finalise every call."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import os
import re
import signal
from collections.abc import AsyncIterator

from service.asr.measurements import start_warnings
from service.config import ConfigError
from service.egress import EmbeddedBroker, MqttCallSink, MqttSettings, Publisher
from service.egress.sink import AttentionSettings
from service.settings import load_checked_config

from .server import IngressServer
from .settings import ServerSettings

__all__ = ["describe_start_error", "open_mqtt_sink", "register", "run_serve"]

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
    config: dict = {}
    try:
        config = load_checked_config(args.config, overrides)
        endpoint_languages = ServerSettings.from_config(config["server"]).languages.values()
        for warning in start_warnings(config, [code for code in endpoint_languages if code]):
            log.warning("%s", warning)
        return asyncio.run(run_serve(config, publish=not args.no_mqtt))
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    except OSError as exc:
        log.error("cannot serve: %s", describe_start_error(exc, config))
        return 1


# What listens on each port setting, for the one-line error when a port is taken.
_LISTENERS = {
    ("server", "port"): "the WebSocket/HTTP ingress",
    ("server", "audiosocket_customer_port"): "the AudioSocket customer-leg listener",
    ("server", "audiosocket_agent_port"): "the AudioSocket agent-leg listener",
    ("mqtt", "embedded_tcp_port"): "the embedded MQTT broker",
    ("mqtt", "embedded_ws_port"): "the embedded MQTT broker's WebSocket listener for the agent display",
}
_BIND_ADDRESS = re.compile(r"address \('([^']*)', (\d+)")  # asyncio's "error while attempting to bind on address (...)"


def describe_start_error(exc: OSError, config: dict) -> str:
    """One line for a listener that could not bind: the port, what wanted it (and its setting), why.

    Any other OSError is described by its own message.
    """
    match = _BIND_ADDRESS.search(str(exc))
    if match is None:
        return str(exc)
    host, port = match.group(1), int(match.group(2))
    sections = ("server",) if config.get("mqtt", {}).get("broker_url") else ("server", "mqtt")  # embedded broker?
    keys = [(section, key) for section in sections for key, value in config.get(section, {}).items()
            if (key == "port" or key.endswith("_port")) and value == port]
    wanted = ", ".join(f"{_LISTENERS.get(k, 'the listener')} ({'.'.join(k)})" for k in keys) or "a listener"
    why = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound: {os.strerror(exc.errno or 0).lower()}"
    return f"port {port} on {host} {why}; wanted by {wanted}"


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
        if settings.embedded:
            # Connected before the ingress starts: if that start fails (a port in use), a publisher
            # stopped mid-handshake can leave amqtt's shutdown waiting forever.
            await publisher.wait_connected(settings.ack_timeout_s)
        yield MqttCallSink(publisher, settings, attention=AttentionSettings.from_config(config["mqtt"]))


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
