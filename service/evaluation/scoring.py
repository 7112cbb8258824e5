"""Matching reported nudges to expectations, and precision/recall per kind.

Every nudge and kudos of a scored kind in a report must be expected by its
case (otherwise it is a false positive), and every expectation must be met by
one of the same kind within ``time_tolerance_s`` (otherwise a false negative).
Timing kinds (interruption, dead_air) come from the dynamics, not from the
rules under evaluation, and are not scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..coaching import KUDOS_KINDS, NUDGE_KINDS
from .cases import Case, Expected

__all__ = ["SCORED_KINDS", "EvaluationSettings", "CaseResult", "KindScore", "score_case", "summarize"]

SCORED_KINDS = NUDGE_KINDS + KUDOS_KINDS


@dataclass(frozen=True, slots=True)
class EvaluationSettings:
    """Targets and matching tolerance (``[evaluation]`` in config/coaching.toml)."""

    min_precision: float
    min_recall: float
    time_tolerance_s: float

    @classmethod
    def from_config(cls, section: dict) -> "EvaluationSettings":
        return cls(float(section["min_precision"]), float(section["min_recall"]), float(section["time_tolerance_s"]))


@dataclass(frozen=True, slots=True)
class CaseResult:
    """What one case got right and wrong: (kind, t) pairs."""

    case: Case
    hits: tuple[tuple[str, float], ...]
    false_positives: tuple[tuple[str, float], ...]
    misses: tuple[Expected, ...]

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


def score_case(case: Case, report: dict, tolerance: float) -> CaseResult:
    """Match the report's scored nudges and kudos to the case's expectations (closest time first)."""
    reported = [
        (item["kind"], float(item["t"]))
        for item in list(report.get("nudges", [])) + list(report.get("kudos", []))
        if item["kind"] in SCORED_KINDS
    ]
    pending = list(case.expect)
    hits, false_positives = [], []
    for kind, t in sorted(reported, key=lambda kt: kt[1]):
        candidates = [e for e in pending if e.kind == kind and (e.t is None or abs(e.t - t) <= tolerance)]
        if candidates:
            best = min(candidates, key=lambda e: 0.0 if e.t is None else abs(e.t - t))
            pending.remove(best)
            hits.append((kind, t))
        else:
            false_positives.append((kind, t))
    return CaseResult(case, tuple(hits), tuple(false_positives), tuple(pending))


def summarize(results: list[CaseResult]) -> dict[str, KindScore]:
    """Per-kind tallies over all cases, in the order of SCORED_KINDS, plus ``overall``."""
    scores = {kind: KindScore(kind) for kind in SCORED_KINDS}
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
