"""Labelled transcript cases -> precision and recall of the coaching rules per kind.

Cases go through the full transcript replay (``service.replay.transcript``),
gate included, so the figures are those a QA team would see in reports.
"""

from .cases import Case, CaseError, Expected, load_cases, parse_case
from .scoring import (
    SCORED_KINDS,
    TIMING_KINDS,
    CaseResult,
    EvaluationSettings,
    KindScore,
    SuiteScore,
    score_case,
    suite_score,
    summarize,
)

__all__ = [
    "Case",
    "CaseError",
    "Expected",
    "load_cases",
    "parse_case",
    "SCORED_KINDS",
    "TIMING_KINDS",
    "SuiteScore",
    "suite_score",
    "CaseResult",
    "EvaluationSettings",
    "KindScore",
    "score_case",
    "summarize",
]
