"""Which team an agent is in, from ``[mqtt.teams]`` (team name -> agent ids).

Why here: a live call (:mod:`service.ingress`) and a replay's summaries
(:mod:`service.replay`) both fall back to this table when nothing told them
the team, and neither source may import the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["team_of"]


def team_of(teams: Mapping[str, Iterable[str]] | None, agent_id: str) -> str:
    """The first team of ``teams`` that lists ``agent_id``; '' when none does (or no agent)."""
    if not agent_id:
        return ""
    return next((name for name, agents in (teams or {}).items() if agent_id in (agents or ())), "")
