"""Fixtures for the egress tests: a real Mosquitto and MQTT settings pointing at it."""

from __future__ import annotations

import dataclasses

import pytest

from service.egress import MqttSettings

from .mosquitto import Mosquitto


@pytest.fixture
def mosquitto(tmp_path):
    broker = Mosquitto(tmp_path).start()
    yield broker
    broker.stop()


@pytest.fixture
def settings(config) -> MqttSettings:
    """Shipped defaults with a fast reconnect and keep-alive, so tests do not wait long."""
    base = MqttSettings.from_config(config["mqtt"])
    return dataclasses.replace(base, instance_id="test", backoff_base_s=0.05, backoff_max_s=0.5, keepalive_s=2)
