"""Configuration: documented defaults in ``config/*.toml`` merged with a user file.

Why a merge of plain dicts rather than one big schema: each sub-package owns its
section and turns it into its own typed dataclass at the edge (``from_config``),
so adding a key never touches a central file. Defaults live only in the TOML
files under ``config/`` (shipped inside the package as ``service.defaults``);
code reads them, it does not repeat them. The dataclasses are built with
:func:`typed` and the range helpers below, so every section refuses a bad value
the same way, naming the key; ``service.settings`` builds them all once at
start-up and names the file that set the bad value.
"""

from __future__ import annotations

import ipaddress

import copy
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

__all__ = [
    "COMMAND_LINE",
    "ConfigError",
    "LoadedConfig",
    "SettingError",
    "between",
    "check_value",
    "defaults_dir",
    "is_loopback",
    "load_config",
    "merge",
    "non_negative",
    "positive",
    "read_config",
    "registry_dir",
    "require",
    "typed",
]

# Default files, merged in this order; later files may not redefine sections.
DEFAULT_FILES = ("default.toml", "asr.toml", "coaching.toml", "server.toml", "mqtt.toml", "reports.toml", "archive.toml")

# Where the ``overrides`` of :func:`load_config` come from (the commands' flags), for messages.
COMMAND_LINE = "command line"

T = TypeVar("T")


class ConfigError(ValueError):
    """A configuration file is missing, unreadable or has a wrong value."""


class SettingError(ConfigError):
    """One setting has a wrong value.

    ``key`` is its dotted path (``vad.frame_ms``), so the start-up check
    (:mod:`service.settings`) can say which file set it.
    """

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


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


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """The effective configuration and, per dotted key or table, the file that set it last.

    Why keep the origins: a wrong value is reported with the file to fix,
    which may be a shipped default, the ``--config`` file or a flag.
    """

    values: dict[str, Any]
    origins: dict[str, str]

    def origin(self, key: str) -> str:
        """Where ``key`` was set last; a key nobody set as such takes its table's origin."""
        while key not in self.origins and "." in key:
            key = key.rpartition(".")[0]
        return self.origins.get(key, "")


def read_config(user_file: str | Path | None = None, overrides: dict[str, Any] | None = None) -> LoadedConfig:
    """The effective configuration (shipped defaults, then ``user_file``, then ``overrides``) and its origins.

    Unknown sections or keys in the user file are refused, so a typo never
    silently leaves a default in force.
    """
    folder = defaults_dir()
    layers = [(str(folder / name), _read_toml(folder / name)) for name in DEFAULT_FILES if (folder / name).exists()]
    documented = len(layers)  # only these layers may bring keys of their own
    if user_file:
        layers.append((str(user_file), _read_toml(Path(user_file))))
    layers.append((COMMAND_LINE, overrides or {}))
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for index, (source, layer) in enumerate(layers):
        if index >= documented:
            _check_known(values, layer, "", source)
        values = merge(values, layer)
        _note_origins(layer, source, "", origins)
    return LoadedConfig(values, origins)


