"""The ``[server]`` config section as a typed, validated, frozen object.

Defaults live in ``config/server.toml`` only. The server's own keys are named
here; every protocol parses the keys it owns through its declared settings
type, so the whole section (including the settings of endpoints no client has
used yet) is checked once, at start-up, and a bad value is a clear message
rather than a failure on the first call.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, get_type_hints

from service.asr.codes import whisper_language
from service.config import ConfigError, is_loopback
from service.protocols import PROTOCOLS, MediaSettings

__all__ = ["ServerSettings"]

_POSITIVE = ("max_message_bytes", "max_queue", "max_calls", "idle_timeout_s", "max_call_s", "poll_interval_s",
             "shutdown_grace_s", "drain_timeout_s", "ready_max_decode_wait_s")


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str
    port: int
    endpoints: tuple[str, ...]
    reports_dir: str
    max_message_bytes: int
    max_queue: int
    max_calls: int
    idle_timeout_s: float
    max_call_s: float
    poll_interval_s: float
    shutdown_grace_s: float
    memory_trim_every_s: float
    drain_timeout_s: float
    ready_max_decode_wait_s: float
    media: MediaSettings
    protocols: dict[str, Any]  # endpoint name -> that protocol's settings object, enabled endpoints only
    languages: dict[str, str]  # endpoint name -> its default call language ("" = detect), enabled endpoints only

    @classmethod
    def from_config(cls, section: dict) -> ServerSettings:
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in ("media", "protocols", "languages"):
                continue
            if f.name not in section:
                raise ConfigError(f"[server] {f.name} is missing (see config/server.toml)")
            raw = section[f.name]
            kind = hints[f.name]
            values[f.name] = tuple(raw) if kind == tuple[str, ...] else kind(raw)
        unknown = set(values["endpoints"]) - set(PROTOCOLS)
        if unknown:
            raise ConfigError(f"[server] endpoints: unknown {sorted(unknown)} (known: {', '.join(PROTOCOLS)})")
        try:
            values["media"] = MediaSettings.from_config(section)
            values["protocols"] = {name: PROTOCOLS[name].settings.from_config(section)
                                   for name in values["endpoints"]}
            values["languages"] = {name: _default_language(section, name) for name in values["endpoints"]}
        except KeyError as exc:
            raise ConfigError(f"[server] {exc.args[0]} is missing (see config/server.toml)") from None
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"[server] {exc}") from None
        settings = cls(**values)
        settings._validate()
        return settings

    def _validate(self) -> None:
        for name in _POSITIVE + ("max_track_skew_s", "max_gap_s"):
            value = getattr(self.media, name) if hasattr(self.media, name) else getattr(self, name)
            if value <= 0:
                raise ConfigError(f"[server] {name} must be positive")
        if self.memory_trim_every_s < 0:
            raise ConfigError("[server] memory_trim_every_s must be >= 0 (0 = never)")

    def options(self, endpoint: str) -> Any:
        """The settings of an enabled endpoint's protocol."""
        return self.protocols[endpoint]

    def default_language(self, endpoint: str) -> str | None:
        """The language of ``endpoint``'s calls when the platform names none (None: detect)."""
        return self.languages[endpoint] or None

    def credential(self, endpoint: str) -> str:
        """The secret configured for ``endpoint`` ('' when none)."""
        return self.protocols[endpoint].credential

    def missing_credentials(self) -> list[str]:
        """Config keys of enabled endpoints that have no credential."""
        return [PROTOCOLS[e].settings.credential_key for e in self.endpoints if not self.credential(e)]

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def check_bind(self) -> None:
        """Refuse a non-loopback bind while any enabled endpoint is open to anyone."""
        missing = self.missing_credentials()
        if missing and not self.loopback:
            raise ConfigError(
                f"refusing to listen on {self.host}: endpoints without credentials ({', '.join(missing)}); "
                "set them in [server] or bind to 127.0.0.1"
            )


def _default_language(section: dict, endpoint: str) -> str:
    """``[server] <endpoint>_language`` as Whisper's code ("" = none); a language Whisper lacks is refused here."""
    key = f"{endpoint}_language"
    tag = str(section[key])
    code = whisper_language(tag) if tag else ""
    if code is None:
        raise ConfigError(f"[server] {key}: {tag!r} is not a language Whisper knows (e.g. \"en\", \"el\", \"tl\")")
    return code
