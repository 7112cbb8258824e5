"""The embedded broker's rules (service/egress/access.py) as plain functions: logins and topic filters."""

from __future__ import annotations

import dataclasses
import time

import pytest

from service.egress import AccessPolicy, Identity, LoginRefused, Team, sign_token
from service.egress.access import filter_within

from .logins import QA_PASSWORD, SECRET, SERVICE_PASSWORD

ROOT = "callcoach/v1"
NOW = 1_700_000_000.0


@pytest.fixture
def policy(settings) -> AccessPolicy:
    configured = dataclasses.replace(settings, link_secret=SECRET, password=SERVICE_PASSWORD, qa_password=QA_PASSWORD,
                                     teams=(Team("billing", frozenset({"A17", "A18"})),))
    return AccessPolicy(configured, lambda: NOW)


def token(identity: Identity, ttl_s: float = 60) -> str:
    return sign_token(SECRET, identity, int(NOW + ttl_s))


@pytest.mark.parametrize(("wanted", "allowed", "within"), [
    (f"{ROOT}/agents/A17/#", f"{ROOT}/agents/A17/#", True),
    (f"{ROOT}/agents/A17/nudges", f"{ROOT}/agents/A17/#", True),
    (f"{ROOT}/agents/A17/+", f"{ROOT}/agents/A17/#", True),
    (f"{ROOT}/agents/A17", f"{ROOT}/agents/A17/#", True),  # "a/#" matches "a"
    (f"{ROOT}/agents/+/nudges", f"{ROOT}/agents/A17/#", False),
    (f"{ROOT}/agents/#", f"{ROOT}/agents/A17/#", False),
    (f"{ROOT}/#", f"{ROOT}/agents/A17/#", False),
    ("#", f"{ROOT}/agents/A17/#", False),
    ("+/v1/agents/A17/nudges", f"{ROOT}/agents/A17/#", False),
    (f"{ROOT}/agents/A170/nudges", f"{ROOT}/agents/A17/#", False),
    (f"{ROOT}/agents/A17/nudges", f"{ROOT}/agents/+/nudges", True),
    (f"{ROOT}/agents/A17/state", f"{ROOT}/agents/+/nudges", False),
    (f"{ROOT}/agents/A17/nudges/x", f"{ROOT}/agents/+/nudges", False),
    ("$SYS/broker/uptime", "#", True),
])
def test_a_filter_is_within_a_grant_only_when_every_topic_it_matches_is(wanted, allowed, within):
    assert filter_within(wanted, allowed) is within


def test_an_agent_reads_only_its_own_subtree(policy):
    login = policy.login("agent:A17", token(Identity("agent", "A17")))
    assert login.may_read(f"{ROOT}/agents/A17/nudges") and login.may_read(f"{ROOT}/agents/A17/#")
    for other in (f"{ROOT}/agents/A18/nudges", f"{ROOT}/agents/+/nudges", f"{ROOT}/calls/c1/events",
                  f"{ROOT}/calls/#", f"{ROOT}/teams/billing/x", f"{ROOT}/service/x/status", "#"):
        assert not login.may_read(other), other
    assert not login.writes


def test_a_supervisor_reads_its_team_and_its_agents_only(policy):
    login = policy.login("supervisor:S1", token(Identity("supervisor", "S1", "billing")))
    for topic in (f"{ROOT}/teams/billing/summary", f"{ROOT}/agents/A17/nudges", f"{ROOT}/agents/A18/state"):
        assert login.may_read(topic), topic
    for topic in (f"{ROOT}/teams/sales/summary", f"{ROOT}/agents/B1/nudges", f"{ROOT}/calls/c1/events"):
        assert not login.may_read(topic), topic
    lonely = policy.login("supervisor:S2", token(Identity("supervisor", "S2", "sales")))  # no such team configured
    assert lonely.reads == (f"{ROOT}/teams/sales/#",)


def test_only_the_service_writes_and_only_the_service_and_qa_read_calls(policy):
    service = policy.login("callcoach", SERVICE_PASSWORD)
    qa = policy.login("qa", QA_PASSWORD)
    assert service.writes and service.may_read("#") and service.may_read(f"{ROOT}/calls/c1/events")
    assert not qa.writes and qa.may_read(f"{ROOT}/calls/#") and qa.may_read(f"{ROOT}/service/i/status")
    assert not qa.may_read(f"{ROOT}/agents/A17/nudges")


@pytest.mark.parametrize(("username", "password", "reason"), [
    (None, None, "anonymous"),
    ("", "", "anonymous"),
    ("agent:A17", "", "anonymous"),
    ("callcoach", "guess", "wrong password"),
    ("qa", "guess", "wrong password"),
    ("agent:A17", "guess", "not a display token"),
    ("agent:A18", "A17", "is for 'agent:A17'"),  # another agent's token
    ("A17", "A17", "is for 'agent:A17'"),  # the bare id is not the identity
    ("agent:A17", "expired", "expired"),
    ("agent:A17", "forged", "bad signature"),
])
def test_refused_logins_say_why(policy, username, password, reason):
    tokens = {"A17": token(Identity("agent", "A17")), "expired": token(Identity("agent", "A17"), ttl_s=-1),
              "forged": sign_token("x" * 40, Identity("agent", "A17"), int(NOW + 60))}
    with pytest.raises(LoginRefused, match=reason):
        policy.login(username, tokens.get(password, password))


def test_no_qa_password_means_no_qa_login(policy):
    closed = AccessPolicy(dataclasses.replace(policy.settings, qa_password=""), time.time)
    with pytest.raises(LoginRefused):
        closed.login("qa", "")
    with pytest.raises(LoginRefused):
        closed.login("qa", "anything")
