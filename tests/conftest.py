"""Shared fixtures: the effective default configuration and small helpers."""

from __future__ import annotations

import pytest

from service.config import load_config


@pytest.fixture(scope="session")
def config() -> dict:
    """The shipped defaults, as `coach` uses them with no --config."""
    return load_config()
