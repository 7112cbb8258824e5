"""Batch progress a person or a scheduler can follow: calls done, audio hours, speed, ETA and failures.

Why one line: a QA batch runs thousands of calls; on a terminal the line is
rewritten in place, so the screen shows where the batch stands, and only
what needs attention (a failed call, a retry) stays on screen above it. In a
log (stderr not a terminal) every update is a line of its own, so the log
keeps each call's outcome. ``--json-progress`` prints one JSON object per
update instead, for schedulers (the keys: docs/reports.md). Local and
cluster batches report through the same :class:`Progress`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Literal, TextIO, get_args

__all__ = ["CallOutcome", "Event", "Progress", "Snapshot"]

CallOutcome = Literal["replayed", "skipped", "failed"]
Kind = Literal[CallOutcome, "retry", "note", "end"]
_OUTCOMES = get_args(CallOutcome)
_SECONDS_PER_HOUR = 3600
_CLEAR_LINE = "\r\x1b[K"  # back to the line's start and erase it (ANSI; every terminal emulator in use)
_DECIMALS = 3  # of the JSON figures: a millisecond, a thousandth of a real-time factor
_NARROWEST = 20  # never cut the live line shorter than this, whatever the terminal claims


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Where a batch stands. ``speed_x``: audio seconds replayed per wall second; ``eta_s``: None while unknown."""

    done: int
    total: int
    replayed: int
    skipped: int
    failed: int
    retries: int
    audio_s: float
    elapsed_s: float
    speed_x: float | None
    eta_s: float | None


@dataclass(frozen=True, slots=True)
class Event:
    """What changed: a call's outcome (``call`` is its output name), a retry, a note, or the batch's end."""

    kind: Kind
    message: str
    call: str | None = None


class Progress:
    """Counts a batch's outcomes and shows each update (default: on ``sys.stderr`` of now).

    ``total`` is set again by :meth:`begin`, which the batch calls with the
    number of distinct inputs; ``clock`` is for tests.
    """

    def __init__(self, total: int = 0, stream: TextIO | None = None, *, as_json: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        stream = stream or sys.stderr
        self._display = _JsonLines(stream) if as_json else _TextLine(stream)
        self._clock = clock
        self.begin(total)

    def begin(self, total: int) -> None:
        self.total, self.replayed, self.skipped, self.failed, self.retries, self.audio_s = total, 0, 0, 0, 0, 0.0
        self._started = self._work_started = self._clock()

    def update(self, kind: CallOutcome, call: str, message: str, audio_s: float = 0.0) -> None:
        """One call finished: replayed (``audio_s`` long), skipped as up to date, or failed (``message``: why)."""
        if kind == "replayed":
            self.replayed += 1
            self.audio_s += audio_s
        elif kind == "skipped":
            self.skipped += 1
            if not self._worked:  # up-to-date calls come first and take no replay: the ETA counts from after them
                self._work_started = self._clock()
        else:
            self.failed += 1
        self._display.show(Event(kind, message, call), self.snapshot())

    def retry(self, call: str, message: str) -> None:
        self.retries += 1
        self._display.show(Event("retry", message, call), self.snapshot())

    def note(self, message: str) -> None:
        """A line about the batch, not about one call."""
        self._display.show(Event("note", message), self.snapshot())

    def end(self, out_dir: Path) -> None:
        """The closing line: counts, audio hours, time taken, where the reports are."""
        snap = self.snapshot()
        message = (f"replayed {snap.replayed}, skipped {snap.skipped} up to date, failed {snap.failed} of "
                   f"{snap.done} inputs; {snap.audio_s / _SECONDS_PER_HOUR:.2f} h audio in {snap.elapsed_s:.1f} s; "
                   f"reports in {out_dir}")
        self._display.show(Event("end", message), snap)

    @property
    def _worked(self) -> int:
        return self.replayed + self.failed

    def snapshot(self) -> Snapshot:
        now = self._clock()
        elapsed, working = now - self._started, now - self._work_started
        done = self._worked + self.skipped
        speed = self.audio_s / elapsed if self.audio_s and elapsed > 0 else None
        pace = working / self._worked if self._worked else None  # wall seconds per call replayed or failed
        eta = 0.0 if done >= self.total else None if pace is None else (self.total - done) * pace
        return Snapshot(done, self.total, self.replayed, self.skipped, self.failed, self.retries, self.audio_s,
                        elapsed, speed, eta)


def _status_text(snap: Snapshot) -> str:
    """``[done/total] 0.05 h audio, 40x real time, ETA 0:00:12, 1 failed``."""
    speed = "--" if snap.speed_x is None else f"{snap.speed_x:.0f}"
    return (f"[{snap.done}/{snap.total}] {snap.audio_s / _SECONDS_PER_HOUR:.2f} h audio, {speed}x real time, "
            f"ETA {_clock(snap.eta_s)}, {snap.failed} failed")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    seconds = int(round(seconds))
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class _TextLine:
    """For people: on a terminal one status line rewritten in place, elsewhere a line per update.

    On a terminal, failures, retries and notes are printed above the status
    line and stay; a replayed or skipped call only moves the line on. In a log
    each outcome is ``<status> | <call's message>``; retries and notes are their
    message alone (a log reader greps ``<name>:``).
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._live = stream.isatty()
        self._status_shown = False  # a note before the first call leaves no status line behind

    def show(self, event: Event, snap: Snapshot) -> None:
        status = _status_text(snap)
        per_call = f"{status} | {event.message}"
        if not self._live:
            text = f"{per_call if event.kind in _OUTCOMES else event.message}\n"
        elif event.kind == "end":
            text = f"{_CLEAR_LINE}{event.message}\n"
        elif event.kind in ("replayed", "skipped"):
            text = _CLEAR_LINE + self._fit(per_call)
        else:  # a failure, retry or note stays on screen above the status line
            redraw = event.kind != "note" or self._status_shown
            text = f"{_CLEAR_LINE}{event.message}\n{self._fit(status) if redraw else ''}"
        if event.kind != "note":
            self._status_shown = event.kind != "end"
        self._stream.write(text)
        self._stream.flush()

    def _fit(self, line: str) -> str:
        """``line`` cut to the terminal's width: a wrapped line could no longer be rewritten in place."""
        try:
            width = os.get_terminal_size(self._stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            return line
        return line[:max(width - 1, _NARROWEST)]


class _JsonLines:
    """For schedulers: one JSON object per update, ``event``, ``call`` and ``message`` then the :class:`Snapshot`."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def show(self, event: Event, snap: Snapshot) -> None:
        figures = {key: round(value, _DECIMALS) if isinstance(value, float) else value
                   for key, value in asdict(snap).items()}
        record = {"event": event.kind, "call": event.call, "message": event.message, **figures}
        print(json.dumps(record, ensure_ascii=False), file=self._stream, flush=True)
