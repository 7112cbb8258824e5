"""Voice activity per channel: a frame classifier and a turn state machine.

Two small pieces with one job each:

* :class:`FrameClassifier` says whether one fixed-size frame holds speech
  (webrtcvad, behind an energy floor so faint line noise is never speech).
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

__all__ = ["AGGRESSIVENESS", "FRAME_MS", "VadSettings", "FrameClassifier", "TurnTracker", "TrackerState",
           "frame_rms_dbfs"]

# What webrtcvad accepts: frame lengths (ms), sample rates (Hz) and aggressiveness modes.
FRAME_MS = (10, 20, 30)
SAMPLE_RATES = (8000, 16000, 32000, 48000)
AGGRESSIVENESS = (0, 1, 2, 3)

_FULL_SCALE = 32768.0
_SILENCE_DBFS = -120.0  # level reported for an all-zero frame (log of zero)


@dataclass(frozen=True, slots=True)
class VadSettings:
    sample_rate: int
    frame_ms: int
    aggressiveness: int
    energy_floor_dbfs: float
    min_speech_s: float
    hangover_s: float

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
        positive(self, "vad", "min_speech_s", "hangover_s")

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


def frame_rms_dbfs(frames: np.ndarray) -> np.ndarray:
    """RMS level of each row of ``frames`` (int16 samples) in dBFS."""
    power = np.mean(np.square(frames.astype(np.float64)), axis=-1)
    with np.errstate(divide="ignore"):
        level = 10.0 * np.log10(power / (_FULL_SCALE**2))
    return np.where(power > 0, level, _SILENCE_DBFS)


class FrameClassifier:
    """Speech / not speech for whole frames of int16 audio at the engine rate."""

    def __init__(self, settings: VadSettings) -> None:
        self._settings = settings
        self._vad = webrtcvad.Vad(settings.aggressiveness)

    def classify(self, frames: np.ndarray) -> list[bool]:
        """Classify each row of ``frames`` (shape ``(n, frame_samples)``, int16).

        The energy floor is checked first, vectorised: most of a call is
        silence, and webrtcvad is then only asked about frames that could be
        speech.
        """
        loud = frame_rms_dbfs(frames) >= self._settings.energy_floor_dbfs
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
