"""Scheduler policy with a gated transcriber (we decide when each decode finishes),
plus one end-to-end run on the real model in test_asr_whisper.py."""

from __future__ import annotations

import dataclasses
import threading
import time
import weakref

import numpy as np
import pytest

from service.asr import DecodeJob, DecodeScheduler, FakeTranscriber, TranscriptionResult
from service.asr.scheduler import SHED


class GatedTranscriber:
    """Blocks every decode until the test opens the gate; records the order of decodes."""

    def __init__(self):
        self.started = threading.Semaphore(0)
        self.gate = threading.Semaphore(0)
        self.order: list[tuple[str, int, bool]] = []

    def transcribe(self, audio, *, language, partial=False):
        tag = audio.tag  # set by job(); which job this is
        self.order.append(tag)
        self.started.release()
        self.gate.acquire()
        if tag[0] == "boom":
            raise RuntimeError("engine exploded")
        return TranscriptionResult(f"{tag[0]}-{tag[1]}{'-p' if partial else ''}", language or "en")


class Tagged(np.ndarray):
    pass


def job(call, utt, partial=False, language="en"):
    audio = np.zeros(160, np.float32).view(Tagged)
    audio.tag = (call, utt, partial)
    return DecodeJob(call, utt, "agent", 0.0, 1.0, audio, language, partial)


class Collector:
    def __init__(self):
        self.results: list[tuple[DecodeJob, TranscriptionResult]] = []
        self.done = threading.Event()

    def __call__(self, job, result):
        self.results.append((job, result))
        self.done.set()


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def small(settings):
    return dataclasses.replace(settings, scheduler=dataclasses.replace(
        settings.scheduler, workers=1, max_queue=3, partial_max_age_s=5.0, final_max_wait_s=10.0))


def busy_scheduler(small, clock=None):
    """A scheduler whose single worker is held inside a first decode."""
    engine = GatedTranscriber()
    scheduler = DecodeScheduler(engine, small, clock=clock or Clock())
    out = Collector()
    assert scheduler.submit(job("hold", 0), out)
    engine.started.acquire()  # the worker is now busy; later jobs queue up
    return engine, scheduler, out


def drain(engine, scheduler, count):
    for _ in range(count):
        engine.gate.release()
    scheduler.close(wait=True)


def test_finals_before_partials_and_fifo_within_a_class(small):
    engine, scheduler, out = busy_scheduler(small)
    scheduler.submit(job("a", 1, partial=True), out)
    scheduler.submit(job("b", 1), out)
    scheduler.submit(job("c", 1), out)
    drain(engine, scheduler, 4)
    assert engine.order == [("hold", 0, False), ("b", 1, False), ("c", 1, False), ("a", 1, True)]
    assert [r.text for _, r in out.results] == ["hold-0", "b-1", "c-1", "a-1-p"]


def test_newer_partial_supersedes_and_final_supersedes_partials(small):
    engine, scheduler, out = busy_scheduler(small)
    scheduler.submit(job("a", 1, partial=True), out)
    scheduler.submit(job("a", 1, partial=True), out)  # replaces the first
    scheduler.submit(job("b", 2, partial=True), out)
    scheduler.submit(job("b", 2), out)  # the final makes b's partial moot
    assert scheduler.metrics()["queue_depth"] == 2
    drain(engine, scheduler, 3)
    assert engine.order[1:] == [("b", 2, False), ("a", 1, True)]
    assert scheduler.metrics()["dropped_partials"] == 2


def test_full_queue_drops_partials_first_then_refuses_finals(small):
    engine, scheduler, out = busy_scheduler(small)
    assert scheduler.submit(job("p", 1, partial=True), out)
    assert scheduler.submit(job("f", 1), out)
    assert scheduler.submit(job("f", 2), out)
    assert scheduler.submit(job("f", 3), out)  # queue full: the partial makes room
    assert not scheduler.submit(job("f", 4), out)  # only finals queued: refused, counted
    assert not scheduler.submit(job("p", 2, partial=True), out)
    metrics = scheduler.metrics()
    assert metrics["rejected_finals"] == 1 and metrics["dropped_partials"] == 2
    assert metrics["queue_depth"] == 3 and metrics["queue_depth_max"] == 3
    drain(engine, scheduler, 4)
    assert [t[:2] for t in engine.order] == [("hold", 0), ("f", 1), ("f", 2), ("f", 3)]


def test_stale_partials_are_dropped_not_decoded(small):
    clock = Clock()
    engine, scheduler, out = busy_scheduler(small, clock)
    scheduler.submit(job("old", 1, partial=True), out)
    clock.now = 10.0  # waited longer than partial_max_age_s
    scheduler.submit(job("new", 2, partial=True), out)
    drain(engine, scheduler, 2)
    assert [t[0] for t in engine.order] == ["hold", "new"]
    assert scheduler.metrics()["dropped_partials"] == 1


