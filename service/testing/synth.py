"""Synthesize stereo test calls with espeak-ng: one voice per channel, exact timing.

A scenario (YAML or dict) lists turns; each turn is placed relative to the end of
the previous one (``gap`` seconds of silence, negative to overlap) or at an
absolute ``at`` time. espeak-ng's own leading and trailing silence is trimmed
so the gaps are exact, a faint noise floor is added to both channels, and a
label file records where each turn's speech really is and which nudges the
scenario expects. Tests, the demo and the benchmarks build their calls here,
so no audio is ever committed.

Scenario keys (all optional except ``turns``)::

    sample_rate: 16000          # output rate (8000 for telephony-like calls)
    language: en                # espeak-ng voice language, also the label language
    voices: {agent: en-us+m3, customer: en-gb+f3}   # default: espeak.party_voices(language)
    rate_wpm: {agent: 165, customer: 150}
    noise_dbfs: -62             # RMS level of the noise floor, per channel
    lead_s: 0.5                 # silence before the first turn
    tail_s: 1.0                 # silence after the last turn
    agent_channel: left
    turns:
      - {speaker: customer, text: "...", gap: 0.6}
      - {speaker: agent, text: "...", gap: -1.2}   # starts 1.2 s before the previous turn ends
      - {speaker: agent, text: "...", at: 12.0}
    expect: [{kind: interruption}, {kind: dead_air}]
"""

from __future__ import annotations

import json
import wave
from pathlib import Path
from typing import Any

import numpy as np
import soxr
import yaml

from .espeak import SpeechSynthError, party_voices, render

__all__ = ["SynthError", "synthesize_call", "load_scenario", "write_wav"]

_TRIM_DBFS = -50.0  # espeak-ng output below this level counts as its own padding
_DEFAULTS: dict[str, Any] = {
    "sample_rate": 16000,
    "language": "en",
    "noise_dbfs": -62.0,
    "lead_s": 0.5,
    "tail_s": 1.0,
    "agent_channel": "left",
    "seed": 7,
}
_RATE_WPM = {"agent": 165, "customer": 150}
_GAP_S = 0.5  # silence before a turn that gives neither ``gap`` nor ``at``
_PCM16_MAX = 32767.0

# One error type for speech and scenarios; the old name stays for callers.
SynthError = SpeechSynthError


def load_scenario(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _trim(pcm: np.ndarray) -> np.ndarray:
    threshold = 10 ** (_TRIM_DBFS / 20)
    loud = np.flatnonzero(np.abs(pcm) > threshold)
    return pcm[loud[0] : loud[-1] + 1] if loud.size else pcm[:0]


def synthesize_call(scenario: dict, out_wav: str | Path, sample_rate: int | None = None) -> dict:
    """Render ``scenario`` to a stereo 16-bit WAV; returns (and writes beside it) the labels.

    Labels: ``{"duration", "sample_rate", "agent_channel", "language",
    "turns": [{"speaker", "start", "end", "text", "voice"}], "expect": [...]}`` with
    times in seconds of the rendered file and the espeak-ng voice that spoke each turn.
    """
    spec = {**_DEFAULTS, **scenario}
    # a scenario may name one party's voice or speed: the other keeps its default
    voices = {**party_voices(spec["language"]), **spec.get("voices", {})}
    rate_wpm = {**_RATE_WPM, **spec.get("rate_wpm", {})}
    rate = int(sample_rate or spec["sample_rate"])
    turns_spec = spec.get("turns") or []
    if not turns_spec:
        raise SynthError("scenario has no turns")
    rendered: list[tuple[dict, np.ndarray, float]] = []
    cursor = float(spec["lead_s"])
    previous_end = cursor
    for i, turn in enumerate(turns_spec):
        speaker = turn.get("speaker")
        if speaker not in ("agent", "customer"):
            raise SynthError(f"turn {i}: speaker must be 'agent' or 'customer', got {speaker!r}")
        voice = turn.get("voice", voices[speaker])
        pcm, native = render(str(turn["text"]), voice, int(turn.get("rate_wpm", rate_wpm[speaker])))
        pcm = _trim(soxr.resample(pcm, native, rate, quality="HQ"))
        if "at" in turn:
            start = float(turn["at"])
        else:
            start = previous_end + float(turn.get("gap", _GAP_S))
        start = max(0.0, start)
        rendered.append(({**turn, "voice": voice}, pcm, start))
        previous_end = start + pcm.size / rate
        cursor = max(cursor, previous_end)
    total = cursor + float(spec["tail_s"])
    n = int(round(total * rate))
    channels = {"agent": np.zeros(n, dtype=np.float32), "customer": np.zeros(n, dtype=np.float32)}
    labels_turns = []
    for turn, pcm, start in rendered:
        a = int(round(start * rate))
        channels[turn["speaker"]][a : a + pcm.size] += pcm[: max(0, n - a)]
        labels_turns.append(
            {"speaker": turn["speaker"], "start": round(a / rate, 4), "end": round((a + pcm.size) / rate, 4),
             "text": str(turn["text"]), "voice": turn["voice"]}
        )
    rng = np.random.default_rng(int(spec["seed"]))
    noise_rms = 10 ** (float(spec["noise_dbfs"]) / 20)
    for name in channels:
        channels[name] += rng.normal(0.0, noise_rms, n).astype(np.float32)
    left, right = (
        (channels["agent"], channels["customer"])
        if spec["agent_channel"] == "left"
        else (channels["customer"], channels["agent"])
    )
    write_wav(out_wav, np.stack([left, right], axis=1), rate)
    labels = {
        "duration": round(n / rate, 4),
        "sample_rate": rate,
        "agent_channel": spec["agent_channel"],
        "language": spec["language"],
        "turns": labels_turns,
        "expect": spec.get("expect", []),
    }
    Path(out_wav).with_suffix(".labels.json").write_text(json.dumps(labels, indent=2, ensure_ascii=False))
    return labels


def write_wav(path: str | Path, samples: np.ndarray, rate: int) -> None:
    """Write float samples in [-1, 1], shape (n,) or (n, channels), as 16-bit PCM WAV."""
    data = np.clip(samples, -1.0, 1.0)
    pcm = (data * _PCM16_MAX).astype("<i2")
    channels = 1 if pcm.ndim == 1 else pcm.shape[1]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
