"""Batch replay: many recordings, in parallel worker processes, resumable, with progress.

Each worker process loads its own transcriber once (CTranslate2 threads split
between workers) and replays whole calls; the parent writes the reports, so a
dying worker never leaves a half-written report. Every worker process sits in
a pool of its own, so one that dies (killed, out of memory, a crash in a
decoder) costs only the call it was running: that call is retried once in a
fresh process, then reported as failed.

A QA team reruns a batch blindly: a call is skipped (unless ``force``) only
when its report is fresh, i.e. made from the same bytes (the input and its
sidecar, :func:`~.identity.input_content`) with the same settings (the
report's ``settings`` echo and :func:`replay_options`). Each replayed report
records these under ``input``. Outputs are named by :func:`name_outputs`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, TextIO

from ..asr import AsrSettings, DecodeScheduler, load_transcriber
from ..call import settings_echo
from ..media.audio import AudioFileError
from .identity import IdentityError, call_identity, input_content
from .recording import ReplayError, replay_recording
from .transcript import TranscriptError, replay_transcript

__all__ = ["BatchInput", "BatchOptions", "BatchResult", "Progress", "ReplayFailure", "name_outputs", "replay_one",
           "replay_options", "report_path", "run_batch"]

_EXPECTED_ERRORS = (AudioFileError, ReplayError, TranscriptError, IdentityError, OSError, json.JSONDecodeError,
                    UnicodeDecodeError)
_CRASH_LIMIT = 2  # a call whose worker process died this many times is failed, not retried again
_RESERVED_NAMES = ("summary",)  # summary.csv and summary.html of the batch


class ReplayFailure(Exception):
    """One input could not be replayed; ``str()`` is the one-line reason."""


@dataclass(frozen=True, slots=True)
class BatchOptions:
    out_dir: Path
    language: str | None = None
    speed: float | None = None
    workers: int = 1
    force: bool = False


@dataclass(frozen=True, slots=True)
class BatchInput:
    """One input file and the name of its outputs, ``<out>/<name>.coach.json`` and ``<out>/<name>.html``."""

    path: Path
    name: str


@dataclass(slots=True)
class BatchResult:
    reports: list[tuple[BatchInput, dict]] = field(default_factory=list)
    skipped: list[tuple[BatchInput, dict]] = field(default_factory=list)
    failures: list[tuple[BatchInput, str]] = field(default_factory=list)


def report_path(out_dir: Path, name: str) -> Path:
    return out_dir / f"{name}.coach.json"


def name_outputs(files: list[Path]) -> list[BatchInput]:
    """Each distinct input with its output name: its path relative to the inputs' common folder, less the extension.

    Why: ``a/call1.wav`` and ``b/call1.wav`` must not overwrite each other's
    reports, while one file or a flat folder keeps ``<stem>.coach.json`` as
    before. Inputs that would still share a name (``x.wav`` and ``x.json``), or
    take the batch's ``summary``, keep their whole file name (``x.wav``). A file
    named twice (directly and through its folder) is replayed once.
    """
    given: dict[Path, Path] = {}
    for path in files:
        given.setdefault(Path(os.path.abspath(path)), path)
    if not given:
        return []
    base = os.path.commonpath([absolute.parent for absolute in given])
    names = _unique_names([absolute.relative_to(base) for absolute in given])
    return [BatchInput(path, name) for path, name in zip(given.values(), names)]


def _unique_names(relative: list[Path]) -> list[str]:
    """Each path less its extension, or whole where that clashes; whole paths never clash with each other."""
    whole: set[int] = set()
    while True:
        names = [path.as_posix() if i in whole else path.with_suffix("").as_posix() for i, path in enumerate(relative)]
        taken = Counter(names) + Counter(_RESERVED_NAMES)
        clashing = {i for i, name in enumerate(names) if taken[name] > 1} - whole
        if not clashing:
            return names
        whole |= clashing


def replay_options(config: dict, language: str | None, agent_id: str) -> dict:
    """What shapes a replayed report beyond its ``settings`` echo, recorded under ``input.options``.

    The command line's language and agent id, the ``[audio]`` section (agent
    channel, resampling) and how identifiers are found: a change to any of them
    makes a saved report stale.
    """
    return {"language": language or "auto", "agent_id": agent_id, "audio": dict(config["audio"]),
            "identity": {key: config["reports"][key] for key in ("filename_pattern", "sidecar_suffix")}}


class Progress:
    """One line per finished call: count, audio hours done, speed and ETA (default: on ``sys.stderr`` of now)."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total, self.done, self.audio_s = total, 0, 0.0
        self._started = time.monotonic()
        self._stream = stream or sys.stderr

    def update(self, message: str, audio_s: float = 0.0) -> None:
        self.done += 1
        self.audio_s += audio_s
        elapsed = time.monotonic() - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        speed = self.audio_s / elapsed if elapsed > 0 else 0.0
        self.note(f"[{self.done}/{self.total}] {message} | {self.audio_s / 3600:.2f} h audio, "
                  f"{speed:.0f}x real time, ETA {_clock(eta)}")

    def note(self, message: str) -> None:
        """A line that finishes no call (a retry)."""
        print(message, file=self._stream, flush=True)


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


