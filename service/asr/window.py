"""Encoder window arithmetic: trim Whisper's 30 s window to the utterance.

Why: faster-whisper pads every input to 30 s of log-Mel frames, so a 3 s
utterance pays for a 30 s encoder pass. CTranslate2's Whisper encoder accepts
shorter inputs (the positional embedding is sliced), so we encode the
utterance plus ``padding_s`` of zero frames, at least ``min_window_s`` (short
windows make Whisper repeat itself), rounded up to a ``bucket_s`` multiple so
that only a few window shapes occur. Pure numpy, no model.
"""

from __future__ import annotations

import math

import numpy as np

from .settings import AsrSettings

__all__ = ["FRAMES_PER_SECOND", "FULL_WINDOW_FRAMES", "fit_window", "split_chunks", "window_frames"]

FRAMES_PER_SECOND = 100  # Whisper's log-Mel hop: 160 samples at 16 kHz
FULL_WINDOW_FRAMES = 3000  # 30 s, the window Whisper was trained on
SAMPLE_RATE = 16000


def window_frames(content_frames: int, settings: AsrSettings) -> int:
    """Encoder window (in frames) for ``content_frames`` of features under ``settings``."""
    if settings.window == "full":
        return FULL_WINDOW_FRAMES
    seconds = max(content_frames / FRAMES_PER_SECOND + settings.padding_s, settings.min_window_s)
    buckets = max(1, math.ceil(round(seconds / settings.bucket_s, 6)))
    frames = round(buckets * settings.bucket_s * FRAMES_PER_SECOND)
    frames += frames % 2  # the encoder's strided convolution halves the length
    return min(frames, FULL_WINDOW_FRAMES)


def fit_window(features: np.ndarray, frames: int) -> np.ndarray:
    """``features`` (n_mels, n) cut or zero-padded to ``frames`` columns, as faster-whisper pads."""
    n_mels, n = features.shape
    if n >= frames:
        return np.ascontiguousarray(features[:, :frames])
    out = np.zeros((n_mels, frames), dtype=np.float32)
    out[:, :n] = features
    return out


def split_chunks(audio: np.ndarray, max_chunk_s: float) -> list[np.ndarray]:
    """Consecutive pieces of at most ``max_chunk_s`` seconds (one window each)."""
    size = int(max_chunk_s * SAMPLE_RATE)
    return [audio[i : i + size] for i in range(0, max(len(audio), 1), size)]
