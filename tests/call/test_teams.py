"""``team_of``: an agent's team from ``[mqtt.teams]``, for live calls and replay summaries alike."""

from __future__ import annotations

import pytest

from service.call.teams import team_of

TEAMS = {"billing": ["A17", "A18"], "retention": ["A18", "B2"], "empty": []}


@pytest.mark.parametrize(("agent", "team"), [
    ("A17", "billing"),
    ("A18", "billing"),   # listed twice: the first team wins
    ("B2", "retention"),
    ("a17", ""),          # ids are exact
    ("", ""),
])
def test_the_first_team_listing_the_agent(agent, team):
    assert team_of(TEAMS, agent) == team


def test_no_table_means_no_team():
    assert team_of(None, "A17") == "" and team_of({}, "A17") == ""
