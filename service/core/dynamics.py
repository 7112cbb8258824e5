"""Turn-taking dynamics: interruptions, dead air and the talk metrics.

Fed once per frame, after both channels' :class:`~service.core.vad.TurnTracker`
have taken that frame, so every decision uses only audio already received
(never a look-ahead) and lands within one frame of the moment its condition
became true. All bookkeeping is in frame indexes; seconds appear only at the
edges, which keeps comparisons exact.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

from ..config import positive, typed
from .events import SPEAKERS, DeadAir, HoldAnnounced, Interruption, Speaker, SpeechSegment, other_speaker
from .vad import SegmentClosed, SegmentOpened, TurnTracker

__all__ = ["DynamicsSettings", "TurnDynamics", "TalkMetrics", "talk_metrics"]


@dataclass(frozen=True, slots=True)
class DynamicsSettings:
    """Thresholds of the turn-taking nudges (``[dynamics]`` in config/default.toml)."""

    min_overlap_s: float
    dead_air_s: float
    dead_air_after_agent_s: float
    short_hold_dead_air_s: float
    hold_dead_air_s: float

    @classmethod
    def from_config(cls, config: dict) -> "DynamicsSettings":
        settings = typed(cls, config["dynamics"], "dynamics")
        # a threshold of zero would turn every overlap into an interruption and every pause into dead air
        positive(settings, "dynamics", *(f.name for f in fields(cls)))
        return settings


def _frames_for(seconds: float, frame_s: float) -> int:
    """Whole frames needed to cover ``seconds`` (rounded to absorb float noise)."""
    return max(1, math.ceil(round(seconds / frame_s, 6)))


@dataclass(slots=True)
class _Segments:
    """Closed speech segments of one channel, in frame indexes."""

    closed: list[tuple[int, int]] = field(default_factory=list)


class TurnDynamics:
    """Interruption and dead-air detection for a two-party call.

    Call :meth:`step` for every frame with the boundary events the trackers
    returned for it; it returns the :class:`Interruption` and :class:`DeadAir`
    events that frame confirmed. Metrics are derived from the segments on
    demand (:meth:`segments`, :func:`talk_metrics`).
    """

    def __init__(self, settings: DynamicsSettings, frame_s: float) -> None:
        self.frame_s = frame_s
        self._min_overlap = _frames_for(settings.min_overlap_s, frame_s)
        self._dead_air = _frames_for(settings.dead_air_s, frame_s)
        self._dead_air_after_agent = _frames_for(settings.dead_air_after_agent_s, frame_s)
        self._short_hold = _frames_for(settings.short_hold_dead_air_s, frame_s)
        self._long_hold = _frames_for(settings.hold_dead_air_s, frame_s)
        self._segments: dict[Speaker, _Segments] = {s: _Segments() for s in SPEAKERS}
        self._candidates: dict[Speaker, int] = {}  # speaker -> start frame of an overlap that may become an interruption
        self._interruptions: dict[Speaker, int] = {s: 0 for s in SPEAKERS}
        self._speech_seen = False
        self._dead_air_gaps: set[int] = set()  # silence start frames of gaps that raised dead air
        self._hold: HoldAnnounced | None = None  # the hold announcement in force
        self._closing = False  # the parties are saying goodbye: no timing nudges
        self._frames = 0

    # -- feeding ---------------------------------------------------------------------

    def step(
        self,
        k: int,
        trackers: dict[Speaker, TurnTracker],
        boundaries: dict[Speaker, SegmentOpened | SegmentClosed | None],
    ) -> list[Interruption | DeadAir]:
        """Account for frame ``k`` (0-based); returns the events it confirms."""
        self._frames = k + 1
        for speaker in SPEAKERS:
            boundary = boundaries[speaker]
            if isinstance(boundary, SegmentClosed):
                self._segments[speaker].closed.append((boundary.start_frame, boundary.end_frame))
            elif isinstance(boundary, SegmentOpened):
                self._on_opened(speaker, boundary, trackers)
        out: list[Interruption | DeadAir] = []
        out.extend(self._check_overlaps(k, trackers))
        dead_air = self._check_silence(k, trackers)
        if dead_air is not None:
            out.append(dead_air)
        return out

    def announce_hold(self, hold: HoldAnnounced) -> None:
        """``hold.by`` announced a hold at ``hold.t``: the next silence gets the hold allowance.

        The hold lasts until ``hold.by`` speaks again after the announcement.
        """
        self._hold = hold

    def announce_closing(self) -> None:
        """The call is closing: overlapping goodbyes are no interruption, the silence after them no dead air."""
        self._closing = True
        self._candidates.clear()

    def resume(self) -> None:
        """The conversation went on after a closing."""
        self._closing = False

    def close(self, trackers: dict[Speaker, TurnTracker]) -> None:
        """End of call: close open segments so metrics include them."""
        for speaker in SPEAKERS:
            boundary = trackers[speaker].close()
            if boundary is not None:
                self._segments[speaker].closed.append((boundary.start_frame, boundary.end_frame))
        self._candidates.clear()

    # -- reading ---------------------------------------------------------------------

    @property
    def interruptions(self) -> dict[Speaker, int]:
        return dict(self._interruptions)

    def segments(self, speaker: Speaker, trackers: dict[Speaker, TurnTracker] | None = None) -> list[SpeechSegment]:
        """Closed segments of ``speaker`` (plus the open one, clipped at now, when trackers are given)."""
        spans = list(self._segments[speaker].closed)
        if trackers is not None and trackers[speaker].active:
            spans.append((trackers[speaker].segment_start_frame, trackers[speaker].last_voiced_end_frame))
        fs = self.frame_s
        return [SpeechSegment(speaker, a * fs, b * fs) for a, b in spans]

    def silence_s(self, trackers: dict[Speaker, TurnTracker]) -> float:
        """How long both parties have been silent now (0 while anyone talks or before the first word)."""
        if not self._speech_seen or any(t.active for t in trackers.values()):
            return 0.0
        return (self._frames - max(t.last_voiced_end_frame for t in trackers.values())) * self.frame_s

    def dead_air_gap_starts(self) -> set[float]:
        return {g * self.frame_s for g in self._dead_air_gaps}

    # -- internals -------------------------------------------------------------------

    def _on_opened(self, speaker: Speaker, opened: SegmentOpened, trackers: dict[Speaker, TurnTracker]) -> None:
        self._speech_seen = True
        if self._hold is not None and speaker == self._hold.by and opened.start_frame * self.frame_s >= self._hold.t:
            self._hold = None
        other = trackers[other_speaker(speaker)]
        if not self._closing and other.active and other.segment_start_frame < opened.start_frame:
            self._candidates[speaker] = opened.start_frame

    def _check_overlaps(self, k: int, trackers: dict[Speaker, TurnTracker]) -> list[Interruption]:
        """Confirm overlaps measured on speech, not on the hang-over.

        An overlap counts only while *both* parties keep producing voiced
        frames after the newcomer's first one: it grows to the earlier of the
        two last voiced frames. A reply started in the other party's last
        syllables, or a segment kept open only by the voice-activity
        hang-over, never reaches the threshold.
        """
        out = []
        for speaker, start in list(self._candidates.items()):
            mine, theirs = trackers[speaker], trackers[other_speaker(speaker)]
            if not (mine.active and theirs.active):
                del self._candidates[speaker]
            elif min(mine.last_voiced_end_frame, theirs.last_voiced_end_frame) - start >= self._min_overlap:
                del self._candidates[speaker]
                self._interruptions[speaker] += 1
                out.append(Interruption(t=(k + 1) * self.frame_s, by=speaker, overlap_start=start * self.frame_s))
        return out

    def _threshold(self, trackers: dict[Speaker, TurnTracker]) -> int:
        """Frames of silence before dead air, by who owes the next word.

        After an announced hold, its allowance. Otherwise, when the customer
        spoke last the agent owes the answer (the short threshold, beyond
        silent typing); when the agent spoke last the customer is usually
        answering or looking something up, so the line is given longer.
        """
        if self._hold is not None:
            return self._long_hold if self._hold.long else self._short_hold
        agent_last = trackers["agent"].last_voiced_end_frame >= trackers["customer"].last_voiced_end_frame
        return self._dead_air_after_agent if agent_last else self._dead_air

    def _check_silence(self, k: int, trackers: dict[Speaker, TurnTracker]) -> DeadAir | None:
        if self._closing or not self._speech_seen or any(t.active for t in trackers.values()):
            return None
        gap_start = max(t.last_voiced_end_frame for t in trackers.values())
        if gap_start in self._dead_air_gaps or k + 1 - gap_start < self._threshold(trackers):
            return None
        self._dead_air_gaps.add(gap_start)
        return DeadAir(t=(k + 1) * self.frame_s, silence_start=gap_start * self.frame_s, after_hold=self._hold is not None)


@dataclass(frozen=True, slots=True)
class TalkMetrics:
    agent_talk_s: float
    customer_talk_s: float
    talk_ratio_agent: float
    interruptions_by_agent: int
    interruptions_by_customer: int
    overtalk_s: float
    longest_silence_s: float
    dead_air_s: float

    def to_dict(self) -> dict:
        return {name: (round(v, 3) if isinstance(v, float) else v) for name, v in asdict(self).items()}


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _intersection_s(xs: list[tuple[float, float]], ys: list[tuple[float, float]]) -> float:
    total, i, j = 0.0, 0, 0
    while i < len(xs) and j < len(ys):
        lo, hi = max(xs[i][0], ys[j][0]), min(xs[i][1], ys[j][1])
        total += max(0.0, hi - lo)
        if xs[i][1] < ys[j][1]:
            i += 1
        else:
            j += 1
    return total


def talk_metrics(
    agent: list[SpeechSegment],
    customer: list[SpeechSegment],
    interruptions: dict[Speaker, int],
    dead_air_gap_starts: set[float],
    call_end: float,
) -> TalkMetrics:
    """Talk metrics of the report contract, from the segments seen so far.

    Silences are the gaps in the union of both parties' speech from the first
    word to ``call_end`` (a trailing silence counts: live, the engine cannot
    know the call is about to end). ``dead_air_s`` sums the silences that
    raised dead air, whole.
    """
    a = _union([(s.start, s.end) for s in agent])
    c = _union([(s.start, s.end) for s in customer])
    agent_s = sum(e - s for s, e in a)
    customer_s = sum(e - s for s, e in c)
    both = _union(a + c)
    gaps = [(both[i][1], both[i + 1][0]) for i in range(len(both) - 1)]
    if both and call_end > both[-1][1]:
        gaps.append((both[-1][1], call_end))
    eps = 1e-6
    dead_air = sum(e - s for s, e in gaps if any(abs(s - g) < eps for g in dead_air_gap_starts))
    total = agent_s + customer_s
    return TalkMetrics(
        agent_talk_s=agent_s,
        customer_talk_s=customer_s,
        talk_ratio_agent=agent_s / total if total else 0.0,
        interruptions_by_agent=interruptions["agent"],
        interruptions_by_customer=interruptions["customer"],
        overtalk_s=_intersection_s(a, c),
        longest_silence_s=max((e - s for s, e in gaps), default=0.0),
        dead_air_s=dead_air,
    )
