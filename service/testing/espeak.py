"""Synthesised speech with espeak-ng, for tests, benchmarks and demos.

Why in the package: tests, the benchmark scripts and the demo all need speech
in several languages without shipping audio files; espeak-ng is a system
package (Debian ``espeak-ng``) and gives deterministic output for a given text,
voice and speed. Output is float32 mono 16 kHz, the engine's format.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np
import soxr

__all__ = ["VOICES", "SpeechSynthError", "available", "synthesize"]

SAMPLE_RATE = 16000
# espeak-ng voice per Whisper language code. espeak-ng has no Tagalog voice:
# Indonesian reads Tagalog spelling close enough for a rough signal.
VOICES = {"en": "en-us", "el": "el", "tr": "tr", "lv": "lv", "tl": "id"}


class SpeechSynthError(RuntimeError):
    """espeak-ng is missing or failed."""


def available() -> bool:
    return shutil.which("espeak-ng") is not None


def synthesize(text: str, language: str = "en", words_per_minute: int = 160) -> np.ndarray:
    """``text`` spoken by the espeak-ng voice for ``language`` (or a voice name)."""
    if not available():
        raise SpeechSynthError("espeak-ng is not installed (Debian/Ubuntu: apt-get install espeak-ng)")
    voice = VOICES.get(language, language)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        run = subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(path), text],
                             capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise SpeechSynthError(f"espeak-ng failed for voice {voice}: {run.stderr.strip()}")
        with wave.open(str(path)) as wav:
            rate = wav.getframerate()
            pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return soxr.resample(pcm.astype(np.float32) / 32768.0, rate, SAMPLE_RATE).astype(np.float32)
