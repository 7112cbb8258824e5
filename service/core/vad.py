"""Voice activity per channel: a frame classifier and a turn state machine.

Two small pieces with one job each:

* :class:`FrameClassifier` says whether one fixed-size frame holds speech
  (webrtcvad, behind an energy floor so faint line noise is never speech).
  The floor follows each channel's own noise (:class:`NoiseFloor`): a line
  that sits at -45 dBFS of hiss, crosstalk or office babble raises its floor
  above that noise, so the noise never becomes "speech" and "interruptions".
* :class:`TurnTracker` smooths those per-frame decisions into speech segments
  with hysteresis counted in frames (quiet -> starting -> speaking -> stopping),
  like pipecat's VAD analyser but driven by frame indexes, never a clock. A
  segment's start is backdated to its first voiced frame and its end to its last
  voiced frame; the moment the decision was *made* is reported separately, so
  rules can be exact about when they could have known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np
import webrtcvad

from ..config import check_value, positive, require, typed

__all__ = ["AGGRESSIVENESS", "FRAME_MS", "VadSettings", "FrameClassifier", "NoiseFloor", "TurnTracker",
           "TrackerState", "frame_rms_dbfs"]

# What webrtcvad accepts: frame lengths (ms), sample rates (Hz) and aggressiveness modes.
FRAME_MS = (10, 20, 30)
SAMPLE_RATES = (8000, 16000, 32000, 48000)
AGGRESSIVENESS = (0, 1, 2, 3)

_FULL_SCALE = 32768.0
_SILENCE_DBFS = -120.0  # level reported for an all-zero frame (log of zero)
_LEVEL_BIN_DB = 1.0  # the noise tracker counts frame levels in bins of this width
_LEVEL_BINS = int(-_SILENCE_DBFS / _LEVEL_BIN_DB) + 1  # -120 .. 0 dBFS


@dataclass(frozen=True, slots=True)
class VadSettings:
    sample_rate: int
    frame_ms: int
    aggressiveness: int
    energy_floor_dbfs: float
    min_speech_s: float
    hangover_s: float
    noise_window_s: float
    noise_percentile: float
    noise_margin_db: float
    noise_update_s: float
    noise_min_s: float

    @classmethod
    def from_config(cls, config: dict) -> "VadSettings":
        sample_rate = check_value("audio.sample_rate", config["audio"]["sample_rate"], int)
        settings = typed(cls, config["vad"], "vad", sample_rate=sample_rate)
        settings.validate()
        return settings

    def validate(self) -> None:
        require(self.frame_ms in FRAME_MS, "vad.frame_ms",
                f"must be one of {FRAME_MS} (webrtcvad), not {self.frame_ms}")
        require(self.sample_rate in SAMPLE_RATES, "audio.sample_rate",
                f"must be one of {SAMPLE_RATES} (webrtcvad), not {self.sample_rate}")
        require(self.aggressiveness in AGGRESSIVENESS, "vad.aggressiveness",
                f"must be one of {AGGRESSIVENESS}, not {self.aggressiveness}")
        require(self.energy_floor_dbfs <= 0, "vad.energy_floor_dbfs",
                f"must be <= 0 dBFS, not {self.energy_floor_dbfs}")
        positive(self, "vad", "min_speech_s", "hangover_s", "noise_window_s", "noise_update_s", "noise_min_s",
                 "noise_margin_db")
        require(0 < self.noise_percentile < 100, "vad.noise_percentile",
                f"must be between 0 and 100, not {self.noise_percentile}")
        require(self.noise_update_s <= self.noise_window_s and self.noise_min_s <= self.noise_window_s,
                "vad.noise_update_s", "noise_update_s and noise_min_s must not exceed noise_window_s")

    @property
    def frame_samples(self) -> int:
        return self.sample_rate * self.frame_ms // 1000

    @property
    def frame_s(self) -> float:
        return self.frame_ms / 1000.0

    @property
    def min_speech_frames(self) -> int:
        return max(1, math.ceil(round(self.min_speech_s / self.frame_s, 6)))

    @property
    def hangover_frames(self) -> int:
        return max(1, math.ceil(round(self.hangover_s / self.frame_s, 6)))

    def frames_of(self, seconds: float) -> int:
        return max(1, round(seconds / self.frame_s))


def frame_rms_dbfs(frames: np.ndarray) -> np.ndarray:
    """RMS level of each row of ``frames`` (int16 samples) in dBFS."""
    power = np.mean(np.square(frames.astype(np.float64)), axis=-1)
    with np.errstate(divide="ignore"):
        level = 10.0 * np.log10(power / (_FULL_SCALE**2))
    return np.where(power > 0, level, _SILENCE_DBFS)


class NoiseFloor:
    """One channel's noise level and the energy floor it implies, learnt from the call itself.

    The noise is a low percentile (``noise_percentile``) of the channel's frame
    levels over the last ``noise_window_s``: speech has pauses, so the quietest
    fifth of a stretch of call is the line itself. The floor is that noise plus
    ``noise_margin_db``, never below ``energy_floor_dbfs`` (a clean line keeps
    the fixed floor). It is recomputed every ``noise_update_s`` at fixed frame
    numbers and applies from the next frame on, so the decisions do not depend
    on how the audio was chunked (live and replay agree) and no frame judges
    itself. Levels are counted in 1 dB bins: adding, dropping and reading a
    percentile cost the same however long the window.
    """

    def __init__(self, settings: VadSettings) -> None:
        self._base = settings.energy_floor_dbfs
        self._margin = settings.noise_margin_db
        self._quantile = settings.noise_percentile / 100.0
        self._update = settings.frames_of(settings.noise_update_s)
        self._min_frames = settings.frames_of(settings.noise_min_s)
        self._ring = np.full(settings.frames_of(settings.noise_window_s), -1, dtype=np.int64)  # bin per frame
        self._counts = np.zeros(_LEVEL_BINS, dtype=np.int64)
        self._frames = 0
        self.floor_dbfs = self._base
        self.noise_dbfs: float | None = None  # None until noise_min_s of audio was heard

    @property
    def heard(self) -> bool:
        """Whether any audio went through this channel (transcript replays have none)."""
        return self._frames > 0

    def floors(self, levels: np.ndarray) -> np.ndarray:
        """The floor in force for each frame of ``levels`` (in order), then learn from them."""
        out = np.empty(len(levels))
        done = 0
        while done < len(levels):
            step = min(len(levels) - done, self._update - self._frames % self._update)
            out[done:done + step] = self.floor_dbfs
            self._learn(levels[done:done + step])
            done += step
            if self._frames % self._update == 0:
                self._recompute()
        return out

    def _learn(self, levels: np.ndarray) -> None:
        bins = np.clip(np.round((levels - _SILENCE_DBFS) / _LEVEL_BIN_DB), 0, _LEVEL_BINS - 1).astype(np.int64)
        slots = (self._frames + np.arange(len(bins))) % len(self._ring)
        old = self._ring[slots]
        np.subtract.at(self._counts, old[old >= 0], 1)
        self._ring[slots] = bins
        np.add.at(self._counts, bins, 1)
        self._frames += len(bins)

    def _recompute(self) -> None:
        heard = int(self._counts.sum())
        if heard < self._min_frames:
            return
        rank = int(np.searchsorted(np.cumsum(self._counts), self._quantile * heard, side="left"))
        self.noise_dbfs = _SILENCE_DBFS + rank * _LEVEL_BIN_DB
        self.floor_dbfs = max(self._base, self.noise_dbfs + self._margin)


class FrameClassifier:
    """Speech / not speech for whole frames of int16 audio at the engine rate, on one channel."""

    def __init__(self, settings: VadSettings) -> None:
        self._settings = settings
        self._vad = webrtcvad.Vad(settings.aggressiveness)
        self.noise = NoiseFloor(settings)

    def classify(self, frames: np.ndarray) -> list[bool]:
        """Classify each row of ``frames`` (shape ``(n, frame_samples)``, int16).

        The energy floor (this channel's, see :class:`NoiseFloor`) is checked
        first, vectorised: most of a call is silence, and webrtcvad is then
        only asked about frames that could be speech.
        """
        levels = frame_rms_dbfs(frames)
        loud = levels >= self.noise.floors(levels)
        rate = self._settings.sample_rate
        return [
            bool(is_loud) and self._vad.is_speech(frame.tobytes(), rate)
            for frame, is_loud in zip(frames, loud)
        ]


class TrackerState(Enum):
    QUIET = "quiet"
    STARTING = "starting"
    SPEAKING = "speaking"
    STOPPING = "stopping"


@dataclass(frozen=True, slots=True)
class SegmentOpened:
    """A segment was confirmed at the end of frame ``confirmed_frame``; it began at ``start_frame``."""

    start_frame: int
    confirmed_frame: int


@dataclass(frozen=True, slots=True)
class SegmentClosed:
    """A segment spanning frames ``[start_frame, end_frame)`` was closed at the end of ``confirmed_frame``."""

    start_frame: int
    end_frame: int
    confirmed_frame: int


class TurnTracker:
    """Hysteresis over per-frame voice decisions for one channel.

    Feed one decision per frame, in order, with :meth:`step`; it returns the
    segment boundary confirmed by that frame, if any. ``active`` is True while a
    confirmed segment is open (including its hang-over), which is what "this
    party is mid-turn" means to the dynamics.
    """

    def __init__(self, min_speech_frames: int, hangover_frames: int) -> None:
        self._min_speech = min_speech_frames
        self._hangover = hangover_frames
        self.state = TrackerState.QUIET
        self._frame = -1
        self._run_start = 0  # first voiced frame of the current (candidate) segment
        self._last_voiced = -1  # index of the last voiced frame
        self._voiced_run = 0
        self._unvoiced_run = 0

    @property
    def active(self) -> bool:
        return self.state in (TrackerState.SPEAKING, TrackerState.STOPPING)

    @property
    def segment_start_frame(self) -> int:
        """First frame of the open (or candidate) segment."""
        return self._run_start

    @property
    def last_voiced_end_frame(self) -> int:
        """Frame index just after the last voiced frame (0 before any voice)."""
        return self._last_voiced + 1

    def step(self, voiced: bool) -> SegmentOpened | SegmentClosed | None:
        self._frame += 1
        k = self._frame
        if voiced:
            self._last_voiced = k
            self._unvoiced_run = 0
        else:
            self._unvoiced_run += 1

        if self.state is TrackerState.QUIET:
            if voiced:
                self._run_start = k
                self._voiced_run = 1
                self.state = TrackerState.STARTING
                return self._confirm_if_long_enough(k)
            return None
        if self.state is TrackerState.STARTING:
            if not voiced:
                self.state = TrackerState.QUIET
                return None
            self._voiced_run += 1
            return self._confirm_if_long_enough(k)
        if self.state is TrackerState.SPEAKING:
            if not voiced:
                self.state = TrackerState.STOPPING
                return self._close_if_hangover_done(k)
            return None
        # STOPPING
        if voiced:
            self.state = TrackerState.SPEAKING
            return None
        return self._close_if_hangover_done(k)

    def close(self) -> SegmentClosed | None:
        """End of stream: close an open segment at its last voiced frame."""
        if not self.active:
            self.state = TrackerState.QUIET
            return None
        self.state = TrackerState.QUIET
        return SegmentClosed(self._run_start, self._last_voiced + 1, self._frame)

    def _confirm_if_long_enough(self, k: int) -> SegmentOpened | None:
        if self._voiced_run >= self._min_speech:
            self.state = TrackerState.SPEAKING
            return SegmentOpened(self._run_start, k)
        return None

    def _close_if_hangover_done(self, k: int) -> SegmentClosed | None:
        if self._unvoiced_run >= self._hangover:
            self.state = TrackerState.QUIET
            return SegmentClosed(self._run_start, self._last_voiced + 1, k)
        return None
