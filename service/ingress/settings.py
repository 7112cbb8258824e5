"""The ``[server]`` config section as a typed, validated, frozen object.

Defaults live in ``config/server.toml`` only; this module names the keys and
checks their values once, at start-up, so a bad value is a clear message
rather than a failure on the first call.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, fields
from typing import get_type_hints

from service.config import ConfigError
from service.core.events import SPEAKERS

__all__ = ["ENDPOINTS", "ServerSettings"]

ENDPOINTS: tuple[str, ...] = ("twilio", "audiohook", "stream")
_CREDENTIAL_OF = {"twilio": "twilio_auth_token", "audiohook": "audiohook_api_key", "stream": "stream_token"}
_LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str
    port: int
    endpoints: tuple[str, ...]
    reports_dir: str
    stream_token: str
    twilio_auth_token: str
    twilio_public_url: str
    audiohook_api_key: str
    twilio_inbound_speaker: str
    twilio_outbound_speaker: str
    agent_param: str
    default_agent_id: str
    gap_tolerance_ms: float
    max_track_skew_s: float
    max_gap_s: float
    max_message_bytes: int
    max_queue: int
    max_calls: int
    idle_timeout_s: float
    max_call_s: float
    poll_interval_s: float
    shutdown_grace_s: float

    @classmethod
    def from_config(cls, section: dict) -> ServerSettings:
        hints = get_type_hints(cls)
        values = {}
        for f in fields(cls):
            if f.name not in section:
                raise ConfigError(f"[server] {f.name} is missing (see config/server.toml)")
            raw = section[f.name]
            kind = hints[f.name]
            values[f.name] = tuple(raw) if kind == tuple[str, ...] else kind(raw)
        settings = cls(**values)
        settings._validate()
        return settings

    def _validate(self) -> None:
        unknown = set(self.endpoints) - set(ENDPOINTS)
        if unknown:
            raise ConfigError(f"[server] endpoints: unknown {sorted(unknown)} (known: {', '.join(ENDPOINTS)})")
        mapping = (self.twilio_inbound_speaker, self.twilio_outbound_speaker)
        if sorted(mapping) != sorted(SPEAKERS):
            raise ConfigError("[server] twilio_inbound_speaker/twilio_outbound_speaker must be 'agent' and 'customer'")
        for name in ("max_message_bytes", "max_queue", "max_calls", "idle_timeout_s", "max_track_skew_s",
                     "max_call_s", "poll_interval_s", "max_gap_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"[server] {name} must be positive")

    def credential(self, endpoint: str) -> str:
        """The secret configured for ``endpoint`` ('' when none)."""
        return getattr(self, _CREDENTIAL_OF[endpoint])

    def missing_credentials(self) -> list[str]:
        """Config keys of enabled endpoints that have no credential."""
        return [_CREDENTIAL_OF[e] for e in self.endpoints if not self.credential(e)]

    @property
    def loopback(self) -> bool:
        if self.host in _LOOPBACK_NAMES:
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def check_bind(self) -> None:
        """Refuse a non-loopback bind while any enabled endpoint is open to anyone."""
        missing = self.missing_credentials()
        if missing and not self.loopback:
            raise ConfigError(
                f"refusing to listen on {self.host}: endpoints without credentials ({', '.join(missing)}); "
                "set them in [server] or bind to 127.0.0.1"
            )
