"""Word error per language on the real recordings, at 16 kHz and on 8 kHz telephone-band copies.

Usage: python scripts/bench_real_speech_wer.py [--languages en,el,lv] [--half all|tune|report]
       [--model base] [--device cpu|cuda] [--compute-type int8] [--threads N]

Real speech: the recordings of tests/data/speech/<language>/clips.json (every
language folder present, or --languages; see its LICENSE-NOTICE.md). Each clip
is decoded twice by the repository's own stack (``load_transcriber`` with the
shipped [asr] settings and the given model, the language given, no decoder
biasing): as recorded (16 kHz), and as a phone line carries it, which is what
contact-centre audio is: resampled to 8 kHz, G.711 mu-law encoded and decoded
by the service's own ingress converter back to 16 kHz. The telephone copy is
made by the same code the service uses on Twilio / AudioHook media, so the
difference between the two columns is the cost of the phone line alone.

Prints one line per language and band (WER over all its clips: edits summed
over reference words), then a Markdown table for docs/languages.md. Few clips
make a rough figure: the word counts are printed beside every rate.
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from asr_corpus import add_common_args, settings_from_args
from bench_asr_rtf import word_error
from bench_guards import RATE, SPEECH, real_clips

from service.asr import load_transcriber
from service.core.codecs import ChannelConverter, round_to_pcm16
from service.testing.clients.common import TELEPHONY_RATE, to_ulaw

BANDS = ("16k", "8k")


def telephone_band(audio: np.ndarray) -> np.ndarray:
    """``audio`` (float32, 16 kHz) after a G.711 mu-law phone line: 8 kHz, companded, back to 16 kHz."""
    line = to_ulaw(round_to_pcm16(audio * 32768), RATE)
    ingress = ChannelConverter("mulaw", TELEPHONY_RATE, RATE)
    back = np.concatenate([ingress.convert(line), ingress.flush()])
    return back.astype(np.float32) / 32768


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser)
    parser.add_argument("--model", default="base", help="asr.model: registry name, folder or hub name")
    parser.add_argument("--languages", default="", help="comma-separated (default: every folder present)")
    parser.add_argument("--half", default="all", choices=["all", "tune", "report"],
                        help="the clips of one half of the fixed split, or all of them")
    args = parser.parse_args()
    languages = args.languages.split(",") if args.languages else sorted(
        p.name for p in SPEECH.iterdir() if (p / "clips.json").exists())
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {len(os.sched_getaffinity(0))})")

    engine = load_transcriber(settings_from_args(args, model=args.model))
    rows = []
    for lang in languages:
        clips = [c for c in real_clips(lang) if args.half in ("all", c["split"])]
        if not clips:
            print(f"{lang}: no clips in half {args.half}")
            continue
        seconds = sum(len(c["audio"]) for c in clips) / RATE
        phone = [{**c, "audio": telephone_band(c["audio"])} for c in clips]
        rates = {band: word_error(engine, lang, material) for band, material in zip(BANDS, (clips, phone))}
        for band, (wer, count, words) in rates.items():
            print(f"wer[{lang}] {band}: {wer:.1%} ({count} clips, {seconds:.1f} s, {words} words)")
        print(f"wer_delta[{lang}] 8k - 16k: {100 * (rates['8k'][0] - rates['16k'][0]):+.1f} points")
        rows.append((lang, len(clips), seconds, rates["16k"][2], rates["16k"][0], rates["8k"][0]))
    print(f"load average after: {os.getloadavg()[0]:.2f}")

    setup = f"model {args.model}, {args.device}/{args.compute_type}, half {args.half}"
    print(f"\n# --- for docs/languages.md ({setup}) ---")
    print("| language | clips | seconds | words | WER 16 kHz | WER 8 kHz mu-law |")
    print("|---|---:|---:|---:|---:|---:|")
    for lang, count, seconds, words, wide, narrow in rows:
        print(f"| {lang} | {count} | {seconds:.1f} | {words} | {wide:.1%} | {narrow:.1%} |")


if __name__ == "__main__":
    main()
