"""`coach eval DIR [--config FILE]`: precision and recall of the rules on labelled cases.

Exit status 0 when every scored kind meets the targets of ``[evaluation]``,
1 when one falls below, 2 when the cases cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, TextIO

from ..config import ConfigError, load_config
from .cases import Case, CaseError, load_cases
from .scoring import CaseResult, EvaluationSettings, KindScore, score_case, summarize

__all__ = ["register", "evaluate", "format_table", "main"]

Runner = Callable[[dict, dict, str], dict]


def _replay(doc: dict, config: dict, source: str) -> dict:
    from ..replay.transcript import replay_transcript  # replay imports the whole pipeline

    return replay_transcript(doc, config, source)


def evaluate(cases: list[Case], config: dict, run: Runner = _replay) -> list[CaseResult]:
    """Replay every case and score it against its expectations."""
    tolerance = EvaluationSettings.from_config(config["evaluation"]).time_tolerance_s
    return [score_case(case, run(case.doc, config, case.source), tolerance) for case in cases]


def _fmt(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.2f}"


def format_table(scores: dict[str, KindScore], settings: EvaluationSettings) -> list[str]:
    """One line per kind: tp, fp, fn, precision, recall, and whether it meets the target."""
    lines = [f"{'kind':<22} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}  target"]
    for score in scores.values():
        verdict = "ok" if score.meets(settings) else "BELOW"
        lines.append(
            f"{score.kind:<22} {score.tp:>4} {score.fp:>4} {score.fn:>4} {_fmt(score.precision):>9} "
            f"{_fmt(score.recall):>7}  {verdict}"
        )
    return lines


def _describe_failures(results: list[CaseResult]) -> list[str]:
    lines = []
    for r in results:
        for kind, t in r.false_positives:
            lines.append(f"{r.case.source}: unexpected {kind} at t={t:.2f}")
        for e in r.misses:
            at = "" if e.t is None else f" at t={e.t:.2f}"
            lines.append(f"{r.case.source}: missed {e.kind}{at}")
    return lines


def main(folder: str, config_file: str | None = None, out: TextIO = sys.stdout) -> int:
    try:
        config = load_config(config_file)
        cases = load_cases(folder)
    except (CaseError, ConfigError) as exc:
        print(f"coach eval: {exc}", file=sys.stderr)
        return 2
    settings = EvaluationSettings.from_config(config["evaluation"])
    results = evaluate(cases, config)
    scores = summarize(results)
    languages = sorted({c.language for c in cases})
    print(f"{len(cases)} cases, languages: {', '.join(languages)}", file=out)
    for line in _describe_failures(results) + format_table(scores, settings):
        print(line, file=out)
    return 0 if all(s.meets(settings) for s in scores.values()) else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="precision/recall of the coaching rules on labelled transcript cases")
    parser.add_argument("folder", metavar="DIR", help="folder of labelled case files (*.json), e.g. tests/data")
    parser.add_argument("--config", metavar="FILE", help="TOML file overriding the shipped defaults")
    parser.set_defaults(func=lambda args: main(args.folder, args.config))
