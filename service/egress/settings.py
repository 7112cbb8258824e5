"""The ``[mqtt]`` config section as a typed, validated value.

Why a dataclass at the edge: the rest of the egress code reads attributes, not
dict keys, and a wrong value (a QoS of 3, an unknown URL scheme) is refused
once, at start-up, with a message naming the key.
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from ..config import (
    ConfigError,
    SettingError,
    between,
    check_value,
    is_loopback,
    non_negative,
    positive,
    require,
    typed,
)
from .topics import is_valid_id

__all__ = ["QA_USERNAME", "SERVICE_USERNAME", "BrokerAddress", "MqttSettings", "Team", "is_link_base_url"]

SERVICE_USERNAME = "callcoach"  # the service's login when mqtt.username is empty
QA_USERNAME = "qa"  # the embedded broker's reader of calls and service status (mqtt.qa_password)
# An HMAC key shorter than this could be guessed offline from one leaked link.
MIN_SECRET_CHARS = 32
_SECRET_BYTES = 32
# The service's password on the embedded broker when mqtt.password is empty:
# only this process knows it, so only this process can log in as the service.
_PROCESS_PASSWORD = secrets.token_urlsafe(_SECRET_BYTES)
_LINK_SCHEMES = ("http", "https")

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
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Team:
    """A supervisor's team (``[mqtt.teams]``): its supervisors' links read these agents' topics."""

    name: str
    agents: frozenset[str]


@dataclass(frozen=True, slots=True)
class MqttSettings:
    """Effective MQTT settings; every field is documented in ``config/mqtt.toml``."""

    broker_url: str
    username: str
    password: str = field(repr=False)
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
    link_secret: str = field(repr=False)
    link_ttl_s: float
    link_max_ttl_s: float
    link_base_url: str
    link_admin_token: str = field(repr=False)
    qa_password: str = field(repr=False)
    broker_password_period_s: float
    teams: tuple[Team, ...]

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> MqttSettings:
        """Build from the ``[mqtt]`` section of :func:`service.config.load_config`; a bad value names its key."""
        settings = typed(cls, section, "mqtt", teams=_teams(section.get("teams")))
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
        self._validate_links()

    def _validate_links(self) -> None:
        require(not self.link_secret or len(self.link_secret) >= MIN_SECRET_CHARS, "mqtt.link_secret",
                f"must be at least {MIN_SECRET_CHARS} characters "
                "(python -c 'import secrets; print(secrets.token_urlsafe(32))')")
        require(not self.link_admin_token or bool(self.link_secret), "mqtt.link_admin_token",
                "needs mqtt.link_secret: links cannot be minted without it")
        positive(self, "mqtt", "link_ttl_s")
        non_negative(self, "mqtt", "broker_password_period_s")
        require(self.link_max_ttl_s >= self.link_ttl_s, "mqtt.link_max_ttl_s",
                f"must be >= mqtt.link_ttl_s ({self.link_ttl_s:g})")
        require(not self.link_base_url or is_link_base_url(self.link_base_url), "mqtt.link_base_url",
                f"{self.link_base_url!r}: expected http:// or https:// and a host")

    def check_bind(self) -> None:
        """Refuse an embedded broker that other machines reach while displays cannot authenticate.

        Off loopback the broker exists for displays elsewhere; without
        ``link_secret`` they have no credential, so the bind is a mistake.
        """
        if self.embedded and not self.link_secret and not is_loopback(self.embedded_host):
            raise ConfigError(
                f"refusing to run the embedded MQTT broker on {self.embedded_host}: displays have no credential; "
                "set [mqtt] link_secret or bind mqtt.embedded_host to 127.0.0.1"
            )

    def embedded_login(self) -> tuple[str, str]:
        """The service's username and password on the embedded broker (see ``_PROCESS_PASSWORD``)."""
        return self.username or SERVICE_USERNAME, self.password or _PROCESS_PASSWORD

    def team(self, name: str) -> frozenset[str]:
        """The agents of team ``name`` (none for a team not configured)."""
        return next((team.agents for team in self.teams if team.name == name), frozenset())

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
            return BrokerAddress(self.embedded_host, self.embedded_tcp_port, "tcp", False, "", *self.embedded_login())
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


def _teams(table: Any) -> tuple[Team, ...]:
    """``[mqtt.teams]``: team name -> list of agent ids, each a valid topic level."""
    require(isinstance(table, dict), "mqtt.teams", f"must be a table of team = [agent ids], not {table!r}")
    teams = []
    for name, agents in table.items():
        key = f"mqtt.teams.{name}"
        require(is_valid_id(name), key, "a team name cannot hold / + # or control characters")
        members = check_value(key, agents, tuple[str, ...])
        bad = [agent for agent in members if not is_valid_id(agent)]
        require(not bad, key, f"agent ids {bad} cannot be used in an MQTT topic")
        teams.append(Team(name, frozenset(members)))
    return tuple(teams)


def is_link_base_url(url: str) -> bool:
    """True for a base URL display links may start with: http(s) with a host."""
    parts = urlsplit(url)
    return parts.scheme in _LINK_SCHEMES and bool(parts.netloc)
