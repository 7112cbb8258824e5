#!/usr/bin/env python3
"""Batch replay throughput with transcription on: audio-hours per wall-hour.

Synthesizes ``--calls`` two-party calls (espeak-ng), then replays the folder
with ``coach replay``'s batch runner once per worker count given in
``--workers`` (each worker process loads its own model and gets
cores / workers CTranslate2 threads), and prints per run:

* ``throughput_x``: audio seconds per wall second (= audio-hours per wall-hour);
* ``ratio_vs_1_worker``: against the single-worker run of the same invocation.

Usage: ``python scripts/bench_batch.py [--calls 6] [--minutes 1] [--workers 1,2] [--config FILE]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from bench_replay import SCENARIO  # the same synthesized conversation as the replay benchmark
from service.config import load_config
from service.replay.batch import BatchOptions, Progress, run_batch
from service.testing.synth import synthesize_call, write_wav


def build_calls(folder: Path, count: int, minutes: float) -> list[Path]:
    piece = folder / "piece.wav"
    synthesize_call(SCENARIO, piece)
    with wave.open(str(piece)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
    piece.unlink()
    n = int(minutes * 60 * rate)
    tiled = np.tile(pcm, (int(np.ceil(n / pcm.shape[0])), 1))[:n]
    calls = []
    for i in range(count):
        path = folder / f"call_{i:02d}.wav"
        # a different start offset per call, so the calls are not identical
        write_wav(path, np.roll(tiled, i * rate * 7, axis=0).astype(np.float32) / 32768.0, rate)
        calls.append(path)
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=6)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--config", help="TOML overrides (e.g. [utterances] partial_every_s = 0 for QA batches)")
    args = parser.parse_args()
    config = load_config(args.config)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        calls = build_calls(folder, args.calls, args.minutes)
        audio_s = args.calls * args.minutes * 60
        print(f"calls {args.calls} audio_minutes {audio_s / 60:.1f} model {config['asr']['model']} "
              f"window {config['asr']['window']} partial_every_s {config['utterances']['partial_every_s']}", flush=True)
        baseline = None
        for workers in (int(w) for w in args.workers.split(",")):
            options = BatchOptions(out_dir=folder / f"out{workers}", workers=workers, force=True)
            started = time.perf_counter()
            result = run_batch(calls, config, options, on_report=lambda *_: None,
                               progress=Progress(len(calls), open("/dev/null", "w")))
            took = time.perf_counter() - started
            throughput = audio_s / took
            baseline = baseline or throughput
            print(f"workers {workers} wall_s {took:.1f} failures {len(result.failures)} "
                  f"throughput_x {throughput:.1f} ratio_vs_first {throughput / baseline:.2f}", flush=True)


if __name__ == "__main__":
    main()
