"""ASR fixtures: typed settings, espeak-ng speech, one real Whisper model per session."""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest

from service.asr import AsrSettings
from service.testing.espeak import synthesize


@pytest.fixture(scope="session")
def settings(config) -> AsrSettings:
    return AsrSettings.from_config(config["asr"])


@cache
def _speech(text: str, language: str) -> np.ndarray:
    audio = synthesize(text, language)
    audio.setflags(write=False)
    return audio


@pytest.fixture(scope="session")
def speech():
    """``speech(text, language="en")``: espeak-ng audio, float32 16 kHz, cached per session."""
    return lambda text, language="en": _speech(text, language)


@pytest.fixture(scope="session")
def whisper(settings):
    """The real engine on the packaged ``base`` model (assembled on first use)."""
    from service.asr.whisper import WhisperTranscriber

    return WhisperTranscriber.load(settings)


@pytest.fixture(scope="session")
def whisper_full(whisper, settings):
    """The same model with faster-whisper's full 30 s window (no second load)."""
    return whisper.with_settings(dataclasses.replace(settings, window="full"))


def words(text: str) -> set[str]:
    from service.asr.guards import normalise

    return set(normalise(text).split())


def _read_clip(path) -> np.ndarray:
    import av

    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=16000)
        parts = [f.to_ndarray().reshape(-1) for frame in container.decode(audio=0) for f in resampler.resample(frame)]
        parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    audio = np.concatenate(parts).astype(np.float32)
    audio.setflags(write=False)
    return audio


@pytest.fixture(scope="session")
def real_speech():
    """``real_speech(language)``: the real recordings of tests/data/speech/<language> (see its
    LICENSE-NOTICE.md) as clips.json entries plus ``audio`` (float32 16 kHz); [] when there are none."""
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "data" / "speech"

    @cache
    def load(language: str) -> tuple[dict, ...]:
        index = root / language / "clips.json"
        if not index.exists():
            return ()
        clips = json.loads(index.read_text(encoding="utf-8"))["clips"]
        return tuple({**c, "audio": _read_clip(index.parent / c["file"])} for c in clips)

    return lambda language: list(load(language))
