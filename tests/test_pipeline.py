"""The pipeline's two transcription paths give the same report.

At full speed each utterance is decoded in line; paced (like a live call) the
jobs go through the shared decode scheduler and come back on its thread. Text
decisions are stamped with the call time the utterance closed, so the reports
must be identical. The deterministic fake transcriber stands in for Whisper
here (real Whisper runs in tests/asr, tests/replay/test_replay_asr.py and the
demo test); its text depends only on the audio it is given.
"""

from __future__ import annotations

import gc
import itertools
import weakref
from pathlib import Path

import numpy as np
import pytest

from service.asr import AsrSettings, DecodeScheduler, FakeTranscriber
from service.call import CallInfo, CallPipeline
from service.config import load_config
from service.replay.recording import replay_recording
from service.testing.clients import load_stereo
from service.testing.synth import load_scenario, synthesize_call

SCENARIO = Path(__file__).resolve().parent / "data" / "scenarios" / "interruption_and_dead_air.yaml"


def script(audio: np.ndarray, partial: bool) -> str:
    """Words that trigger rules, chosen by the audio's length (the same audio, the same words)."""
    seconds = audio.size / 16000
    if seconds > 5:
        return "I am so frustrated, this is ridiculous" if partial else "I am so frustrated, this is ridiculous and nobody helps"
    if seconds > 2.5:
        return "our policy is that refunds take thirty days"
    return "please fill in the form on our website"


@pytest.fixture(scope="module")
def call(tmp_path_factory) -> Path:
    wav = tmp_path_factory.mktemp("pipeline") / "call.wav"
    synthesize_call(load_scenario(SCENARIO), wav)
    return wav


def comparable(report: dict) -> dict:
    return {key: report[key] for key in ("transcript", "nudges", "kudos", "metrics", "duration", "suppressed")}


def test_paced_through_the_scheduler_equals_inline_at_full_speed(call):
    config = load_config(overrides={"asr": {"engine": "fake"}})
    settings = AsrSettings.from_config(config["asr"])
    inline = replay_recording(call, config, transcriber=FakeTranscriber(settings, script))
    scheduler = DecodeScheduler(FakeTranscriber(settings, script), settings)
    try:
        paced = replay_recording(call, config, asr=scheduler, speed=8.0)
    finally:
        scheduler.close(wait=True)
    assert comparable(paced) == comparable(inline)
    kinds = [n["kind"] for n in inline["nudges"]]
    assert "interruption" in kinds and "runaround" in kinds  # text and timing nudges both present
    assert inline["transcript"], "the fake transcriber produced words"


def test_a_refused_decode_never_stalls_the_call(call):
    """A scheduler that refuses every job (closed): the call still ends, timing nudges intact, no text."""
    config = load_config(overrides={"asr": {"engine": "fake"}})
    settings = AsrSettings.from_config(config["asr"])
    scheduler = DecodeScheduler(FakeTranscriber(settings, script), settings)
    scheduler.close(wait=True)
    report = replay_recording(call, config, asr=scheduler, speed=None)
    assert report["transcript"] == []
    assert [n["kind"] for n in report["nudges"]] == ["interruption", "dead_air"]
    assert report["untranscribed"] and {u["reason"] for u in report["untranscribed"]} == {"queue_full"}


def test_an_overloaded_decoder_sheds_finals_and_the_report_lists_them(call):
    """Every final waits past asr.scheduler.final_max_wait_s (a clock that jumps 100 s at every reading):
    none is decoded, the call still ends with its timing nudges, and the report names each utterance."""
    config = load_config(overrides={"asr": {"engine": "fake"}})
    settings = AsrSettings.from_config(config["asr"])
    inline = replay_recording(call, config, transcriber=FakeTranscriber(settings, script))
    readings = itertools.count(step=100.0)
    scheduler = DecodeScheduler(FakeTranscriber(settings, script), settings, clock=lambda: next(readings))
    try:
        report = replay_recording(call, config, asr=scheduler, speed=None)
    finally:
        scheduler.close(wait=True)
    assert report["transcript"] == []
    assert [n["kind"] for n in report["nudges"]] == ["interruption", "dead_air"]
    assert [(u["speaker"], u["start"], u["end"], u["reason"]) for u in report["untranscribed"]] == [
        (seg["speaker"], seg["start"], seg["end"], "shed") for seg in inline["transcript"]]
    assert scheduler.metrics()["shed_finals"] == len(report["untranscribed"])
    assert "untranscribed" not in inline


def test_an_ended_call_is_freed_without_the_cycle_collector(call):
    """No reference cycle through a call: a live server makes and drops calls all day, and a cycle would keep
    each ended call's audio until one of CPython's rare full collections (scripts/bench_soak.py: +47 MB/min)."""
    config = load_config(overrides={"asr": {"engine": "fake"}})
    settings = AsrSettings.from_config(config["asr"])
    audio = load_stereo(call)
    scheduler = DecodeScheduler(FakeTranscriber(settings, script), settings)
    gc.collect()
    gc.disable()
    try:
        pipeline = CallPipeline(config, CallInfo("cycle-free", "agent-1", "stream"), asr=scheduler)
        for at in range(0, audio.agent.size, 4800):
            pipeline.feed("agent", audio.agent[at:at + 4800])
            pipeline.feed("customer", audio.customer[at:at + 4800])
        assert pipeline.finish().transcript, "the call was transcribed through the scheduler"
        ended = [weakref.ref(o) for o in (pipeline, pipeline.session)]
        del pipeline
        scheduler.close(wait=True)  # its workers are gone: nothing of theirs can hold the call either
        assert [ref() for ref in ended] == [None, None]
    finally:
        gc.enable()
