"""Recorded calls in: any format PyAV decodes, as per-party int16 chunks.

The file's own sample rate is kept here; the same streaming resampler the live
path uses (:class:`~service.core.codecs.ChannelConverter`) brings it to the
engine rate, so a recording and the same audio streamed live give the same
report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import av
import numpy as np

from ..core.codecs import round_to_pcm16

__all__ = ["DUAL_CHANNEL_ADVICE", "AudioFileError", "RecordingInfo", "probe_recording", "read_stereo_chunks"]

# What to do with a recording that holds one mix of both parties: a mono file, or a stereo
# file whose two channels carry the same audio (service.core.channel_check).
DUAL_CHANNEL_ADVICE = ("callcoach needs stereo with one party per channel (agent on one side, customer on the "
                       "other) to tell who spoke when. Export the call from your recorder as dual-channel/stereo "
                       "(most platforms offer it), then pass --agent-channel left|right")


class AudioFileError(ValueError):
    """The file cannot be replayed; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    path: Path
    sample_rate: int
    channels: int
    codec: str
    duration: float | None


def _open(path: Path):
    if not path.exists():
        raise AudioFileError(f"{path}: no such file")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise AudioFileError(f"{path}: not a readable audio file ({exc})") from None
    if not container.streams.audio:
        container.close()
        raise AudioFileError(f"{path}: contains no audio stream")
    return container


def probe_recording(path: str | Path) -> RecordingInfo:
    """Check a recording is a usable two-party call; raises :class:`AudioFileError` if not."""
    path = Path(path)
    container = _open(path)
    try:
        stream = container.streams.audio[0]
        channels = stream.codec_context.channels
        duration = float(stream.duration * stream.time_base) if stream.duration else None
        info = RecordingInfo(path, stream.codec_context.sample_rate, channels, stream.codec_context.name, duration)
    finally:
        container.close()
    if info.channels == 1:
        raise AudioFileError(f"{path}: mono recording; {DUAL_CHANNEL_ADVICE}")
    if info.channels != 2:
        raise AudioFileError(
            f"{path}: {info.channels} channels; expected a stereo recording with one party per channel"
        )
    return info


def read_stereo_chunks(path: str | Path, chunk_s: float) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (left, right) int16 chunks of about ``chunk_s`` seconds at the file's rate."""
    info = probe_recording(path)
    chunk = max(1, int(chunk_s * info.sample_rate))
    container = _open(Path(path))
    pending: list[np.ndarray] = []
    held = 0
    try:
        for frame in _frames(container, path):
            planes = _int16_planes(frame)
            pending.append(planes)
            held += planes.shape[1]
            while held >= chunk:
                block = np.concatenate(pending, axis=1)
                yield block[0, :chunk].copy(), block[1, :chunk].copy()
                rest = block[:, chunk:]
                pending, held = [rest], rest.shape[1]
        if pending:
            block = np.concatenate(pending, axis=1)
            if block.shape[1]:
                yield block[0].copy(), block[1].copy()
    finally:
        container.close()


_SCALE = {"s16": 1.0, "s32": 1.0 / 65536.0, "flt": 32767.0, "dbl": 32767.0, "u8": 256.0}


def _int16_planes(frame) -> np.ndarray:
    """A decoded stereo frame as a (2, n) int16 array.

    Sample-format conversion only, in numpy: the rate is left alone (the
    engine's streaming resampler handles it) and small decoded frames stay
    cheap, unlike a libswresample call per frame.
    """
    name = frame.format.name
    data = frame.to_ndarray()
    planar = name.endswith("p")
    base = name[:-1] if planar else name
    planes = data if planar else data.reshape(-1, 2).T
    if base == "s16":
        return planes.astype(np.int16, copy=False)
    if base == "u8":
        return ((planes.astype(np.int16) - 128) * int(_SCALE["u8"])).astype(np.int16)
    return round_to_pcm16(planes.astype(np.float64) * _SCALE[base])


def _frames(container, path):
    try:
        yield from container.decode(audio=0)
    except av.error.FFmpegError as exc:
        raise AudioFileError(f"{path}: audio data is corrupt ({exc})") from None
