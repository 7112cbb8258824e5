"""The password file and ACL `coach broker-passwords` writes (service/links/passwords.py); real Mosquitto reads them
in tests/links/test_rotation_mosquitto.py."""

from __future__ import annotations

import base64
import dataclasses
import hashlib

import pytest

from service.egress import Identity, MqttSettings, Team
from service.egress.tokens import broker_login
from service.links import LinkError
from service.links.passwords import BrokerUser, acl_text, broker_users, mosquitto_hash, password_text

SECRET = "link-secret-for-the-tests-0123456789"
PERIOD = 3600.0
NOW = 10 * PERIOD + 5


@pytest.fixture
def settings(config) -> MqttSettings:
    return dataclasses.replace(
        MqttSettings.from_config(config["mqtt"]), link_secret=SECRET, broker_url="mqtts://broker.example.com",
        username="callcoach", password="service-pw", qa_password="qa-pw", broker_password_period_s=PERIOD,
        teams=(Team("sales", frozenset({"A18"})), Team("billing", frozenset({"A17", "A18"}))))


def test_the_file_lists_the_service_qa_and_each_agent_and_team_for_the_previous_current_and_next_epoch(settings):
    users = broker_users(settings, NOW)
    assert [user.username for user in users] == [
        "callcoach", "qa", "agent/A17/9", "agent/A17/10", "agent/A17/11", "agent/A18/9", "agent/A18/10",
        "agent/A18/11", "supervisor/billing/9", "supervisor/billing/10", "supervisor/billing/11",
        "supervisor/sales/9", "supervisor/sales/10", "supervisor/sales/11"]
    by_name = {user.username: user for user in users}
    assert by_name["agent/A17/10"].password == broker_login(SECRET, Identity("agent", "A17"), 10).password
    assert by_name["agent/A17/10"].reads == ("callcoach/v1/agents/A17/#",) and not by_name["agent/A17/10"].writes
    assert by_name["supervisor/billing/9"].reads == (
        "callcoach/v1/teams/billing/#", "callcoach/v1/agents/A17/#", "callcoach/v1/agents/A18/#")
    assert by_name["callcoach"].writes == ("callcoach/v1/#",) and by_name["qa"].reads == (
        "callcoach/v1/calls/#", "callcoach/v1/service/#")


def test_the_acl_grants_each_login_its_topics():
    text = acl_text([BrokerUser("agent/A17/10", "x", reads=("r/A17/#",)),
                     BrokerUser("callcoach", "y", writes=("r/#",))])
    assert text.endswith("user agent/A17/10\ntopic read r/A17/#\n\nuser callcoach\ntopic write r/#\n")


def test_hashes_are_mosquittos_pbkdf2_sha512_and_the_same_within_an_epoch(settings):
    salt = b"0123456789ab"
    iterations, salt_b64, digest_b64 = mosquitto_hash("pw", salt).removeprefix("$7$").split("$")
    assert (int(iterations), base64.b64decode(salt_b64)) == (101, salt)
    assert base64.b64decode(digest_b64) == hashlib.pbkdf2_hmac("sha512", b"pw", salt, 101, 64)
    same_epoch = password_text(broker_users(settings, NOW + 60), SECRET)
    assert password_text(broker_users(settings, NOW), SECRET) == same_epoch  # a rerun changes nothing
    assert password_text(broker_users(settings, NOW + PERIOD), SECRET) != same_epoch
    assert "service-pw" not in same_epoch and "qa-pw" not in same_epoch


@pytest.mark.parametrize(("changes", "why"), [
    ({"broker_url": ""}, "embedded broker"),
    ({"broker_password_period_s": 0}, "do not rotate"),
    ({"link_secret": ""}, "no link secret"),
    ({"teams": (Team("t", frozenset({"a:b"})),)}, "cannot be written"),
])
def test_what_cannot_be_written_says_why(settings, changes, why):
    with pytest.raises(LinkError, match=why):
        broker_users(dataclasses.replace(settings, **changes), NOW)
