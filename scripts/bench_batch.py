#!/usr/bin/env python3
"""Batch replay throughput with transcription on, per-utterance vs packed decoding, side by side.

Synthesizes two kinds of two-party calls (espeak-ng):

* ``--calls`` tiled calls: the replay benchmark's conversation tiled to
  ``--minutes``, a different start offset per call;
* ``--realistic`` calls rendered from the blind-written English cases of
  ``tests/data/realistic/en`` (~2 minutes each, 17 to 31 turns, with their
  true text, so word error against the truth is known).

Then replays the folder with ``coach replay``'s batch runner (max speed), once
per worker count in ``--workers`` (each worker process loads its own model
and gets cores / workers CTranslate2 threads) and per decode mode in
``--modes`` (``utterance``: every utterance and partial decoded as it closes;
``packed``: the offline packed decode of docs/asr.md; ``packed:7`` names its
``pack_s``), modes interleaved within a worker count, and prints:

* per run: ``throughput_x`` (audio seconds per wall second = audio-hours per
  wall-hour), ``ratio_vs_first``, and ``cpu_s`` (CPU seconds of this process
  and its workers) with ``x_per_core`` = audio seconds per CPU second: on a
  machine shared with other jobs wall time says little, and ``2 x x_per_core``
  is what two dedicated cores would give with two workers (an upper bound; a
  2-thread worker's spinning threads make it pessimistic for ``--workers 1``);
* per packed mode, against the per-utterance reports of the first worker
  count: word error of the packed transcript with the per-utterance one as
  reference (``wer_vs_utterance``), both modes' word error against the true
  text of the realistic calls (``wer_truth``), and nudge agreement: timing
  nudges (interruption, dead air) identical, text nudges and kudos paired by
  kind, with the largest time shift and those not paired within 1 s.

Usage: ``python scripts/bench_batch.py [--calls 4] [--minutes 1] [--realistic 15]
[--workers 1,2] [--modes utterance,packed] [--config FILE]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asr_corpus import wer_counts  # noqa: E402
from bench_replay import SCENARIO  # noqa: E402  the same synthesized conversation as the replay benchmark
from service.coaching.kinds import TIMING_KINDS  # noqa: E402
from service.config import load_config  # noqa: E402
from service.replay.batch import BatchOptions, Progress, run_batch  # noqa: E402
from service.testing.synth import synthesize_call, write_wav  # noqa: E402

REALISTIC = Path(__file__).resolve().parent.parent / "tests" / "data" / "realistic" / "en"
NUDGE_TOLERANCE_S = 1.0


def build_calls(folder: Path, count: int, minutes: float) -> list[Path]:
    if count <= 0:
        return []
    piece = folder / "piece.wav"
    synthesize_call(SCENARIO, piece)
    with wave.open(str(piece)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
    piece.unlink()
    piece.with_suffix(".labels.json").unlink(missing_ok=True)
    n = int(minutes * 60 * rate)
    tiled = np.tile(pcm, (int(np.ceil(n / pcm.shape[0])), 1))[:n]
    calls = []
    for i in range(count):
        path = folder / f"call_{i:02d}.wav"
        # a different start offset per call, so the calls are not identical
        write_wav(path, np.roll(tiled, i * rate * 7, axis=0).astype(np.float32) / 32768.0, rate)
        calls.append(path)
    return calls


def scenario_of_case(case: dict) -> dict:
    """A labelled transcript case as a scenario: its turns, with the case's pauses and overlaps between them."""
    turns, previous = [], None
    for turn in case["turns"]:
        gap = 0.5 if previous is None else turn["start"] - previous["end"]
        if previous is not None and previous["speaker"] == turn["speaker"]:
            gap = max(gap, 0.4)  # one voice per channel: a party cannot overlap itself
        turns.append({"speaker": turn["speaker"], "text": turn["text"], "gap": round(gap, 2)})
        previous = turn
    return {"language": case.get("language", "en"), "turns": turns}


def build_realistic(folder: Path, count: int) -> tuple[list[Path], dict[str, dict]]:
    """The first ``count`` English realistic cases as calls, and each call's labels (true text by turn)."""
    calls, labels = [], {}
    for case_file in sorted(REALISTIC.glob("*.json"))[:count]:
        case = json.loads(case_file.read_text(encoding="utf-8"))
        path = folder / f"real_{case_file.stem}.wav"
        labels[path.stem] = synthesize_call(scenario_of_case(case), path)
        path.with_suffix(".labels.json").unlink()  # not a batch input
        calls.append(path)
    return calls, labels


def party_text(report: dict, speaker: str) -> str:
    return " ".join(seg["text"] for seg in report["transcript"] if seg["speaker"] == speaker)


def true_text(labels: dict, speaker: str) -> str:
    return " ".join(turn["text"] for turn in labels["turns"] if turn["speaker"] == speaker)


def wer(pairs: list[tuple[str, str]]) -> float:
    edits = words = 0
    for reference, hypothesis in pairs:
        e, n = wer_counts(reference, hypothesis)
        edits, words = edits + e, words + n
    return 100.0 * edits / max(words, 1)


def events(report: dict) -> list[tuple[str, float]]:
    return [(n["kind"], n["t"]) for n in report["nudges"]] + [(k["kind"], k["t"]) for k in report["kudos"]]


