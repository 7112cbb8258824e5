"""Concurrent real-time calls on one shared model: the largest N that keeps up.

Usage: python scripts/bench_asr_concurrency.py [--calls 1,2,4,6,8] [--seconds 40]
       [--workers 1] [--device cpu|cuda] [--compute-type int8] [--threads N]

Simulates N paced calls: each alternates synthesised English utterances (the
corpus of asr_corpus.py) with pauses, in real time. While an utterance lasts,
a partial is submitted every ``utterances.partial_every_s`` of its audio; when it ends
(plus the VAD hangover) its final is submitted, exactly as the call engine
does. Final latency = VAD close (submit) to transcript (on_done). A value of N
passes when p95 final latency <= --max-p95 s, no final is refused, and the
queue does not grow (mean depth over the last third of the run <= mean over
the first third + 1). Prints one line per N and the largest N that passed.
"""

from __future__ import annotations

import argparse
import heapq
import random
import threading
import time

import numpy as np
from asr_corpus import CORPUS, add_common_args, percentile, settings_from_args, synthesize

from service.asr import DecodeJob, DecodeScheduler
from service.asr.whisper import WhisperTranscriber
from service.config import load_config

SR = 16000


def call_events(call: int, utterances: list[np.ndarray], seconds: float, interval: float, hangover: float,
                rng: random.Random) -> list[tuple[float, DecodeJob]]:
    """(submit time, job) for one call's partials and finals over ``seconds`` of call time."""
    events, t, utt = [], rng.uniform(0.0, 3.0), 0
    while True:
        audio = utterances[rng.randrange(len(utterances))]
        duration = len(audio) / SR
        if t + duration + hangover > seconds:
            return events
        speaker = "agent" if utt % 2 == 0 else "customer"
        k = 1
        while k * interval < duration:
            part = audio[: int(k * interval * SR)]
            events.append((t + k * interval, DecodeJob(f"c{call}", utt, speaker, t, t + k * interval, part, "en", True)))
            k += 1
        events.append((t + duration + hangover, DecodeJob(f"c{call}", utt, speaker, t, t + duration, audio, "en", False)))
        t += duration + hangover + rng.uniform(0.3, 1.5)
        utt += 1


def run(n: int, engine, settings, utterances, seconds: float, hangover: float, partial_every: float,
        max_p95: float) -> bool:
    rng = random.Random(n)
    events = list(heapq.merge(*(call_events(c, utterances, seconds, partial_every, hangover, rng)
                                for c in range(n)), key=lambda e: e[0]))
    scheduler = DecodeScheduler(engine, settings)
    latencies, lock = [], threading.Lock()
    submitted_at: dict[tuple[str, int, bool], float] = {}

    def on_done(job, result):
        if not job.partial:
            with lock:
                latencies.append(time.monotonic() - submitted_at[(job.call_id, job.utterance_id, False)])

    depths: list[int] = []
    start = time.monotonic()
    next_sample = 0.0
    for at, job in events:
        while (now := time.monotonic() - start) < at:
            if now >= next_sample:
                depths.append(scheduler.metrics()["queue_depth"])
                next_sample += 0.5
            time.sleep(min(0.05, at - now))
        submitted_at[(job.call_id, job.utterance_id, job.partial)] = time.monotonic()
        scheduler.submit(job, on_done)
    scheduler.close(wait=True)
    m = scheduler.metrics()
    third = max(1, len(depths) // 3)
    growing = np.mean(depths[-third:]) > np.mean(depths[:third]) + 1
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    ok = p95 <= max_p95 and not m["rejected_finals"] and not growing
    print(f"calls={n}: final latency p50 {p50:.3f} s, p95 {p95:.3f} s, finals {len(latencies)}, "
          f"partials decoded {m['decoded_partials']:.0f} dropped {m['dropped_partials']:.0f}, "
          f"refused finals {m['rejected_finals']:.0f}, queue depth max {m['queue_depth_max']:.0f} "
          f"mean first/last third {np.mean(depths[:third]):.1f}/{np.mean(depths[-third:]):.1f}, "
          f"decode p50 {m['decode_latency_p50_s']:.3f} s -> {'PASS' if ok else 'FAIL'}", flush=True)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser)
    parser.add_argument("--calls", default="1,2,4,6,8")
    parser.add_argument("--seconds", type=float, default=40.0, help="call time simulated per N")
    parser.add_argument("--workers", type=int, default=None, help="decode workers (default: config)")
    parser.add_argument("--max-p95", type=float, default=1.5)
    parser.add_argument("--window", default=None, choices=["trimmed", "full"])
    args = parser.parse_args()
    extra = {}
    if args.workers:
        extra["scheduler"] = {"workers": args.workers}
    if args.window:
        extra["window"] = args.window
    settings = settings_from_args(args, **extra)
    config = load_config(args.config)
    hangover, partial_every = config["vad"]["hangover_s"], config["utterances"]["partial_every_s"]
    engine = WhisperTranscriber.load(settings)
    utterances = [synthesize(text, "en") for text in CORPUS["en"]]
    engine.transcribe(utterances[3], language="en")  # warm-up
    print(f"setup: device={args.device} compute_type={args.compute_type} workers={settings.scheduler.workers} "
          f"threads={settings.threads or 'auto'} window={settings.window} beam={settings.beam_size} "
          f"partial_beam={settings.partial_beam_size} partial_interval={partial_every:g}s "
          f"seconds={args.seconds:g}", flush=True)
    best = 0
    for n in (int(x) for x in args.calls.split(",")):
        if not run(n, engine, settings, utterances, args.seconds, hangover, partial_every, args.max_p95):
            break
        best = n
    print(f"max_realtime_calls (p95 final <= {args.max_p95:g} s, queue stable): {best}")


if __name__ == "__main__":
    main()
