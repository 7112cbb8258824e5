"""Stereo calls built from real speech recordings, with realistic turn-taking and no true interruption.

Why: synthetic voices pause and stop like machines, and a turn-taking engine
tuned on them can still fire on real speakers, who start answering in the
other party's last syllable, murmur "mm-hm" while the other talks, and pause to
look something up. Real stereo call recordings that a reviewer marked for
interruptions and dead air could not be licensed, so these calls place real
recordings (tests/data/speech, public domain and CC0; see its
LICENSE-NOTICE.md) on two channels with timing drawn from a fixed seed:

* the gap before each turn: log-normal around ``gap_median_s``, clipped to
  ``gap_range_s``;
* with ``late_start_p``, the next speaker starts during the last
  ``late_start_s`` of the previous turn's speech (a reply over the last
  syllable, which is not talking over);
* with ``lookup_p``, after a customer turn, the agent looks something up in
  silence for ``lookup_s`` (shorter than any dead-air threshold);
* with ``backchannel_p``, in a turn longer than ``backchannel_min_turn_s`` the
  listener says a word-length fragment of real speech (``backchannel_s``);
* telephone-band line noise on each channel at a level drawn from
  ``noise_dbfs``, speech at ``speech_dbfs``, and optionally the 8 kHz G.711
  mu-law round trip of a phone line.

By construction such a call has no interruption and no dead air: that is the
"reviewed: none" ground truth. :func:`plant_overlap` adds the one thing the
engine must catch: ``seconds`` of real agent speech over a customer in the
middle of a sentence.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soxr

from ..core.codecs import pcm16_to_ulaw, ulaw_to_pcm16
from .synth import write_wav

__all__ = ["Clip", "PlantedOverlap", "RealCall", "TurnTaking", "load_clips", "plant_overlap", "realistic_call",
           "write_call"]

RATE = 16000
PHONE_RATE = 8000
_FRAME = RATE * 30 // 1000  # 30 ms, the engine's frame
_SPEECH_BELOW_PEAK_DB = 35.0  # a frame within this of the clip's loudest frames is speech (for trimming)
_FADE_S = 0.01  # edges of a cut fragment, so the cut itself is not a click
_VOICED_BELOW_PEAK_DB = 20.0  # for a planted overlap: a frame within this of the loud frames is speech (JFK's crowd is 30 dB down)
_MAX_PAUSE_S = 0.12  # ... and a stretch with no silence longer than this is one sustained phrase


@dataclass(frozen=True)
class Clip:
    """One real recording, float32 mono 16 kHz, and where its speech starts and ends (seconds)."""

    id: str
    language: str
    audio: np.ndarray
    speech_start: float
    speech_end: float

    @property
    def speech(self) -> np.ndarray:
        """The recording without its leading and trailing silence."""
        return self.audio[int(self.speech_start * RATE) : int(self.speech_end * RATE)]


@dataclass(frozen=True)
class TurnTaking:
    """How the parties take turns (see the module docstring); times in seconds, levels in dBFS."""

    turns: tuple[int, int] = (10, 16)
    gap_median_s: float = 0.45
    gap_range_s: tuple[float, float] = (0.1, 1.5)
    late_start_p: float = 0.15
    late_start_s: tuple[float, float] = (0.1, 0.4)
    lookup_p: float = 0.15
    lookup_s: tuple[float, float] = (2.5, 6.0)
    backchannel_p: float = 0.35
    backchannel_min_turn_s: float = 4.0
    backchannel_s: tuple[float, float] = (0.25, 0.45)
    speech_dbfs: tuple[float, float] = (-26.0, -18.0)
    noise_dbfs: tuple[float, float] = (-62.0, -45.0)
    lead_s: float = 0.5
    tail_s: float = 1.0


@dataclass(frozen=True)
class PlantedOverlap:
    """Agent speech placed over the customer mid-sentence: the one interruption a call holds."""

    start: float
    end: float
    agent_clip: str
    customer_clip: str


@dataclass
class RealCall:
    """Both channels (float32, 16 kHz) and what was placed where."""

    agent: np.ndarray
    customer: np.ndarray
    turns: list[tuple[str, float, float, str]] = field(default_factory=list)  # speaker, start, end, clip id
    backchannels: int = 0
    late_starts: int = 0
    lookups: int = 0
    noise_dbfs: dict[str, float] = field(default_factory=dict)
    planted: PlantedOverlap | None = None

    @property
    def duration(self) -> float:
        return len(self.agent) / RATE


def load_clips(root: str | Path, languages: tuple[str, ...]) -> list[Clip]:
    """The recordings of ``root/<language>/clips.json`` (sorted by id); a language without a folder adds none."""
    import av

    clips = []
    for language in languages:
        index = Path(root) / language / "clips.json"
        if not index.exists():
            continue
        for entry in sorted(json.loads(index.read_text(encoding="utf-8"))["clips"], key=lambda c: c["id"]):
            with av.open(str(index.parent / entry["file"])) as container:
                resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
                parts = [f.to_ndarray().reshape(-1) for frame in container.decode(audio=0)
                         for f in resampler.resample(frame)]
                parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
            audio = np.concatenate(parts).astype(np.float32)
            start, end = _speech_bounds(audio)
            clips.append(Clip(entry["id"], language, audio, start, end))
    return clips


def _frame_db(audio: np.ndarray) -> np.ndarray:
    n = len(audio) // _FRAME
    frames = audio[: n * _FRAME].reshape(n, _FRAME).astype(np.float64)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def _speech_bounds(audio: np.ndarray) -> tuple[float, float]:
    """First and last 30 ms frame within ``_SPEECH_BELOW_PEAK_DB`` of the loud frames, in seconds."""
    db = _frame_db(audio)
    loud = np.flatnonzero(db > np.percentile(db, 95) - _SPEECH_BELOW_PEAK_DB)
    return loud[0] * _FRAME / RATE, (loud[-1] + 1) * _FRAME / RATE


def _fragment(clip: Clip, seconds: float) -> np.ndarray:
    """The first ``seconds`` of the clip's speech (a real word or phrase onset), faded at both edges."""
    return _faded(clip.speech[: int(seconds * RATE)].copy())


