"""Every setting built and checked once, at start-up, by every command.

Why: each sub-package turns its own section into a typed dataclass, but some
of them are built per call (the session's ``[vad]``, ``[dynamics]``,
``[nudges]``, ``[utterances]``, and ``[coaching]``), so a bad value used to
pass ``coach serve``'s start-up and then close every call with 1011, and the
sections reported errors in three ways. :func:`check_config` builds them all,
first checking every key against the type of its documented default (the
config files are the contract), and turns any refusal into one
:class:`~service.config.ConfigError` line that names the file that set the
value, the key and why::

    /etc/callcoach/site.toml: [vad] frame_ms: must be one of (10, 20, 30) (webrtcvad), not 25

Commands start with :func:`load_checked_config` instead of ``load_config``
and exit with status 2 on that line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar

from .archive.settings import ArchiveSettings
from .asr import AsrSettings
from .asr.device import check_device
from .coaching.kinds import BY_NAME, coaching_settings
from .coaching.loader import load_packs
from .coaching.settings import CoachingSettings
from .config import (
    ConfigError,
    LoadedConfig,
    SettingError,
    between,
    check_value,
    non_negative,
    positive,
    read_config,
    require,
    typed,
)
from .core import SessionSettings
from .core.channel_check import ChannelCheckSettings
from .egress import MqttSettings
from .evaluation.scoring import EvaluationSettings
from .ingress.settings import ServerSettings
from .replay.html_report import ReportSettings
from .replay.identity import IdentitySettings

__all__ = ["AudioSettings", "DemoSettings", "LiveSettings", "ReplaySettings", "Settings", "check_config",
           "load_checked_config"]

T = TypeVar("T")

# `nudges.disabled` may also name "kudos": it silences all praise at once.
_ALL_KUDOS = "kudos"


@dataclass(frozen=True, slots=True)
class AudioSettings:
    """``[audio]`` (config/default.toml): the engine's rate, the agent's channel, the resampler."""

    sample_rate: int
    agent_channel: Literal["left", "right"]
    resample_quality: Literal["QQ", "LQ", "MQ", "HQ", "VHQ"]  # soxr's quality recipes


@dataclass(frozen=True, slots=True)
class ReplaySettings:
    """``[replay]`` (config/default.toml): where and how ``coach replay`` feeds recordings."""

    out_dir: str
    chunk_s: float
    paced_chunk_s: float
    workers: int
    min_duration_s: float
    decode: Literal["packed", "utterance"]

    def __post_init__(self) -> None:
        require(bool(self.out_dir), "replay.out_dir", "must name a folder")
        positive(self, "replay", "chunk_s", "paced_chunk_s")
        non_negative(self, "replay", "workers", "min_duration_s")


@dataclass(frozen=True, slots=True)
class LiveSettings:
    """``[live]`` (config/default.toml): live state cadence and the wait for the last transcripts."""

    state_every_s: float
    finish_timeout_s: float

    def __post_init__(self) -> None:
        positive(self, "live", "state_every_s")
        non_negative(self, "live", "finish_timeout_s")


@dataclass(frozen=True, slots=True)
class DemoSettings:
    """``[demo]`` (config/default.toml): where ``coach demo`` keeps its call, and its pauses."""

    work_dir: str
    lead_in_s: float
    drain_s: float

    def __post_init__(self) -> None:
        require(bool(self.work_dir), "demo.work_dir", "must name a folder")
        non_negative(self, "demo", "lead_in_s", "drain_s")


@dataclass(frozen=True, slots=True)
class Settings:
    """Every section's typed settings, as the service runs with them."""

    audio: AudioSettings
    session: SessionSettings  # [vad], [dynamics], [voice], [nudges], [utterances]
    channels: ChannelCheckSettings
    coaching: CoachingSettings
    asr: AsrSettings
    mqtt: MqttSettings
    server: ServerSettings
    reports: ReportSettings
    identity: IdentitySettings
    evaluation: EvaluationSettings
    replay: ReplaySettings
    live: LiveSettings
    demo: DemoSettings
    archive: ArchiveSettings


def load_checked_config(user_file: str | Path | None = None,
                        overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """:func:`service.config.load_config`, with every setting checked: what every command starts with."""
    loaded = read_config(user_file, overrides)
    check_config(loaded)
    return loaded.values


def check_config(config: LoadedConfig | dict[str, Any]) -> Settings:
    """Build every section's settings once; one :class:`ConfigError` line naming file, key and reason.

    With a plain dict (no record of which file set what) the line starts at the key.
    """
    loaded = config if isinstance(config, LoadedConfig) else LoadedConfig(config, {})
    try:
        _check_kinds(_shipped(), loaded.values, "")
        return _build(loaded.values)
    except SettingError as exc:
        table, _, name = exc.key.rpartition(".")
        key = f"[{table}] {name}" if table else f"[{name}]"
        where = loaded.origin(exc.key)
        raise ConfigError(f"{where + ': ' if where else ''}{key}: {exc.reason}") from None


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Any]:
    return read_config().values


