"""Distress from the voice: loudness, pitch and speaking rate against the speaker's own baseline.

Why: the text rules only see distress when its words survive speech
recognition, and on Greek, Latvian, Turkish and Tagalog telephone speech most
of them do not. A raised voice needs no words: an upset customer speaks louder
and higher than they did a minute ago, in any language. Each speaker is
compared with *themselves* earlier in the same call, never with a population
norm, so a naturally loud or high voice is not "upset".

Three small pieces, pure (no clock, no I/O; numpy only), fed by the session's
own frames and voice-activity segments:

* :func:`frame_features`: per 30 ms frame, the level (dBFS), three 10 ms
  sub-levels (the energy envelope syllable nuclei are counted on) and the
  fundamental frequency (F0) of voiced frames, by a YIN estimator on the
  telephone band (decimated to 8 kHz; 70-400 Hz by default).
* :class:`VoiceTracker`: one party's frames by absolute frame index; when the
  VAD closes a stretch of speech it summarises it (median level, median F0,
  syllable nuclei per second), learns the party's baseline from the first
  ``baseline_s`` seconds of voiced speech, then judges each later stretch
  against it and slowly follows calm stretches.
* the window rule, also in :class:`VoiceTracker`: enough *raised* speech
  (``min_raised_s``) within ``window_s`` is a :class:`VoiceDistress`, with the
  raised stretches as evidence.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from ..config import positive, require, typed
from .events import Speaker

__all__ = ["VoiceSettings", "FrameFeatures", "VoiceStretch", "VoiceDistress", "VoiceBaseline", "VoiceTracker",
           "frame_features", "syllable_nuclei", "yin_f0"]

_PITCH_RATE = 8000  # F0 is estimated on the telephone band, whatever the engine rate
_SUBFRAMES = 3  # 10 ms sub-levels per 30 ms frame: the envelope syllable nuclei are counted on
_SILENCE_DB = -120.0
_REF_HZ = 100.0  # semitones are counted from this frequency (only differences are ever used)
_SYLLABLE_MIN_GAP_S = 0.1  # two syllable nuclei are never closer than this (about 10 syllables/s at most)


@dataclass(frozen=True, slots=True)
class VoiceSettings:
    """``[voice]`` (config/default.toml): the estimator's range, the baseline and what counts as raised."""

    min_f0_hz: float
    max_f0_hz: float
    periodicity: float
    syllable_dip_db: float
    min_stretch_s: float
    baseline_s: float
    baseline_follow: float
    raised_loudness_db: float
    raised_pitch_st: float
    window_s: float
    min_raised_s: float
    min_raised_stretches: int

    @classmethod
    def from_config(cls, config: dict) -> "VoiceSettings":
        settings = typed(cls, config["voice"], "voice")
        settings.validate()
        return settings

    def validate(self) -> None:
        positive(self, "voice", "min_f0_hz", "syllable_dip_db", "min_stretch_s", "baseline_s", "raised_pitch_st",
                 "window_s", "min_raised_s", "min_raised_stretches")
        require(self.max_f0_hz > self.min_f0_hz, "voice.max_f0_hz",
                f"must be above voice.min_f0_hz ({self.min_f0_hz:g}), not {self.max_f0_hz:g}")
        require(self.max_f0_hz <= _PITCH_RATE / 4, "voice.max_f0_hz",
                f"must be at most {_PITCH_RATE // 4} Hz (F0 is estimated at {_PITCH_RATE} Hz), not {self.max_f0_hz:g}")
        require(_PITCH_RATE / self.min_f0_hz <= _PITCH_RATE * 0.03, "voice.min_f0_hz",
                f"must be at least {1 / 0.03:.0f} Hz (a period must fit in one 30 ms frame), not {self.min_f0_hz:g}")
        require(0 < self.periodicity < 1, "voice.periodicity", f"must be between 0 and 1, not {self.periodicity:g}")
        require(0 <= self.baseline_follow <= 1, "voice.baseline_follow",
                f"must be between 0 and 1, not {self.baseline_follow:g}")
        require(self.min_raised_s <= self.window_s, "voice.min_raised_s",
                f"must not exceed voice.window_s ({self.window_s:g}), not {self.min_raised_s:g}")


@dataclass(frozen=True, slots=True)
class FrameFeatures:
    """Per-frame measurements of ``n`` frames: level and sub-levels (dBFS), F0 (Hz, NaN where aperiodic)."""

    level_db: np.ndarray  # (n,)
    sub_db: np.ndarray  # (n, 3)
    f0_hz: np.ndarray  # (n,)


