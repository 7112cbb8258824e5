"""Decode cost (real-time factor) and word error per language of one model on real speech, for models/measurements.toml.

Usage: python scripts/bench_asr_rtf.py [--model base] [--workers 1,2] [--utterances 8] [--languages en,lv,...]
       [--device cpu|cuda] [--compute-type int8] [--threads N]

Real speech: the recordings of tests/data/speech/<language>/clips.json (every
language folder present, or --languages). Decoded by the repository's own
stack (``load_transcriber`` with the shipped [asr] settings and the given
model), the language given.

- Word error: every clip decoded once with one worker; WER per language over
  all its clips (edits summed over reference words).
- Decode cost: ``--utterances`` 10 s utterances cut from the recordings (the
  clips of a language joined with 0.2 s pauses), taken in turn from each
  language, decoded by ``--workers`` threads at once on one
  model loaded for that many workers (``threads = 0`` shares the cores among
  them, as in production). Per decode, RTF = decode time / 10 s (what one
  utterance costs a caller); throughput RTF = wall time / audio decoded (what
  the machine sustains). Medians and p95 per worker count, and the ratio to
  one worker measured in the same run.

The load average is printed before and after: the figures are only comparable
with runs on a similarly loaded machine. Ends with a TOML block for
models/measurements.toml (the date, this machine, the command).
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import os
import platform
import sys
import threading
import time
from pathlib import Path

import numpy as np
from asr_corpus import add_common_args, percentile, settings_from_args, wer_counts
from bench_guards import RATE, SPEECH, real_clips

from service.asr import load_transcriber

UTTERANCE_S = 10.0
GAP_S = 0.2


def utterances(clips: list[dict], count: int) -> list[np.ndarray]:
    """Up to ``count`` consecutive 10 s pieces of the clips joined with short pauses."""
    gap = np.zeros(int(GAP_S * RATE), dtype=np.float32)
    joined = np.concatenate([part for c in clips for part in (c["audio"], gap)])
    size = int(UTTERANCE_S * RATE)
    return [joined[i:i + size] for i in range(0, len(joined) - size + 1, size)][:count]


def word_error(engine, language: str, clips: list[dict]) -> tuple[float, int, int]:
    edits = words = 0
    for clip in clips:
        e, n = wer_counts(clip["text"], engine.transcribe(clip["audio"], language=language).text)
        edits, words = edits + e, words + n
    return edits / max(1, words), len(clips), words


def decode_cost(engine, jobs: list[tuple[str, np.ndarray]], workers: int) -> tuple[list[float], float]:
    """(per-decode RTFs, throughput RTF) with ``workers`` threads sharing ``jobs``."""
    rtfs: list[float] = []
    lock = threading.Lock()

    def work(share: list[tuple[str, np.ndarray]]) -> None:
        for language, audio in share:
            started = time.perf_counter()
            engine.transcribe(audio, language=language)
            with lock:
                rtfs.append((time.perf_counter() - started) / UTTERANCE_S)

    threads = [threading.Thread(target=work, args=(jobs[i::workers],)) for i in range(workers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return rtfs, (time.perf_counter() - started) / (len(jobs) * UTTERANCE_S)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser)
    parser.add_argument("--model", default="base", help="asr.model: registry name, folder or hub name")
    parser.add_argument("--workers", default="1,2", help="comma-separated decode worker counts")
    parser.add_argument("--utterances", type=int, default=8, help="10 s utterances per worker count")
    parser.add_argument("--languages", default="", help="comma-separated (default: every folder present)")
    args = parser.parse_args()
    languages = args.languages.split(",") if args.languages else sorted(
        p.name for p in SPEECH.iterdir() if (p / "clips.json").exists())
    clips = {lang: real_clips(lang) for lang in languages}
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {len(os.sched_getaffinity(0))})")

    one = load_transcriber(settings_from_args(args, model=args.model))
    wer = {}
    for lang in languages:
        wer[lang] = word_error(one, lang, clips[lang])
        print(f"wer[{lang}]: {wer[lang][0]:.1%} ({wer[lang][1]} clips, {wer[lang][2]} words)")
    del one

    pieces = [[(lang, audio) for audio in utterances(clips[lang], args.utterances)] for lang in languages]
    jobs = [job for batch in itertools.zip_longest(*pieces) for job in batch if job][:args.utterances]  # mixed
    print("utterances: " + ", ".join(f"{lang} {sum(j[0] == lang for j in jobs)}" for lang in languages))
    cost = {}
    for workers in (int(w) for w in args.workers.split(",")):
        engine = load_transcriber(settings_from_args(args, model=args.model, scheduler={"workers": workers}))
        decode_cost(engine, jobs[:1], 1)  # warm-up: first-call allocations are not the steady cost
        rtfs, throughput = decode_cost(engine, jobs, workers)
        cost[workers] = (float(np.median(rtfs)), percentile(rtfs, 95), throughput)
        ratio = cost[workers][0] / next(iter(cost.values()))[0]
        print(f"rtf[workers={workers}]: per-decode median {cost[workers][0]:.3f} p95 {cost[workers][1]:.3f} "
              f"(x{ratio:.2f} vs {next(iter(cost))} worker(s)), throughput {throughput:.3f} "
              f"({len(jobs)} x {UTTERANCE_S:g} s)")
        del engine
    load = os.getloadavg()[0]
    print(f"load average after: {load:.2f}")

    print("\n# --- for models/measurements.toml ---")
    print(f"[{args.model}.{args.device}]")
    print(f'date = "{datetime.date.today().isoformat()}"')
    print(f'machine = "{platform.machine()}, {len(os.sched_getaffinity(0))} cores, load average {load:.1f}"')
    print(f'compute_type = "{args.compute_type}"')
    command = " ".join(["python", f"scripts/{Path(sys.argv[0]).name}", *sys.argv[1:]])
    print(f'command = "{command}"')
    print("rtf = {" + ", ".join(f'"{w}" = {c[0]:.3f}' for w, c in cost.items()) + "}")
    print("rtf_p95 = {" + ", ".join(f'"{w}" = {c[1]:.3f}' for w, c in cost.items()) + "}")
    print("throughput_rtf = {" + ", ".join(f'"{w}" = {c[2]:.3f}' for w, c in cost.items()) + "}")
    print("wer = {" + ", ".join(f"{lang} = {w[0]:.3f}" for lang, w in wer.items()) + "}")
    print("wer_words = {" + ", ".join(f"{lang} = {w[2]}" for lang, w in wer.items()) + "}")


if __name__ == "__main__":
    main()
