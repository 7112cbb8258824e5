#!/usr/bin/env python3
"""Soak benchmark: N paced calls for M minutes through a real `coach serve`, with transcription.

Starts Mosquitto (loopback, anonymous) and `coach serve --broker` on it with the
configured ASR (Whisper base from the model registry: run `make model` first),
then N clients each stream synthesized calls over /stream in real time, back to
back, until M minutes have passed (a call in progress is finished). A subscriber
on `callcoach/v1/agents/+/nudges` counts what reaches MQTT. Prints one line per
figure:

  frames_sent / frames_received / frames_lost   WebSocket messages (start, audio, stop) the
                                   clients sent vs the server's callcoach_frames_in_total
  calls_completed / calls_failed   calls closed normally (1000, report saved) or not
  nudges_expected                  nudges + kudos in the saved reports of the completed calls
  nudges_by_kind                   those by kind, beside what each call raises alone
  nudges_received / _duplicates / _missing / _unexpected   on MQTT, per call, by id
  calls_missing_nudges             calls with at least one report nudge not received
  nudge_delay_timing_s / _text_s   receive time minus when the condition existed in the audio sent
                                   (stream start + t, or + the utterance end for text nudges)
  rss_start_mb / rss_end_mb        the server's VmRSS (/proc/<pid>/status) before the first
                                   call and after the last
  rss_slope_mb_per_min             least squares over samples every --sample-s seconds;
  rss_slope_second_half_mb_per_min the same over the second half (past the warm-up)
  rss_samples_mb                   every sample, to tell warm-up from a leak
  decode_queue_depth_max / _p95    callcoach_decode_queue_depth, polled every second
  transcript_segments              final transcript segments in the saved reports
  untranscribed_in_reports         utterances the reports list as not transcribed live, by reason (shed:
                                   waited over asr.scheduler.final_max_wait_s; queue_full), beside the
                                   server's callcoach_untranscribed_utterances_total

    python scripts/bench_soak.py --calls 6 --minutes 3

More calls than the machine can transcribe in real time is a finding, not an
error: the queue depth, the missing nudges and the frames lost say how it fails.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiomqtt

from service.coaching import TIMING_KINDS
from service.testing.clients import Call, load_stereo, stream_call
from service.testing.synth import synthesize_call

from bench_nudge_latency import p95, serve, start_mosquitto  # noqa: E402 (a sibling script: the same throwaway broker)

# The subscriber counts every nudge of a long run: let Mosquitto queue them all.
BROKER_QUEUE = "max_queued_messages 100000\n"
MEMTRACE = Path(__file__).resolve().parent / "soak_memtrace"  # the server's sitecustomize under --trace-memory

CONTROL_MESSAGES = 2  # /stream: one "start" and one "stop" text message around the audio frames
METRICS_POLL_S = 1.0
DRAIN_S = 30.0  # after the last call: time for the last nudges to reach MQTT
# Two calls that raise nudges and kudos (interruptions, dead air, text rules, empathy).
SCENARIOS = [
    {"language": "en", "turns": [
        {"speaker": "agent", "text": "Thank you for calling, how can I help you today?"},
        {"speaker": "customer", "text": "Hi, my order has not arrived and nobody answers my emails at all.", "gap": 0.6},
        {"speaker": "agent", "text": "Can I have your order number please?", "gap": -1.5},
        {"speaker": "customer", "text": "It is four five six.", "gap": 0.5},
        {"speaker": "agent", "text": "Please go to our website and fill in the form.", "gap": 0.6},
        {"speaker": "customer", "text": "Hello? Are you still there?", "gap": 13.0},
        {"speaker": "agent", "text": "I will transfer you to another department.", "gap": 0.5},
        {"speaker": "customer", "text": "Okay.", "gap": 1.0},
    ]},
    {"language": "en", "turns": [
        {"speaker": "agent", "text": "Good morning, you are through to Maria, how can I help?"},
        {"speaker": "customer", "text": "I am really upset, I was charged twice for the same bill.", "gap": 0.6},
        {"speaker": "agent", "text": "I am so sorry about that, let me fix it for you right now.", "gap": 0.6},
        {"speaker": "customer", "text": "Thank you, that would be great.", "gap": 0.6},
        {"speaker": "agent", "text": "It is done, the refund reaches your account by Friday.", "gap": 0.8},
        {"speaker": "customer", "text": "Thanks a lot, goodbye.", "gap": 0.5},
    ]},
]
# What each scenario raises streamed alone: the load's effect shows as kinds missing from nudges_by_kind
# (text nudges need transcripts in time; timing nudges do not). Call 1 raises an empathy kudos in
# `coach replay`, but live Whisper hears "really upset" as "really not fair", so no distress, no kudos.
REFERENCE = ["call 0: interruption, runaround, dead_air, brush_off", "call 1: none live (replay: empathy kudos)"]
SERVER_CONFIG = """
[server]
port = 0
reports_dir = "{reports}"
max_calls = {max_calls}
memory_trim_every_s = {trim}
"""


def start_server(folder: Path, broker_port: int, max_calls: int, trim: float) -> tuple[subprocess.Popen, str, Path]:
    reports = folder / "reports"
    proc, address = serve(folder, broker_port, SERVER_CONFIG.format(reports=reports, max_calls=max_calls, trim=trim))
    return proc, address, reports


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def metric(text: str, name: str) -> float:
    """Sum of every sample of ``name`` (all label sets) in a Prometheus text page."""
    pattern = re.compile(rf"^{re.escape(name)}(?:\{{[^}}]*\}})? ([0-9.eE+-]+|NaN)$", re.M)
    return sum(float(v) for v in pattern.findall(text))


def scrape(http: str) -> str:
    with urllib.request.urlopen(f"{http}/metrics", timeout=10) as reply:
        return reply.read().decode()


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y); NaN with fewer than two points."""
    if len(points) < 2:
        return float("nan")
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else float("nan")


