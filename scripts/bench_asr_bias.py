"""Decoder biasing: word error, keyword recall and hallucinations with and without the phrase-pack prompt.

Usage: python scripts/bench_asr_bias.py [--languages en,el,tr,lv,tl] [--cases-per-language 8]
       [--cases-out DIR] [--device cpu|cuda] [--compute-type int8]

One model (the shipped [asr] settings), each item decoded twice with the
language given: biasing off, and biasing on (the call language's vocabulary of
the [asr.bias] categories as the prompt, whatever [asr.bias] languages says).

- Real speech: tests/data/speech/<language>/clips.json (every clip of both
  splits: biasing has no threshold tuned on them). Word error rate, and
  keyword recall: pack phrases of the bias categories matched (exactly) in the
  reference transcript and found again in the decode.
- Synthesized calls: every turn of the first N synthetic suite cases per
  language tagged policy_before_empathy or missing_empathy
  (tests/data/synthetic), spoken by espeak-ng (service/testing). Keyword
  recall and word error as above. With --cases-out the cases are written
  there with the recognised text in place of the typed one, one folder per
  condition (``off/``, ``on/``), for ``coach eval`` (matching that survives
  recognition errors is measured on them).
- Hallucination: the non-speech items of scripts/bench_guards.py (silence,
  line noise, hum, tones, music, breathing, clicks), both halves, decoded in
  each language: how many publish any text.

Prints one line per figure and language; the ratio lines compare on with off
measured in the same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from asr_corpus import add_common_args, settings_from_args, synthesize, wer_counts
from bench_guards import real_clips, synthetic

from service.asr.whisper import WhisperTranscriber
from service.coaching.kinds import coaching_settings
from service.coaching.bias import bias_vocabulary
from service.coaching.loader import load_packs
from service.coaching.text import tokenize
from service.config import load_config

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "tests" / "data" / "synthetic"
TAGS = ("policy_before_empathy", "missing_empathy")
CONDITIONS = ("off", "on")


def keywords(pack, categories, text: str) -> set[tuple[str, str]]:
    """(category, phrase) pairs of ``categories`` that match ``text`` exactly, negation aside."""
    tokens = tokenize(text, pack.language)
    return {(c, m.phrase) for c in categories for m in pack.find(c, tokens, negatable=False)}


def suite_cases(language: str, count: int) -> list[tuple[Path, dict]]:
    """The first ``count`` cases of ``language`` (by file name) tagged with one of TAGS."""
    out = []
    for path in sorted((SUITE / language).glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        if set(case.get("tags", ())) & set(TAGS):
            out.append((path, case))
    return out[:count]


class Tally:
    """Word errors and keyword hits of one language and condition."""

    def __init__(self) -> None:
        self.edits = self.words = self.due = self.found = 0

    def add(self, reference: str, hypothesis: str, due: set, found: set) -> None:
        edits, words = wer_counts(reference, hypothesis)
        self.edits += edits
        self.words += words
        self.due += len(due)
        self.found += len(due & found)

    def line(self) -> str:
        wer = 100.0 * self.edits / max(1, self.words)
        recall = self.found / self.due if self.due else float("nan")
        return f"wer {wer:.1f}% ({self.edits}/{self.words} words), keyword recall {recall:.2f} ({self.found}/{self.due})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser)
    parser.add_argument("--languages", default="en,el,tr,lv,tl")
    parser.add_argument("--cases-per-language", type=int, default=8)
    parser.add_argument("--cases-out", default=None, help="write the recognised cases here (off/, on/)")
    args = parser.parse_args()
    languages = args.languages.split(",")
    config = load_config(args.config)
    # Keywords are counted with exact matching, so the figure is about the decoder alone.
    exact = coaching_settings({**config["coaching"], "fuzzy_one_edit_chars": 0, "fuzzy_two_edit_chars": 0})
    packs = load_packs(exact)
    base = settings_from_args(args)
    categories = base.bias.categories
    vocabulary = bias_vocabulary(exact, categories)
    biased = dataclasses.replace(base, bias=dataclasses.replace(base.bias, languages=tuple(languages)))
    loaded = WhisperTranscriber.load(biased, vocabulary)
    engines = {"off": loaded.with_settings(dataclasses.replace(biased, bias=dataclasses.replace(
        base.bias, languages=()))), "on": loaded}
    noise = synthetic("tune") + synthetic("report")
    for lang in languages:
        pack = packs[lang]
        clips = real_clips(lang)
        cases = suite_cases(lang, args.cases_per_language)
        print(f"# {lang}: {len(clips)} real clips, {len(cases)} synthesized cases, {len(noise)} non-speech items",
              file=sys.stderr, flush=True)
        turns = [(case, turn, synthesize(turn["text"], lang)) for _, case in cases for turn in case["turns"]]
        for condition in CONDITIONS:
            engine = engines[condition]
            real, synth = Tally(), Tally()
            for clip in clips:
                text = engine.transcribe(clip["audio"], language=lang).text
                real.add(clip["text"], text, keywords(pack, categories, clip["text"]), keywords(pack, categories, text))
            recognised: dict[str, list[dict]] = {}
            for case, turn, audio in turns:
                text = engine.transcribe(audio, language=lang).text
                synth.add(turn["text"], text, keywords(pack, categories, turn["text"]),
                          keywords(pack, categories, text))
                recognised.setdefault(case["id"], []).append({**turn, "text": text})
            published = [item["id"] for item in noise if engine.transcribe(item["audio"], language=lang).text]
            if clips:
                print(f"real[{lang}] bias {condition}: {real.line()}", flush=True)
            print(f"synth[{lang}] bias {condition}: {synth.line()}", flush=True)
            print(f"non_speech[{lang}] bias {condition}: {len(published)}/{len(noise)} published text "
                  f"{published}", flush=True)
            if args.cases_out:
                folder = Path(args.cases_out) / condition / lang
                folder.mkdir(parents=True, exist_ok=True)
                for path, case in cases:
                    recognised_case = {**case, "turns": recognised[case["id"]]}
                    (folder / path.name).write_text(json.dumps(recognised_case, ensure_ascii=False, indent=1),
                                                    encoding="utf-8")


if __name__ == "__main__":
    main()
