"""Configuration: documented defaults in ``config/*.toml`` merged with a user file.

Why a merge of plain dicts rather than one big schema: each sub-package owns its
section and turns it into its own typed dataclass at the edge (``from_config``),
so adding a key never touches a central file. Defaults live only in the TOML
files under ``config/`` (shipped inside the package as ``service.defaults``);
code reads them, it does not repeat them.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

__all__ = ["ConfigError", "defaults_dir", "registry_dir", "load_config", "merge"]

# Default files, merged in this order; later files may not redefine sections.
DEFAULT_FILES = ("default.toml", "asr.toml", "coaching.toml", "server.toml", "mqtt.toml", "reports.toml")


class ConfigError(ValueError):
    """A configuration file is missing, unreadable or has a wrong value."""


def _shipped(package_name: str, checkout_name: str) -> Path:
    here = Path(__file__).resolve().parent
    installed = here / package_name
    return installed if installed.is_dir() else here.parent / checkout_name


def defaults_dir() -> Path:
    """Folder holding the shipped defaults (installed package or source checkout)."""
    return _shipped("defaults", "config")


def registry_dir() -> Path:
    """Folder holding the model registry ``registry.toml`` (``models/`` in a checkout)."""
    return _shipped("registry", "models")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` into a copy of ``base`` (tables merge, values replace)."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_config(user_file: str | Path | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The effective configuration: shipped defaults, then ``user_file``, then ``overrides``.

    Unknown sections or keys in the user file are refused, so a typo never
    silently leaves a default in force.
    """
    folder = defaults_dir()
    config: dict[str, Any] = {}
    for name in DEFAULT_FILES:
        path = folder / name
        if path.exists():
            config = merge(config, _read_toml(path))
    for extra in (_read_toml(Path(user_file)) if user_file else {}, overrides or {}):
        _check_known(config, extra, "")
        config = merge(config, extra)
    return config


def _check_known(known: dict[str, Any], given: dict[str, Any], prefix: str) -> None:
    for key, value in given.items():
        where = f"{prefix}{key}"
        if key not in known:
            raise ConfigError(f"unknown config key '{where}' (see config/*.toml for the documented keys)")
        if isinstance(value, dict) and isinstance(known[key], dict) and known[key]:
            _check_known(known[key], value, where + ".")
