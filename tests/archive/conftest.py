"""Fixtures for the archive tests: a real Mosquitto on loopback (the helper of tests/egress)."""

from __future__ import annotations

import pytest
from egress.mosquitto import Mosquitto


@pytest.fixture
def mosquitto(tmp_path):
    broker = Mosquitto(tmp_path).start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def engine_config():
    """Defaults with transcription off: a transcript replay gives a real report, fast."""
    from service.config import load_config

    return load_config(overrides={"asr": {"engine": "none"}})
