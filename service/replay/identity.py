"""Who and which call a replayed file is: from a sidecar JSON or the file's name.

Why two sources: call-recording exports either drop a metadata file next to
each recording (the reliable way, and where extra fields like queue or
campaign travel) or encode the agent and call in the file name. A sidecar
wins; the filename pattern is the fallback, and with neither the stem is the
call id, so every report still has one.

What a report was made from is the input's bytes and its sidecar's
(:func:`input_content`): a batch rerun compares those hashes, not file times,
so a copied or touched file is not redone and an edited one always is.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import ConfigError

__all__ = ["IdentityError", "IdentitySettings", "InputContent", "call_identity", "input_content", "sidecar_path"]

_IDS = ("call_id", "agent_id")


class IdentityError(ValueError):
    """A sidecar file exists but cannot be used; the message names the file and why."""


@dataclass(frozen=True, slots=True)
class IdentitySettings:
    """The ``[reports]`` keys that locate identifiers (see ``config/reports.toml``)."""

    filename_pattern: re.Pattern[str] | None
    sidecar_suffix: str

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> IdentitySettings:
        text = section["filename_pattern"]
        try:
            pattern = re.compile(text) if text else None
        except re.error as exc:
            raise ConfigError(f"reports.filename_pattern is not a valid regular expression: {exc}") from None
        return cls(pattern, section["sidecar_suffix"])


def call_identity(path: str | Path, config: dict) -> dict[str, Any]:
    """``{"call_id", "agent_id", ...}`` for the input file at ``path``.

    Extra sidecar keys and extra named groups of the pattern are returned too
    (as metadata). Identifiers are strings; the agent is ``""`` when unknown.
    A stem that does not match the pattern falls back to the stem as call id,
    so one oddly named file does not stop a batch.
    """
    settings = IdentitySettings.from_config(config["reports"])
    path = Path(path)
    stem = path.stem
    found: dict[str, Any] = {}
    sidecar = sidecar_path(path, settings.sidecar_suffix)
    if sidecar.is_file():
        found = _read_sidecar(sidecar)
    elif settings.filename_pattern is not None:
        match = settings.filename_pattern.search(stem)
        if match is not None:
            found = {k: v for k, v in match.groupdict().items() if v is not None}
    identity = {"call_id": stem, "agent_id": ""}
    identity.update(found)
    for key in _IDS:
        identity[key] = str(identity[key]) if identity[key] is not None else ""
    if not identity["call_id"]:
        identity["call_id"] = stem
    return identity


def sidecar_path(path: Path, suffix: str) -> Path:
    """Where the sidecar of the input at ``path`` would be: ``<stem><suffix>`` beside it."""
    return path.with_name(path.stem + suffix)


@dataclass(frozen=True, slots=True)
class InputContent:
    """SHA-256 of an input file's bytes and of its sidecar's (``None``: no sidecar)."""

    sha256: str
    sidecar_sha256: str | None


def input_content(path: Path, config: dict) -> InputContent:
    """Hash what a replay of ``path`` reads; raises ``OSError`` when the input cannot be read."""
    sidecar = sidecar_path(path, config["reports"]["sidecar_suffix"])
    return InputContent(_sha256(path), _sha256(sidecar) if sidecar.is_file() else None)


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _read_sidecar(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IdentityError(f"{path}: unreadable sidecar metadata: {exc}") from None
    if not isinstance(doc, dict):
        raise IdentityError(f"{path}: sidecar metadata must be a JSON object with call_id and agent_id")
    return doc