# -- one call -----------------------------------------------------------------------------

_worker_state: dict = {}


def _engine(config: dict, speed: float | None) -> dict:
    """Transcription for this process, made once: a direct transcriber (max speed) or a scheduler."""
    if "kwargs" not in _worker_state:
        settings = AsrSettings.from_config(config["asr"])
        transcriber = load_transcriber(settings)
        if transcriber is not None and speed is not None:
            _worker_state["scheduler"] = DecodeScheduler(transcriber, settings)
            _worker_state["kwargs"] = {"asr": _worker_state["scheduler"]}
        else:
            _worker_state["kwargs"] = {"transcriber": transcriber}
    return _worker_state["kwargs"]


def close_engine() -> None:
    scheduler = _worker_state.pop("scheduler", None)
    if scheduler is not None:
        scheduler.close(wait=True)
    _worker_state.clear()


def replay_one(path: Path, config: dict, language: str | None, speed: float | None, sink=None,
               agent_id: str = "") -> dict:
    """Replay one input (recording or transcript JSON); raises :class:`ReplayFailure`.

    ``agent_id`` (when given) overrides the one found by :func:`call_identity`.
    """
    try:
        ids = call_identity(path, config)
        call_id, agent_id = ids.pop("call_id"), agent_id or ids.pop("agent_id")
        ids.pop("agent_id", None)
        if path.suffix.lower() == ".json":
            with path.open(encoding="utf-8") as fh:
                doc = json.load(fh)
            return replay_transcript(doc, config, source=path.name, call_id=call_id, agent_id=agent_id,
                                     language=language, metadata=ids, sink=sink)
        return replay_recording(path, config, call_id=call_id, agent_id=agent_id, language=language, speed=speed,
                                metadata=ids, sink=sink, **_engine(config, speed))
    except _EXPECTED_ERRORS as exc:
        raise ReplayFailure(_failure_text(path, exc)) from None


def _failure_text(path: Path, exc: Exception) -> str:
    """The error on one line, naming the file."""
    text = " ".join(str(exc).split())
    return text if str(path) in text else f"{path}: {text}"


def _worker_init(threads: int) -> None:
    os.environ["OMP_NUM_THREADS"] = str(threads)


def _worker_task(path: Path, config: dict, language: str | None, speed: float | None,
                 agent_id: str) -> tuple[dict | None, str]:
    try:
        return replay_one(path, config, language, speed, agent_id=agent_id), ""
    except ReplayFailure as exc:
        return None, str(exc)


