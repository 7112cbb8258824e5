#!/usr/bin/env python3
"""Synthesize a stereo test call from a scenario file (espeak-ng, one voice per party).

    python scripts/make_test_call.py tests/data/scenarios/interruption_and_dead_air.yaml call.wav [--rate 8000]

Writes the WAV (agent on the left unless the scenario says otherwise) and
``call.labels.json`` beside it: where each turn's speech really is and which
nudges the scenario expects. The scenario format is documented in
``service/testing/synth.py``.
"""

from __future__ import annotations

import argparse
import sys

from service.testing.synth import SynthError, load_scenario, synthesize_call


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", help="scenario YAML")
    parser.add_argument("out", help="output WAV path")
    parser.add_argument("--rate", type=int, help="sample rate (default: the scenario's, else 16000)")
    args = parser.parse_args()
    try:
        labels = synthesize_call(load_scenario(args.scenario), args.out, sample_rate=args.rate)
    except (SynthError, OSError) as exc:
        print(f"make_test_call: {exc}", file=sys.stderr)
        return 1
    print(f"{args.out}: {labels['duration']:.1f} s, {len(labels['turns'])} turns, {labels['sample_rate']} Hz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