def _faded(piece: np.ndarray) -> np.ndarray:
    fade = int(_FADE_S * RATE)
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    piece[:fade] *= ramp
    piece[-fade:] *= ramp[::-1]
    return piece


def _at_level(speech: np.ndarray, dbfs: float) -> np.ndarray:
    """``speech`` scaled so its louder half of frames has RMS ``dbfs`` (pauses do not dilute the level)."""
    db = _frame_db(speech)
    active = db >= np.median(db)
    level = 10 * np.log10(np.mean(10 ** (db[active] / 10)))
    return (speech * 10 ** ((dbfs - level) / 20)).astype(np.float32)


def _line_noise(n: int, dbfs: float, rng: np.random.Generator) -> np.ndarray:
    """Telephone-band (300-3400 Hz) noise with RMS ``dbfs``."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    spectrum[(freqs < 300) | (freqs > 3400)] = 0
    noise = np.fft.irfft(spectrum, n)
    return (noise / (np.std(noise) + 1e-12) * 10 ** (dbfs / 20)).astype(np.float32)


def realistic_call(clips: list[Clip], seed: int, spec: TurnTaking = TurnTaking()) -> RealCall:
    """A call of alternating real turns (agent first) with ``spec``'s timing, drawn from ``seed``.

    Agent and customer take their turns from disjoint halves of ``clips``
    (shuffled by ``seed``), so each channel is one voice set; backchannels
    come from the listener's own half.
    """
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(clips))
    own = {"agent": [clips[i] for i in order[::2]], "customer": [clips[i] for i in order[1::2]]}
    level = {s: rng.uniform(*spec.speech_dbfs) for s in own}
    placed: list[tuple[str, float, np.ndarray, str]] = []  # speaker, start, samples, clip id
    call = RealCall(np.zeros(0, np.float32), np.zeros(0, np.float32))
    cursor = spec.lead_s
    speaker = "agent"
    for _ in range(int(rng.integers(spec.turns[0], spec.turns[1] + 1))):
        clip = own[speaker][int(rng.integers(len(own[speaker])))]
        speech = _at_level(clip.speech, level[speaker])
        placed.append((speaker, cursor, speech, clip.id))
        length = len(speech) / RATE
        call.turns.append((speaker, round(cursor, 3), round(cursor + length, 3), clip.id))
        listener = "customer" if speaker == "agent" else "agent"
        if length > spec.backchannel_min_turn_s and rng.random() < spec.backchannel_p:
            word = own[listener][int(rng.integers(len(own[listener])))]
            fragment = _at_level(_fragment(word, rng.uniform(*spec.backchannel_s)), level[listener] - 6.0)
            placed.append((listener, cursor + rng.uniform(1.0, length - 2.0), fragment, word.id))
            call.backchannels += 1
        end = cursor + length
        if speaker == "customer" and rng.random() < spec.lookup_p:
            cursor = end + rng.uniform(*spec.lookup_s)
            call.lookups += 1
        elif rng.random() < spec.late_start_p:
            cursor = end - rng.uniform(*spec.late_start_s)
            call.late_starts += 1
        else:
            cursor = end + float(np.clip(rng.lognormal(np.log(spec.gap_median_s), 0.5), *spec.gap_range_s))
        speaker = listener
    n = int((max(start + len(x) / RATE for _, start, x, _ in placed) + spec.tail_s) * RATE)
    channels = {s: np.zeros(n, np.float32) for s in own}
    for who, start, samples, _ in placed:
        a = int(start * RATE)
        channels[who][a : a + len(samples)] += samples
    for who in channels:
        call.noise_dbfs[who] = round(float(rng.uniform(*spec.noise_dbfs)), 1)
        channels[who] += _line_noise(n, call.noise_dbfs[who], rng)
    call.agent, call.customer = channels["agent"], channels["customer"]
    return call


def plant_overlap(call: RealCall, clips: list[Clip], seed: int, seconds: float = 1.0) -> RealCall:
    """A copy of ``call`` with ``seconds`` of real agent speech over a customer turn, mid-sentence.

    Mid-sentence: the customer has spoken at least 1 s of the turn, keeps
    talking without a pause (``_MAX_PAUSE_S``) from 0.2 s before the planted
    start to 0.2 s after its end, and has more to say after it; no other agent
    speech is in that turn's middle (no backchannel). The agent's speech is
    ``seconds`` of one of the agent's clips that start after a pause and hold
    no pause either: a real sustained onset, not a murmur.
    """
    rng = np.random.default_rng(seed)
    by_id = {c.id: c for c in clips}
    spots = []  # (call time, customer clip id)
    for who, start, end, clip_id in call.turns:
        if who != "customer" or not _quiet(call.agent, start + 0.5, end - 1.0, call.noise_dbfs["agent"]):
            continue
        clip = by_id[clip_id]
        spots += [(start + offset, clip_id) for offset in _sustained(clip.speech, seconds + 0.4, onset=False)
                  if 1.0 <= offset and offset + seconds + 1.0 <= end - start]
    agent_ids = sorted({clip_id for who, _, _, clip_id in call.turns if who == "agent"})
    onsets = [(by_id[i], offset) for i in agent_ids for offset in _sustained(by_id[i].speech, seconds, onset=True)]
    if not spots or not onsets:
        raise ValueError("no customer turn with a sustained stretch free of agent speech, or no sustained agent onset")
    at, customer_id = spots[int(rng.integers(len(spots)))]
    at += 0.2
    donor, offset = onsets[int(rng.integers(len(onsets)))]
    fragment = _faded(donor.speech[int(offset * RATE) : int((offset + seconds) * RATE)].copy())
    agent = call.agent.copy()
    a = int(at * RATE)
    agent[a : a + len(fragment)] += _at_level(fragment, _agent_level(call))
    planted = PlantedOverlap(round(at, 3), round(at + seconds, 3), donor.id, customer_id)
    return dataclasses.replace(call, agent=agent, planted=planted)


def _sustained(speech: np.ndarray, seconds: float, *, onset: bool) -> list[float]:
    """Offsets (seconds, on the 30 ms grid) where ``seconds`` of ``speech`` hold no pause longer than ``_MAX_PAUSE_S``.

    ``onset``: only offsets where speech starts after a pause. Speech frames
    are those within ``_VOICED_BELOW_PEAK_DB`` of the clip's loud frames.
    """
    db = _frame_db(speech)
    voiced = db > np.percentile(db, 95) - _VOICED_BELOW_PEAK_DB
    need, max_pause = int(round(seconds * RATE / _FRAME)), int(round(_MAX_PAUSE_S * RATE / _FRAME))
    out = []
    for k in range(len(voiced) - need + 1):
        window = voiced[k : k + need]
        if not (window[0] and window[-1]) or (onset and (k < 3 or voiced[k - 3 : k].any())):
            continue
        silent_runs = np.diff(np.flatnonzero(np.r_[True, window, True])) - 1
        if silent_runs.max() <= max_pause:
            out.append(k * _FRAME / RATE)
    return out


def _quiet(channel: np.ndarray, start: float, end: float, noise_dbfs: float) -> bool:
    """True when ``channel`` holds nothing louder than its line noise (+10 dB) from ``start`` to ``end``."""
    span = channel[int(start * RATE) : int(end * RATE)]
    return bool(span.size) and float(_frame_db(span).max()) < noise_dbfs + 10.0


def _agent_level(call: RealCall) -> float:
    """The agent's speech level in this call (the louder half of the agent's turns' frames)."""
    parts = [call.agent[int(s * RATE) : int(e * RATE)] for who, s, e, _ in call.turns if who == "agent"]
    db = _frame_db(np.concatenate(parts))
    active = db >= np.median(db)
    return float(10 * np.log10(np.mean(10 ** (db[active] / 10))))


def write_call(call: RealCall, path: str | Path, *, telephone: bool = False) -> Path:
    """Write the call as a stereo 16-bit WAV, agent left; ``telephone``: 8 kHz after a G.711 mu-law round trip."""
    stereo = np.stack([call.agent, call.customer], axis=1)
    rate = RATE
    if telephone:
        narrow = soxr.resample(stereo, RATE, PHONE_RATE)
        pcm = np.clip(np.round(narrow * 32768), -32768, 32767).astype(np.int16)
        stereo = ulaw_to_pcm16(pcm16_to_ulaw(pcm.reshape(-1))).reshape(pcm.shape).astype(np.float32) / 32768
        rate = PHONE_RATE
    write_wav(path, stereo, rate)
    return Path(path)
