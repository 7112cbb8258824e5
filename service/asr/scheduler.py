"""One shared model, a bounded queue, finals before partials.

Why a scheduler: ASR is the only expensive step, and many calls share one CPU.
Audio ingestion and the timing nudges must never wait for it, so ``submit``
only takes a lock and appends; decoding happens on worker threads that share
one model. Under load the queue protects what matters: a final transcript
outranks any partial, a newer partial of an utterance replaces the queued
older one, a final makes its utterance's queued (and in-flight) partials moot,
partials that waited too long are dropped as stale, and when the queue is full
partials go first.

Overload policy (more speech arriving than the workers can decode): a final
that waited longer than ``final_max_wait_s`` when a worker picks it is shed,
not decoded. Its words would reach the rules too late to coach anyone, and
decoding it would make every later utterance later still; shedding keeps the
transcripts that are decoded timely (the oldest waits at most that long) and
frees the worker for them. Timing nudges never wait for decoding, so they are
unaffected. A final is never lost silently: a shed one still reaches
``on_done``, with an empty text and ``rejected`` starting with :data:`SHED`
(so the call stops waiting for it and can list it in its report), a refused
one (queue full, or closed) makes ``submit`` return False, and both are
counted (``shed_finals``, ``rejected_finals``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..core.events import Speaker
from .settings import AsrSettings
from .transcriber import Transcriber, TranscriptionResult

__all__ = ["QUEUE_FULL", "SHED", "DecodeJob", "DecodeScheduler", "OnDone"]

log = logging.getLogger(__name__)
ERROR = "error"
# Why a final was not transcribed under overload (module docstring): shed after waiting (also the
# prefix of its ``TranscriptionResult.rejected``), or refused by ``submit`` (queue full, or closing).
SHED = "shed"
QUEUE_FULL = "queue_full"


@dataclass(frozen=True, slots=True)
class DecodeJob:
    """One utterance (or the part heard so far, for a partial) to transcribe.

    ``start``/``end`` are call time (seconds); the scheduler does not read them,
    it carries them back to ``on_done`` with the job.
    """

    call_id: str
    utterance_id: int
    speaker: Speaker
    start: float
    end: float
    audio: np.ndarray = field(repr=False, compare=False)
    language: str | None = None
    partial: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return (self.call_id, self.utterance_id)


OnDone = Callable[[DecodeJob, TranscriptionResult], None]


@dataclass(frozen=True, slots=True)
class _Entry:
    job: DecodeJob
    on_done: OnDone
    submitted: float


def _percentile(values: deque[float], q: float) -> float:
    return float(np.percentile(np.fromiter(values, float), q)) if values else 0.0


class DecodeScheduler:
    """Runs ``DecodeJob``s on ``settings.scheduler.workers`` threads sharing ``transcriber``.

    ``on_done(job, result)`` is called from a worker thread; hop to your own
    event loop from there. ``clock`` (wall seconds) is injectable for tests.
    """

    def __init__(self, transcriber: Transcriber, settings: AsrSettings,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._transcriber = transcriber
        self._settings = settings.scheduler
        self._clock = clock
        self._cond = threading.Condition()
        self._finals: deque[_Entry] = deque()
        self._partials: OrderedDict[tuple[str, int], _Entry] = OrderedDict()
        self._in_flight_partials: dict[tuple[str, int], bool] = {}  # key -> superseded by a final
        self._closing = False
        self._counts = dict.fromkeys(
            ("submitted_finals", "submitted_partials", "decoded_finals", "decoded_partials",
             "dropped_partials", "rejected_finals", "shed_finals", "errors", "queue_depth_max"), 0)
        window = self._settings.metrics_window
        self._decode_s: deque[float] = deque(maxlen=window)
        self._final_latency_s: deque[float] = deque(maxlen=window)
        self._wait_s: deque[float] = deque(maxlen=window)
        self._threads = [
            threading.Thread(target=self._work, name=f"asr-decode-{i}", daemon=True)
            for i in range(self._settings.workers)
        ]
        for thread in self._threads:
            thread.start()

    # -- producer side (any thread, never blocks on decoding) -------------------

    def submit(self, job: DecodeJob, on_done: OnDone) -> bool:
        """Queue ``job``; False when it was not accepted (queue full of finals, or closed)."""
        with self._cond:
            entry = _Entry(job, on_done, self._clock())
            accepted = self._submit_final(entry) if not job.partial else self._submit_partial(entry)
            self._counts["queue_depth_max"] = max(self._counts["queue_depth_max"], self._depth())
            if accepted:
                self._cond.notify()
            return accepted

    def _submit_final(self, entry: _Entry) -> bool:
        self._counts["submitted_finals"] += 1
        key = entry.job.key
        if self._partials.pop(key, None) is not None:
            self._counts["dropped_partials"] += 1
        if key in self._in_flight_partials:
            self._in_flight_partials[key] = True
        if self._closing or (self._depth() >= self._settings.max_queue and not self._drop_oldest_partial()):
            self._counts["rejected_finals"] += 1
            return False
        self._finals.append(entry)
        return True

    def _submit_partial(self, entry: _Entry) -> bool:
        self._counts["submitted_partials"] += 1
        key = entry.job.key
        if self._partials.pop(key, None) is not None:  # superseded by this newer partial
            self._counts["dropped_partials"] += 1
        if self._closing or (self._depth() >= self._settings.max_queue and not self._drop_oldest_partial()):
            self._counts["dropped_partials"] += 1
            return False
        self._partials[key] = entry
        return True

    def _drop_oldest_partial(self) -> bool:
        if not self._partials:
            return False
        self._partials.popitem(last=False)
        self._counts["dropped_partials"] += 1
        return True

    def _depth(self) -> int:
        return len(self._finals) + len(self._partials)

    # -- worker side --------------------------------------------------------------

    def _next(self) -> _Entry | None:
        """Block until a job is due; None when closing and drained."""
        with self._cond:
            while True:
                if self._finals:
                    return self._finals.popleft()
                while self._partials:
                    _, entry = self._partials.popitem(last=False)
                    if self._clock() - entry.submitted <= self._settings.partial_max_age_s:
                        self._in_flight_partials[entry.job.key] = False
                        return entry
                    self._counts["dropped_partials"] += 1  # stale: a newer partial or the final is coming
                if self._closing:
                    return None
                self._cond.wait()

    def _work(self) -> None:
        while self._serve_one():
            pass

    def _serve_one(self) -> bool:
        """Decode (or shed) the next job; False once closing and drained.

        One job per call, so that nothing of it (its audio, its call's
        callback and through it the whole call) stays referenced while the
        worker waits for the next one.
        """
        entry = self._next()
        if entry is None:
            return False
        job = entry.job
        picked = self._clock()
        waited = picked - entry.submitted
        if self._sheds(job, waited):
            log.warning("call %s: utterance %d (%s %.1f-%.1f s) shed, not transcribed: waited %.1f s for a decode",
                        job.call_id, job.utterance_id, job.speaker, job.start, job.end, waited)
            with self._cond:
                self._counts["shed_finals"] += 1
            self._deliver(entry, TranscriptionResult("", job.language or "", rejected=f"{SHED}: waited {waited:.1f} s"))
            return True
        try:
            result = self._transcriber.transcribe(job.audio, language=job.language, partial=job.partial)
        except Exception as exc:  # a bad job must not kill the worker shared by every call
            log.exception("decode failed for call %s utterance %s", job.call_id, job.utterance_id)
            result = TranscriptionResult("", job.language or "", rejected=f"{ERROR}: {exc}")
        with self._cond:
            superseded = job.partial and self._in_flight_partials.pop(job.key, False)
            self._record(entry, picked, result, superseded)
        if not superseded:
            self._deliver(entry, result)
        return True

    def _sheds(self, job: DecodeJob, waited: float) -> bool:
        """The overload policy: a final that waited over ``final_max_wait_s`` (0: never) is not decoded."""
        limit = self._settings.final_max_wait_s
        return not job.partial and limit > 0 and waited > limit

    @staticmethod
    def _deliver(entry: _Entry, result: TranscriptionResult) -> None:
        try:
            entry.on_done(entry.job, result)
        except Exception:
            log.exception("on_done failed for call %s utterance %s", entry.job.call_id, entry.job.utterance_id)

    def _record(self, entry: _Entry, picked: float, result: TranscriptionResult, superseded: bool) -> None:
        done = self._clock()
        self._wait_s.append(picked - entry.submitted)
        self._decode_s.append(done - picked)
        if result.rejected.startswith(ERROR):
            self._counts["errors"] += 1
        if superseded:
            self._counts["dropped_partials"] += 1
        elif entry.job.partial:
            self._counts["decoded_partials"] += 1
        else:
            self._counts["decoded_finals"] += 1
            self._final_latency_s.append(done - entry.submitted)

    # -- observation and shutdown ---------------------------------------------------

    def metrics(self) -> dict[str, float]:
        """Counters and latency percentiles (seconds) for /metrics and benchmarks.

        ``decoded`` = finals + partials decoded; ``final_latency`` is submit to
        result of decoded finals (queue wait included), ``decode_latency`` the
        decode alone; ``shed_finals`` and ``rejected_finals`` are the finals not
        transcribed (overload policy, module docstring).
        """
        with self._cond:
            out: dict[str, float] = dict(self._counts)
            out["queue_depth"] = self._depth()
            out["queued_finals"] = len(self._finals)
            out["oldest_final_wait_s"] = self._clock() - self._finals[0].submitted if self._finals else 0.0
            out["decoded"] = self._counts["decoded_finals"] + self._counts["decoded_partials"]
            for name, values in (("decode_latency", self._decode_s), ("final_latency", self._final_latency_s),
                                 ("queue_wait", self._wait_s)):
                out[f"{name}_p50_s"] = _percentile(values, 50)
                out[f"{name}_p95_s"] = _percentile(values, 95)
            return out

    def close(self, wait: bool = True) -> None:
        """Stop accepting jobs; with ``wait`` decode what is queued first, else discard it."""
        with self._cond:
            self._closing = True
            if not wait:
                self._finals.clear()
                self._partials.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()
