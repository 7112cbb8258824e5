#!/usr/bin/env python3
"""Nudge latency, end to end: simulated Twilio calls -> `coach serve` -> Mosquitto -> subscriber.

For each nudge a subscriber receives, latency = receive time - the wall time at
which the triggering condition existed in the audio sent:
  - interruption, dead_air: the call time ``t`` at which the threshold was met
    (overlap or silence long enough);
  - text nudges (runaround, brush_off, ...): the end of the triggering
    utterance (``evidence.end``).
Audio call time T is taken as sent at (stream start + T): the client paces in
real time from just after the WebSocket handshake, so the figures include the
handshake (a few ms on loopback) and any pacing lag: they err on the high side.

The server runs the real faster-whisper model (asr.engine "whisper"). Nudge
cooldowns and the per-minute cap are relaxed for the run so that every
condition in the scripted call yields a sample; they do not affect latency.
Prints one line per figure; each call is also written to --out as JSON.

    python scripts/bench_nudge_latency.py --calls 2
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiomqtt

from service.coaching import TIMING_KINDS
from service.testing.clients import load_stereo, stream_call
from service.testing.synth import synthesize_call

# ~45 s: two interruptions, two stretches of dead air, three text nudges.
SCENARIO = {"language": "en", "turns": [
    {"speaker": "agent", "text": "Thank you for calling, how can I help you today?"},
    {"speaker": "customer", "text": "Hi, my order has not arrived and nobody answers my emails at all.", "gap": 0.6},
    {"speaker": "agent", "text": "Can I have your order number please?", "gap": -1.5},
    {"speaker": "customer", "text": "It is four five six.", "gap": 0.5},
    {"speaker": "agent", "text": "Please go to our website and fill in the form.", "gap": 0.6},
    {"speaker": "customer", "text": "Hello? Are you still there?", "gap": 6.5},
    {"speaker": "agent", "text": "I will transfer you to another department.", "gap": 0.5},
    {"speaker": "customer", "text": "I already called twice this week and nobody could help me with this order.", "gap": 0.5},
    {"speaker": "agent", "text": "I understand, let me look.", "gap": -1.6},
    {"speaker": "customer", "text": "Fine.", "gap": 6.5},
    {"speaker": "agent", "text": "We will get back to you about it.", "gap": 0.5},
    {"speaker": "customer", "text": "Okay.", "gap": 1.0},
]}
SERVER_CONFIG = """
[asr]
engine = "whisper"
[server]
port = 0
reports_dir = "{reports}"
[nudges]
default_cooldown_s = 1.0
max_per_minute = 60
[nudges.cooldown_s]
interruption = 1.0
dead_air = 1.0
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mosquitto(folder: Path, extra: str = "") -> tuple[subprocess.Popen, int]:
    """A throwaway anonymous Mosquitto on loopback (``extra``: more config lines)."""
    port = free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n{extra}")
    proc = subprocess.Popen(["/usr/sbin/mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        time.sleep(0.05)
    raise RuntimeError("mosquitto did not start")


def serve(folder: Path, broker_port: int, server_config: str) -> tuple[subprocess.Popen, str]:
    """`coach serve` with ``server_config`` publishing to the broker on ``broker_port``: the process and host:port."""
    config = folder / "serve.toml"
    config.write_text(server_config)
    log = folder / "serve.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--config", str(config), "--broker", f"mqtt://127.0.0.1:{broker_port}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("w"), env={**os.environ, "PYTHONUNBUFFERED": "1"})
    for _ in range(2400):
        found = re.search(r"listening on ([\d.]+):(\d+)", log.read_text())
        if found:
            return proc, f"{found.group(1)}:{found.group(2)}"
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"coach serve did not start:\n{log.read_text()[-2000:]}")


def start_server(folder: Path, broker_port: int) -> tuple[subprocess.Popen, str]:
    proc, address = serve(folder, broker_port, SERVER_CONFIG.format(reports=folder / "reports"))
    return proc, f"ws://{address}"


async def run_calls(url: str, broker_port: int, base, n_calls: int, speed: float | None) -> list[dict]:
    """Stream ``n_calls`` concurrent copies of ``base``; return every nudge with its latency."""
    calls = [dataclasses.replace(base, call_id=f"bench-{i}-{time.monotonic_ns()}", agent_id=f"bench-agent-{i}")
             for i in range(n_calls)]
    started: dict[str, float] = {}
    samples: list[dict] = []
    async with aiomqtt.Client("127.0.0.1", broker_port) as sub:
        await sub.subscribe("callcoach/v1/agents/+/nudges", qos=1)

        async def one(call):
            started[call.call_id] = time.monotonic()
            return await stream_call(url, "twilio", call, speed=speed)

        async def collect():
            async for message in sub.messages:
                received = time.monotonic()
                nudge = json.loads(message.payload)
                if nudge.get("type") != "nudge" or nudge["call_id"] not in started:
                    continue
                trigger = nudge["t"] if nudge["kind"] in TIMING_KINDS else nudge["evidence"]["end"]
                samples.append({"call_id": nudge["call_id"], "kind": nudge["kind"], "t": nudge["t"],
                                "trigger": trigger, "latency_s": received - (started[nudge["call_id"]] + trigger)})

        collector = asyncio.create_task(collect())
        await asyncio.gather(*(one(c) for c in calls))
        await asyncio.sleep(3.0)  # final decodes after the stop message
        collector.cancel()
    return samples


async def egress_only(broker_port: int, n: int) -> list[float]:
    """Baseline: Publisher.submit -> Mosquitto -> subscriber, one nudge at a time (seconds)."""
    from service.config import load_config
    from service.egress import MqttCallSink, MqttSettings, Publisher

    settings = dataclasses.replace(MqttSettings.from_config(load_config()["mqtt"]),
                                   broker_url=f"mqtt://127.0.0.1:{broker_port}", instance_id="bench-egress")
    info = type("Info", (), {"call_id": "egress", "agent_id": "egress-agent", "source": "bench",
                             "language": "en", "metadata": {}})()
    latencies = []
    async with aiomqtt.Client("127.0.0.1", broker_port) as sub, Publisher(settings) as publisher:
        await sub.subscribe("callcoach/v1/agents/egress-agent/nudges", qos=1)
        sink = MqttCallSink(publisher, settings)
        messages = aiter(sub.messages)
        for i in range(n):
            sent = time.monotonic()
            sink.nudge(info, {"kind": "pace", "t": float(i), "speaker": "agent", "severity": "info",
                              "message": "Slow down", "evidence": {"start": 0.0, "end": float(i)}})
            await anext(messages)
            latencies.append(time.monotonic() - sent)
    return latencies


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (with few samples: the largest but one in twenty); NaN for none."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] if ordered else float("nan")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=2, help="concurrent calls per measured round")
    p.add_argument("--rounds", type=int, default=1, help="measured rounds (after one warm-up call)")
    p.add_argument("--egress-nudges", type=int, default=200, help="nudges for the egress-only baseline")
    p.add_argument("--out", type=Path, help="write every sample as JSON here")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wav = folder / "call.wav"
        synthesize_call(SCENARIO, wav, sample_rate=8000)
        base = load_stereo(wav)
        broker, broker_port = start_mosquitto(folder)
        egress = asyncio.run(egress_only(broker_port, args.egress_nudges))
        server, url = start_server(folder, broker_port)
        try:
            asyncio.run(run_calls(url, broker_port, base, 1, None))  # warm-up: model load, caches
            samples = []
            for _ in range(args.rounds):
                samples += asyncio.run(run_calls(url, broker_port, base, args.calls, 1.0))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=120)
            broker.terminate()
            broker.wait(timeout=30)
    if args.out:
        args.out.write_text(json.dumps(samples, indent=1))
    print(f"machine: {os.cpu_count()} cpu, {args.calls} concurrent twilio call(s) x {args.rounds} round(s), "
          f"{base.agent.size / base.rate:.1f} s each, asr whisper base int8")
    groups = {"timing (interruption, dead_air)": [s for s in samples if s["kind"] in TIMING_KINDS],
              "text (after utterance end)": [s for s in samples if s["kind"] not in TIMING_KINDS]}
    for kind in sorted({s["kind"] for s in samples}):
        groups[kind] = [s for s in samples if s["kind"] == kind]
    ms = [1000 * x for x in egress]
    print(f"egress only (submit -> mosquitto -> subscriber): n={len(ms)} p50={statistics.median(ms):.1f} ms "
          f"p95={p95(ms):.1f} ms")
    for name, group in groups.items():
        if not group:
            print(f"nudge latency {name}: no samples")
            continue
        ms = [1000 * s["latency_s"] for s in group]
        print(f"nudge latency {name}: n={len(ms)} p50={statistics.median(ms):.0f} ms p95={p95(ms):.0f} ms "
              f"max={max(ms):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