def _db(power: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.where(power > 0, 10.0 * np.log10(np.maximum(power, 1e-30)), _SILENCE_DB)


def _decimate(frames: np.ndarray, rate: int) -> np.ndarray:
    """Rows of float samples at ``rate`` brought to 8 kHz by averaging blocks (a crude low-pass is enough for F0)."""
    factor = rate // _PITCH_RATE
    if factor <= 1:
        return frames
    usable = frames.shape[1] // factor * factor
    return frames[:, :usable].reshape(frames.shape[0], -1, factor).mean(axis=2)


def yin_f0(windows: np.ndarray, rate: int, min_hz: float, max_hz: float, periodicity: float) -> np.ndarray:
    """F0 (Hz) of each row of ``windows`` by YIN (de Cheveigné and Kawahara 2002); NaN where no period is clear.

    The cumulative-mean-normalised difference must dip below ``periodicity``
    at some lag in ``[rate/max_hz, rate/min_hz]``; the first such dip's local
    minimum, refined by a parabola, is the period. The difference function is
    computed for all rows at once from FFT cross-correlations.
    """
    n, length = windows.shape
    tau_min, tau_max = max(2, int(rate / max_hz)), int(np.ceil(rate / min_hz))
    width = length - tau_max
    if width <= 0 or n == 0:
        return np.full(n, np.nan)
    x = windows - windows.mean(axis=1, keepdims=True)
    size = 1 << int(np.ceil(np.log2(length + width)))
    corr = np.fft.irfft(np.fft.rfft(x, size) * np.conj(np.fft.rfft(x[:, :width], size)), size)[:, : tau_max + 1]
    energy = np.concatenate((np.zeros((n, 1)), np.cumsum(x**2, axis=1)), axis=1)
    taus = np.arange(tau_max + 1)
    e0 = energy[:, width][:, None]
    e_tau = energy[:, taus + width] - energy[:, taus]
    diff = np.maximum(e0 + e_tau - 2 * corr, 0.0)
    diff[:, 0] = 0.0
    running = np.cumsum(diff[:, 1:], axis=1)
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] * taus[1:] / np.where(running > 0, running, 1.0)
    out = np.full(n, np.nan)
    below = cmnd[:, tau_min:tau_max] < periodicity
    for row in np.flatnonzero(below.any(axis=1)):
        tau = tau_min + int(np.argmax(below[row]))
        while tau + 1 < tau_max and cmnd[row, tau + 1] < cmnd[row, tau]:
            tau += 1
        a, b, c = cmnd[row, tau - 1], cmnd[row, tau], cmnd[row, tau + 1]
        bend = a - 2 * b + c
        shift = 0.5 * (a - c) / bend if bend > 0 else 0.0
        out[row] = rate / (tau + float(np.clip(shift, -1.0, 1.0)))
    return out


def frame_features(frames: np.ndarray, previous: np.ndarray, voiced: np.ndarray, rate: int,
                   settings: VoiceSettings) -> FrameFeatures:
    """Measure each row of ``frames`` (int16, one engine frame each); F0 only where ``voiced``.

    ``previous`` is the frame before the first row (zeros at the start of a
    call): each F0 window is that frame and this one (60 ms), so a 70 Hz voice
    shows several periods. The result depends only on the frames, never on
    how the audio was chunked.
    """
    x = frames.astype(np.float64) / 32768.0
    power = np.mean(x**2, axis=1)
    sub = x[:, : x.shape[1] // _SUBFRAMES * _SUBFRAMES].reshape(x.shape[0], _SUBFRAMES, -1)
    f0 = np.full(len(frames), np.nan)
    rows = np.flatnonzero(voiced)
    if rows.size:
        narrow = _decimate(np.concatenate((previous.astype(np.float64)[None, :] / 32768.0, x)), rate)
        windows = np.concatenate((narrow[rows], narrow[rows + 1]), axis=1)
        f0[rows] = yin_f0(windows, min(rate, _PITCH_RATE), settings.min_f0_hz, settings.max_f0_hz,
                          settings.periodicity)
    return FrameFeatures(_db(power), _db(np.mean(sub**2, axis=2)), f0)


def syllable_nuclei(envelope_db: np.ndarray, pitched: np.ndarray, dip_db: float, step_s: float) -> int:
    """Syllable nuclei in an energy envelope (dB per ``step_s``), after de Jong and Wempe (2009).

    A nucleus is a local peak of the envelope that rises at least ``dip_db``
    above the dips on both sides, lies in a pitched (voiced) stretch, and is at
    least ``_SYLLABLE_MIN_GAP_S`` after the previous nucleus. Language
    independent: it counts vowels by their loudness, not words.
    """
    count, last = 0, -np.inf
    peaks = np.flatnonzero((envelope_db[1:-1] > envelope_db[:-2]) & (envelope_db[1:-1] >= envelope_db[2:])) + 1
    for p in peaks:
        if not pitched[p] or (p - last) * step_s < _SYLLABLE_MIN_GAP_S:
            continue
        left = envelope_db[max(0, p - 1)::-1]
        right = envelope_db[p:]
        left_dip = _dip_before_higher(left, envelope_db[p])
        right_dip = _dip_before_higher(right, envelope_db[p])
        if envelope_db[p] - max(left_dip, right_dip) >= dip_db:
            count += 1
            last = p
    return count


def _dip_before_higher(side: np.ndarray, peak: float) -> float:
    """The lowest value of ``side`` (walking away from a peak) before it rises above the peak again."""
    higher = np.flatnonzero(side > peak)
    reach = side[: higher[0]] if higher.size else side
    return float(reach.min()) if reach.size else peak


@dataclass(frozen=True, slots=True)
class VoiceBaseline:
    """A party's usual voice in this call: median level (dBFS), median F0 (Hz), syllables per second."""

    loudness_dbfs: float
    pitch_hz: float
    rate_syl_s: float

    def to_dict(self) -> dict:
        return {"loudness_dbfs": round(self.loudness_dbfs, 1), "pitch_hz": round(self.pitch_hz, 1),
                "rate_syl_s": round(self.rate_syl_s, 2)}


@dataclass(frozen=True, slots=True)
class VoiceStretch:
    """One judged stretch of speech: its measurements and how far they are from the baseline."""

    speaker: Speaker
    start: float
    end: float
    loudness_dbfs: float
    pitch_hz: float
    rate_syl_s: float
    loudness_delta_db: float
    pitch_delta_st: float
    rate_ratio: float
    raised: bool

    @property
    def duration_s(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3),
                "loudness_delta_db": round(self.loudness_delta_db, 1),
                "pitch_delta_st": round(self.pitch_delta_st, 1), "rate_ratio": round(self.rate_ratio, 2)}