# -- the batch ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Job:
    """An input to replay and the ``input`` record its report will carry."""

    item: BatchInput
    record: dict


@dataclass(slots=True)
class _Recorder:
    """Where every outcome goes, in either run mode: the result, ``on_report`` and a progress line."""

    result: BatchResult
    progress: Progress
    on_report: Callable[[BatchInput, dict], None]

    def skipped(self, item: BatchInput, report: dict) -> None:
        self.result.skipped.append((item, report))
        self.progress.update(f"{item.name}: report up to date, skipped (--force to redo)")

    def failed(self, item: BatchInput, error: str) -> None:
        self.result.failures.append((item, error))
        self.progress.update(f"error: {error}")

    def replayed(self, job: _Job, report: dict, took_s: float) -> None:
        report["input"] = job.record
        self.on_report(job.item, report)
        self.result.reports.append((job.item, report))
        self.progress.update(f"{job.item.name}: {report['duration']:.1f} s, {len(report['nudges'])} nudges, "
                             f"{len(report['kudos'])} kudos, replayed in {took_s:.1f} s", report["duration"])


def run_batch(files: list[Path], config: dict, options: BatchOptions, *,
              on_report: Callable[[BatchInput, dict], None], sink=None, agent_id: str = "",
              progress: Progress | None = None) -> BatchResult:
    """Replay ``files``; ``on_report(item, report)`` runs in this process for each success, to save it."""
    items = name_outputs(files)
    recorder = _Recorder(BatchResult(), progress or Progress(len(items)), on_report)
    jobs = _stale_jobs(items, config, options, agent_id, recorder)
    if options.workers <= 1 or len(jobs) <= 1 or sink is not None:
        _run_here(jobs, config, options, sink, agent_id, recorder)
    else:
        _run_in_workers(jobs, config, options, agent_id, recorder)
    return recorder.result


def _stale_jobs(items: list[BatchInput], config: dict, options: BatchOptions, agent_id: str,
                recorder: _Recorder) -> list[_Job]:
    """A job per input whose report is not fresh (every input with ``force``); fresh ones are recorded as skipped."""
    echo = _as_json(settings_echo(config))
    chosen = replay_options(config, options.language, agent_id)
    jobs = []
    for item in items:
        try:
            content = input_content(item.path, config)
        except OSError as exc:
            recorder.failed(item, _failure_text(item.path, exc))
            continue
        record = _as_json({"path": str(item.path), "sha256": content.sha256,
                           "sidecar_sha256": content.sidecar_sha256, "options": chosen})
        saved = None if options.force else _saved_if_fresh(report_path(options.out_dir, item.name), record, echo)
        if saved is None:
            jobs.append(_Job(item, record))
        else:
            recorder.skipped(item, saved)
    return jobs


