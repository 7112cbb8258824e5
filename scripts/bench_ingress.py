#!/usr/bin/env python3
"""Ingress benchmark: ingest speed per protocol, concurrent paced calls, memory.

Starts `coach serve` (transcription off unless --asr, no MQTT) on a free port,
synthesizes a test call with espeak-ng, and prints one line per figure:

  ingest_x_realtime_<protocol>   one call streamed as fast as possible
  ratio_vs_stream_<protocol>     that speed over /stream's (baseline, same run)
  paced_calls_ok                 N concurrent real-time calls closing with 1000
  finalise_latency_p50_s / p95_s wall time from a paced call's last frame to its close
                                 (report saved), over the N calls
  server_peak_rss_mb             the server's peak resident memory
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.testing.clients import PROTOCOLS, load_stereo, stream_call
from service.testing.synth import synthesize_call

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = {"turns": [
    {"speaker": "agent", "text": "Thank you for calling, how can I help you today?"},
    {"speaker": "customer", "text": "Hi, my laptop order has not arrived and nobody answers my emails.", "gap": 0.6},
    {"speaker": "agent", "text": "Can I have your order number please?", "gap": -1.5},
    {"speaker": "customer", "text": "It is four five six.", "gap": 0.5},
]}


def start_server(tmp: Path, asr: bool) -> tuple[subprocess.Popen, str]:
    config = tmp / "bench.toml"
    engine = "whisper" if asr else "none"
    config.write_text(f'[asr]\nengine = "{engine}"\n[server]\nport = 0\nreports_dir = "{tmp / "reports"}"\n'
                      f"max_calls = 1000\n")
    log = tmp / "serve.log"
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--config", str(config), "--no-mqtt"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    for _ in range(2400):
        m = re.search(r"listening on ([\d.]+):(\d+)", log.read_text())
        if m:
            return proc, f"ws://{m.group(1)}:{m.group(2)}"
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"server did not start:\n{log.read_text()[-2000:]}")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def timed(url: str, protocol: str, call, speed: float | None) -> tuple[float, int | None]:
    t0 = time.monotonic()
    result = await stream_call(url, protocol, call, speed=speed)
    return time.monotonic() - t0, result.close_code


async def bench(url: str, call, n_paced: int) -> None:
    duration = len(call.agent) / call.rate
    speeds = {}
    for protocol in PROTOCOLS:
        runs = [await timed(url, protocol, dataclasses.replace(call, call_id=f"max-{protocol}-{i}"), None)
                for i in range(3)]
        speeds[protocol] = duration / statistics.median(w for w, _ in runs)
        print(f"ingest_x_realtime_{protocol} {speeds[protocol]:.1f}")
    for protocol in PROTOCOLS:
        print(f"ratio_vs_stream_{protocol} {speeds[protocol] / speeds['stream']:.2f}")
    paced = [dataclasses.replace(call, call_id=f"paced-{i}") for i in range(n_paced)]
    results = await asyncio.gather(*(timed(url, PROTOCOLS[i % 3], c, 1.0) for i, c in enumerate(paced)))
    print(f"paced_calls_ok {sum(code == 1000 for _, code in results)}/{n_paced}")
    lags = sorted(max(0.0, wall - duration) for wall, _ in results)
    print(f"finalise_latency_p50_s {statistics.median(lags):.3f}")
    print(f"finalise_latency_p95_s {lags[min(len(lags) - 1, int(0.95 * len(lags)))]:.3f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=20, help="concurrent paced calls")
    p.add_argument("--asr", action="store_true", help="transcribe with the configured engine (default: off)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        synthesize_call(SCENARIO, tmp / "call.wav", sample_rate=16000)
        call = load_stereo(tmp / "call.wav")
        proc, url = start_server(tmp, args.asr)
        try:
            print(f"call_audio_s {len(call.agent) / call.rate:.2f}")
            asyncio.run(bench(url, call, args.calls))
            print(f"server_peak_rss_mb {peak_rss_mb(proc.pid):.0f}")
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