@dataclasses.dataclass
class Finished:
    call_id: str
    frames_sent: int
    close_code: int | None
    report: str | None


async def client(index: int, n_clients: int, url: str, calls: list[Call], deadline: float,
                 finished: list[Finished], started: dict[str, float]) -> None:
    """Stream calls back to back until ``deadline``; starts staggered so the clients do not move in step."""
    await asyncio.sleep(index * (len(calls[0].agent) / calls[0].rate) / n_clients)
    n = 0
    while time.monotonic() < deadline:
        base = calls[(index + n) % len(calls)]
        call = dataclasses.replace(base, call_id=f"soak-{index}-{n}", agent_id=f"soak-agent-{index}")
        n += 1
        started[call.call_id] = time.time()
        try:
            result = await stream_call(url, "stream", call, speed=1.0)
        except OSError as exc:  # refused or dropped: counted as a failed call
            print(f"# call {call.call_id}: {exc}", file=sys.stderr)
            finished.append(Finished(call.call_id, 0, None, None))
            continue
        stopped = [r for r in result.json_replies() if r.get("type") == "stopped"]
        finished.append(Finished(call.call_id, result.frames_sent + CONTROL_MESSAGES, result.close_code,
                                 stopped[0]["report"] if stopped else None))


async def soak(args, url: str, http: str, broker_port: int, pid: int, calls: list[Call], reports: Path) -> None:
    received: dict[str, list[str]] = collections.defaultdict(list)  # call id -> nudge ids, in arrival order
    started: dict[str, float] = {}  # call id -> wall time its stream began
    delays: dict[bool, list[float]] = {True: [], False: []}  # timing kind? -> seconds after the condition
    rss: list[tuple[float, float]] = []
    depths: list[float] = []
    finished: list[Finished] = []
    t0 = time.monotonic()
    rss_start = rss_mb(pid)
    rss.append((0.0, rss_start))

    async def sample() -> None:
        next_rss = t0 + args.sample_s
        while True:
            await asyncio.sleep(METRICS_POLL_S)
            try:
                depths.append(metric(await asyncio.to_thread(scrape, http), "callcoach_decode_queue_depth"))
            except OSError:
                pass
            if time.monotonic() >= next_rss:
                rss.append(((time.monotonic() - t0) / 60, rss_mb(pid)))
                next_rss += args.sample_s

    async with aiomqtt.Client("127.0.0.1", broker_port, identifier="bench-soak") as sub:
        await sub.subscribe("callcoach/v1/agents/+/nudges", qos=1)

        async def collect() -> None:
            async for message in sub.messages:
                item = json.loads(message.payload)
                if item["id"] not in received[item["call_id"]] and item["call_id"] in started:
                    timing = item["kind"] in TIMING_KINDS
                    condition = item["t"] if timing else item.get("evidence", {}).get("end", item["t"])
                    delays[timing].append(time.time() - started[item["call_id"]] - condition)
                received[item["call_id"]].append(item["id"])

        collector = asyncio.create_task(collect())
        sampler = asyncio.create_task(sample())
        deadline = t0 + args.minutes * 60
        await asyncio.gather(*(client(i, args.calls, url, calls, deadline, finished, started) for i in range(args.calls)))
        wall_s = time.monotonic() - t0
        expected: dict[str, int] = {}
        kinds: collections.Counter[str] = collections.Counter()
        untranscribed: collections.Counter[str] = collections.Counter()
        segments = 0
        for f in finished:
            if f.report and (reports / f.report).exists():
                report = json.loads((reports / f.report).read_text())
                items = report.get("nudges", []) + report.get("kudos", [])
                expected[f.call_id] = len(items)
                kinds.update(item["kind"] for item in items)
                untranscribed.update(u["reason"] for u in report.get("untranscribed", []))
                segments += len(report["transcript"])
        drain_until = time.monotonic() + DRAIN_S
        while time.monotonic() < drain_until and any(len(set(received[c])) < n for c, n in expected.items()):
            await asyncio.sleep(0.5)
        page = await asyncio.to_thread(scrape, http)
        frames_received = metric(page, "callcoach_frames_in_total")
        untranscribed_metric = metric(page, "callcoach_untranscribed_utterances_total")
        sampler.cancel()
        collector.cancel()
        await asyncio.gather(sampler, collector, return_exceptions=True)
    rss_end = rss_mb(pid)
    rss.append(((time.monotonic() - t0) / 60, rss_end))

    frames_sent = sum(f.frames_sent for f in finished)
    completed = [f for f in finished if f.close_code == 1000 and f.call_id in expected]
    unique = {c: set(ids) for c, ids in received.items()}
    got = sum(len(unique.get(c, ())) for c in expected)
    missing = sum(max(0, n - len(unique.get(c, ()))) for c, n in expected.items())
    half = [(x, y) for x, y in rss if x >= rss[-1][0] / 2]
    audio_s = sum(len(c.agent) / c.rate for c in calls) / len(calls)
    print(f"setup {args.calls} clients x {args.minutes:g} min, /stream paced in real time, calls of "
          f"{', '.join(f'{len(c.agent) / c.rate:.0f}' for c in calls)} s, asr whisper (config), "
          f"{os.cpu_count()} cpu, memory_trim_every_s {args.memory_trim_every_s:g}, wall {wall_s / 60:.1f} min")
    print(f"calls_completed {len(completed)}")
    print(f"calls_failed {len(finished) - len(completed)}")
    print(f"audio_streamed_s {len(finished) * audio_s:.0f}")
    print(f"frames_sent {frames_sent}")
    print(f"frames_received {frames_received:.0f}")
    print(f"frames_lost {frames_sent - frames_received:.0f}")
    print(f"nudges_expected {sum(expected.values())}")
    print(f"nudges_by_kind {' '.join(f'{k}={n}' for k, n in sorted(kinds.items()))} "
          f"(each call alone: {'; '.join(REFERENCE)})")
    print(f"nudges_received {got}")
    print(f"nudges_missing {missing}")
    print(f"nudges_duplicates {sum(len(ids) - len(set(ids)) for ids in received.values())}")
    print(f"nudges_unexpected {sum(max(0, len(unique.get(c, ())) - n) for c, n in expected.items())}")
    print(f"calls_missing_nudges {sum(1 for c, n in expected.items() if len(unique.get(c, ())) < n)}")
    for timing, name in ((True, "timing (interruption, dead_air)"), (False, "text (after the utterance)")):
        d = sorted(delays[timing])
        print(f"nudge_delay_{'timing' if timing else 'text'}_s p50 {d[len(d) // 2] if d else float('nan'):.2f} "
              f"p95 {p95(d):.2f} max {max(d, default=float('nan')):.2f} (n={len(d)}, {name})")
    print(f"rss_start_mb {rss_start:.0f}")
    print(f"rss_end_mb {rss_end:.0f}")
    print(f"rss_slope_mb_per_min {slope(rss):.2f} (n={len(rss)})")
    print(f"rss_slope_second_half_mb_per_min {slope(half):.2f} (n={len(half)})")
    print(f"rss_samples_mb {' '.join(f'{y:.0f}' for _, y in rss)}")
    print(f"decode_queue_depth_max {max(depths, default=float('nan')):.0f}")
    print(f"decode_queue_depth_p95 {p95(depths):.0f} (n={len(depths)})")
    print(f"transcript_segments {segments}")
    print(f"untranscribed_in_reports {sum(untranscribed.values())} "
          f"({' '.join(f'{k}={n}' for k, n in sorted(untranscribed.items())) or 'none'}; "
          f"callcoach_untranscribed_utterances_total {untranscribed_metric:.0f})")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=20, help="concurrent clients, each streaming calls back to back")
    p.add_argument("--minutes", type=float, default=10.0, help="how long the clients keep starting calls")
    p.add_argument("--sample-s", type=float, default=10.0, help="RSS sampling interval")
    p.add_argument("--keep", type=Path, help="copy the server log here")
    p.add_argument("--memory-trim-every-s", type=float, default=60.0,
                   help="the server's server.memory_trim_every_s (0 = never; compare runs to see what it buys)")
    p.add_argument("--trace-memory", type=Path, metavar="FILE",
                   help="diagnosis only: the server writes RSS, Python heap (tracemalloc), malloc arenas and live "
                        "call objects to FILE as JSON lines (scripts/soak_memtrace; slows the server)")
    args = p.parse_args(argv)
    if args.trace_memory:
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, (str(MEMTRACE), os.environ.get("PYTHONPATH"))))
        os.environ["CALLCOACH_SOAK_MEMTRACE"] = str(args.trace_memory.resolve())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        calls = []
        for i, scenario in enumerate(SCENARIOS):
            wav = folder / f"call{i}.wav"
            synthesize_call(scenario, wav, sample_rate=8000)
            calls.append(load_stereo(wav))
        broker, broker_port = start_mosquitto(folder, BROKER_QUEUE)
        server = None
        try:
            server, address, reports = start_server(folder, broker_port, args.calls + 10, args.memory_trim_every_s)
            asyncio.run(soak(args, f"ws://{address}", f"http://{address}", broker_port, server.pid, calls, reports))
        finally:
            if server is not None:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=120)
                if args.keep:
                    args.keep.write_text((folder / "serve.log").read_text())
            broker.terminate()
            broker.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