def load_config(user_file: str | Path | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The effective configuration: shipped defaults, then ``user_file``, then ``overrides``."""
    return read_config(user_file, overrides).values


def _note_origins(layer: dict[str, Any], source: str, prefix: str, origins: dict[str, str]) -> None:
    """Record ``source`` for every key and every non-empty table of ``layer``."""
    for key, value in layer.items():
        where = f"{prefix}{key}"
        if isinstance(value, dict):
            if value:
                origins[where] = source
                _note_origins(value, source, where + ".", origins)
        else:
            origins[where] = source


# Tables keyed by language code: any code may be added, and the settings class checks the entries.
_OPEN_TABLES = ("asr.guards.languages", "asr.guards.stock_phrases")


def _check_known(known: dict[str, Any], given: dict[str, Any], prefix: str, source: str) -> None:
    if prefix.rstrip(".") in _OPEN_TABLES:
        return
    for key, value in given.items():
        where = f"{prefix}{key}"
        if key not in known:
            table, _, name = where.rpartition(".")
            what = f"key [{table}] {name}" if table else f"section [{name}]"
            raise ConfigError(f"{source}: unknown config {what} (see config/*.toml for the documented keys)")
        if isinstance(value, dict) and isinstance(known[key], dict) and known[key]:
            _check_known(known[key], value, where + ".", source)


# --- typed settings: what every section's dataclass is built and checked with ---------------


def _wrong_type(value: Any, kind: Any) -> str | None:
    """Why ``value`` is not a ``kind`` (None when it is); kinds are those of the settings dataclasses."""
    if kind is Any:
        return None
    if get_origin(kind) is Literal:
        choices = get_args(kind)
        return None if value in choices else f"must be one of {', '.join(map(repr, choices))}, not {value!r}"
    if get_origin(kind) is tuple:
        if not isinstance(value, (list, tuple)):
            return f"must be a list, not {value!r}"
        item = get_args(kind)[0]
        return next((f"item {i + 1} {why}" for i, v in enumerate(value) if (why := _wrong_type(v, item))), None)
    expected = {bool: (bool, "true or false"), int: (int, "a whole number"), float: ((int, float), "a number"),
                str: (str, "a string")}
    types, words = expected[kind]
    is_bool_as_number = isinstance(value, bool) and kind is not bool
    return None if isinstance(value, types) and not is_bool_as_number else f"must be {words}, not {value!r}"


def check_value(key: str, value: Any, kind: Any) -> Any:
    """``value`` as a setting of type ``kind``, or a :class:`SettingError` naming ``key``.

    Kinds: ``bool``, ``int``, ``float`` (a whole number is accepted), ``str``,
    ``tuple[X, ...]`` (a TOML array), ``Literal[...]`` (one of the choices) and
    ``Any``. A number comes back as a float where a float is wanted, an array as a tuple.
    """
    why = _wrong_type(value, kind)
    if why:
        raise SettingError(key, why)
    if kind is float:
        return float(value)
    return tuple(check_value(key, v, get_args(kind)[0]) for v in value) if get_origin(kind) is tuple else value


def typed(cls: type[T], section: Mapping[str, Any], where: str, **given: Any) -> T:
    """An instance of the settings dataclass ``cls`` from the keys of ``section`` named like its fields.

    Each value is checked against the field's annotation (:func:`check_value`);
    fields in ``given`` (other sections' values, tables the caller converts)
    are passed as they are. Why one builder: a missing key, a string for a
    number or a word outside the documented choices is refused with the same
    kind of message, naming the key, in every section.
    """
    hints = get_type_hints(cls)
    values = dict(given)
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name in given:
            continue
        if f.name not in section:
            raise SettingError(f"{where}.{f.name}", "is missing (see config/*.toml)")
        values[f.name] = check_value(f"{where}.{f.name}", section[f.name], hints[f.name])
    return cls(**values)


def require(ok: bool, key: str, reason: str) -> None:
    """Refuse the setting ``key`` with ``reason`` unless ``ok``."""
    if not ok:
        raise SettingError(key, reason)


def _each(settings: Any, where: str, names: Iterable[str], ok: Callable[[float], bool], reason: str) -> None:
    for name in names:
        value = getattr(settings, name)
        values = value if isinstance(value, tuple) else (value,)
        require(all(ok(v) for v in values), f"{where}.{name}", f"{reason}, not {value!r}")


def positive(settings: Any, where: str, *names: str) -> None:
    """Every field in ``names`` of ``settings`` (or each item of a tuple field) is > 0."""
    _each(settings, where, names, lambda v: v > 0, "must be > 0")


def non_negative(settings: Any, where: str, *names: str) -> None:
    """Every field in ``names`` of ``settings`` (or each item of a tuple field) is >= 0."""
    _each(settings, where, names, lambda v: v >= 0, "must be >= 0")


def between(settings: Any, where: str, low: float, high: float, *names: str) -> None:
    """Every field in ``names`` of ``settings`` lies in ``[low, high]``."""
    _each(settings, where, names, lambda v: low <= v <= high, f"must be between {low:g} and {high:g}")


_LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) only reaches this machine: binding there needs no credentials."""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
