"""Atomic file writes: a crash or a full disk never leaves half a report behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(text: str, target: Path) -> Path:
    """Write ``text`` to ``target`` via a temporary file in the same folder and ``os.replace``.

    Readers (QA tools polling the reports folder, a batch resume) see either
    the old file or the whole new one, never a prefix of it.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
