"""The [archive] section: documented defaults, the derived client id, refusals naming the key."""

from __future__ import annotations

import socket

import pytest

from service.archive import ArchiveSettings
from service.config import ConfigError


def test_shipped_defaults_and_the_derived_client_id(config):
    settings = ArchiveSettings.from_config(config["archive"])
    assert settings.session_expiry_s > 0 and settings.out_dir
    assert settings.identity == f"{settings.group}-{socket.gethostname()}"  # stable across restarts
    assert settings.shared_filter("callcoach/v1") == f"$share/{settings.group}/callcoach/v1/calls/+/events"
    assert ArchiveSettings.from_config({**config["archive"], "client_id": "a-1"}).identity == "a-1"


@pytest.mark.parametrize("key, value, why", [
    ("group", "", "cannot name a shared subscription"),
    ("group", "a/b", "cannot name a shared subscription"),
    ("group", "a+", "cannot name a shared subscription"),
    ("session_expiry_s", 0, "from 1 to"),
    ("session_expiry_s", 2**32, "from 1 to"),
    ("session_expiry_s", 1.5, "whole number"),
    ("out_dir", "", "must name a folder"),
])
def test_bad_values_are_refused_naming_the_key(config, key, value, why):
    with pytest.raises(ConfigError, match=f"archive.{key}.*{why}"):
        ArchiveSettings.from_config({**config["archive"], key: value})

