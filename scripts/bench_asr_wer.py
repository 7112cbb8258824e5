"""Word error rate of the trimmed encoder window against faster-whisper's full 30 s window.

Usage: python scripts/bench_asr_wer.py [--languages en,el,tr,lv,tl] [--min-window 2,4,6,8]
       [--padding 1.0] [--device cpu|cuda] [--compute-type int8]

Decodes the synthesised corpus of ``asr_corpus.py`` once with the full window
and once per trimmed configuration (each --min-window value), the language
given (WER, not language detection, is measured here). Prints one line per
figure: WER per language and window, and the difference trimmed - full.
"""

from __future__ import annotations

import argparse

from asr_corpus import add_common_args, corpus, settings_from_args, wer_counts

from service.asr.whisper import WhisperTranscriber


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser)
    parser.add_argument("--languages", default="en,el,tr,lv,tl")
    parser.add_argument("--min-window", default="6", help="comma-separated trimmed minimum windows (s)")
    parser.add_argument("--padding", type=float, default=None, help="trimmed padding (s; default: config)")
    args = parser.parse_args()
    languages = args.languages.split(",")
    samples = corpus(languages)
    base = settings_from_args(args, window="full")
    model = WhisperTranscriber.load(base)._model  # one model, several window settings
    configs = [("full", base)]
    for win in args.min_window.split(","):
        extra = {"min_window_s": float(win)} | ({"padding_s": args.padding} if args.padding is not None else {})
        s = settings_from_args(args, window="trimmed", **extra)
        configs.append((f"trimmed(min_window={s.min_window_s:g}s,padding={s.padding_s:g}s)", s))
    wer: dict[tuple[str, str], float] = {}
    for name, settings in configs:
        engine = WhisperTranscriber(model, settings)
        totals: dict[str, list[int]] = {lang: [0, 0] for lang in languages}
        for lang, text, audio in samples:
            result = engine.transcribe(audio, language=lang)
            edits, words = wer_counts(text, result.text)
            totals[lang][0] += edits
            totals[lang][1] += words
        for lang, (edits, words) in totals.items():
            wer[(name, lang)] = 100.0 * edits / words
            print(f"wer[{lang}] {name}: {wer[(name, lang)]:.1f}% ({edits}/{words} words)")
    for name, _ in configs[1:]:
        for lang in languages:
            print(f"wer_delta[{lang}] {name} - full: {wer[(name, lang)] - wer[('full', lang)]:+.1f} points")


if __name__ == "__main__":
    main()
