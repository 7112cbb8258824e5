"""Labelled cases: a transcript as ``coach replay`` reads it, plus the expected nudges.

A case file is a transcript document with a few more keys (see
tests/data/README.md): ``id``, ``description``, ``expect`` (every nudge or
kudos of a scored kind the case should produce), ``allowed`` (borderline
moments where one may fire without counting as a false alarm), ``timing``
(whether the turn timings are realistic enough to score interruptions and
dead air too) and optional ``tags``. Whatever is neither expected nor allowed
is expected absent. A label names a kind of the catalogue
(``service.coaching.kinds``); any other name is a typo and an error.

An expectation is pinned to an exact call time ``t`` (synthetic cases written
against the firing conventions), to any time (``t: null``), or to a
``window: [from, to]`` (a reviewer's judgment on a real call: "due during this
silence", "due for this turn"), which is how real calls are labelled.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..coaching.kinds import BY_NAME

__all__ = ["CaseError", "Expected", "Case", "parse_case", "load_cases"]


class CaseError(ValueError):
    """A case file is unreadable or malformed; the message names the file."""


@dataclass(frozen=True, slots=True)
class Expected:
    """One nudge or kudos a case is labelled with: its kind and when it may fire.

    ``t``: exact call time (None: any time, unless ``window`` is given);
    ``window``: the span of call time within which it fires.
    """

    kind: str
    t: float | None
    window: tuple[float, float] | None = None

    def matches(self, kind: str, t: float, tolerance: float) -> bool:
        if kind != self.kind:
            return False
        if self.window is not None:
            return self.window[0] - tolerance <= t <= self.window[1] + tolerance
        return self.t is None or abs(self.t - t) <= tolerance

    def distance(self, t: float) -> float:
        """How far ``t`` is from the label (for picking the closest of several candidates)."""
        if self.window is not None:
            return max(0.0, self.window[0] - t, t - self.window[1])
        return 0.0 if self.t is None else abs(self.t - t)

    def describe(self) -> str:
        if self.window is not None:
            return f" in [{self.window[0]:.2f}, {self.window[1]:.2f}]"
        return "" if self.t is None else f" at t={self.t:.2f}"


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    source: str
    doc: dict
    expect: tuple[Expected, ...]
    tags: tuple[str, ...] = ()
    allowed: tuple[Expected, ...] = ()
    timing: bool = False

    @property
    def language(self) -> str:
        return str(self.doc.get("language", ""))


def _time(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CaseError(f"{where} must be a number")
    return float(value)


def _expectations(doc: dict, key: str, source: str) -> tuple[Expected, ...]:
    items = doc.get(key, [])
    if not isinstance(items, list):
        raise CaseError(f"{source}: '{key}' must be a list of {{kind, t}} or {{kind, window}}")
    out = []
    for i, item in enumerate(items):
        where = f"{source}: {key}[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("kind"), str):
            raise CaseError(f"{where} needs a string 'kind'")
        if item["kind"] not in BY_NAME:
            raise CaseError(f"{where}: unknown kind {item['kind']!r}; known: {', '.join(BY_NAME)}")
        window = item.get("window")
        if window is not None:
            if not isinstance(window, list) or len(window) != 2:
                raise CaseError(f"{where}.window must be [from, to]")
            lo, hi = _time(window[0], f"{where}.window[0]"), _time(window[1], f"{where}.window[1]")
            if hi < lo:
                raise CaseError(f"{where}.window ends before it starts")
            out.append(Expected(item["kind"], None, (lo, hi)))
            continue
        t = item.get("t")
        out.append(Expected(item["kind"], None if t is None else _time(t, f"{where}.t")))
    return tuple(out)


def parse_case(doc: Any, source: str) -> Case:
    """Validate the evaluation keys of a case (the transcript itself is validated by replay)."""
    if not isinstance(doc, dict):
        raise CaseError(f"{source}: a case must be a JSON object")
    tags = doc.get("tags", [])
    return Case(
        str(doc.get("id") or Path(source).stem),
        source,
        doc,
        _expectations(doc, "expect", source),
        tuple(str(t) for t in tags),
        _expectations(doc, "allowed", source),
        bool(doc.get("timing", False)),
    )


def load_cases(folder: str | Path) -> list[Case]:
    """Every ``*.json`` case under ``folder`` (recursively), sorted by path.

    A JSON file without an ``expect`` key is a plain transcript, not a case
    (other tests keep their inputs beside the cases, and real calls keep their
    raw source), and is skipped.
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
