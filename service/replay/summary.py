"""``summary.csv`` (one row per replayed call) and ``summary-teams.csv`` (one row per team), for spreadsheets.

Why the team totals are a file of their own: a spreadsheet pivot or a BI
import takes every row of a CSV as the same kind of record, so total rows
inside ``summary.csv`` would be counted as calls (and their empty call ids
would break a key). ``summary.csv`` gets a ``team`` column instead, added
after every existing column so readers by position still find theirs.
For the same reason the columns that flag calls to read with care
(``untranscribed``, ``voice_distress``, ``warnings``; see :mod:`.findings`)
come after ``team``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

from .findings import warning_tags
from .totals import call_team, kind_counts, totals_by

__all__ = ["TEAMS_FILE", "write_summary"]

TEAMS_FILE = "summary-teams.csv"
_METRICS = ("agent_talk_s", "customer_talk_s", "talk_ratio_agent", "interruptions_by_agent",
            "interruptions_by_customer", "overtalk_s", "longest_silence_s", "dead_air_s", "agent_wpm", "customer_wpm")
_DIGITS = 3  # the rounding of the reports' seconds and ratios


def write_summary(reports: list[dict], path: Path, teams: Mapping[str, Iterable[str]] | None = None) -> Path:
    """Write ``path`` (summary.csv) and :data:`TEAMS_FILE` beside it; returns ``path``.

    ``teams`` is ``[mqtt.teams]``, for calls whose report and sidecar name no
    team (see :func:`.totals.call_team`).
    """
    kinds = sorted({n["kind"] for r in reports for n in r["nudges"]})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["call_id", "agent_id", "source", "duration", "language", *_METRICS,
                         "nudges", "kudos", *(f"nudges_{k}" for k in kinds), "team",
                         "untranscribed", "voice_distress", "warnings"])
        for r in reports:
            counts = kind_counts(r["nudges"])
            writer.writerow([r["call_id"], r.get("agent_id", ""), r["source"], r["duration"], r["language"],
                             *(r["metrics"][m] for m in _METRICS), len(r["nudges"]), len(r["kudos"]),
                             *(counts.get(k, 0) for k in kinds), call_team(r, teams),
                             len(r.get("untranscribed") or []), len(r.get("voice_distress") or []), warning_tags(r)])
    _write_teams(reports, path.with_name(TEAMS_FILE), kinds, teams)
    return path


def _write_teams(reports: list[dict], path: Path, kinds: list[str], teams: Mapping[str, Iterable[str]] | None) -> None:
    """One row per team (team '' = the calls of no team), adding up summary.csv's rows of that team."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["team", "calls", "agents", "duration", "talk_ratio_agent_mean", "interruptions_by_agent",
                         "dead_air_s", "nudges", "kudos", *(f"nudges_{k}" for k in kinds)])
        for t in totals_by(reports, lambda r: call_team(r, teams)):
            writer.writerow([t.name, t.calls, len(t.agents), round(t.duration_s, _DIGITS),
                             round(t.mean_talk_ratio, _DIGITS), t.interruptions, round(t.dead_air_s, _DIGITS),
                             sum(t.nudges.values()), t.kudos, *(t.nudges.get(k, 0) for k in kinds)])
