#!/usr/bin/env python3
"""The channel check's margin and cost: two-party calls never look like one mix, mixed calls always do.

Usage: python scripts/bench_channel_check.py [--calls 12] [--seed 40] [--languages en,lv,el]

Two-party material: ``--calls`` stereo calls of real speech (tests/data/speech,
public domain and CC0) with realistic turn-taking, backchannels and line noise
(:mod:`service.testing.real_calls`), each as recorded (16 kHz) and through an
8 kHz G.711 mu-law line, and each again with the agent leaking into the
customer leg (echo, crosstalk) at -30, -20 and -10 dB, 3 ms late; plus the
espeak-ng scenario calls of tests/data/scenarios. Duplicated material: each
real call mixed to one track and put on both channels, as is, through the
mu-law line, with one channel 3 dB quieter, and with one channel 5 ms late.

Every call is fed to :class:`~service.core.channel_check.ChannelCheck` in
20 ms chunks with the shipped settings except ``min_voiced_s`` (never reached
here, so the whole call is scored): the printed similarity is the median over
all windows with sound on both channels, the figure the shipped check compares
with ``channels.threshold`` after ``channels.min_voiced_s``. Prints, per group,
the calls, the lowest and highest similarity and how many the shipped check
would refuse; then the margin (highest two-party vs lowest duplicated) and
the check's cost against the call engine's own frame loop (VAD and turn-taking,
a :class:`~service.core.CallSession` without rules) on the same audio, timed in
the same run (median of 3).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.config import load_config  # noqa: E402
from service.core import CallSession, ChannelConverter, SessionSettings  # noqa: E402
from service.core.channel_check import ChannelCheck, ChannelCheckSettings  # noqa: E402
from service.core.codecs import pcm16_to_ulaw, round_to_pcm16, ulaw_to_pcm16  # noqa: E402
from service.testing.clients import load_stereo  # noqa: E402
from service.testing.real_calls import load_clips, realistic_call  # noqa: E402
from service.testing.synth import load_scenario, synthesize_call  # noqa: E402

RATE = 16000
CHUNK = RATE // 50  # 20 ms, a telephony frame
SPEECH = ROOT / "tests" / "data" / "speech"
SCENARIOS = ROOT / "tests" / "data" / "scenarios"
LEAKS_DB = (-30.0, -20.0, -10.0)
LEAK_DELAY = int(0.003 * RATE)


def pcm(x: np.ndarray) -> np.ndarray:
    return round_to_pcm16(np.asarray(x, np.float64) * 32768.0)


def phone_line(x: np.ndarray) -> np.ndarray:
    """int16 16 kHz audio through an 8 kHz mu-law leg and back, as a replay of a telephone recording hears it."""
    down = ChannelConverter("pcm16", RATE, 8000, "HQ")
    narrow = ulaw_to_pcm16(pcm16_to_ulaw(np.concatenate((down.resample(x), down.flush()))))
    up = ChannelConverter("pcm16", 8000, RATE, "HQ")
    return np.concatenate((up.resample(narrow), up.flush()))[:x.size]


def late(x: np.ndarray, samples: int) -> np.ndarray:
    return np.concatenate((np.zeros(samples, x.dtype), x[:-samples]))


def score(settings: ChannelCheckSettings, agent: np.ndarray, customer: np.ndarray) -> float:
    check = ChannelCheck(settings)
    for i in range(0, agent.size, CHUNK):
        check.receive("agent", agent[i:i + CHUNK])
        check.receive("customer", customer[i:i + CHUNK])
    return check.verdict.similarity if check.verdict.similarity is not None else 0.0


def materials(args) -> tuple[dict[str, list], dict[str, list]]:
    """(two-party groups, duplicated groups): name -> list of (agent, customer) int16 pairs at 16 kHz."""
    clips = load_clips(SPEECH, tuple(args.languages.split(",")))
    two: dict[str, list] = {"real, as recorded": [], "real, 8 kHz mu-law": []}
    two.update({f"real, agent leak {db:g} dB": [] for db in LEAKS_DB})
    dup: dict[str, list] = {"mixed, as is": [], "mixed, 8 kHz mu-law": [], "mixed, one side -3 dB": [],
                            "mixed, one side 5 ms late": []}
    for k in range(args.calls):
        call = realistic_call(clips, seed=args.seed + k)
        agent, customer = pcm(call.agent), pcm(call.customer)
        two["real, as recorded"].append((agent, customer))
        two["real, 8 kHz mu-law"].append((phone_line(agent), phone_line(customer)))
        for db in LEAKS_DB:
            leaked = pcm(call.customer + late(call.agent, LEAK_DELAY) * 10 ** (db / 20))
            two[f"real, agent leak {db:g} dB"].append((agent, leaked))
        mixed = pcm(call.agent + call.customer)
        dup["mixed, as is"].append((mixed, mixed))
        coded = phone_line(mixed)
        dup["mixed, 8 kHz mu-law"].append((coded, coded))
        dup["mixed, one side -3 dB"].append((mixed, pcm((call.agent + call.customer) * 10 ** (-3 / 20))))
        dup["mixed, one side 5 ms late"].append((mixed, late(mixed, int(0.005 * RATE))))
    with tempfile.TemporaryDirectory() as tmp:
        two["espeak-ng scenarios"] = []
        for scenario in sorted(SCENARIOS.glob("*.yaml")):
            wav = Path(tmp) / f"{scenario.stem}.wav"
            synthesize_call(load_scenario(scenario), wav)
            call = load_stereo(wav)
            two["espeak-ng scenarios"].append((call.agent, call.customer))
    return two, dup


def engine_seconds(config: dict, agent: np.ndarray, customer: np.ndarray) -> float:
    session = CallSession(SessionSettings.from_config(config), transcribe=False)
    started = time.perf_counter()
    for i in range(0, agent.size, CHUNK):
        session.receive_audio("agent", agent[i:i + CHUNK])
        session.receive_audio("customer", customer[i:i + CHUNK])
    return time.perf_counter() - started


def check_seconds(settings: ChannelCheckSettings, agent: np.ndarray, customer: np.ndarray) -> float:
    started = time.perf_counter()
    score(settings, agent, customer)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=12)
    parser.add_argument("--seed", type=int, default=40)
    parser.add_argument("--languages", default="en,lv,el")
    args = parser.parse_args()
    config = load_config()
    shipped = ChannelCheckSettings.from_config(config)
    whole_call = dataclasses.replace(shipped, min_voiced_s=1e9)
    two, dup = materials(args)

    def refused(agent, customer) -> bool:
        check = ChannelCheck(shipped)
        for i in range(0, agent.size, CHUNK):
            check.receive("agent", agent[i:i + CHUNK])
            check.receive("customer", customer[i:i + CHUNK])
        return check.same_content

    print(f"shipped: threshold {shipped.threshold:g}, min_voiced_s {shipped.min_voiced_s:g}, "
          f"window_s {shipped.window_s:g}, max_delay_ms {shipped.max_delay_ms:g}")
    highest, lowest = 0.0, 1.0
    for kind, groups in (("two-party", two), ("duplicated", dup)):
        for name, pairs in groups.items():
            scores = [score(whole_call, a, c) for a, c in pairs]
            refusals = sum(refused(a, c) for a, c in pairs)
            print(f"{kind:10s}  {name:28s} calls {len(pairs):3d}  similarity min {min(scores):.3f} "
                  f"max {max(scores):.3f}  refused {refusals}/{len(pairs)}")
            if kind == "two-party":
                highest = max(highest, max(scores))
            else:
                lowest = min(lowest, min(scores))
    print(f"margin: highest two-party {highest:.3f} < threshold {shipped.threshold:g} <= lowest duplicated "
          f"{lowest:.3f}")
    agent, customer = two["real, agent leak -20 dB"][0]
    audio_s = agent.size / RATE
    base = statistics.median(engine_seconds(config, agent, customer) for _ in range(3))
    cost = statistics.median(check_seconds(whole_call, agent, customer) for _ in range(3))
    print(f"cost on a {audio_s:.0f} s call in 20 ms chunks: call engine frame loop {base * 1000:.0f} ms "
          f"({audio_s / base:.0f}x real time), channel check {cost * 1000:.0f} ms "
          f"({audio_s / cost:.0f}x real time), check/engine {cost / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
