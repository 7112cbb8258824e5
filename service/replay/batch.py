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

Where calls run is a :class:`Workers`: local processes here
(:class:`LocalWorkers`) or actors on a Ray cluster (:mod:`.cluster`). The
batch's naming, freshness, per-file errors, retry of a lost call and
progress are the same for both, in this module.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, deque
from collections.abc import Collection, Hashable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, ClassVar, Protocol

from ..asr import AsrSettings, DecodeScheduler, load_transcriber
from ..coaching.bias import decoder_vocabulary
from ..call import settings_echo
from ..media.audio import AudioFileError
from .identity import IdentityError, call_identity, input_content
from .progress import Progress
from .recording import ReplayError, replay_recording
from .transcript import TranscriptError, replay_transcript

__all__ = ["BatchInput", "BatchOptions", "BatchResult", "LocalWorkers", "Progress", "ReplayFailure", "Task",
           "TaskResult", "WorkerLost", "Workers", "name_outputs", "replay_one", "replay_options", "replay_task",
           "report_path", "run_batch", "worker_init"]

_EXPECTED_ERRORS = (AudioFileError, ReplayError, TranscriptError, IdentityError, OSError, json.JSONDecodeError,
                    UnicodeDecodeError)
_CRASH_LIMIT = 2  # a call whose worker died this many times is failed, not retried again
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
            "decode": config["replay"]["decode"],
            "identity": {key: config["reports"][key] for key in ("filename_pattern", "sidecar_suffix")}}


# -- one call -----------------------------------------------------------------------------

_worker_state: dict = {}


def _engine(config: dict, speed: float | None) -> dict:
    """Transcription for this process, made once: a direct transcriber (max speed) or a scheduler."""
    if "kwargs" not in _worker_state:
        settings = AsrSettings.from_config(config["asr"])
        transcriber = load_transcriber(settings, decoder_vocabulary(config))
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


def worker_init(threads: int) -> None:
    """Set up a worker process before its transcriber loads: CTranslate2 reads its thread count from the environment."""
    os.environ["OMP_NUM_THREADS"] = str(threads)


@dataclass(frozen=True, slots=True)
class Task:
    """One call for a worker: what :func:`replay_task` needs (sent to another process or machine, so plain data)."""

    path: Path
    config: dict
    language: str | None
    speed: float | None
    agent_id: str


@dataclass(frozen=True, slots=True)
class TaskResult:
    """A call a worker finished: its report, or the one-line reason it failed."""

    report: dict | None
    error: str = ""


def replay_task(task: Task) -> TaskResult:
    """What every worker runs for a call, local or on a cluster."""
    try:
        return TaskResult(replay_one(task.path, task.config, task.language, task.speed, agent_id=task.agent_id))
    except ReplayFailure as exc:
        return TaskResult(None, str(exc))


# -- the batch ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Job:
    """An input to replay and the ``input`` record its report will carry."""

    item: BatchInput
    record: dict


@dataclass(slots=True)
class _Recorder:
    """Where every outcome goes, wherever the calls run: the result, ``on_report`` and the progress."""

    result: BatchResult
    progress: Progress
    on_report: Callable[[BatchInput, dict], None]

    def skipped(self, item: BatchInput, report: dict) -> None:
        self.result.skipped.append((item, report))
        self.progress.update("skipped", item.name, f"{item.name}: report up to date, skipped (--force to redo)")

    def failed(self, item: BatchInput, error: str) -> None:
        self.result.failures.append((item, error))
        self.progress.update("failed", item.name, f"error: {error}")

    def replayed(self, job: _Job, report: dict, took_s: float) -> None:
        report["input"] = job.record
        self.on_report(job.item, report)
        self.result.reports.append((job.item, report))
        self.progress.update("replayed", job.item.name,
                             f"{job.item.name}: {report['duration']:.1f} s, {len(report['nudges'])} nudges, "
                             f"{len(report['kudos'])} kudos, replayed in {took_s:.1f} s", report["duration"])


def run_batch(files: list[Path], config: dict, options: BatchOptions, *,
              on_report: Callable[[BatchInput, dict], None], sink=None, agent_id: str = "",
              progress: Progress | None = None, workers: Callable[[int], Workers] | None = None) -> BatchResult:
    """Replay ``files``; ``on_report(item, report)`` runs in this process for each success, to save it.

    ``workers(count)`` makes where the calls run (default: :class:`LocalWorkers`,
    or this process for one worker, one call or a live ``sink``); ``count``
    is ``options.workers``, or fewer when fewer calls need replaying.
    """
    items = name_outputs(files)
    progress = progress or Progress()
    progress.begin(len(items))
    recorder = _Recorder(BatchResult(), progress, on_report)
    jobs = _stale_jobs(items, config, options, agent_id, recorder)
    if sink is not None or (workers is None and (options.workers <= 1 or len(jobs) <= 1)):
        _run_here(jobs, config, options, sink, agent_id, recorder)
    elif jobs:
        pool = (workers or LocalWorkers.for_this_machine)(min(options.workers, len(jobs)))
        _run_on(pool, jobs, config, options, agent_id, recorder)
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


class WorkerLost(Exception):
    """The worker running a call died (killed, out of memory, a crash in a decoder, its machine lost)."""


