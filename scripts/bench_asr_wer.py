"""Word (and character) error rate of the trimmed encoder window against faster-whisper's full 30 s window.

Usage: python scripts/bench_asr_wer.py [--languages en,el,tr,lv,tl] [--min-window 4,6,8]
       [--padding 1.0] [--device cpu|cuda] [--compute-type int8]

Decodes the synthesised corpus of ``asr_corpus.py`` once with the full window
and once per trimmed configuration (each --min-window value), the language
given (WER, not language detection, is measured here). Prints one line per
figure: WER and CER per language and window, and the differences trimmed - full.
"""

from __future__ import annotations

import argparse

from asr_corpus import add_common_args, cer_counts, corpus, settings_from_args, wer_counts

from service.asr.whisper import WhisperTranscriber


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser)
    parser.add_argument("--languages", default="en,el,tr,lv,tl")
    parser.add_argument("--min-window", default=None,
                        help="comma-separated trimmed minimum windows to compare (s; default: config)")
    parser.add_argument("--padding", type=float, default=None, help="trimmed padding (s; default: config)")
    args = parser.parse_args()
    languages = args.languages.split(",")
    samples = corpus(languages)
    base = settings_from_args(args, window="full")
    loaded = WhisperTranscriber.load(base)  # one model, several window settings
    configs = [("full", base)]
    for win in (args.min_window or str(base.min_window_s)).split(","):
        extra = {"min_window_s": float(win)} | ({"padding_s": args.padding} if args.padding is not None else {})
        s = settings_from_args(args, window="trimmed", **extra)
        configs.append((f"trimmed(min_window={s.min_window_s:g}s,padding={s.padding_s:g}s)", s))
    rates: dict[tuple[str, str, str], float] = {}
    for name, settings in configs:
        engine = loaded.with_settings(settings)
        totals = {(lang, metric): [0, 0] for lang in languages for metric in ("wer", "cer")}
        for lang, text, audio in samples:
            hypothesis = engine.transcribe(audio, language=lang).text
            for metric, count in (("wer", wer_counts), ("cer", cer_counts)):
                edits, size = count(text, hypothesis)
                totals[(lang, metric)][0] += edits
                totals[(lang, metric)][1] += size
        for (lang, metric), (edits, size) in totals.items():
            rates[(name, lang, metric)] = 100.0 * edits / size
            unit = "words" if metric == "wer" else "chars"
            print(f"{metric}[{lang}] {name}: {rates[(name, lang, metric)]:.1f}% ({edits}/{size} {unit})")
    for name, _ in configs[1:]:
        for lang in languages:
            for metric in ("wer", "cer"):
                delta = rates[(name, lang, metric)] - rates[("full", lang, metric)]
                print(f"{metric}_delta[{lang}] {name} - full: {delta:+.1f} points")


if __name__ == "__main__":
    main()