@dataclass(frozen=True, slots=True)
class VoiceDistress:
    """The customer's voice has been raised for ``min_raised_s`` within ``window_s``; known at call time ``t``.

    ``stretches`` are the raised stretches that made it (the evidence), and
    ``baseline`` the customer's own calm voice they were measured against.
    """

    t: float
    speaker: Speaker
    start: float
    end: float
    stretches: tuple[VoiceStretch, ...]
    baseline: VoiceBaseline

    def to_dict(self) -> dict:
        raised = self.stretches
        return {
            "t": round(self.t, 3),
            "speaker": self.speaker,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "loudness_delta_db": round(float(np.median([s.loudness_delta_db for s in raised])), 1),
            "pitch_delta_st": round(float(np.median([s.pitch_delta_st for s in raised])), 1),
            "rate_ratio": round(float(np.median([s.rate_ratio for s in raised])), 2),
            "baseline": self.baseline.to_dict(),
            "stretches": [s.to_dict() for s in raised],
        }


class _FeatureRing:
    """Per-frame features of the last ``capacity`` frames, addressed by absolute frame index."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.level = np.full(capacity, _SILENCE_DB)
        self.sub = np.full((capacity, _SUBFRAMES), _SILENCE_DB)
        self.f0 = np.full(capacity, np.nan)
        self.voiced = np.zeros(capacity, dtype=bool)
        self.written = 0

    def write(self, features: FrameFeatures, voiced: np.ndarray) -> None:
        for first in range(0, len(voiced), self.capacity):
            part = slice(first, first + self.capacity)
            idx = (self.written + np.arange(len(voiced[part]))) % self.capacity
            self.level[idx], self.sub[idx] = features.level_db[part], features.sub_db[part]
            self.f0[idx] = features.f0_hz[part]
            self.voiced[idx] = voiced[part]
            self.written += len(idx)

    def span(self, start: int, end: int) -> np.ndarray:
        """Ring positions of frames ``[start, end)`` still held."""
        start = max(start, self.written - self.capacity, 0)
        return np.arange(start, max(start, min(end, self.written))) % self.capacity


class VoiceTracker:
    """One party's voice through a call: frames in, judged stretches and :class:`VoiceDistress` out.

    Feed every frame of the party's audio with :meth:`add_frames` (with the
    VAD's per-frame decisions) and every closed voice-activity segment with
    :meth:`close_stretch`. ``capacity_frames`` bounds memory: a stretch longer
    than that is judged on its last ``capacity_frames`` frames.
    """

    def __init__(self, speaker: Speaker, settings: VoiceSettings, sample_rate: int, frame_s: float,
                 capacity_frames: int) -> None:
        self.speaker = speaker
        self.settings = settings
        self._rate = sample_rate
        self._frame_s = frame_s
        self._ring = _FeatureRing(capacity_frames)
        self._previous: np.ndarray | None = None
        self._learning: list[tuple[np.ndarray, np.ndarray, float, float]] = []  # levels, pitches, syllables, seconds
        self._learnt_s = 0.0
        self.baseline: VoiceBaseline | None = None
        self._raised: deque[VoiceStretch] = deque()
        self.stretches: list[VoiceStretch] = []

    def add_frames(self, frames: np.ndarray, voiced: list[bool]) -> None:
        """Rows of int16 samples (one engine frame each) and the VAD's decision for each."""
        if self._previous is None:
            self._previous = np.zeros(frames.shape[1], dtype=np.int16)
        flags = np.asarray(voiced, dtype=bool)
        self._ring.write(frame_features(frames, self._previous, flags, self._rate, self.settings), flags)
        self._previous = frames[-1].copy()

    def close_stretch(self, start_frame: int, end_frame: int, now: float) -> VoiceDistress | None:
        """The VAD closed a stretch ``[start_frame, end_frame)`` at call time ``now``: learn or judge it."""
        positions = self._ring.span(start_frame, end_frame)
        voiced = positions[self._ring.voiced[positions]]
        if not voiced.size:
            return None
        levels = self._ring.level[voiced]
        pitches = self._ring.f0[voiced]
        pitches = pitches[np.isfinite(pitches)]
        seconds = voiced.size * self._frame_s
        syllables = self._syllables(positions)
        if self.baseline is None:
            self._learn(levels, pitches, syllables, seconds)
            return None
        if seconds < self.settings.min_stretch_s or not pitches.size:
            return None
        stretch = self._judge(start_frame, end_frame, levels, pitches, syllables / seconds)
        self.stretches.append(stretch)
        if not stretch.raised:
            self._follow(stretch)
            return None
        return self._distress(stretch, now)

    def _syllables(self, positions: np.ndarray) -> float:
        envelope = self._ring.sub[positions].reshape(-1)
        voiced = np.repeat(self._ring.voiced[positions] & np.isfinite(self._ring.f0[positions]), _SUBFRAMES)
        return float(syllable_nuclei(envelope, voiced, self.settings.syllable_dip_db, self._frame_s / _SUBFRAMES))

    def _learn(self, levels: np.ndarray, pitches: np.ndarray, syllables: float, seconds: float) -> None:
        """The first ``baseline_s`` of voiced speech is the party's own calm voice (medians: robust to a cough)."""
        self._learning.append((levels, pitches, syllables, seconds))
        self._learnt_s += seconds
        all_pitches = np.concatenate([p for _, p, _, _ in self._learning])
        if self._learnt_s < self.settings.baseline_s or not all_pitches.size:
            return
        all_levels = np.concatenate([lv for lv, _, _, _ in self._learning])
        rate = sum(s for _, _, s, _ in self._learning) / self._learnt_s
        self.baseline = VoiceBaseline(float(np.median(all_levels)), float(np.median(all_pitches)), rate)
        self._learning.clear()

    def _judge(self, start_frame: int, end_frame: int, levels: np.ndarray, pitches: np.ndarray,
               rate: float) -> VoiceStretch:
        base = self.baseline
        assert base is not None
        loudness, pitch = float(np.median(levels)), float(np.median(pitches))
        d_db = loudness - base.loudness_dbfs
        d_st = 12.0 * np.log2(pitch / base.pitch_hz)
        raised = bool(d_db >= self.settings.raised_loudness_db and d_st >= self.settings.raised_pitch_st)
        return VoiceStretch(self.speaker, start_frame * self._frame_s, end_frame * self._frame_s, loudness, pitch,
                            rate, d_db, float(d_st), rate / base.rate_syl_s if base.rate_syl_s > 0 else 1.0, raised)

    def _follow(self, stretch: VoiceStretch) -> None:
        """Move the baseline ``baseline_follow`` of the way towards a calm stretch (a voice drifts over a call)."""
        base, k = self.baseline, self.settings.baseline_follow
        assert base is not None
        semitones = 12.0 * np.log2(stretch.pitch_hz / base.pitch_hz)
        self.baseline = VoiceBaseline(base.loudness_dbfs + k * (stretch.loudness_dbfs - base.loudness_dbfs),
                                      float(base.pitch_hz * 2 ** (k * semitones / 12.0)),
                                      base.rate_syl_s + k * (stretch.rate_syl_s - base.rate_syl_s))

    def _distress(self, stretch: VoiceStretch, now: float) -> VoiceDistress | None:
        """Enough raised speech within ``window_s``: distress, once; the next needs fresh raised speech."""
        self._raised.append(stretch)
        while self._raised and self._raised[0].start < stretch.end - self.settings.window_s:
            self._raised.popleft()
        enough = sum(s.duration_s for s in self._raised) >= self.settings.min_raised_s
        if not enough or len(self._raised) < self.settings.min_raised_stretches:
            return None
        raised = tuple(self._raised)
        self._raised.clear()
        assert self.baseline is not None
        return VoiceDistress(now, self.speaker, raised[0].start, raised[-1].end, raised, self.baseline)
