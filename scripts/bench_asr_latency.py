"""Per-utterance decode latency: trimmed window vs faster-whisper's 30 s window.

Usage: python scripts/bench_asr_latency.py [--lengths 1,2,4,6,8,10,12] [--repeats 5]
       [--device cpu|cuda] [--compute-type int8] [--threads N]

Cuts a synthesised English monologue to each length and decodes it, in one
run and interleaved (so machine noise hits every mode alike), with:
  trimmed  this engine, trimmed window (config defaults)
  full     this engine, faster-whisper's full 30 s window
  stock    faster-whisper's own WhisperModel.transcribe (30 s window,
           timestamps, beam 5, language given): the out-of-the-box baseline
Prints one line per figure: p50/p95 per length and mode, overall, and the
speed-up ratios of trimmed against both baselines.
"""

from __future__ import annotations

import argparse
import time

from asr_corpus import add_common_args, percentile, settings_from_args, synthesize

from service.asr.whisper import WhisperTranscriber

MONOLOGUE = (
    "Thank you for calling customer support, my name is Sarah. I can see that your internet has been "
    "down since yesterday morning, and I am really sorry about that. I have checked the line from here "
    "and there is a fault at the local cabinet, so a technician will visit your area on Wednesday "
    "between nine and twelve. In the meantime I will add a credit to your account for the days without "
    "service, and you will receive an email with the reference number."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser)
    parser.add_argument("--lengths", default="1,2,4,6,8,10,12", help="utterance lengths (s)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    trimmed = settings_from_args(args)
    full = settings_from_args(args, window="full")
    engine = WhisperTranscriber.load(trimmed)
    model = engine.model
    modes = {
        "trimmed": engine.transcribe,
        "full": engine.with_settings(full).transcribe,
        "stock": lambda audio, language: list(model.transcribe(audio, language=language, beam_size=5)[0]),
    }
    speech = synthesize(MONOLOGUE, "en")
    lengths = [float(x) for x in args.lengths.split(",")]
    times: dict[tuple[str, float], list[float]] = {(m, n): [] for m in modes for n in lengths}
    for run in modes.values():  # warm-up: first calls pay for allocations
        run(speech[:16000], language="en")
    for _ in range(args.repeats):
        for seconds in lengths:
            audio = speech[: int(seconds * 16000)]
            for mode, run in modes.items():
                started = time.perf_counter()
                run(audio, language="en")
                times[(mode, seconds)].append(time.perf_counter() - started)
    print(f"setup: device={args.device} compute_type={args.compute_type} threads={trimmed.threads or 'auto'} "
          f"beam={trimmed.beam_size} min_window={trimmed.min_window_s:g}s padding={trimmed.padding_s:g}s "
          f"repeats={args.repeats}")
    for seconds in lengths:
        for mode in modes:
            values = times[(mode, seconds)]
            print(f"latency[{seconds:g}s] {mode}: p50 {percentile(values, 50):.3f} s, p95 {percentile(values, 95):.3f} s")
    overall = {mode: [t for n in lengths for t in times[(mode, n)]] for mode in modes}
    for mode, values in overall.items():
        print(f"latency[all] {mode}: p50 {percentile(values, 50):.3f} s, p95 {percentile(values, 95):.3f} s")
    for base in ("full", "stock"):
        for q in (50, 95):
            ratio = percentile(overall[base], q) / percentile(overall["trimmed"], q)
            print(f"speedup p{q} trimmed vs {base}: {ratio:.2f}x")
        per_len = [percentile(times[(base, n)], 50) / percentile(times[("trimmed", n)], 50) for n in lengths]
        print(f"speedup p50 per length trimmed vs {base}: " + ", ".join(f"{n:g}s {r:.2f}x" for n, r in zip(lengths, per_len)))


if __name__ == "__main__":
    main()
