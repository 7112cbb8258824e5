"""Minting display links (service/links/mint.py) and answering GET /display-link (service/links/endpoint.py)."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlsplit

import pytest

from service.egress import Identity, MqttSettings, Team, verify_token
from service.egress.tokens import BrokerLogin, broker_login
from service.links import LinkError, display_password, mint_display_link, mint_supervisor_link
from service.links.endpoint import display_link_reply

SECRET = "link-secret-for-the-tests-0123456789"
ADMIN = "admin-token-for-the-tests"
NOW = 1_700_000_000.0


@pytest.fixture
def settings(config) -> MqttSettings:
    return dataclasses.replace(MqttSettings.from_config(config["mqtt"]), link_secret=SECRET, link_admin_token=ADMIN)


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def test_a_link_opens_the_agents_display_with_a_token_for_that_agent(settings):
    link = mint_display_link(settings, "A17", default_base_url="http://coach:8765", now=NOW)
    assert link.url.startswith("http://coach:8765/display?") and link.expires_at == int(NOW + settings.link_ttl_s)
    params = query(link.url)
    assert set(params) == {"agent", "token"}  # the embedded broker checks the token itself
    assert params["agent"] == "A17"
    assert verify_token(SECRET, params["token"], NOW) == (Identity("agent", "A17"), link.expires_at)


def test_without_rotation_an_external_brokers_link_carries_the_agents_lasting_password(settings):
    external = dataclasses.replace(settings, broker_url="mqtts://mqtt.example.com", broker_password_period_s=0)
    link = mint_display_link(external, "A17", default_base_url="http://coach", now=NOW)
    params = query(link.url)
    assert params["password"] == display_password(external, "A17") != display_password(external, "A18")
    assert "user" not in params and link.expires_at == int(NOW + settings.link_ttl_s)  # the page logs in as A17


PERIOD = 3600.0


@pytest.mark.parametrize(("minted", "ttl", "user_epoch", "expires"), [
    pytest.param(10 * PERIOD, 600, 10, 10 * PERIOD + 600, id="a short ttl is kept"),
    pytest.param(10 * PERIOD, 3 * PERIOD, 10, 12 * PERIOD, id="minted as an epoch begins: 2 epochs"),
    pytest.param(11 * PERIOD - 1, 3 * PERIOD, 10, 12 * PERIOD, id="minted as an epoch ends: 1 epoch"),
])
def test_with_rotation_the_link_carries_its_epochs_login_and_ends_when_the_epoch_after_next_begins(
        settings, minted, ttl, user_epoch, expires):
    external = dataclasses.replace(settings, broker_url="mqtts://mqtt.example.com", broker_password_period_s=PERIOD)
    link = mint_display_link(external, "A17", default_base_url="http://coach", now=minted, ttl_s=ttl)
    params = query(link.url)
    assert link.expires_at == expires
    assert broker_login(SECRET, Identity("agent", "A17"), user_epoch) == BrokerLogin(params["user"], params["password"])
    assert params["user"] == f"agent/A17/{user_epoch}"
    assert verify_token(SECRET, params["token"], minted)[1] == expires  # the page ends the link then too
    with pytest.raises(LinkError, match="coach broker-passwords"):
        display_password(external, "A17")  # no lasting password while they rotate


def test_with_rotation_a_supervisor_link_carries_its_teams_login(settings):
    external = dataclasses.replace(settings, broker_url="mqtts://mqtt.example.com", broker_password_period_s=PERIOD,
                                   teams=(Team("billing", frozenset({"A17"})),))
    params = query(mint_supervisor_link(external, "billing", default_base_url="http://coach", now=10 * PERIOD,
                                        supervisor_id="boss").url)
    assert (params["user"], params["team"]) == ("supervisor/billing/10", "billing")
    assert params["password"] == broker_login(SECRET, Identity("supervisor", "anyone", "billing"), 10).password
    with pytest.raises(LinkError, match="rotating logins"):
        mint_supervisor_link(dataclasses.replace(external, broker_password_period_s=0), "billing",
                             default_base_url="http://coach", now=NOW)


def test_base_url_precedence_and_ttl(settings):
    configured = dataclasses.replace(settings, link_base_url="https://coach.example.com/")
    assert mint_display_link(configured, "A17", default_base_url="http://x", now=NOW).url.startswith(
        "https://coach.example.com/display?")
    asked = mint_display_link(configured, "A17", default_base_url="http://x", now=NOW, base_url="http://kiosk:80",
                              ttl_s=30)
    assert asked.url.startswith("http://kiosk:80/display?") and asked.expires_at == int(NOW) + 30


@pytest.mark.parametrize(("changes", "agent", "ask", "why"), [
    ({"link_secret": ""}, "A17", {}, "no link secret"),
    ({}, "a/b", {}, "cannot be used in an MQTT topic"),
    ({}, "", {}, "cannot be used in an MQTT topic"),
    ({}, "A17", {"ttl_s": 0}, "ttl"),
    ({}, "A17", {"ttl_s": 604801}, "ttl"),
    ({}, "A17", {"ttl_s": float("nan")}, "ttl"),
    ({}, "A17", {"base_url": "javascript:alert(1)"}, "base URL"),
])
def test_links_that_cannot_be_minted_say_why(settings, changes, agent, ask, why):
    with pytest.raises(LinkError, match=why):
        mint_display_link(dataclasses.replace(settings, **changes), agent, default_base_url="http://x", now=NOW, **ask)


def reply(settings, target: str, **headers: str):
    return display_link_reply(settings, target, {"Host": "coach.lan:8765", **headers}, clock=lambda: NOW)


def test_the_endpoint_mints_for_the_admin_token_only(settings):
    status, body = reply(settings, "/display-link?agent=A17&ttl=60", Authorization=f"Bearer {ADMIN}")
    assert status == 200 and body["expires_at"] == int(NOW) + 60
    assert body["url"].startswith("http://coach.lan:8765/display?agent=A17&token=v1.")
    assert reply(settings, "/display-link?agent=A17")[0] == 401
    assert reply(settings, "/display-link?agent=A17", Authorization="Bearer guess")[0] == 401
    assert reply(settings, "/display-link?agent=A17", Authorization=ADMIN)[0] == 401  # not a bearer header
    assert reply(settings, f"/display-link?agent=A17&token={ADMIN}")[0] == 401  # never from the query
    for bad in ("/display-link", "/display-link?agent=a%2Fb", "/display-link?agent=A17&ttl=soon",
                "/display-link?agent=A17&ttl=9999999"):
        status, body = reply(settings, bad, Authorization=f"Bearer {ADMIN}")
        assert status == 400 and body["error"], bad


def test_without_an_admin_token_the_endpoint_does_not_exist(settings):
    closed = dataclasses.replace(settings, link_admin_token="")
    assert reply(closed, "/display-link?agent=A17", Authorization="Bearer ")[0] == 404