class Workers(Protocol):
    """Where a batch's calls run in parallel, one call per worker at a time, each with :func:`replay_task`.

    :func:`run_batch` hands calls to idle workers and collects what
    :meth:`wait` returns; a worker that died is replaced by the implementation,
    and its call is retried once by the batch. ``noun`` and ``causes`` word
    the retry and failure lines.
    """

    noun: ClassVar[str]
    causes: ClassVar[str]
    threads: int  # CTranslate2 threads of each worker

    def idle(self) -> bool: ...

    def submit(self, task: Task) -> Hashable:
        """Start ``task`` on an idle worker; the handle is what :meth:`wait` returns it by."""

    def wait(self, running: Collection[Hashable]) -> list[tuple[Hashable, TaskResult | BaseException]]:
        """Calls that finished, once one has (or a worker became idle): a :class:`TaskResult`,
        :class:`WorkerLost`, or the unexpected exception the worker raised."""

    def close(self) -> None: ...


class LocalWorkers:
    """Worker processes on this machine, each alone in a single-process pool.

    Why not one pool of N: when any process of a ``ProcessPoolExecutor`` dies
    the whole pool is broken and every call in it fails. With a pool per
    process a death is pinned on the one call that process was running, and
    only that pool is rebuilt.
    """

    noun = "worker process"
    causes = "killed, out of memory, or a crash in a decoder"

    def __init__(self, count: int, threads: int) -> None:
        self.threads = threads
        self._idle = [self._new() for _ in range(count)]
        self._busy: dict[Future, ProcessPoolExecutor] = {}

    @classmethod
    def for_this_machine(cls, count: int) -> LocalWorkers:
        """``count`` processes sharing this machine's cores between their CTranslate2 threads."""
        return cls(count, max(1, (os.cpu_count() or 1) // count))

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=worker_init,
                                   initargs=(self.threads,))

    def _replace(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        broken.shutdown()
        return self._new()

    def idle(self) -> bool:
        return bool(self._idle)

    def submit(self, task: Task) -> Future:
        """Run ``task`` on an idle process (a fresh one if that one died idle)."""
        pool = self._idle.pop()
        try:
            future = pool.submit(replay_task, task)
        except BrokenProcessPool:
            pool = self._replace(pool)
            future = pool.submit(replay_task, task)
        self._busy[future] = pool
        return future

    def wait(self, running: Collection[Future]) -> list[tuple[Future, TaskResult | BaseException]]:
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        return [(future, self._release(future)) for future in done]

    def _release(self, future: Future) -> TaskResult | BaseException:
        """The finished future's outcome; its process is idle again, or replaced when it died."""
        pool = self._busy.pop(future)
        error = future.exception()
        if isinstance(error, BrokenProcessPool):
            pool, error = self._replace(pool), WorkerLost()
        self._idle.append(pool)
        return future.result() if error is None else error

    def close(self) -> None:
        for pool in [*self._idle, *self._busy.values()]:
            pool.shutdown(cancel_futures=True)


@dataclass(frozen=True, slots=True)
class _Attempt:
    job: _Job
    crashes: int = 0  # workers that died running this call so far


def _run_on(workers: Workers, jobs: list[_Job], config: dict, options: BatchOptions, agent_id: str,
            recorder: _Recorder) -> None:
    """Replay ``jobs`` on ``workers``: each idle worker takes the next call; a lost call goes first in line again."""
    config = _with_threads(config, workers.threads)
    queue = deque(_Attempt(job) for job in jobs)
    running: dict[Hashable, tuple[_Attempt, float]] = {}  # and when it was handed to a worker
    try:
        while queue or running:
            while queue and workers.idle():
                attempt = queue.popleft()
                task = Task(attempt.job.item.path, config, options.language, options.speed, agent_id)
                running[workers.submit(task)] = attempt, time.monotonic()
            for handle, outcome in workers.wait(running):
                attempt, started = running.pop(handle)
                _collect(outcome, attempt, time.monotonic() - started, queue, recorder, workers)
    finally:
        workers.close()


def _collect(outcome: TaskResult | BaseException, attempt: _Attempt, took_s: float, queue: deque[_Attempt],
             recorder: _Recorder, workers: Workers) -> None:
    """Record a finished call; one whose worker died goes back to the front of the queue, up to a limit."""
    item = attempt.job.item
    if isinstance(outcome, WorkerLost):
        crashes = attempt.crashes + 1
        if crashes < _CRASH_LIMIT:
            recorder.progress.retry(item.name, f"{item.name}: its {workers.noun} died; retrying it in a fresh one")
            queue.appendleft(_Attempt(attempt.job, crashes))
        else:
            recorder.failed(item, f"{item.path}: the {workers.noun} died while replaying it, {crashes} times "
                                  f"({workers.causes}); not retried")
    elif isinstance(outcome, BaseException):  # an unexpected error inside the worker: this call only
        recorder.failed(item, f"{item.path}: worker failed ({type(outcome).__name__}: {outcome})")
    elif outcome.report is None:
        recorder.failed(item, outcome.error)
    else:
        recorder.replayed(attempt.job, outcome.report, took_s)


def _with_threads(config: dict, threads: int) -> dict:
    asr = dict(config["asr"])
    if not asr.get("threads"):
        asr["threads"] = threads
    return {**config, "asr": asr}
