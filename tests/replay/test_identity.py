"""Agent and call identifiers of a replayed file: sidecar JSON first, then the filename pattern."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from service.config import ConfigError, defaults_dir
from service.replay.identity import IdentityError, call_identity

AGENT_FIRST = "^(?P<agent_id>[^_]+)_(?P<call_id>.+)$"


def config(**reports):
    """The shipped ``[reports]`` section (``config/reports.toml``) with some keys changed."""
    with (defaults_dir() / "reports.toml").open("rb") as fh:
        section = tomllib.load(fh)["reports"]
    return {"reports": {**section, **reports}}


def test_shipped_default_uses_the_stem_as_call_id(tmp_path):
    assert call_identity(tmp_path / "a042_0001.wav", config()) == {"call_id": "a042_0001", "agent_id": ""}


def test_filename_pattern_named_groups_become_identifiers(tmp_path):
    pattern = "^(?P<agent_id>[^_]+)_(?P<queue>[a-z]+)_(?P<call_id>.+)$"
    assert call_identity(tmp_path / "a042_billing_2024-05-01T10.wav", config(filename_pattern=pattern)) == {
        "call_id": "2024-05-01T10", "agent_id": "a042", "queue": "billing"}


def test_the_documented_example_pattern_works(tmp_path):
    shipped = (defaults_dir() / "reports.toml").read_text(encoding="utf-8")
    example = re.search(r'e\.g\.\s*#?\s*"([^"]+)"', shipped).group(1)
    assert example == AGENT_FIRST
    assert call_identity(tmp_path / "a042_2024-05-01T10-00.wav", config(filename_pattern=example)) == {
        "call_id": "2024-05-01T10-00", "agent_id": "a042"}


def test_a_stem_that_does_not_match_keeps_the_stem(tmp_path):
    assert call_identity(tmp_path / "nounderscore.wav", config(filename_pattern=AGENT_FIRST)) == {
        "call_id": "nounderscore", "agent_id": ""}


def test_pattern_without_a_call_id_group_keeps_the_stem_as_call_id(tmp_path):
    assert call_identity(tmp_path / "agent7-x.json", config(filename_pattern=r"^(?P<agent_id>agent\d+)")) == {
        "call_id": "agent7-x", "agent_id": "agent7"}


def test_sidecar_wins_and_keeps_extra_metadata(tmp_path):
    (tmp_path / "a042_0001.meta.json").write_text(json.dumps(
        {"call_id": 98765, "agent_id": "maria", "campaign": "renewals", "queue": {"id": 3}}), encoding="utf-8")
    assert call_identity(tmp_path / "a042_0001.wav", config(filename_pattern=AGENT_FIRST)) == {
        "call_id": "98765", "agent_id": "maria", "campaign": "renewals", "queue": {"id": 3}}


def test_sidecar_suffix_is_configurable(tmp_path):
    (tmp_path / "call.info").write_text('{"agent_id": "b7"}', encoding="utf-8")
    assert call_identity(tmp_path / "call.wav", config(sidecar_suffix=".info")) == {"call_id": "call", "agent_id": "b7"}


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "\xff\xfe"])
def test_a_broken_sidecar_is_a_clear_error_naming_the_file(tmp_path, content):
    sidecar = tmp_path / "call.meta.json"
    sidecar.write_bytes(content.encode("latin-1"))
    with pytest.raises(IdentityError, match=re.escape(str(sidecar))):
        call_identity(tmp_path / "call.wav", config())


def test_an_invalid_pattern_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="reports.filename_pattern"):
        call_identity(tmp_path / "call.wav", config(filename_pattern="(?P<agent_id>"))