def test_result_of_an_in_flight_partial_is_discarded_when_its_final_arrives(small):
    engine = GatedTranscriber()
    scheduler = DecodeScheduler(engine, small, clock=Clock())
    out = Collector()
    scheduler.submit(job("a", 7, partial=True), out)
    engine.started.acquire()  # the partial is being decoded
    scheduler.submit(job("a", 7), out)
    drain(engine, scheduler, 2)
    assert [r.text for _, r in out.results] == ["a-7"]


def test_engine_and_callback_errors_do_not_kill_the_worker(small):
    engine = GatedTranscriber()
    scheduler = DecodeScheduler(engine, small)
    out = Collector()

    def explode(job, result):
        raise ValueError("callback bug")

    scheduler.submit(job("boom", 1), out)
    scheduler.submit(job("x", 2), explode)
    scheduler.submit(job("y", 3), out)
    drain(engine, scheduler, 3)
    (_, r1), (_, r3) = out.results
    assert r1.rejected.startswith("error") and not r1.text
    assert r3.text == "y-3"
    metrics = scheduler.metrics()
    assert metrics["errors"] == 1 and metrics["decoded_finals"] == 3


def test_close_without_wait_discards_queued_jobs(small):
    engine, scheduler, out = busy_scheduler(small)
    scheduler.submit(job("a", 1), out)
    engine.gate.release()
    scheduler.close(wait=False)
    assert [r.text for _, r in out.results] == ["hold-0"]
    assert not scheduler.submit(job("late", 1), out)


def test_many_calls_on_several_workers_with_the_fake(settings):
    s = dataclasses.replace(settings, scheduler=dataclasses.replace(settings.scheduler, workers=2, max_queue=1000))
    scheduler = DecodeScheduler(FakeTranscriber(s), s)
    out = Collector()
    audio = np.full(16000, 0.1, np.float32)
    for call in range(5):
        for utt in range(10):
            assert scheduler.submit(DecodeJob(f"c{call}", utt, "customer", utt, utt + 1.0, audio, None, False), out)
    scheduler.close(wait=True)
    assert sorted((j.call_id, j.utterance_id) for j, _ in out.results) == [
        (f"c{c}", u) for c in range(5) for u in range(10)]
    metrics = scheduler.metrics()
    assert metrics["decoded"] == 50 and metrics["queue_depth"] == 0
    assert metrics["final_latency_p95_s"] >= metrics["final_latency_p50_s"] >= 0


def test_overload_sheds_finals_that_waited_too_long_and_says_so(small):
    clock = Clock()
    engine, scheduler, out = busy_scheduler(small, clock)
    scheduler.submit(job("old", 1), out)
    scheduler.submit(job("old", 2, partial=True), out)
    clock.now = 10.5  # "old 1" has now waited over final_max_wait_s (10 s); the hold decode is still running
    scheduler.submit(job("new", 3), out)
    assert scheduler.metrics()["oldest_final_wait_s"] == 10.5  # what /readyz reads: saturated before the shed
    drain(engine, scheduler, 2)
    assert engine.order == [("hold", 0, False), ("new", 3, False)]  # the stale partial is dropped as before
    shed = {j.utterance_id: r for j, r in out.results if r.rejected}
    assert list(shed) == [1] and shed[1].text == "" and shed[1].rejected == f"{SHED}: waited 10.5 s"
    assert [r.text for j, r in out.results if not r.rejected] == ["hold-0", "new-3"]
    metrics = scheduler.metrics()
    assert metrics["shed_finals"] == 1 and metrics["decoded_finals"] == 2 and metrics["rejected_finals"] == 0


def test_a_final_exactly_at_the_limit_is_still_decoded(small):
    clock = Clock()
    engine, scheduler, out = busy_scheduler(small, clock)
    scheduler.submit(job("edge", 1), out)
    clock.now = 10.0
    drain(engine, scheduler, 2)
    assert [r.text for _, r in out.results] == ["hold-0", "edge-1"]
    assert scheduler.metrics()["shed_finals"] == 0


def test_zero_limit_never_sheds(small):
    clock = Clock()
    never = dataclasses.replace(small, scheduler=dataclasses.replace(small.scheduler, final_max_wait_s=0.0))
    engine, scheduler, out = busy_scheduler(never, clock)
    scheduler.submit(job("late", 1), out)
    clock.now = 1000.0
    drain(engine, scheduler, 2)
    assert [r.text for _, r in out.results] == ["hold-0", "late-1"]
    assert scheduler.metrics()["shed_finals"] == 0


def test_an_idle_worker_keeps_no_reference_to_its_last_job(settings):
    """A job's callback reaches its whole call: an idle worker holding it would keep an ended call alive."""

    class Callback:
        def __init__(self):
            self.done = threading.Event()

        def __call__(self, job, result):
            self.done.set()

    scheduler = DecodeScheduler(FakeTranscriber(settings), settings)
    callback = Callback()
    assert scheduler.submit(DecodeJob("c", 1, "agent", 0.0, 1.0, np.zeros(1600, np.float32)), callback)
    assert callback.done.wait(30)
    alive = weakref.ref(callback)
    del callback
    deadline = time.monotonic() + 30  # the worker returns from the callback, then waits for the next job
    while alive() is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    freed = alive() is None
    scheduler.close()
    assert freed
