"""Two-party calls where the customer starts calm and later raises their voice: the raised side of voice distress.

Why: the voice-distress tracker (:mod:`service.core.voice`) compares the
customer with their own calm voice earlier in the same call, so its test calls
need one speaker's calm takes first and that *same speaker's* raised takes
later, with an agent answering in between. The clips come from the caller:
real acted neutral and angry takes of one actor (an emotional-speech corpus),
or real calm speech and a transformed copy of it (:func:`sox_raised`: louder
and higher, labelled as a transform wherever it is used).

The customer's clips keep their levels relative to each other (one gain for
the whole channel, set on the calm takes): a louder take stays louder.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

import numpy as np

from .real_calls import RATE, _at_level, _frame_db, _line_noise, _speech_bounds

__all__ = ["VoiceCall", "voice_call", "sox_raised"]


@dataclass(frozen=True)
class VoiceCall:
    """Both channels (float32, 16 kHz), where the customer's raised takes begin, and the customer's turns."""

    agent: np.ndarray
    customer: np.ndarray
    raised_from: float | None  # call time of the first raised take (None: a calm call)
    turns: tuple[tuple[float, float, bool], ...]  # customer turns: start, end, raised


def voice_call(agent_clips: list[np.ndarray], calm: list[np.ndarray], raised: list[np.ndarray], seed: int, *,
               customer_dbfs: float = -22.0, agent_dbfs: float = -22.0, noise_dbfs: float = -55.0) -> VoiceCall:
    """Alternate agent and customer turns (agent first); the customer says ``calm`` then ``raised`` in order.

    Gaps between turns are drawn from ``seed`` (0.3-1.0 s). The customer's
    channel gets one gain, which puts the calm takes' speech at ``customer_dbfs``.
    """
    rng = np.random.default_rng(seed)
    speech = np.concatenate([_trimmed(c) for c in calm])
    gain = 10 ** ((customer_dbfs - _level(speech)) / 20)
    takes = [(_trimmed(c) * gain, False) for c in calm] + [(_trimmed(r) * gain, True) for r in raised]
    placed: list[tuple[str, float, np.ndarray]] = []
    turns = []
    cursor, raised_from = 0.5, None
    for k, (take, is_raised) in enumerate(takes):
        reply = _at_level(_trimmed(agent_clips[k % len(agent_clips)]), agent_dbfs)
        placed.append(("agent", cursor, reply))
        cursor += len(reply) / RATE + rng.uniform(0.3, 1.0)
        placed.append(("customer", cursor, take))
        turns.append((round(cursor, 3), round(cursor + len(take) / RATE, 3), is_raised))
        if is_raised and raised_from is None:
            raised_from = cursor
        cursor += len(take) / RATE + rng.uniform(0.3, 1.0)
    n = int((cursor + 1.0) * RATE)
    channels = {"agent": np.zeros(n, np.float32), "customer": np.zeros(n, np.float32)}
    for who, start, samples in placed:
        a = int(start * RATE)
        channels[who][a : a + len(samples)] += samples.astype(np.float32)
    for who in channels:
        channels[who] += _line_noise(n, noise_dbfs, rng)
    return VoiceCall(channels["agent"], channels["customer"], raised_from, tuple(turns))


def sox_raised(audio: np.ndarray, gain_db: float = 8.0, semitones: float = 4.0) -> np.ndarray:
    """A TRANSFORM of real speech: ``gain_db`` louder and ``semitones`` higher (sox ``gain`` and ``pitch``), same tempo.

    Not real raised speech: a raised voice also changes timbre and rhythm.
    It stands in where no licensable recording of the same speaker raised is
    at hand, and says so wherever it is used.
    """
    raw = np.clip(audio * 32768, -32768, 32767).astype("<i2").tobytes()
    fmt = ["-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16", "-c", "1"]
    out = subprocess.run(["sox", *fmt, "-", *fmt, "-", "gain", str(gain_db), "pitch", str(semitones * 100)],
                         input=raw, capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<i2").astype(np.float32) / 32768


def _trimmed(audio: np.ndarray) -> np.ndarray:
    """The clip without its leading and trailing silence."""
    start, end = _speech_bounds(audio)
    return audio[int(start * RATE) : int(end * RATE)]


def _level(speech: np.ndarray) -> float:
    db = _frame_db(speech)
    active = db >= np.median(db)
    return float(10 * np.log10(np.mean(10 ** (db[active] / 10))))
