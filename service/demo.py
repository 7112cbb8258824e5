"""`coach demo`: the whole live path on one machine, from a single command.

Synthesizes the bundled sample call (``config/demo_call.yaml``, espeak-ng) once,
starts the embedded MQTT broker and ``coach serve`` in-process, streams the call
through ``/stream`` in real time like a telephony platform would, and shows the
nudges as they arrive over MQTT: on the agent display page (its URL is printed)
and, with ``--headless``, on the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import json
import secrets
import sys
import time
from pathlib import Path

import aiomqtt

from .config import ConfigError, defaults_dir, merge
from .egress import MqttSettings, Topics
from .testing.clients import load_stereo, stream_call
from .ingress.command import describe_start_error, open_mqtt_sink
from .ingress.server import IngressServer
from .links import mint_display_link
from .settings import load_checked_config
from .testing.synth import load_scenario, synthesize_call

__all__ = ["register", "prepare_demo_call", "run_demo"]

DEMO_AGENT = "demo-agent"
_DEMO_SECRET_BYTES = 32


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="stream a sample call through the live service and show the nudges",
                       description=__doc__.splitlines()[0])
    p.add_argument("--headless", action="store_true", help="print nudges on the terminal and exit after the call")
    p.add_argument("--speed", type=float, default=1.0, help="stream at N times real time (default 1)")
    p.add_argument("--config", metavar="FILE", help="TOML file overriding config/*.toml")
    p.add_argument("--prepare", action="store_true", help="only synthesize the sample call (setup step)")
    p.set_defaults(func=_main)


def prepare_demo_call(config: dict) -> Path:
    """The sample call's WAV, synthesized on first use into the demo folder."""
    out = Path(config["demo"]["work_dir"])
    wav = out / "demo_call.wav"
    scenario = defaults_dir() / "demo_call.yaml"
    if not wav.exists() or wav.stat().st_mtime < scenario.stat().st_mtime:
        out.mkdir(parents=True, exist_ok=True)
        synthesize_call(load_scenario(scenario), wav)
    return wav


def _main(args: argparse.Namespace) -> int:
    try:
        config = load_checked_config(args.config)
        wav = prepare_demo_call(config)
    except ConfigError as exc:
        print(f"coach demo: {exc}", file=sys.stderr)
        return 2
    if args.prepare:
        print(f"demo call ready: {wav}")
        return 0
    try:
        return asyncio.run(run_demo(config, wav, headless=args.headless, speed=args.speed))
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        hint = " (is another `coach serve` or broker running?)" if exc.errno == errno.EADDRINUSE else ""
        print(f"coach demo: cannot start the service: {describe_start_error(exc, config)}{hint}", file=sys.stderr)
        return 1


def _with_link_secret(config: dict) -> dict:
    """``config`` with a link secret: the configured one, else one for this run only.

    Why: the display logs in to the broker with a signed link, so the demo
    must mint one; a throw-away secret makes its links die with the demo.
    """
    if config["mqtt"]["link_secret"]:
        return config
    return merge(config, {"mqtt": {"link_secret": secrets.token_urlsafe(_DEMO_SECRET_BYTES)}})


async def run_demo(config: dict, wav: Path, *, headless: bool, speed: float) -> int:
    config = _with_link_secret(config)
    mqtt = MqttSettings.from_config(config["mqtt"])
    topics = Topics(mqtt.topic_root)
    async with open_mqtt_sink(config, True) as sink, IngressServer(config, sink=sink) as server:
        base = f"http://{config['server']['host']}:{server.port}"
        link = mint_display_link(mqtt, DEMO_AGENT, default_base_url=base, now=time.time())
        print(f"agent display: {link.url}", flush=True)
        printer = asyncio.create_task(_print_nudges(mqtt, topics.nudges(DEMO_AGENT)))
        await asyncio.sleep(float(config["demo"]["lead_in_s"]))
        print(f"streaming {wav.name} through /stream at {speed:g}x real time ...", flush=True)
        call = load_stereo(wav)
        call = type(call)(call.agent, call.customer, call.rate, call_id="demo-call", agent_id=DEMO_AGENT)
        result = await stream_call(base.replace("http://", "ws://"), "stream", call, speed=speed,
                                   token=config["server"]["stream_token"])
        stopped = [r for r in result.json_replies() if r.get("type") == "stopped"]
        await asyncio.sleep(float(config["demo"]["drain_s"]))
        printer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printer
        if stopped:
            print(f"call ended; report: {Path(config['server']['reports_dir']) / stopped[0]['report']}")
        else:
            print(f"call ended without a report (close {result.close_code}: {result.close_reason})")
            return 1
        if not headless:
            print("the display stays up; press Ctrl-C to stop", flush=True)
            await asyncio.Event().wait()
    return 0


async def _print_nudges(mqtt: MqttSettings, topic: str) -> None:
    """Subscribe like an agent display would and print each nudge as it arrives."""
    broker = mqtt.broker()
    async with aiomqtt.Client(broker.host, broker.port, username=broker.username or None,
                              password=broker.password or None) as client:
        await client.subscribe(topic, qos=1)
        async for message in client.messages:
            item = json.loads(message.payload)
            evidence = item.get("evidence", {}).get("text", "")
            quoted = f'  "{evidence}"' if evidence else ""
            label = item.get("severity", item.get("type", ""))  # kudos share the topic and carry no severity
            print(f"  {item['t']:7.2f} s  {label:5}  {item['kind']:22} {item.get('message', '')}{quoted}", flush=True)
