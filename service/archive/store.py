"""The archive folder: each report as ``<call_id>.coach.json`` and ``<call_id>.html``, durably.

Why this order and these checks:

- The call id becomes a file name, and it arrives from the network: only a
  name of POSIX portable characters (letters, digits, ``.``, ``_``, ``-``),
  not starting with a dot, is accepted, so nothing is written outside the
  folder, hidden, or over the writers' own temporary files.
- The HTML page is written before the JSON: the JSON is the archive's record
  that a report is complete, so it only appears once its page exists.
- Both go through the project's atomic writers, then are flushed to disk
  (files and folder entry) before :meth:`ReportStore.save` returns: the caller
  acknowledges the message only after that, so a crash or power cut loses
  nothing the broker believes delivered.
- A report that is already archived with the same content is not written
  again, so a redelivered message (QoS 1 is at least once) or two archivers
  sharing a folder change nothing on disk.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..call import write_report
from ..replay.html_report import ReportSettings, write_html_report

__all__ = ["ReportStore", "Saved", "UnarchivableReport"]

_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")


class UnarchivableReport(ValueError):
    """The report cannot be kept: its call id is no safe file name, or its content no page."""


@dataclass(frozen=True, slots=True)
class Saved:
    """Where a report is archived; ``written`` is False when an identical one already was."""

    path: Path
    written: bool


class ReportStore:
    """Writes reports into ``folder``; see the module docstring."""

    def __init__(self, folder: Path, page: ReportSettings) -> None:
        self.folder = folder
        self._page = page

    def open(self) -> None:
        """Create the folder and prove it writable, so a bad ``--out`` fails at start-up (raises OSError)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not os.access(self.folder, os.W_OK | os.X_OK):
            raise PermissionError(f"cannot write to {self.folder}")

    def save(self, call_id: str, report: dict[str, Any]) -> Saved:
        """Archive ``report`` under ``call_id``; raises UnarchivableReport, or OSError when the disk fails."""
        if not _SAFE_NAME.fullmatch(call_id):
            raise UnarchivableReport(f"call id {call_id[:40]!r} is not a safe file name (letters, digits, . _ -; "
                                     "at most 128; no leading dot)")
        target = self.folder / f"{call_id}.coach.json"
        if _holds(target, report):
            return Saved(target, written=False)
        try:
            page = write_html_report(report, self.folder, call_id, settings=self._page)
        except OSError:
            raise
        except Exception as exc:  # a report shaped unlike the contract: the renderer's error says how
            raise UnarchivableReport(f"report cannot be rendered ({type(exc).__name__}: {exc})") from exc
        path = write_report(report, self.folder, call_id)
        for written in (page, path, self.folder):
            _sync(written)
        return Saved(path, written=True)


def _holds(path: Path, report: dict[str, Any]) -> bool:
    """True when ``path`` already holds ``report`` (an unreadable or different file does not)."""
    try:
        return json.loads(path.read_bytes()) == report
    except (OSError, ValueError):
        return False


def _sync(path: Path) -> None:
    """Flush a file's data, or a folder's entries (the renames), to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
