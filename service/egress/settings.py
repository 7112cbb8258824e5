"""The ``[mqtt]`` config section as a typed, validated value.

Why a dataclass at the edge: the rest of the egress code reads attributes, not
dict keys, and a wrong value (a QoS of 3, an unknown URL scheme) is refused
once, at start-up, with a message naming the key.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from ..config import SettingError, between, non_negative, positive, require, typed

__all__ = ["BrokerAddress", "MqttSettings"]

_SCHEMES = {  # scheme -> (transport, tls, default port)
    "mqtt": ("tcp", False, 1883),
    "tcp": ("tcp", False, 1883),
    "mqtts": ("tcp", True, 8883),
    "ssl": ("tcp", True, 8883),
    "ws": ("websockets", False, 80),
    "wss": ("websockets", True, 443),
}
_QOS = (0, 1, 2)
_MAX_PORT = 65535


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where and how to connect: parsed from ``broker_url`` or the embedded broker."""

    host: str
    port: int
    transport: str  # "tcp" | "websockets"
    tls: bool
    path: str  # WebSocket path ("" for TCP)
    username: str
    password: str


@dataclass(frozen=True, slots=True)
class MqttSettings:
    """Effective MQTT settings; every field is documented in ``config/mqtt.toml``."""

    broker_url: str
    username: str
    password: str
    tls_ca_file: str
    tls_cert_file: str
    tls_key_file: str
    protocol: Literal["auto", "5", "3.1.1"]
    topic_root: str
    instance_id: str
    qos_nudges: int
    qos_state: int
    qos_events: int
    qos_transcript: int
    qos_status: int
    nudge_expiry_s: float
    outbox_size: int
    backoff_base_s: float
    backoff_max_s: float
    backoff_jitter: float
    ack_timeout_s: float
    keepalive_s: int
    state_interval_s: float
    drain_timeout_s: float
    embedded_host: str
    embedded_tcp_port: int
    embedded_ws_port: int
    display_ws_url: str
    display_card_s: float

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> MqttSettings:
        """Build from the ``[mqtt]`` section of :func:`service.config.load_config`; a bad value names its key."""
        settings = typed(cls, section, "mqtt")
        settings._validate()
        return settings

    def _validate(self) -> None:
        for name in ("qos_nudges", "qos_state", "qos_events", "qos_transcript", "qos_status"):
            require(getattr(self, name) in _QOS, f"mqtt.{name}", f"must be 0, 1 or 2, not {getattr(self, name)!r}")
        positive(self, "mqtt", "outbox_size", "nudge_expiry_s", "backoff_base_s", "ack_timeout_s", "keepalive_s",
                 "display_card_s")
        non_negative(self, "mqtt", "state_interval_s", "drain_timeout_s")
        between(self, "mqtt", 0.0, 1.0, "backoff_jitter")
        between(self, "mqtt", 1, _MAX_PORT, "embedded_tcp_port", "embedded_ws_port")
        require(self.backoff_max_s >= self.backoff_base_s, "mqtt.backoff_max_s",
                f"must be >= mqtt.backoff_base_s ({self.backoff_base_s:g})")
        require(bool(self.topic_root) and not any(c in self.topic_root for c in "+#\0"), "mqtt.topic_root",
                f"{self.topic_root!r} is not a valid topic prefix")
        if self.broker_url:
            self.broker()  # raises on a malformed URL

    @property
    def embedded(self) -> bool:
        """True when no external broker is configured: `coach serve` runs its own."""
        return not self.broker_url

    @property
    def instance(self) -> str:
        """The instance id used in the status topic and the client id."""
        return self.instance_id or socket.gethostname()

    def broker(self) -> BrokerAddress:
        """The broker to connect to (the embedded one's TCP listener when none is configured)."""
        if self.embedded:
            return BrokerAddress(self.embedded_host, self.embedded_tcp_port, "tcp", False, "", "", "")
        parts = urlsplit(self.broker_url)
        require(parts.scheme in _SCHEMES and bool(parts.hostname), "mqtt.broker_url",
                f"{self.broker_url!r}: expected mqtt://, mqtts://, ws:// or wss:// with a host")
        transport, tls, default_port = _SCHEMES[parts.scheme]
        try:
            port = parts.port or default_port
        except ValueError:
            raise SettingError("mqtt.broker_url", f"{self.broker_url!r} has a bad port") from None
        return BrokerAddress(
            host=parts.hostname,
            port=port,
            transport=transport,
            tls=tls,
            path=(parts.path or "/mqtt") if transport == "websockets" else "",
            username=self.username or unquote(parts.username or ""),
            password=self.password or unquote(parts.password or ""),
        )

    def display_config(self, page_host: str, display_language: str) -> dict[str, Any]:
        """What the agent display needs to connect: served as ``/display/config.json``.

        ``page_host`` is the host name the browser used to load the page (the
        HTTP ``Host`` header without its port), so the embedded broker is reached
        on the same host the agent typed.
        """
        ws_url = self.display_ws_url or f"ws://{page_host}:{self.embedded_ws_port}"
        return {
            "broker": ws_url,
            "topic_root": self.topic_root,
            "language": display_language,
            "nudge_expiry_s": self.nudge_expiry_s,
            "card_s": self.display_card_s,
        }
