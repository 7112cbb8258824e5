#!/usr/bin/env python3
"""Cost of the coaching rules: per-segment latency and throughput on one core.

Feeds every turn of the labelled suite (tests/data, five languages) through a
fresh ``CoachingEngine`` per case, pinned to one CPU core, and prints one line
per figure:

* ``segment_us_p50`` / ``segment_us_p95``: call time -> nudges for one final segment;
* ``segments_per_s``: throughput of the rules alone;
* ``tokenize_only_ratio``: the baseline measured in the same run (folding and
  tokenising the same text) against the full rules, i.e. what matching costs;
* ``pack_load_ms``: reading and compiling the five shipped packs (the first,
  uncached load of the process);
* ``eval_suite_s``: `coach eval tests/data` through the full transcript replay.

Medians over ``--repeat`` runs. Usage: ``python scripts/bench_coaching.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from service.coaching import CoachingEngine, coaching_settings, tokenize
from service.coaching.loader import load_packs
from service.config import load_config
from service.core.events import TranscriptSegment
from service.evaluation import load_cases
from service.evaluation.command import evaluate

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "synthetic"


def _segments(cases):
    for case in cases:
        yield case.language, [
            TranscriptSegment(t["speaker"], t["start"], t["end"], t["text"], case.language, True, i)
            for i, t in enumerate(case.doc["turns"])
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--config", default=None, help="a TOML file overriding the shipped defaults")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    config = load_config(args.config)
    settings = coaching_settings(config["coaching"])
    cases = load_cases(DATA)
    calls = list(_segments(cases))

    t0 = time.perf_counter()
    packs = load_packs(settings)
    pack_load_s = time.perf_counter() - t0

    latencies, rule_runs, token_runs = [], [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for language, segs in calls:
            engine = CoachingEngine(settings, language=language, packs=packs)
            for seg in segs:
                s0 = time.perf_counter()
                engine.on_transcript(seg, seg.end)
                engine.advance(seg.end)
                latencies.append(time.perf_counter() - s0)
        rule_runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for language, segs in calls:
            for seg in segs:
                tokenize(seg.text, language)
        token_runs.append(time.perf_counter() - t0)

    n_segments = sum(len(s) for _, s in calls)
    latencies.sort()
    eval_runs = []
    for _ in range(max(1, args.repeat // 2)):
        t0 = time.perf_counter()
        evaluate(cases, config)
        eval_runs.append(time.perf_counter() - t0)

    print(f"cases {len(cases)} segments {n_segments} languages {len({c.language for c in cases})}")
    print(f"segment_us_p50 {latencies[len(latencies) // 2] * 1e6:.0f}")
    print(f"segment_us_p95 {latencies[int(len(latencies) * 0.95)] * 1e6:.0f}")
    print(f"segments_per_s {n_segments / statistics.median(rule_runs):.0f}")
    print(f"tokenize_only_ratio {statistics.median(rule_runs) / statistics.median(token_runs):.1f}")
    print(f"pack_load_ms {pack_load_s * 1e3:.0f}")
    print(f"eval_suite_s {statistics.median(eval_runs):.2f}")


if __name__ == "__main__":
    main()