def _saved_if_fresh(report_file: Path, record: dict, echo: dict) -> dict | None:
    """The saved report when it was made from the same bytes with the same settings, else ``None``.

    The input's path is not compared, so a folder moved or mounted elsewhere
    is not redone; a report without ``input`` (from before it was recorded) is.
    """
    try:
        report = json.loads(report_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    recorded = report.get("input") if isinstance(report, dict) else None
    if not isinstance(recorded, dict) or report.get("settings") != echo:
        return None
    return report if _without_path(recorded) == _without_path(record) else None


def _without_path(record: dict) -> dict:
    return {key: value for key, value in record.items() if key != "path"}


def _as_json(value: dict) -> dict:
    """``value`` as it reads back from a report file (tuples as lists), so the two compare equal."""
    return json.loads(json.dumps(value))


def _run_here(jobs: list[_Job], config: dict, options: BatchOptions, sink, agent_id: str,
              recorder: _Recorder) -> None:
    """Replay in this process, one call after another (one worker, one call, or a live sink)."""
    try:
        for job in jobs:
            started = time.monotonic()
            try:
                report = replay_one(job.item.path, config, options.language, options.speed, sink, agent_id)
            except ReplayFailure as exc:
                recorder.failed(job.item, str(exc))
            else:
                recorder.replayed(job, report, time.monotonic() - started)
    finally:
        close_engine()


class _Workers:
    """Worker processes, each alone in a single-process pool.

    Why not one pool of N: when any process of a ``ProcessPoolExecutor`` dies
    the whole pool is broken and every call in it fails. With a pool per
    process a death is pinned on the one call that process was running, and
    only that pool is rebuilt.
    """

    def __init__(self, count: int, threads: int) -> None:
        self._threads = threads
        self._idle = [self._new() for _ in range(count)]
        self._busy: dict[Future, ProcessPoolExecutor] = {}

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=_worker_init,
                                   initargs=(self._threads,))

    def _replace(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        broken.shutdown()
        return self._new()

    @property
    def idle(self) -> bool:
        return bool(self._idle)

    def submit(self, *args) -> Future:
        """Run :func:`_worker_task` with ``args`` on an idle process (a fresh one if that one died idle)."""
        pool = self._idle.pop()
        try:
            future = pool.submit(_worker_task, *args)
        except BrokenProcessPool:
            pool = self._replace(pool)
            future = pool.submit(_worker_task, *args)
        self._busy[future] = pool
        return future

    def release(self, future: Future) -> None:
        """The finished future's process is idle again; a dead one is replaced."""
        pool = self._busy.pop(future)
        if isinstance(future.exception(), BrokenProcessPool):
            pool = self._replace(pool)
        self._idle.append(pool)

    def close(self) -> None:
        for pool in [*self._idle, *self._busy.values()]:
            pool.shutdown(cancel_futures=True)


@dataclass(frozen=True, slots=True)
class _Attempt:
    job: _Job
    crashes: int = 0  # worker processes that died running this call so far


def _run_in_workers(jobs: list[_Job], config: dict, options: BatchOptions, agent_id: str,
                    recorder: _Recorder) -> None:
    threads = max(1, (os.cpu_count() or 1) // options.workers)
    config = _with_threads(config, threads)
    queue = deque(_Attempt(job) for job in jobs)
    running: dict[Future, tuple[_Attempt, float]] = {}  # and when it was handed to a worker
    workers = _Workers(min(options.workers, len(jobs)), threads)
    try:
        while queue or running:
            while queue and workers.idle:
                attempt = queue.popleft()
                future = workers.submit(attempt.job.item.path, config, options.language, options.speed, agent_id)
                running[future] = attempt, time.monotonic()
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                workers.release(future)
                attempt, started = running.pop(future)
                _collect(future, attempt, time.monotonic() - started, queue, recorder)
    finally:
        workers.close()


def _collect(future: Future, attempt: _Attempt, took_s: float, queue: deque[_Attempt], recorder: _Recorder) -> None:
    """Record a finished call; one whose worker process died goes back to the front of the queue, up to a limit."""
    item = attempt.job.item
    try:
        report, error = future.result()
    except BrokenProcessPool:
        crashes = attempt.crashes + 1
        if crashes < _CRASH_LIMIT:
            recorder.progress.note(f"{item.name}: its worker process died; retrying it in a fresh one")
            queue.appendleft(_Attempt(attempt.job, crashes))
        else:
            recorder.failed(item, f"{item.path}: the worker process died while replaying it, {crashes} times "
                                  f"(killed, out of memory, or a crash in a decoder); not retried")
        return
    except Exception as exc:  # an unexpected error inside the worker: this call only
        report, error = None, f"{item.path}: worker failed ({type(exc).__name__}: {exc})"
    if report is None:
        recorder.failed(item, error)
    else:
        recorder.replayed(attempt.job, report, took_s)


def _with_threads(config: dict, threads: int) -> dict:
    asr = dict(config["asr"])
    if not asr.get("threads"):
        asr["threads"] = threads
    return {**config, "asr": asr}