def _kind_of(default: Any) -> Any:
    """The type a key must have, from its documented default: a number may be whole or not."""
    if isinstance(default, list):
        return tuple[_kind_of(default[0]), ...] if default else tuple[Any, ...]  # type: ignore[misc]
    return float if type(default) is int else type(default)


def _check_kinds(shipped: Mapping[str, Any], given: Mapping[str, Any], prefix: str) -> None:
    """Every documented key is present with the TOML type of its default (tables are checked key by key)."""
    for key, default in shipped.items():
        where = f"{prefix}{key}"
        require(key in given, where, "is missing (see config/*.toml)")
        if isinstance(default, dict):
            require(isinstance(given[key], dict), where, f"must be a table, not {given[key]!r}")
            _check_kinds(default, given[key], where + ".")
        else:
            check_value(where, given[key], _kind_of(default))


def _build(config: dict[str, Any]) -> Settings:
    coaching = _coaching(config)
    session = SessionSettings.from_config(config)
    known = set(BY_NAME) | {_ALL_KUDOS}
    unknown = sorted(session.gate.disabled - known)
    require(not unknown, "nudges.disabled", f"unknown kinds {unknown} (known: {', '.join(sorted(known))})")
    settings = Settings(
        audio=typed(AudioSettings, config["audio"], "audio"),
        session=session,
        channels=ChannelCheckSettings.from_config(config),
        coaching=coaching,
        asr=check_device(AsrSettings.from_config(config["asr"])),
        mqtt=MqttSettings.from_config(config["mqtt"]),
        server=_keyed("server", config, ServerSettings.from_config),
        reports=ReportSettings.from_config(config["reports"]),
        identity=_keyed("reports", config, IdentitySettings.from_config),
        evaluation=_evaluation(config["evaluation"]),
        replay=typed(ReplaySettings, config["replay"], "replay"),
        live=typed(LiveSettings, config["live"], "live"),
        demo=typed(DemoSettings, config["demo"], "demo"),
        archive=ArchiveSettings.from_config(config["archive"]),
    )
    _check_readiness(settings)
    return settings


def _check_readiness(settings: Settings) -> None:
    """/readyz must turn new calls away (decoder saturated) before the decode scheduler starts shedding finals.

    The oldest queued final never waits much past ``final_max_wait_s`` (it is
    shed when picked), so a readiness threshold at or above it would never trip.
    """
    shed_after = settings.asr.scheduler.final_max_wait_s
    ready_wait = settings.server.ready_max_decode_wait_s
    require(not shed_after or ready_wait < shed_after, "server.ready_max_decode_wait_s",
            f"must be below asr.scheduler.final_max_wait_s ({shed_after:g} s), where finals start being shed "
            f"(or set that to 0: never shed), not {ready_wait:g}")


def _coaching(config: dict[str, Any]) -> CoachingSettings:
    """``[coaching]`` with its phrase packs loaded, as every call would, and the languages that need a pack."""
    settings = coaching_settings(config["coaching"])
    try:
        packs = load_packs(settings)
    except ValueError as exc:  # a missing folder, unreadable YAML or a malformed pack
        raise SettingError("coaching.phrases_dirs", str(exc)) from None
    languages = ", ".join(sorted(packs))
    require(settings.fallback_language in packs, "coaching.fallback_language",
            f"no phrase pack for {settings.fallback_language!r} (packs: {languages})")
    display = config["nudges"]["display_language"]
    require(display in packs, "nudges.display_language", f"no phrase pack for {display!r} (packs: {languages})")
    return settings


def _evaluation(section: dict[str, Any]) -> EvaluationSettings:
    settings = EvaluationSettings.from_config(section)
    between(settings, "evaluation", 0.0, 1.0, "min_precision", "min_recall")
    non_negative(settings, "evaluation", "time_tolerance_s", "max_false_alarms_per_call")
    return settings


def _keyed(section: str, config: dict[str, Any], build: Callable[[dict[str, Any]], T]) -> T:
    """``build(config[section])`` for a class whose refusals are plain messages: the key is read from the message.

    The key is the first of the section's keys the message names (so the
    line can say which file set it); the rest of the message is the reason.
    """
    try:
        return build(config[section])
    except (ValueError, TypeError) as exc:
        message = str(exc)
        for prefix in (f"[{section}] ", f"{section}."):
            while message.startswith(prefix):
                message = message.removeprefix(prefix)
        found = [(match.start(), key) for key in config[section]
                 if (match := re.search(rf"\b{re.escape(key)}\b", message))]
        if not found:
            raise SettingError(section, message) from None
        key = min(found)[1]
        raise SettingError(f"{section}.{key}", re.sub(rf"^{re.escape(key)}(:\s*|\s+)", "", message)) from None
