"""Matching reported nudges to labels, and precision, recall and false alarms per kind.

Every nudge and kudos of a scored kind in a report must be expected by its
case (a hit), fall on a moment the case allows (tolerated: borderline, counts
neither way), or it is a false alarm; every expectation must be met by one of
the same kind (otherwise a miss). The kinds come from the catalogue of
``service.coaching.kinds``. Timing kinds (interruption, dead_air) are scored
only in cases whose turn timings are realistic (``timing: true``): the older
synthetic cases place turns without caring about gaps and overlaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..coaching import KUDOS_KINDS, NUDGE_KINDS, TIMING_KINDS
from .cases import Case, Expected

__all__ = [
    "SCORED_KINDS",
    "TIMING_KINDS",
    "EvaluationSettings",
    "CaseResult",
    "KindScore",
    "SuiteScore",
    "score_case",
    "summarize",
    "suite_score",
]

# Scored in every case; TIMING_KINDS only where the case says its timings are realistic.
SCORED_KINDS = NUDGE_KINDS + KUDOS_KINDS


@dataclass(frozen=True, slots=True)
class EvaluationSettings:
    """Targets and matching tolerance (``[evaluation]`` in config/coaching.toml)."""

    min_precision: float
    min_recall: float
    time_tolerance_s: float
    max_false_alarms_per_call: float

    @classmethod
    def from_config(cls, section: dict) -> "EvaluationSettings":
        return cls(
            float(section["min_precision"]),
            float(section["min_recall"]),
            float(section["time_tolerance_s"]),
            float(section["max_false_alarms_per_call"]),
        )


@dataclass(frozen=True, slots=True)
class CaseResult:
    """What one case got right and wrong: (kind, t) pairs."""

    case: Case
    hits: tuple[tuple[str, float], ...]
    false_positives: tuple[tuple[str, float], ...]
    misses: tuple[Expected, ...]
    tolerated: tuple[tuple[str, float], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.false_positives and not self.misses


@dataclass(slots=True)
class KindScore:
    kind: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    cases: set[str] = field(default_factory=set)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def meets(self, settings: EvaluationSettings) -> bool:
        """Below target when measured and low; a kind never expected nor raised has nothing to miss."""
        p, r = self.precision, self.recall
        return (p is None or p >= settings.min_precision) and (r is None or r >= settings.min_recall)


@dataclass(frozen=True, slots=True)
class SuiteScore:
    """One suite's headline: what a contact centre feels (false alarms per call) and what it gets (recall)."""

    name: str
    calls: int
    due: int
    found: int
    false_alarms: int
    tolerated: int

    @property
    def recall(self) -> float | None:
        return self.found / self.due if self.due else None

    @property
    def precision(self) -> float | None:
        raised = self.found + self.false_alarms
        return self.found / raised if raised else None

    @property
    def false_alarms_per_call(self) -> float:
        return self.false_alarms / self.calls if self.calls else 0.0


def _scored(case: Case, kind: str) -> bool:
    return kind in SCORED_KINDS or (case.timing and kind in TIMING_KINDS)


def score_case(case: Case, report: dict, tolerance: float) -> CaseResult:
    """Match the report's scored nudges and kudos to the case's labels (closest label first)."""
    reported = [
        (item["kind"], float(item["t"]))
        for item in list(report.get("nudges", [])) + list(report.get("kudos", []))
        if _scored(case, item["kind"])
    ]
    pending = list(case.expect)
    hits, false_positives, tolerated = [], [], []
    for kind, t in sorted(reported, key=lambda kt: kt[1]):
        candidates = [e for e in pending if e.matches(kind, t, tolerance)]
        if candidates:
            pending.remove(min(candidates, key=lambda e: e.distance(t)))
            hits.append((kind, t))
        elif any(a.matches(kind, t, tolerance) for a in case.allowed):
            tolerated.append((kind, t))
        else:
            false_positives.append((kind, t))
    return CaseResult(case, tuple(hits), tuple(false_positives), tuple(pending), tuple(tolerated))


def summarize(results: list[CaseResult]) -> dict[str, KindScore]:
    """Per-kind tallies over all cases (scored kinds first, then timing kinds), plus ``overall``."""
    scores = {kind: KindScore(kind) for kind in SCORED_KINDS}
    if any(r.case.timing for r in results):
        scores.update({kind: KindScore(kind) for kind in TIMING_KINDS})
    for result in results:
        for kind, _ in result.hits:
            scores[kind].tp += 1
            scores[kind].cases.add(result.case.id)
        for kind, _ in result.false_positives:
            scores[kind].fp += 1
        for expected in result.misses:
            scores.setdefault(expected.kind, KindScore(expected.kind)).fn += 1
            scores[expected.kind].cases.add(result.case.id)
    overall = KindScore("overall")
    for score in scores.values():
        overall.tp, overall.fp, overall.fn = overall.tp + score.tp, overall.fp + score.fp, overall.fn + score.fn
    scores["overall"] = overall
    return scores


def suite_score(name: str, results: list[CaseResult]) -> SuiteScore:
    overall = summarize(results)["overall"]
    return SuiteScore(
        name, len(results), overall.tp + overall.fn, overall.tp, overall.fp, sum(len(r.tolerated) for r in results)
    )
