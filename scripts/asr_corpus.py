"""Shared material for the ASR benchmarks: a synthesised call corpus and WER.

The sentences are typical contact-centre turns (1 to 12 s when spoken by
espeak-ng at 160 words per minute); other languages get a few sentences each,
a rough signal only (espeak-ng voices are far from natural speech, and there
is no Tagalog voice: Indonesian reads the Tagalog spelling).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.testing.espeak import synthesize
from service.asr.guards import normalise

__all__ = [
    "CORPUS",
    "add_common_args",
    "cer_counts",
    "corpus",
    "percentile",
    "settings_from_args",
    "synthesize",
    "wer_counts",
]

CORPUS: dict[str, list[str]] = {
    "en": [
        "Yes.",
        "No problem.",
        "Thank you so much.",
        "Okay, let me check that for you.",
        "Could you give me your account number please?",
        "I understand how frustrating that must be.",
        "My internet has been down since yesterday morning.",
        "One moment please, I am going to put you on hold.",
        "I have been waiting for over an hour and nobody has called me back.",
        "Your order was shipped on Monday and should arrive by Thursday afternoon.",
        "I can see two charges on your card, and I will refund the second one today.",
        "Is there anything else I can help you with today?",
        "I would like to cancel my subscription because the price went up again last month.",
        "Let me transfer you to the billing department, they will be able to sort out the invoice.",
        ("The technician will visit your address between nine and twelve on Wednesday, and he will call you "
         "thirty minutes before he arrives."),
        ("I am sorry about the delay. I have escalated your case to my supervisor and you will receive an email "
         "with the reference number within the next two hours."),
        "Thanks for calling, have a great day.",
        "Can you hear me now?",
        "I already tried restarting the router three times and it still does not work.",
        "Please confirm your date of birth and the first line of your address.",
    ],
    "el": [
        "Καλημέρα, πώς μπορώ να σας βοηθήσω;",
        "Ο λογαριασμός σας είναι έτοιμος.",
        "Ευχαριστώ πολύ για την υπομονή σας.",
        "Θα σας μεταφέρω στο τμήμα πληρωμών.",
    ],
    "tr": [
        "Merhaba, size nasıl yardımcı olabilirim?",
        "Faturanız hazır.",
        "Bir dakika lütfen, hesabınızı kontrol ediyorum.",
        "Sabrınız için çok teşekkür ederim.",
    ],
    "lv": [
        "Labdien, kā es varu jums palīdzēt?",
        "Jūsu rēķins ir gatavs.",
        "Lūdzu, uzgaidiet vienu brīdi.",
        "Paldies par jūsu pacietību.",
    ],
    "tl": [
        "Magandang umaga po, paano ko po kayo matutulungan?",
        "Sandali lang po, titingnan ko ang inyong account.",
        "Salamat po sa inyong pasensya.",
        "Ililipat ko po kayo sa billing department.",
    ],
}


def corpus(languages: list[str]) -> list[tuple[str, str, np.ndarray]]:
    """(language, reference text, 16 kHz audio) for every sentence of ``languages``."""
    return [(lang, text, synthesize(text, lang)) for lang in languages for text in CORPUS[lang]]


def _edits(ref: list[str], hyp: list[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def wer_counts(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words) after normalisation; sum both over a corpus for WER."""
    ref, hyp = normalise(reference).split(), normalise(hypothesis).split()
    return _edits(ref, hyp), len(ref)


def cer_counts(reference: str, hypothesis: str) -> tuple[int, int]:
    """(character edits, reference characters) after normalisation: the finer signal for
    espeak-ng's rough non-English voices, where near-miss spellings make WER ~100%."""
    ref, hyp = list(normalise(reference)), list(normalise(hypothesis))
    return _edits(ref, hyp), len(ref)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def add_common_args(parser) -> None:
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--threads", type=int, default=None, help="CTranslate2 threads (default: config)")
    parser.add_argument("--beam-size", type=int, default=None, help="final beam size (default: config)")
    parser.add_argument("--config", default=None, help="a callcoach TOML config file")


def settings_from_args(args, **asr_overrides):
    from service.asr import AsrSettings
    from service.config import load_config

    overrides = {"device": args.device, "compute_type": args.compute_type, **asr_overrides}
    if args.threads is not None:
        overrides["threads"] = args.threads
    if args.beam_size is not None:
        overrides["beam_size"] = args.beam_size
    return AsrSettings.from_config(load_config(args.config, {"asr": overrides})["asr"])
