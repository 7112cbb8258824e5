"""`coach eval DIR [DIR ...] [--config FILE]`: how the rules do on labelled calls, per suite.

Each DIR is one suite (synthetic cases, blind-written realistic calls, real
calls). For each, the failures are listed, then a per-kind table, then one
line per suite side by side: calls, due moments found, false alarms per call.

Exit status 0 when every suite meets the targets of ``[evaluation]`` (every
kind's precision and recall, and the false alarms per call), 1 when one falls
below, 2 when the cases cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, TextIO

from ..config import ConfigError
from ..replay.transcript import replay_transcript
from ..settings import load_checked_config
from .cases import Case, CaseError, load_cases
from .scoring import CaseResult, EvaluationSettings, KindScore, SuiteScore, score_case, suite_score, summarize

__all__ = ["register", "evaluate", "format_table", "format_suites", "main"]

Runner = Callable[[dict, dict, str], dict]


def evaluate(cases: list[Case], config: dict, run: Runner = replay_transcript) -> list[CaseResult]:
    """Replay every case and score it against its labels."""
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


def format_suites(suites: list[SuiteScore]) -> list[str]:
    """The suites side by side: the figures the README reports."""
    lines = [f"{'suite':<28} {'calls':>5} {'due':>5} {'found':>5} {'recall':>7} {'false':>5} {'per call':>8} "
             f"{'precision':>9} {'borderline':>10}"]
    for s in suites:
        lines.append(
            f"{s.name:<28} {s.calls:>5} {s.due:>5} {s.found:>5} {_fmt(s.recall):>7} {s.false_alarms:>5} "
            f"{s.false_alarms_per_call:>8.3f} {_fmt(s.precision):>9} {s.tolerated:>10}"
        )
    return lines


def _describe_failures(results: list[CaseResult]) -> list[str]:
    lines = []
    for r in results:
        for kind, t in r.false_positives:
            lines.append(f"{r.case.source}: unexpected {kind} at t={t:.2f}")
        for e in r.misses:
            lines.append(f"{r.case.source}: missed {e.kind}{e.describe()}")
    return lines


def main(folders: str | list[str], config_file: str | None = None, out: TextIO = sys.stdout) -> int:
    folders = [folders] if isinstance(folders, str) else list(folders)
    try:
        config = load_checked_config(config_file)
        suites = [(folder, load_cases(folder)) for folder in folders]
    except (CaseError, ConfigError) as exc:
        print(f"coach eval: {exc}", file=sys.stderr)
        return 2
    settings = EvaluationSettings.from_config(config["evaluation"])
    headlines, ok = [], True
    for folder, cases in suites:
        results = evaluate(cases, config)
        scores = summarize(results)
        headline = suite_score(Path(folder).as_posix().rstrip("/"), results)
        headlines.append(headline)
        ok = ok and all(s.meets(settings) for s in scores.values())
        ok = ok and headline.false_alarms_per_call <= settings.max_false_alarms_per_call
        languages = sorted({c.language for c in cases})
        print(f"== {headline.name}: {len(cases)} cases, languages: {', '.join(languages)}", file=out)
        for line in _describe_failures(results) + format_table(scores, settings):
            print(line, file=out)
    for line in format_suites(headlines):
        print(line, file=out)
    return 0 if ok else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval", help="false alarms, precision and recall of the coaching on labelled calls, per suite"
    )
    parser.add_argument("folders", metavar="DIR", nargs="+",
                        help="folder of labelled case files (*.json), one suite each, e.g. tests/data/real")
    parser.add_argument("--config", metavar="FILE", help="TOML file overriding the shipped defaults")
    parser.set_defaults(func=lambda args: main(args.folders, args.config))
