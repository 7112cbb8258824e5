"""The [mqtt] section, URL parsing and the topic builder."""

from __future__ import annotations

import pytest

from service.config import ConfigError, SettingError, merge, read_config
from service.egress import MqttSettings, Topics, is_valid_id
from service.settings import check_config


def settings(config, **mqtt) -> MqttSettings:
    return MqttSettings.from_config(merge(config["mqtt"], mqtt))


def test_defaults_use_the_embedded_broker_on_loopback(config):
    s = settings(config)
    assert s.embedded
    b = s.broker()
    assert (b.host, b.port, b.transport, b.tls) == ("127.0.0.1", 1883, "tcp", False)
    assert s.topic_root == "callcoach/v1" and s.qos_nudges == 1 and s.qos_transcript == 0


@pytest.mark.parametrize(("url", "expected"), [
    ("mqtt://broker:1884", ("broker", 1884, "tcp", False, "", "", "")),
    ("mqtts://u:p%40ss@broker", ("broker", 8883, "tcp", True, "", "u", "p@ss")),
    ("wss://broker/mqtt", ("broker", 443, "websockets", True, "/mqtt", "", "")),
    ("ws://broker:9001", ("broker", 9001, "websockets", False, "/mqtt", "", "")),
])
def test_broker_urls(config, url, expected):
    b = settings(config, broker_url=url).broker()
    assert (b.host, b.port, b.transport, b.tls, b.path, b.username, b.password) == expected


def test_credential_keys_override_the_url(config):
    b = settings(config, broker_url="mqtt://a:b@h", username="svc", password="secret").broker()
    assert (b.username, b.password) == ("svc", "secret")


@pytest.mark.parametrize("bad", [
    {"broker_url": "http://h"}, {"broker_url": "mqtt://"}, {"qos_nudges": 3}, {"protocol": "4"},
    {"outbox_size": 0}, {"backoff_jitter": 1.5}, {"topic_root": "a/#"}, {"backoff_max_s": 0.1},
])
def test_bad_values_are_refused(config, bad):
    with pytest.raises(ConfigError):
        settings(config, **bad)


def test_display_config_points_the_browser_at_the_page_host(config):
    cfg = settings(config).display_config("agents.local", "el")
    assert cfg["broker"] == "ws://agents.local:9001" and cfg["language"] == "el"
    assert settings(config, display_ws_url="wss://mq/mqtt").display_config("x", "en")["broker"] == "wss://mq/mqtt"


def test_topic_layout():
    t = Topics("callcoach/v1")
    assert t.nudges("a1") == "callcoach/v1/agents/a1/nudges"
    assert t.state("a1") == "callcoach/v1/agents/a1/state"
    assert t.transcript("c1") == "callcoach/v1/calls/c1/transcript"
    assert t.events("c1") == "callcoach/v1/calls/c1/events"
    assert t.status("i1") == "callcoach/v1/service/i1/status"


@pytest.mark.parametrize("bad", ["", "a/b", "+", "x#", "a\x00", "a\nb", "x" * 200])
def test_ids_that_would_escape_their_topic_level_are_refused(bad):
    assert not is_valid_id(bad)
    with pytest.raises(ValueError):
        Topics("r").nudges(bad)


SECRET = "k" * 40


@pytest.mark.parametrize(("bad", "key"), [
    ({"link_secret": "too short"}, "mqtt.link_secret"),
    ({"link_admin_token": "t"}, "mqtt.link_admin_token"),  # no secret to mint with
    ({"link_secret": SECRET, "link_ttl_s": 0}, "mqtt.link_ttl_s"),
    ({"link_secret": SECRET, "link_max_ttl_s": 60}, "mqtt.link_max_ttl_s"),
    ({"link_base_url": "coach.example.com"}, "mqtt.link_base_url"),
    ({"link_base_url": "ftp://coach.example.com"}, "mqtt.link_base_url"),
    ({"teams": {"billing": ["A17", "a/b"]}}, "mqtt.teams.billing"),
    ({"teams": {"bill#ing": ["A17"]}}, "mqtt.teams.bill#ing"),
    ({"teams": {"billing": "A17"}}, "mqtt.teams.billing"),
    ({"teams": ["A17"]}, "mqtt.teams"),
    ({"broker_password_period_s": -1}, "mqtt.broker_password_period_s"),
    ({"broker_password_period_s": "12h"}, "mqtt.broker_password_period_s"),
])
def test_bad_access_settings_name_their_key_and_never_quote_a_secret(config, bad, key):
    with pytest.raises(SettingError) as refused:
        settings(config, **bad)
    assert refused.value.key == key
    assert "too short" not in str(refused.value)


def test_teams_and_the_services_own_login(config):
    s = settings(config, teams={"billing": ["A17", "A18"]})
    assert s.team("billing") == {"A17", "A18"} and s.team("sales") == frozenset()
    assert s.embedded_login()[0] == "callcoach" and len(s.embedded_login()[1]) >= 32  # random, this process only
    assert (s.broker().username, s.broker().password) == s.embedded_login()  # the publisher logs in with it
    assert settings(config, username="svc", password="pw").embedded_login() == ("svc", "pw")


def test_secrets_never_appear_in_a_repr(config):
    s = settings(config, link_secret=SECRET, link_admin_token="admin-token", qa_password="qa-pw", password="svc-pw")
    shown = repr(s) + repr(s.broker())
    assert not any(secret in shown for secret in (SECRET, "admin-token", "qa-pw", "svc-pw"))


@pytest.mark.parametrize(("host", "secret", "refused"), [
    ("127.0.0.1", "", False), ("localhost", "", False), ("::1", "", False),
    ("0.0.0.0", "", True), ("192.168.1.20", "", True), ("coach.lan", "", True),
    ("0.0.0.0", SECRET, False),
])
def test_an_embedded_broker_off_loopback_needs_display_authentication(config, host, secret, refused):
    s = settings(config, embedded_host=host, link_secret=secret)
    if refused:
        with pytest.raises(ConfigError, match=f"refusing to run the embedded MQTT broker on {host}"):
            s.check_bind()
    else:
        s.check_bind()
    settings(config, embedded_host=host, broker_url="mqtt://broker").check_bind()  # an external broker: not ours


def test_a_deployments_teams_load_from_its_config_file_and_errors_name_the_file(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(f'[mqtt]\nlink_secret = "{SECRET}"\n[mqtt.teams]\nbilling = ["A17", "A18"]\nsales = []\n')
    assert check_config(read_config(good)).mqtt.team("billing") == {"A17", "A18"}
    bad = tmp_path / "bad.toml"
    bad.write_text('[mqtt.teams]\nbilling = ["A17", "a/b"]\n')
    with pytest.raises(ConfigError, match=rf"^{bad}: \[mqtt.teams\] billing: agent ids \['a/b'\]"):
        check_config(read_config(bad))
