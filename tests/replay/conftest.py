"""Synthesized stereo calls (espeak-ng), built once per test session into a temp folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.testing.synth import load_scenario, synthesize_call

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"


@pytest.fixture(scope="session")
def calls(tmp_path_factory) -> dict:
    """name -> (wav path, labels) for each scenario at 16 kHz, plus 8 kHz and noisy variants of one."""
    out = tmp_path_factory.mktemp("calls")
    made = {}
    for scenario in sorted(SCENARIOS.glob("*.yaml")):
        wav = out / f"{scenario.stem}.wav"
        made[scenario.stem] = (wav, synthesize_call(load_scenario(scenario), wav))
    base = load_scenario(SCENARIOS / "interruption_and_dead_air.yaml")
    wav8 = out / "interruption_and_dead_air_8k.wav"
    made["interruption_and_dead_air_8k"] = (wav8, synthesize_call(base, wav8, sample_rate=8000))
    # a hissy line: the noise floor at -50 dBFS RMS, 5 dB under the VAD's energy floor
    noisy = out / "interruption_and_dead_air_noisy.wav"
    made["interruption_and_dead_air_noisy"] = (noisy, synthesize_call({**base, "noise_dbfs": -50.0}, noisy))
    return made


@pytest.fixture(scope="session")
def timing_config():
    """Defaults with transcription off: the timing engine alone, fast."""
    from service.config import load_config

    return load_config(overrides={"asr": {"engine": "none"}})
