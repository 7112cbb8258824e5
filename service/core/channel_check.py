"""Input reality checks on a two-channel call: the same audio on both channels, a channel silent throughout.

Why: callcoach tells the parties apart by channel. A mixed (mono) recording
exported as stereo carries the same audio on both channels, and analysing it
as two parties gives a confident, wrong report (every line twice, the whole
call "overtalk", a talk ratio of exactly 0.5). A stereo call with one channel
silent for the whole call usually means one leg was never recorded.

The check is pure: aligned windows of both channels go in (its clock is the
samples consumed), a :class:`ChannelVerdict` comes out. Each window where
both channels are above the energy floor is scored by a gain-aware
correlation, the best over lags up to ``max_delay_ms``::

    similarity = max over lag of  2 * sum(a[n] * b[n + lag]) / (sum(a^2) + sum(b^2))

It is 1 for identical channels, stays near 1 for a few milliseconds of delay,
a small gain difference or codec noise, and is near 0 for two independent
talkers. Unlike plain normalised correlation it also falls with the level
difference (``2g / (1 + g^2)`` for a gain ratio ``g``): agent leakage into the
customer leg at -20 dB, a perfect but faint copy, scores about 0.2, not 1.
The call is judged "same content" once ``min_voiced_s`` of such windows have
been scored and their median reaches ``threshold``; until then, and for every
call that never gets there, nothing is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import between, positive, require, typed
from .events import SPEAKERS, Speaker
from .vad import frame_rms_dbfs

__all__ = ["ChannelCheck", "ChannelCheckSettings", "ChannelVerdict", "similarity"]


@dataclass(frozen=True, slots=True)
class ChannelCheckSettings:
    """``[channels]`` (config/default.toml), plus the speech energy floor of ``[vad]``."""

    threshold: float
    min_voiced_s: float
    window_s: float
    max_delay_ms: float
    sample_rate: int
    energy_floor_dbfs: float

    @classmethod
    def from_config(cls, config: dict) -> "ChannelCheckSettings":
        settings = typed(cls, config["channels"], "channels", sample_rate=int(config["audio"]["sample_rate"]),
                         energy_floor_dbfs=float(config["vad"]["energy_floor_dbfs"]))
        between(settings, "channels", 0.0, 1.0, "threshold")
        positive(settings, "channels", "min_voiced_s", "window_s")
        require(0.0 <= settings.max_delay_ms < settings.window_s * 1000.0 / 2, "channels.max_delay_ms",
                f"must be >= 0 and under half of channels.window_s ({settings.window_s * 500:g} ms), "
                f"not {settings.max_delay_ms!r}")
        return settings

    @property
    def window_samples(self) -> int:
        return max(1, round(self.window_s * self.sample_rate))

    @property
    def max_lag(self) -> int:
        return round(self.max_delay_ms * self.sample_rate / 1000.0)


@dataclass(frozen=True, slots=True)
class ChannelVerdict:
    """What the check found so far; :meth:`to_dict` is the report's ``channels`` object.

    ``similarity`` is the median over the scored windows (None before any);
    ``judged_s`` the audio they cover; ``same_content`` whether the call was
    judged to carry one audio on both channels; ``silent`` the parties whose
    channel never rose above the energy floor while the other's did.
    """

    similarity: float | None
    judged_s: float
    same_content: bool
    silent: tuple[Speaker, ...]

    def describe(self) -> str:
        """The same-content finding in one sentence, for error messages and the report."""
        shown = f"{self.similarity:.2f}" if self.similarity is not None else "n/a"
        return (f"both channels carry the same audio (similarity {shown} over {self.judged_s:.1f} s "
                "of sound on both): a mixed recording saved as two channels, so agent and customer "
                "cannot be told apart")

    def warnings(self) -> list[dict[str, str]]:
        """The report's ``warnings`` entries for this finding (empty when the channels look right)."""
        found = [{"kind": "same_content", "message": f"{self.describe()}; the call was not coached past "
                  "that point: send or record each party on its own channel"}] if self.same_content else []
        return found + [{"kind": "silent_channel", "party": party,
                         "message": f"the {party} channel stayed silent for the whole call: that leg was "
                                    "not recorded or the channels are mapped wrongly, so this report "
                                    f"has nothing of the {party}"} for party in self.silent]

    def to_dict(self) -> dict:
        similarity = round(self.similarity, 3) if self.similarity is not None else None
        return {"similarity": similarity, "judged_s": round(self.judged_s, 3), "same_content": self.same_content,
                "silent": list(self.silent)}


