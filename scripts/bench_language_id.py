"""Language identification on real speech: the language the call's tracker fixes, per language.

Usage: python scripts/bench_language_id.py [--languages en,el,tr,lv,tl] [--device cpu|cuda] [--compute-type int8]

Material: every folder of tests/data/speech/<language>/clips.json present
(both halves: nothing here is tuned). Each clip is decoded once by the
repository's own stack (``load_transcriber`` with the shipped [asr] settings,
``language=None``, detection restricted to ``--languages``, default
``asr.language.languages``). Two figures per language:

* per clip: how often the detector's first choice is the clip's language, and
  how many of those detections are confident enough to vote
  (``asr.language.min_probability``, ``min_utterance_s``);
* per call: the language a fresh :class:`~service.asr.LanguageTracker` fixes
  when fed the clip and then the language's next clips (in id order, wrapping
  around) as the utterances of one call, until it fixes one: the figure the
  issue asks for (>= 90 %). "open" counts calls where the language's clips
  ran out before ``agreeing_utterances`` confident detections agreed.

It also prints what detecting on every decode costs (the tracker's re-check
needs it even when a language is given): the median time of one
``detect_language`` on an encoded window against the median whole decode
with the language given, measured on the same clips in the same run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter

from asr_corpus import add_common_args, settings_from_args
from bench_guards import SPEECH, real_clips

from service.asr import LanguageTracker, load_transcriber
from service.asr.window import fit_window, window_frames


def languages_present() -> list[str]:
    return sorted(p.parent.name for p in SPEECH.glob("*/clips.json"))


def tracker_calls(clips: list[dict], results: list, settings) -> Counter:
    """For each clip, the language a fresh tracker fixes from it and the next clips of its language."""
    outcome: Counter = Counter()
    for start in range(len(clips)):
        tracker = LanguageTracker(settings)
        for k in range(len(clips)):
            i = (start + k) % len(clips)
            tracker.observe(results[i], duration_s=clips[i]["duration_s"])
            if tracker.language:
                break
        outcome[tracker.language or "open"] += 1
    return outcome


def detect_cost(transcriber, settings, clips: list[dict]) -> tuple[float, float]:
    """Median seconds of one detect_language on a clip's encoded window, and of a whole decode given its language."""
    import ctranslate2

    model = transcriber.model
    detect, decode = [], []
    for clip in clips:
        features = model.feature_extractor(clip["audio"])
        content = features.shape[-1] - 1
        frames = window_frames(content, settings)
        window = fit_window(features[:, :content], frames)
        encoded = model.model.encode(ctranslate2.StorageView.from_array(window[None]), to_cpu=False)
        started = time.perf_counter()
        model.model.detect_language(encoded)
        detect.append(time.perf_counter() - started)
        started = time.perf_counter()
        transcriber.transcribe(clip["audio"], language=clip["language"])
        decode.append(time.perf_counter() - started)
    return statistics.median(detect), statistics.median(decode)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--languages", default="", help="detection set (default: asr.language.languages)")
    parser.add_argument("--cost-clips", type=int, default=6, help="clips per language timed for the detect cost")
    add_common_args(parser)
    args = parser.parse_args()
    settings = settings_from_args(args, engine="whisper")
    if args.languages:
        overrides = {"language": {"languages": args.languages.split(",")}}
        settings = settings_from_args(args, engine="whisper", **overrides)
    transcriber = load_transcriber(settings)
    allowed = settings.language.languages
    print(f"model {settings.model}, detection among {', '.join(allowed) or 'all'}; tracker: "
          f"{settings.language.agreeing_utterances} agreeing, p >= {settings.language.min_probability}, "
          f">= {settings.language.min_utterance_s} s")
    print(f"{'lang':5} {'clips':>5} {'top-1':>7} {'confident':>9} {'tracker':>8} {'open':>5}  wrong (fixed as)")
    totals = Counter()
    timed: list[dict] = []
    rows = {}
    for language in languages_present():
        clips = sorted(real_clips(language), key=lambda c: c["id"])
        results = [transcriber.transcribe(c["audio"], language=None) for c in clips]
        top1 = sum(r.language == language for r in results)
        confident = sum(r.language == language and r.language_probability >= settings.language.min_probability
                        for r in results)
        calls = tracker_calls(clips, results, settings)
        right, still_open = calls.pop(language, 0), calls.pop("open", 0)
        wrong = ", ".join(f"{k} x{v}" for k, v in calls.most_common()) or "-"
        n = len(clips)
        print(f"{language:5} {n:5d} {top1 / n:7.0%} {confident / n:9.0%} {right / n:8.0%} {still_open:5d}  {wrong}")
        rows[language] = {"clips": n, "top1": top1, "confident": confident, "tracker": right, "open": still_open,
                          "wrong": dict(calls), "detected": [[r.language, round(r.language_probability, 3)]
                                                             for r in results]}
        totals.update(clips=n, top1=top1, tracker=right)
        timed += clips[: args.cost_clips]
    if totals["clips"]:
        print(f"{'all':5} {totals['clips']:5d} {totals['top1'] / totals['clips']:7.0%} {'':9} "
              f"{totals['tracker'] / totals['clips']:8.0%}")
    detect_s, decode_s = detect_cost(transcriber, settings, timed)
    print(f"detect_language on every decode: median {detect_s * 1000:.1f} ms against a median decode of "
          f"{decode_s * 1000:.0f} ms with the language given ({detect_s / decode_s:.1%}), {len(timed)} clips")
    json.dump(rows, sys.stderr)
    print(file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
