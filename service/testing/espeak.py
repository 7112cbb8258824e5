"""The one espeak-ng wrapper: speech for a language, and a voice per call party.

Why in the package: tests, the benchmark scripts and the demo all need speech
in several languages without shipping audio files; espeak-ng is a system
package (Debian ``espeak-ng``) and gives deterministic output for a given text,
voice and speed. :func:`synthesize` returns float32 mono 16 kHz, the engine's
format; :func:`render` gives the engine's own rate for callers that resample
themselves (the call synthesizer).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np
import soxr

__all__ = ["VOICES", "SpeechSynthError", "available", "check_voice", "party_voices", "render", "synthesize"]

SAMPLE_RATE = 16000
PCM16_SCALE = 32768.0
# espeak-ng voice per Whisper language code. espeak-ng has no Tagalog voice:
# Indonesian reads Tagalog spelling close enough for a rough signal.
VOICES = {"en": "en-us", "el": "el", "tr": "tr", "lv": "lv", "tl": "id"}
# Variants that make the two parties of a call sound different in any language.
AGENT_VARIANT = "m3"
CUSTOMER_VARIANT = "f3"
# English calls also differ by accent; these exact voices made every committed
# expectation, so they must not change.
_BASE_VOICES_BY_PARTY = {"en": {"agent": "en-us", "customer": "en-gb"}}
_VARIANTS = {"agent": AGENT_VARIANT, "customer": CUSTOMER_VARIANT}
# ``espeak-ng --voices`` columns: Pty, Language, Age/Gender, VoiceName, File (then other languages)
_VOICE_COLUMNS = 5


class SpeechSynthError(RuntimeError):
    """espeak-ng is missing or failed, or a scenario asks for something impossible."""


def available() -> bool:
    return shutil.which("espeak-ng") is not None


def party_voices(language: str) -> dict[str, str]:
    """``{"agent": voice, "customer": voice}`` speaking ``language``, distinguishable by ear.

    ``en`` gives ``en-us+m3`` / ``en-gb+f3``; another language its own voice with
    a male and a female variant (``tr`` gives ``tr+m3`` / ``tr+f3``).
    """
    base = VOICES.get(language, language)
    bases = _BASE_VOICES_BY_PARTY.get(language, {"agent": base, "customer": base})
    return {party: f"{bases[party]}+{variant}" for party, variant in _VARIANTS.items()}


def _executable() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SpeechSynthError("espeak-ng is not installed (Debian/Ubuntu: apt-get install espeak-ng)")
    return exe


@functools.cache
def _catalogue(listing: str) -> frozenset[str]:
    """Every name ``espeak-ng --voices[=variant]`` lists: language codes, voice names, file names."""
    run = subprocess.run([_executable(), listing], capture_output=True, text=True, check=False)
    names: set[str] = set()
    for row in run.stdout.splitlines()[1:]:  # after the header row
        _, language, _, name, file, *_ = (row.split() + [""] * _VOICE_COLUMNS)[:_VOICE_COLUMNS]
        names |= {language, name, file, file.rsplit("/", 1)[-1]}
    return frozenset(n.lower() for n in names if n)


def check_voice(voice: str) -> None:
    """Refuse a voice espeak-ng does not have: it would silently speak its default English instead."""
    base, _, variant = voice.partition("+")
    if base.lower() not in _catalogue("--voices"):
        raise SpeechSynthError(f"espeak-ng has no voice {base!r} (see espeak-ng --voices)")
    if variant and variant.lower() not in _catalogue("--voices=variant"):
        raise SpeechSynthError(f"espeak-ng has no variant {variant!r} in {voice!r} (see espeak-ng --voices=variant)")


def render(text: str, voice: str, words_per_minute: int) -> tuple[np.ndarray, int]:
    """``text`` spoken by espeak-ng ``voice``: float32 samples in [-1, 1] and their rate."""
    exe = _executable()
    check_voice(voice)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "speech.wav"
        run = subprocess.run([exe, "-v", voice, "-s", str(words_per_minute), "-w", str(out), text],
                             capture_output=True, text=True, check=False)
        if run.returncode != 0 or not out.exists():
            raise SpeechSynthError(f"espeak-ng failed for voice {voice!r}: {run.stderr.strip()}")
        with wave.open(str(out), "rb") as wav:
            rate = wav.getframerate()
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return pcm.astype(np.float32) / PCM16_SCALE, rate


def synthesize(text: str, language: str = "en", words_per_minute: int = 160) -> np.ndarray:
    """``text`` spoken by the espeak-ng voice for ``language`` (or a voice name), float32 16 kHz."""
    pcm, rate = render(text, VOICES.get(language, language), words_per_minute)
    return soxr.resample(pcm, rate, SAMPLE_RATE).astype(np.float32)