class ChannelCheck:
    """Feed both parties' audio (any chunk sizes), read :attr:`verdict` whenever wanted.

    Call :meth:`receive` with int16 mono samples at the engine rate, as the
    session gets them; windows are scored once both channels have covered
    them. Scoring stops once the call is judged the same content.
    """

    def __init__(self, settings: ChannelCheckSettings) -> None:
        self.settings = settings
        self._window = settings.window_samples
        self._pending: dict[Speaker, list[np.ndarray]] = {s: [] for s in SPEAKERS}
        self._held: dict[Speaker, int] = {s: 0 for s in SPEAKERS}
        self._heard: dict[Speaker, bool] = {s: False for s in SPEAKERS}
        self._scores: list[float] = []
        self.same_content = False  # final once true: scoring stops
        self.received = False  # any audio at all (a transcript replay feeds none)

    def receive(self, speaker: Speaker, pcm: np.ndarray) -> None:
        """Add int16 samples of one party; scores every window both channels now cover."""
        if pcm.size:
            self.received = True
            self._pending[speaker].append(np.asarray(pcm, dtype=np.int16))
            self._held[speaker] += pcm.size
        while all(self._held[s] >= self._window for s in SPEAKERS):
            self._score(*(self._take(s) for s in SPEAKERS))

    @property
    def verdict(self) -> ChannelVerdict:
        heard = [s for s in SPEAKERS if self._heard[s]]
        silent = tuple(s for s in SPEAKERS if not self._heard[s]) if heard else ()
        median = float(np.median(self._scores)) if self._scores else None
        return ChannelVerdict(median, len(self._scores) * self.settings.window_s, self.same_content, silent)

    def _take(self, speaker: Speaker) -> np.ndarray:
        block = np.concatenate(self._pending[speaker]) if len(self._pending[speaker]) > 1 else self._pending[speaker][0]
        rest = block[self._window:]
        self._pending[speaker] = [rest] if rest.size else []
        self._held[speaker] = rest.size
        return block[:self._window]

    def _score(self, agent: np.ndarray, customer: np.ndarray) -> None:
        levels = frame_rms_dbfs(np.stack((agent, customer)))
        loud = levels >= self.settings.energy_floor_dbfs
        for speaker, is_loud in zip(SPEAKERS, loud):
            self._heard[speaker] = self._heard[speaker] or bool(is_loud)
        if self.same_content or not loud.all():
            return
        self._scores.append(similarity(agent, customer, self.settings.max_lag))
        judged_s = len(self._scores) * self.settings.window_s
        if judged_s >= self.settings.min_voiced_s and float(np.median(self._scores)) >= self.settings.threshold:
            self.same_content = True


def similarity(a: np.ndarray, b: np.ndarray, max_lag: int) -> float:
    """Gain-aware correlation of two equal-length windows, the best over lags ``-max_lag..max_lag`` samples.

    See the module docstring: 1 for identical windows, ``2g / (1 + g^2)`` for
    one a copy of the other at gain ``g``, near 0 for unrelated audio.
    """
    x, y = a.astype(np.float64), b.astype(np.float64)
    energy = float(np.dot(x, x) + np.dot(y, y))
    if energy == 0.0:
        return 0.0
    size = 1 << int(np.ceil(np.log2(2 * x.size)))
    cross = np.fft.irfft(np.fft.rfft(x, size) * np.conj(np.fft.rfft(y, size)), size)
    lags = np.concatenate((cross[:max_lag + 1], cross[size - max_lag:] if max_lag else cross[:0]))
    return float(2.0 * lags.max() / energy)
