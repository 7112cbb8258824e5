"""Put the two parties' audio on one media timeline, filling gaps with silence.

Why: call time is the number of samples received, and the engine advances with
the slower channel. Telephony does not deliver a gap-free pair of tracks: Twilio
may send no frames for a silent track, AudioHook pauses and discards, packets
arrive with jitter. This class places every chunk at the position its media
timestamp says (not when it arrived), fills holes with silence, and lets a
lagging track fall at most ``max_skew`` behind the leading one before taking it
to be silent. Given the same media timestamps, arrival order within that skew
never changes the output.

Works at the source rate (silence is exact there) and resamples per channel
to the engine rate on the way out with the engine's ChannelConverter, whose
output is identical for any chunking, so arrival jitter never changes a
single sample. No I/O, no clock.
"""

from __future__ import annotations

import numpy as np

from service.core.codecs import ChannelConverter
from service.core.events import SPEAKERS, Speaker

from .events import Audio

__all__ = ["TimelineError", "TwoTrackTimeline"]


class TimelineError(ValueError):
    """A media position jumps further than any plausible silence."""


class TwoTrackTimeline:
    """Per-party sample positions at ``rate`` plus one resampler each.

    ``push`` a party's decoded samples (optionally at a media position),
    ``fill`` silence on both (a pause), ``finish`` once at the end. Each returns
    the :class:`Audio` events to feed, in order. ``late_samples`` counts audio
    dropped because it arrived for a stretch already filled or already received.
    """

    def __init__(
        self,
        rate: int,
        out_rate: int,
        quality: str,
        *,
        gap_tolerance: int,
        max_skew: int,
        max_gap: int,
    ) -> None:
        self.rate = rate
        self._resamplers = {s: ChannelConverter("pcm16", rate, out_rate, quality) for s in SPEAKERS}
        self._written: dict[Speaker, int] = {s: 0 for s in SPEAKERS}
        self._tolerance = gap_tolerance
        self._max_skew = max_skew
        self._max_gap = max_gap
        self.late_samples = 0

    @property
    def position(self) -> int:
        """Samples (at the source rate) both parties have reached."""
        return min(self._written.values())

    @property
    def head(self) -> int:
        """Samples (at the source rate) the leading party has reached."""
        return max(self._written.values())

    def push(self, speaker: Speaker, samples: np.ndarray, at: int | None = None) -> list[Audio]:
        """Place ``samples`` for ``speaker`` at media sample ``at`` (None: right after the last)."""
        out: list[Audio] = []
        samples = np.asarray(samples, dtype=np.int16)
        if at is not None:
            ahead = at - self._written[speaker]
            if ahead > self._max_gap:
                raise TimelineError(f"{speaker} audio jumps {ahead / self.rate:.1f} s ahead")
            if ahead > self._tolerance:
                out += self._write(speaker, np.zeros(ahead, dtype=np.int16))
            elif ahead < -self._tolerance:
                drop = min(-ahead, len(samples))
                self.late_samples += drop
                samples = samples[drop:]
        out += self._write(speaker, samples)
        other = SPEAKERS[1] if speaker == SPEAKERS[0] else SPEAKERS[0]
        behind = self._written[speaker] - self._written[other] - self._max_skew
        if behind > 0:
            out += self._write(other, np.zeros(behind, dtype=np.int16))
        return out

    def fill(self, samples: int) -> list[Audio]:
        """Silence on both parties: audio the platform paused or discarded."""
        target = self.head + max(samples, 0)
        return self._level(target)

    def finish(self) -> list[Audio]:
        """Bring both parties to the same length and drain the resamplers."""
        out = self._level(self.head)
        for speaker in SPEAKERS:
            tail = self._resamplers[speaker].flush()
            if len(tail):
                out.append(Audio(speaker, tail))
        return out

    def _level(self, target: int) -> list[Audio]:
        out: list[Audio] = []
        for speaker in SPEAKERS:
            missing = target - self._written[speaker]
            if missing > 0:
                out += self._write(speaker, np.zeros(missing, dtype=np.int16))
        return out

    def _write(self, speaker: Speaker, samples: np.ndarray) -> list[Audio]:
        if not len(samples):
            return []
        self._written[speaker] += len(samples)
        pcm = self._resamplers[speaker].resample(samples)
        return [Audio(speaker, pcm)] if len(pcm) else []
