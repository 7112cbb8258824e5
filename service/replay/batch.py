"""Batch replay: many recordings, in parallel worker processes, resumable, with progress.

Each worker process loads its own transcriber once (CTranslate2 threads split
between workers) and replays whole calls; the parent writes the reports, so a
crash of one worker costs one call, never a half-written report. A call whose
report is newer than its input is skipped unless ``force``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, TextIO

from ..asr import AsrSettings, DecodeScheduler, load_transcriber
from ..media.audio import AudioFileError
from .identity import IdentityError, call_identity
from .recording import ReplayError, replay_recording
from .transcript import TranscriptError, replay_transcript

__all__ = ["BatchOptions", "BatchResult", "Progress", "ReplayFailure", "replay_one", "run_batch", "report_path"]

_EXPECTED_ERRORS = (AudioFileError, ReplayError, TranscriptError, IdentityError, OSError, json.JSONDecodeError,
                    UnicodeDecodeError)


class ReplayFailure(Exception):
    """One input could not be replayed; ``str()`` is the one-line reason."""


@dataclass(frozen=True, slots=True)
class BatchOptions:
    out_dir: Path
    language: str | None = None
    speed: float | None = None
    workers: int = 1
    force: bool = False


@dataclass(slots=True)
class BatchResult:
    reports: list[tuple[Path, dict]] = field(default_factory=list)
    skipped: list[tuple[Path, dict]] = field(default_factory=list)
    failures: list[tuple[Path, str]] = field(default_factory=list)


def report_path(out_dir: Path, path: Path) -> Path:
    return out_dir / f"{path.stem}.coach.json"


class Progress:
    """One line per finished call: count, audio hours done, speed and ETA."""

    def __init__(self, total: int, stream: TextIO = sys.stderr) -> None:
        self.total, self.done, self.audio_s = total, 0, 0.0
        self._started = time.monotonic()
        self._stream = stream

    def update(self, path: Path, message: str, audio_s: float = 0.0) -> None:
        self.done += 1
        self.audio_s += audio_s
        elapsed = time.monotonic() - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        speed = self.audio_s / elapsed if elapsed > 0 else 0.0
        print(f"[{self.done}/{self.total}] {message} | {self.audio_s / 3600:.2f} h audio, "
              f"{speed:.0f}x real time, ETA {_clock(eta)}", file=self._stream, flush=True)


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
        text = " ".join(str(exc).split())
        raise ReplayFailure(text if str(path) in text else f"{path}: {text}") from None


def _worker_init(threads: int) -> None:
    os.environ["OMP_NUM_THREADS"] = str(threads)


def _worker_task(path: Path, config: dict, language: str | None, speed: float | None,
                 agent_id: str) -> tuple[dict | None, str]:
    try:
        return replay_one(path, config, language, speed, agent_id=agent_id), ""
    except ReplayFailure as exc:
        return None, str(exc)


# -- the batch ----------------------------------------------------------------------------

def run_batch(files: list[Path], config: dict, options: BatchOptions, *,
              on_report: Callable[[Path, dict], None], sink=None, agent_id: str = "",
              progress: Progress | None = None) -> BatchResult:
    """Replay ``files``; ``on_report(path, report)`` runs in this process for each success."""
    result = BatchResult()
    progress = progress or Progress(len(files))
    todo = []
    for path in files:
        existing = report_path(options.out_dir, path)
        if not options.force and _fresh(existing, path):
            report = json.loads(existing.read_text(encoding="utf-8"))
            result.skipped.append((path, report))
            progress.update(path, f"{path.name}: report up to date, skipped (--force to redo)")
        else:
            todo.append(path)

    def finished(path: Path, report: dict | None, error: str) -> None:
        if report is None:
            result.failures.append((path, error))
            progress.update(path, f"error: {error}")
            return
        on_report(path, report)
        result.reports.append((path, report))
        progress.update(path, f"{path.name}: {report['duration']:.1f} s, {len(report['nudges'])} nudges, "
                              f"{len(report['kudos'])} kudos", report["duration"])

    if options.workers <= 1 or len(todo) <= 1 or sink is not None:
        try:
            for path in todo:
                try:
                    finished(path, replay_one(path, config, options.language, options.speed, sink, agent_id), "")
                except ReplayFailure as exc:
                    finished(path, None, str(exc))
        finally:
            close_engine()
        return result

    threads = max(1, (os.cpu_count() or 1) // options.workers)
    config = _with_threads(config, threads)
    with ProcessPoolExecutor(options.workers, mp_context=get_context("spawn"), initializer=_worker_init,
                             initargs=(threads,)) as pool:
        pending: dict[Future, Path] = {
            pool.submit(_worker_task, path, config, options.language, options.speed, agent_id): path for path in todo
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                path = pending.pop(future)
                try:
                    report, error = future.result()
                except Exception as exc:  # a worker died (out of memory, killed): that call only
                    report, error = None, f"{path}: worker failed ({type(exc).__name__}: {exc})"
                finished(path, report, error)
    return result


def _fresh(report: Path, source: Path) -> bool:
    try:
        return report.stat().st_mtime >= source.stat().st_mtime
    except OSError:
        return False


def _with_threads(config: dict, threads: int) -> dict:
    asr = dict(config["asr"])
    if not asr.get("threads"):
        asr["threads"] = threads
    return {**config, "asr": asr}
