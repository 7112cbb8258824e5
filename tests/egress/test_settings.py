"""The [mqtt] section, URL parsing and the topic builder."""

from __future__ import annotations

import pytest

from service.config import ConfigError, merge
from service.egress import MqttSettings, Topics, is_valid_id


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
