#!/usr/bin/env python3
"""Timing nudges on real speech with realistic turn-taking: false alarms per call, and the planted overlap caught.

Usage: python scripts/bench_real_stereo.py [--calls 20] [--seed 18] [--languages en,lv,el,tr,tl]

Builds ``--calls`` stereo calls from the real recordings of tests/data/speech
(public domain and CC0, see its LICENSE-NOTICE.md) with
:mod:`service.testing.real_calls`: one speaker set per channel, turn gaps of
0.1-1.5 s, replies started in the other party's last 0.1-0.4 s, backchannels,
silent look-ups of 2.5-6 s, telephone-band line noise at -62 to -45 dBFS, and
every other call through 8 kHz G.711 mu-law. Such calls hold no interruption and
no dead air by construction (the reviewed "none"). Each call is then built
again with 1.0 s of real agent speech planted over the customer mid-sentence,
which must be caught.

Every call is written as a stereo WAV and replayed with ``replay_recording``
(the ``coach replay`` path: file decode, resampling, VAD, turn-taking, gate,
report) with transcription off: the timing nudges need no words.

Prints one line per call and then, over the realistic calls: false
interruptions per call (nudged, and counted both ways including any the gate
held back), dead air per call, timing nudges per call (target < 0.1); over the
planted calls: the catch rate (target: all) and any other timing nudge.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.config import load_config
from service.replay.recording import replay_recording
from service.testing.real_calls import load_clips, plant_overlap, realistic_call, write_call

SPEECH = Path(__file__).resolve().parent.parent / "tests" / "data" / "speech"
TIMING = ("interruption", "dead_air")


def timing_events(report: dict) -> dict[str, int]:
    """Interruptions (both ways, gate or not), dead air (nudged or held back) and the timing nudges sent."""
    suppressed = report.get("suppressed", {})
    nudged = [n for n in report["nudges"] if n["kind"] in TIMING]
    return {
        "interruptions": report["metrics"]["interruptions_by_agent"] + report["metrics"]["interruptions_by_customer"],
        "dead_air": sum(n["kind"] == "dead_air" for n in nudged) + int(suppressed.get("dead_air", 0)),
        "nudges": len(nudged),
    }


def caught(report: dict, start: float, end: float) -> bool:
    """An agent interruption whose evidence starts within the planted overlap."""
    return any(n["kind"] == "interruption" and start - 0.1 <= n["evidence"]["start"] <= end
               for n in report["nudges"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--languages", default="en,lv,el,tr,tl")
    args = parser.parse_args()
    clips = load_clips(SPEECH, tuple(args.languages.split(",")))
    print(f"clips {len(clips)} ({', '.join(sorted({c.language for c in clips}))})")
    config = load_config(overrides={"asr": {"engine": "none"}})
    totals = {"seconds": 0.0, "interruptions": 0, "dead_air": 0, "nudges": 0, "backchannels": 0, "late_starts": 0,
              "lookups": 0}
    planted_caught, planted_other = 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.calls):
            seed = args.seed * 1000 + k
            telephone = k % 2 == 1
            call = realistic_call(clips, seed)
            events = timing_events(replay_recording(write_call(call, Path(tmp) / f"call{k}.wav", telephone=telephone),
                                                    config))
            for key in ("interruptions", "dead_air", "nudges"):
                totals[key] += events[key]
            totals["seconds"] += call.duration
            for key in ("backchannels", "late_starts", "lookups"):
                totals[key] += getattr(call, key)
            with_overlap = plant_overlap(call, clips, seed)
            p = with_overlap.planted
            report = replay_recording(write_call(with_overlap, Path(tmp) / f"planted{k}.wav", telephone=telephone),
                                      config)
            hit = caught(report, p.start, p.end)
            others = timing_events(report)["nudges"] - hit
            planted_caught += hit
            planted_other += others
            print(f"call {k:2d} {'8k-ulaw' if telephone else '16k-pcm'} {call.duration:5.1f} s "
                  f"turns {len(call.turns):2d} backchannels {call.backchannels} late_starts {call.late_starts} "
                  f"lookups {call.lookups} noise_dbfs agent {call.noise_dbfs['agent']:.0f} "
                  f"customer {call.noise_dbfs['customer']:.0f} | false_interruptions {events['interruptions']} "
                  f"dead_air {events['dead_air']} timing_nudges {events['nudges']} | planted {p.start:.2f} s "
                  f"{'caught' if hit else 'MISSED'} other_timing_nudges {others}")
    n = args.calls
    print(f"realistic_calls {n} minutes {totals['seconds'] / 60:.1f} backchannels {totals['backchannels']} "
          f"late_starts {totals['late_starts']} lookups {totals['lookups']}")
    print(f"false_interruptions_per_call {totals['interruptions'] / n:.3f} ({totals['interruptions']}/{n})")
    print(f"dead_air_per_call {totals['dead_air'] / n:.3f} ({totals['dead_air']}/{n})")
    print(f"timing_nudges_per_call {totals['nudges'] / n:.3f} (target < 0.1)")
    print(f"planted_overlap_1.0s_catch_rate {planted_caught / n:.3f} ({planted_caught}/{n})")
    print(f"planted_calls_other_timing_nudges {planted_other}")


if __name__ == "__main__":
    main()
