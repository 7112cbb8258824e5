"""Telephony payloads to 16 kHz PCM: G.711 mu-law / A-law, PCM16, resampling.

Pure functions and one small stateful converter; no I/O. G.711 is decoded with
lookup tables built from the ITU-T G.711 definition (the same values as
``audioop.ulaw2lin`` / ``alaw2lin``, which Python 3.13 removed). Resampling uses
soxr's streaming resampler so that 8 kHz audio fed in arbitrary chunk sizes
gives a continuous 16 kHz signal with no clicks at chunk boundaries.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import soxr

__all__ = [
    "ENCODINGS",
    "Encoding",
    "CodecError",
    "ulaw_to_pcm16",
    "alaw_to_pcm16",
    "pcm16_to_ulaw",
    "decode_payload",
    "bytes_per_sample",
    "deinterleave",
    "ChannelConverter",
    "round_to_pcm16",
]

Encoding = Literal["pcm16", "mulaw", "alaw"]
ENCODINGS: tuple[str, ...] = ("pcm16", "mulaw", "alaw")


class CodecError(ValueError):
    """A payload cannot be decoded with the announced format."""


def _ulaw_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _alaw_table() -> np.ndarray:
    codes = np.arange(256, dtype=np.int32) ^ 0x55
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = np.where(
        exponent == 0,
        (mantissa << 4) + 8,
        ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0),
    )
    return np.where(sign != 0, magnitude, -magnitude).astype(np.int16)


_ULAW = _ulaw_table()
_ALAW = _alaw_table()


def ulaw_to_pcm16(payload: bytes) -> np.ndarray:
    """G.711 mu-law bytes to int16 samples (one byte per sample)."""
    return _ULAW[np.frombuffer(payload, dtype=np.uint8)]


def alaw_to_pcm16(payload: bytes) -> np.ndarray:
    """G.711 A-law bytes to int16 samples (one byte per sample)."""
    return _ALAW[np.frombuffer(payload, dtype=np.uint8)]


def pcm16_to_ulaw(samples: np.ndarray) -> bytes:
    """int16 samples to G.711 mu-law: the inverse of :func:`ulaw_to_pcm16` up to quantisation.

    Used to build telephony test streams; chooses, for each sample, the code whose
    decoded value is nearest.
    """
    order = np.argsort(_ULAW)
    sorted_vals = _ULAW[order].astype(np.int32)
    x = np.asarray(samples, dtype=np.int32)
    idx = np.clip(np.searchsorted(sorted_vals, x), 1, 255)
    left, right = sorted_vals[idx - 1], sorted_vals[idx]
    pick = np.where(np.abs(x - left) <= np.abs(right - x), idx - 1, idx)
    return order[pick].astype(np.uint8).tobytes()


def bytes_per_sample(encoding: str) -> int:
    if encoding not in ENCODINGS:
        raise CodecError(f"unknown encoding '{encoding}' (expected one of {', '.join(ENCODINGS)})")
    return 2 if encoding == "pcm16" else 1


def decode_payload(payload: bytes, encoding: str) -> np.ndarray:
    """Decode a mono payload to int16 samples; PCM16 is little-endian."""
    if encoding == "mulaw":
        return ulaw_to_pcm16(payload)
    if encoding == "alaw":
        return alaw_to_pcm16(payload)
    if encoding == "pcm16":
        if len(payload) % 2:
            raise CodecError(f"pcm16 payload of {len(payload)} bytes is not a whole number of samples")
        return np.frombuffer(payload, dtype="<i2").astype(np.int16)
    raise CodecError(f"unknown encoding '{encoding}' (expected one of {', '.join(ENCODINGS)})")


def deinterleave(payload: bytes, channels: int, encoding: str) -> list[bytes]:
    """Split an interleaved multi-channel payload into one payload per channel."""
    width = bytes_per_sample(encoding)
    frame = width * channels
    if channels < 1:
        raise CodecError("channel count must be at least 1")
    if len(payload) % frame:
        raise CodecError(
            f"payload of {len(payload)} bytes is not a whole number of {channels}-channel {encoding} frames"
        )
    raw = np.frombuffer(payload, dtype=np.uint8).reshape(-1, channels, width)
    return [raw[:, c, :].tobytes() for c in range(channels)]


class ChannelConverter:
    """One channel's stream of payloads to int16 PCM at the engine rate.

    Feed payloads in any chunking with :meth:`convert`; call :meth:`flush` once
    at the end of the stream to drain the resampler's delay line.
    """

    def __init__(self, encoding: str, sample_rate: int, out_rate: int, quality: str = "HQ") -> None:
        bytes_per_sample(encoding)  # validates the encoding
        if sample_rate <= 0:
            raise CodecError(f"sample rate must be positive, got {sample_rate}")
        self.encoding = encoding
        self.sample_rate = sample_rate
        self.out_rate = out_rate
        self._resampler = (
            None
            if sample_rate == out_rate
            else soxr.ResampleStream(sample_rate, out_rate, 1, dtype="float32", quality=quality)
        )

    def convert(self, payload: bytes) -> np.ndarray:
        return self.resample(decode_payload(payload, self.encoding))

    def resample(self, samples: np.ndarray) -> np.ndarray:
        """Resample already-decoded int16 samples (as from a file decoder).

        soxr works in float32 here: its int16 output path dithers, which makes
        the result depend on chunk boundaries; float32 then rounding does not.
        """
        if self._resampler is None:
            return np.asarray(samples, dtype=np.int16)
        out = self._resampler.resample_chunk(np.asarray(samples, dtype=np.float32), last=False)
        return round_to_pcm16(out)

    def flush(self) -> np.ndarray:
        if self._resampler is None:
            return np.zeros(0, dtype=np.int16)
        return round_to_pcm16(self._resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True))


def round_to_pcm16(samples: np.ndarray) -> np.ndarray:
    """Float samples on the int16 scale, rounded and clipped to int16."""
    return np.clip(np.rint(samples), -32768, 32767).astype(np.int16)
