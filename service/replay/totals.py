"""What a group of replayed calls adds up to: per agent and per team, for the summaries.

Why one module: ``summary.html`` shows agent and team tables and
``summary-teams.csv`` lists the team totals; all three must add up the same
way, so the sums live here once.

A call's team is the first of: the report's ``team`` (a live call: the
telephony ``team`` parameter or ``[mqtt.teams]``), its ``metadata.team`` (a
replayed call's sidecar file, the recording's counterpart of the telephony
parameter), the ``[mqtt.teams]`` entry listing its agent; '' when none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ..call.teams import team_of

__all__ = ["Totals", "call_team", "kind_counts", "totals_by"]


def kind_counts(events: list[dict]) -> dict[str, int]:
    """How many of ``events`` (nudges or kudos) are of each kind."""
    out: dict[str, int] = {}
    for e in events:
        out[e["kind"]] = out.get(e["kind"], 0) + 1
    return out


def call_team(report: dict, teams: Mapping[str, Iterable[str]] | None = None) -> str:
    """The team of the call ``report`` (see the module docstring); ``teams`` is ``[mqtt.teams]``."""
    told = report.get("team") or (report.get("metadata") or {}).get("team")
    return str(told) if told else team_of(teams, report.get("agent_id", ""))


@dataclass(slots=True)
class Totals:
    """What one group's calls add up to (built by :func:`totals_by`); ``name`` is the group's key."""

    name: str
    calls: int = 0
    agents: set[str] = field(default_factory=set)
    duration_s: float = 0.0
    talk_ratio_sum: float = 0.0
    interruptions: int = 0
    dead_air_s: float = 0.0
    kudos: int = 0
    nudges: dict[str, int] = field(default_factory=dict)

    @property
    def mean_talk_ratio(self) -> float:
        return self.talk_ratio_sum / self.calls if self.calls else 0.0

    def add(self, report: dict) -> None:
        """Count one call in (interruptions are the agent's own)."""
        self.calls += 1
        self.agents.add(report.get("agent_id", ""))
        self.duration_s += float(report["duration"])
        self.talk_ratio_sum += float(report["metrics"]["talk_ratio_agent"])
        self.interruptions += int(report["metrics"]["interruptions_by_agent"])
        self.dead_air_s += float(report["metrics"]["dead_air_s"])
        self.kudos += len(report["kudos"])
        for kind, n in kind_counts(report["nudges"]).items():
            self.nudges[kind] = self.nudges.get(kind, 0) + n


def totals_by(reports: list[dict], key: Callable[[dict], str]) -> list[Totals]:
    """One :class:`Totals` per distinct ``key(report)``, in order of that key."""
    groups: dict[str, Totals] = {}
    for r in reports:
        name = key(r)
        groups.setdefault(name, Totals(name)).add(r)
    return [groups[name] for name in sorted(groups)]