def compare_nudges(reference: dict, other: dict) -> dict:
    """Timing nudges equal? Text nudges and kudos paired by kind (nearest first): shifts and the unpaired."""
    ref, oth = events(reference), events(other)
    timing_equal = [e for e in ref if e[0] in TIMING_KINDS] == [e for e in oth if e[0] in TIMING_KINDS]
    ref_text = [e for e in ref if e[0] not in TIMING_KINDS]
    left = [e for e in oth if e[0] not in TIMING_KINDS]
    shifts, unpaired = [], []
    for kind, t in ref_text:
        same = [e for e in left if e[0] == kind]
        if not same:
            unpaired.append(f"-{kind}@{t:.1f}")
            continue
        best = min(same, key=lambda e: abs(e[1] - t))
        left.remove(best)
        shifts.append(abs(best[1] - t))
        if abs(best[1] - t) > NUDGE_TOLERANCE_S:
            unpaired.append(f"~{kind}@{t:.1f}->{best[1]:.1f}")
    unpaired += [f"+{kind}@{t:.1f}" for kind, t in left]
    return {"timing_equal": timing_equal, "text": len(ref_text), "paired": len(shifts),
            "within_1s": sum(s <= NUDGE_TOLERANCE_S for s in shifts), "max_shift": max(shifts, default=0.0),
            "unpaired": unpaired}


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the batch's worker processes)."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def mode_config(config: dict, mode: str) -> dict:
    name, _, pack_s = mode.partition(":")
    out = copy.deepcopy(config)
    out["replay"]["decode"] = name
    if pack_s:
        out["replay"]["pack_s"] = float(pack_s)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4, help="tiled calls of --minutes each")
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--realistic", type=int, default=15, help="calls from tests/data/realistic/en (max 15)")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--modes", default="utterance,packed",
                        help="decode modes, the first is the reference: utterance, packed, packed:<pack_s>")
    parser.add_argument("--config", help="TOML overrides (e.g. [utterances] partial_every_s = 0)")
    args = parser.parse_args()
    config = load_config(args.config)
    modes = args.modes.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        calls = build_calls(folder, args.calls, args.minutes)
        real_calls, labels = build_realistic(folder, args.realistic)
        calls += real_calls
        durations = {}
        for path in calls:
            with wave.open(str(path)) as w:
                durations[path.stem] = w.getnframes() / w.getframerate()
        audio_s = sum(durations.values())
        print(f"calls {len(calls)} ({args.calls} tiled x {args.minutes:g} min, {len(real_calls)} realistic) "
              f"audio_minutes {audio_s / 60:.1f} model {config['asr']['model']} window {config['asr']['window']} "
              f"partial_every_s {config['utterances']['partial_every_s']}", flush=True)
        reports: dict[tuple[int, str], dict[str, dict]] = {}
        baseline = None
        for workers in (int(w) for w in args.workers.split(",")):
            for mode in modes:
                got: dict[str, dict] = {}
                options = BatchOptions(out_dir=folder / f"out{workers}_{mode.replace(':', '_')}", workers=workers,
                                       force=True)
                started, cpu_started = time.perf_counter(), cpu_seconds()
                result = run_batch(calls, mode_config(config, mode), options,
                                   on_report=lambda item, report, got=got: got.__setitem__(Path(item.path).stem,
                                                                                            report),
                                   progress=Progress(len(calls), open("/dev/null", "w")))
                took, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
                reports[(workers, mode)] = got
                throughput = audio_s / took
                baseline = baseline or throughput
                print(f"workers {workers} mode {mode} wall_s {took:.1f} failures {len(result.failures)} "
                      f"throughput_x {throughput:.1f} ratio_vs_first {throughput / baseline:.2f} cpu_s {cpu:.1f} "
                      f"x_per_core {audio_s / cpu:.1f}", flush=True)
        first = int(args.workers.split(",")[0])
        reference = reports[(first, modes[0])]
        for mode in modes:
            mine = reports[(first, mode)]
            names = sorted(set(reference) & set(mine))
            truth = [(true_text(labels[n], s), party_text(mine[n], s)) for n in names if n in labels
                     for s in ("agent", "customer")]
            line = f"mode {mode}: wer_truth {wer(truth):.1f}% (realistic calls)"
            if mode != modes[0]:
                vs_ref = [(party_text(reference[n], s), party_text(mine[n], s)) for n in names
                          for s in ("agent", "customer")]
                cmp = [compare_nudges(reference[n], mine[n]) for n in names]
                unpaired = [f"{n}: {' '.join(c['unpaired'])}" for n, c in zip(names, cmp) if c["unpaired"]]
                line += (f" | wer_vs_{modes[0]} {wer(vs_ref):.1f}% | timing nudges equal in "
                         f"{sum(c['timing_equal'] for c in cmp)}/{len(cmp)} calls | text nudges+kudos "
                         f"{sum(c['text'] for c in cmp)} in {modes[0]}, {sum(c['paired'] for c in cmp)} paired by "
                         f"kind, {sum(c['within_1s'] for c in cmp)} within {NUDGE_TOLERANCE_S:g} s, max shift "
                         f"{max((c['max_shift'] for c in cmp), default=0.0):.2f} s")
                if unpaired:
                    line += "\n  differing (-only in reference, +only here, ~shifted): " + "\n  ".join(unpaired)
            print(line, flush=True)


if __name__ == "__main__":
    main()
