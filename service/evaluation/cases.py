"""Labelled cases: the transcript input of the DESIGN contract plus the expected nudges.

A case file is a transcript document with a few more keys (see
tests/data/README.md): ``id``, ``description``, ``expect`` (every nudge or
kudos of a scored kind the case should produce, with its call time) and
optional ``tags``. Whatever is not expected is expected absent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["CaseError", "Expected", "Case", "parse_case", "load_cases"]


class CaseError(ValueError):
    """A case file is unreadable or malformed; the message names the file."""


@dataclass(frozen=True, slots=True)
class Expected:
    """One nudge or kudos the case must produce: its kind and call time (None: any time)."""

    kind: str
    t: float | None


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    source: str
    doc: dict
    expect: tuple[Expected, ...]
    tags: tuple[str, ...] = ()

    @property
    def language(self) -> str:
        return str(self.doc.get("language", ""))


def parse_case(doc: Any, source: str) -> Case:
    """Validate the evaluation keys of a case (the transcript itself is validated by replay)."""
    if not isinstance(doc, dict):
        raise CaseError(f"{source}: a case must be a JSON object")
    expect = doc.get("expect", [])
    if not isinstance(expect, list):
        raise CaseError(f"{source}: 'expect' must be a list of {{kind, t}}")
    items = []
    for i, item in enumerate(expect):
        if not isinstance(item, dict) or not isinstance(item.get("kind"), str):
            raise CaseError(f"{source}: expect[{i}] needs a string 'kind'")
        t = item.get("t")
        if t is not None and (isinstance(t, bool) or not isinstance(t, (int, float))):
            raise CaseError(f"{source}: expect[{i}].t must be a number or null")
        items.append(Expected(item["kind"], None if t is None else float(t)))
    tags = doc.get("tags", [])
    return Case(str(doc.get("id") or Path(source).stem), source, doc, tuple(items), tuple(str(t) for t in tags))


def load_cases(folder: str | Path) -> list[Case]:
    """Every ``*.json`` case under ``folder`` (recursively), sorted by path.

    A JSON file without an ``expect`` key is a plain transcript, not a case
    (other tests keep their inputs beside the cases), and is skipped.
    """
    root = Path(folder)
    if not root.is_dir():
        raise CaseError(f"{root}: not a folder of case files")
    cases = []
    for path in sorted(root.rglob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CaseError(f"{path}: {exc}") from None
        if isinstance(doc, dict) and "expect" not in doc:
            continue
        cases.append(parse_case(doc, str(path)))
    if not cases:
        raise CaseError(f"{root}: no *.json case files")
    return cases
