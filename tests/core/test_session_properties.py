"""Invariants of the session on real (synthesized) speech, any chunking.

- Re-chunking the same audio (any frame sizes, channels interleaved in any
  rhythm) gives the same nudges and metrics.
- Nudge times never decrease within a kind; no nudge precedes its evidence.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.config import load_config
from service.core import CallSession, SessionSettings
from service.testing.synth import load_scenario, synthesize_call

SCENARIO = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "interruption_and_dead_air.yaml"


@pytest.fixture(scope="module")
def channels(tmp_path_factory):
    wav = tmp_path_factory.mktemp("prop") / "call.wav"
    synthesize_call(load_scenario(SCENARIO), wav)
    with wave.open(str(wav)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
    return {"agent": pcm[:, 0].copy(), "customer": pcm[:, 1].copy()}


SETTINGS = SessionSettings.from_config(load_config())


def run(channels, sizes_agent, sizes_customer):
    session = CallSession(SETTINGS, transcribe=False)
    cursors = {"agent": 0, "customer": 0}
    sizes = {"agent": sizes_agent, "customer": sizes_customer}
    turn = 0
    n = channels["agent"].size
    while min(cursors.values()) < n:
        for speaker in ("agent", "customer"):
            if cursors[speaker] >= n:
                continue
            size = sizes[speaker][turn % len(sizes[speaker])]
            a = cursors[speaker]
            session.receive_audio(speaker, channels[speaker][a : a + size])
            cursors[speaker] = a + size
        turn += 1
    session.finish()
    return session.result()


@pytest.fixture(scope="module")
def reference(channels):
    n = channels["agent"].size
    return run(channels, [n], [n])


chunk_sizes = st.lists(st.integers(min_value=1, max_value=24000), min_size=1, max_size=6)


@settings(max_examples=12, deadline=None)
@given(sizes_agent=chunk_sizes, sizes_customer=chunk_sizes)
def test_rechunking_never_changes_the_result(channels, reference, sizes_agent, sizes_customer):
    result = run(channels, sizes_agent, sizes_customer)
    assert result.nudges == reference.nudges
    assert result.metrics == reference.metrics


def test_reference_has_both_timing_nudges(reference):
    assert [n.kind for n in reference.nudges] == ["interruption", "dead_air"]


def test_nudges_are_ordered_and_never_precede_evidence(reference):
    by_kind: dict[str, float] = {}
    for nudge in reference.nudges:
        assert nudge.t >= nudge.evidence.end - 1e-9
        assert nudge.t >= by_kind.get(nudge.kind, 0.0)
        by_kind[nudge.kind] = nudge.t
