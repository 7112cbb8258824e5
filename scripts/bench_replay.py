#!/usr/bin/env python3
"""Replay speed of the timing engine (VAD + turn-taking dynamics) on one core.

Synthesizes a ~1-minute two-party call with espeak-ng, tiles it to the target
length (10 minutes by default), pins the process to one CPU core and prints:

* ``replay_speed_x``: audio seconds per wall second of the whole replay path
  (decode, resample, VAD, dynamics, report) with transcription off;
* ``vad_only_speed_x``: the baseline measured in the same run, webrtcvad alone
  on every frame of both channels;
* ``engine_overhead_ratio``: how much slower the full path is than bare VAD.

Medians over ``--repeat`` runs. Usage: ``python scripts/bench_replay.py [--minutes 10]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
import webrtcvad

from service.config import load_config
from service.replay.recording import replay_recording
from service.testing.synth import synthesize_call, write_wav

SCENARIO = {
    "turns": [
        {"speaker": "agent", "text": "Thank you for calling, this is Sam, how can I help you today?"},
        {"speaker": "customer", "text": "Hello, my internet has been down since yesterday and I work from home.", "gap": 0.6},
        {"speaker": "agent", "text": "I am sorry to hear that, let me check the line for you.", "gap": -1.2},
        {"speaker": "customer", "text": "Thank you, it keeps dropping every few minutes.", "gap": 0.8},
        {"speaker": "agent", "text": "I can see a fault in your area, an engineer is working on it.", "gap": 6.0},
        {"speaker": "customer", "text": "When will it be fixed?", "gap": 0.5},
        {"speaker": "agent", "text": "It should be back by five o'clock today, I will send you a text.", "gap": 0.7},
        {"speaker": "customer", "text": "Great, thanks for your help.", "gap": 0.6},
    ]
}


def build_call(folder: Path, minutes: float) -> Path:
    piece = folder / "piece.wav"
    synthesize_call(SCENARIO, piece)
    with wave.open(str(piece)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
    reps = max(1, int(np.ceil(minutes * 60 * rate / pcm.shape[0])))
    tiled = np.tile(pcm, (reps, 1))[: int(minutes * 60 * rate)]
    out = folder / "long_call.wav"
    write_wav(out, tiled.astype(np.float32) / 32768.0, rate)
    return out


def vad_only(path: Path, config: dict) -> float:
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
    vad = webrtcvad.Vad(int(config["vad"]["aggressiveness"]))
    n = rate * int(config["vad"]["frame_ms"]) // 1000
    started = time.perf_counter()
    for channel in (0, 1):
        data = np.ascontiguousarray(pcm[:, channel])
        for i in range(0, data.size - n + 1, n):
            vad.is_speech(data[i : i + n].tobytes(), rate)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    config = load_config(overrides={"asr": {"engine": "none"}})
    with tempfile.TemporaryDirectory() as tmp:
        call = build_call(Path(tmp), args.minutes)
        audio_s = args.minutes * 60
        full, base = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = replay_recording(call, config)
            full.append(time.perf_counter() - started)
            base.append(vad_only(call, config))
    full_x, base_x = audio_s / statistics.median(full), audio_s / statistics.median(base)
    print(f"call_minutes {args.minutes:.1f}")
    print(f"nudges {len(report['nudges'])} interruptions_by_agent {report['metrics']['interruptions_by_agent']}")
    print(f"replay_wall_s_median {statistics.median(full):.3f}")
    print(f"replay_speed_x {full_x:.0f}")
    print(f"vad_only_speed_x {base_x:.0f}")
    print(f"engine_overhead_ratio {base_x / full_x:.2f}")


if __name__ == "__main__":
    main()
