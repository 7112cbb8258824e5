"""Who may log in to the embedded broker, and which topics each login may read or write.

Why here, sans-I/O: the rules are the security boundary of the egress, so they
are plain functions of (username, password, topic, clock) that tests can
exercise exhaustively; ``broker_plugins`` only hands amqtt's callbacks to them.

Logins (``mqtt.*`` keys in config/mqtt.toml):

- the service: ``mqtt.username`` (default ``callcoach``) with ``mqtt.password``
  (default: a random password made by this process) reads and writes
  everything;
- ``qa`` with ``mqtt.qa_password`` (none when empty) reads ``<root>/calls/#``
  (reports, transcripts) and ``<root>/service/#``;
- ``agent:ID`` with a display token for that agent reads ``<root>/agents/ID/#``;
- ``supervisor:ID`` with a supervisor token for team T reads
  ``<root>/teams/T/#`` and ``<root>/agents/A/#`` for every agent A of team T
  (``[mqtt.teams]``).

Nobody else logs in; nobody but the service writes. A subscription is granted
only when every topic it can match is readable, since a broker hands retained
messages to a new subscription without asking again.

Client ids: MQTT lets a CONNECT with a connected client's id take its session
over, so each login but the service's keeps to its own namespace
``<namespace>-<tag>`` (the tag without ``-``): ``display-<agent>`` for an
agent's display (what the display page uses), ``supervisor-<id>`` for a
supervisor (the supervisor page), ``qa`` for ``qa``. With the tag free of
``-``, a client id names exactly one namespace (agent ``a`` cannot take
``display-a-b-1``, agent ``a-b``'s), so a display can disconnect nobody but
its own agent's other displays. The service, which writes everything anyway,
may use any client id (``callcoach-<instance>``, ``coach archive``'s).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from service.protocols.auth import same_secret

from .settings import QA_USERNAME, MqttSettings
from .tokens import Identity, TokenError, verify_token

__all__ = ["AccessPolicy", "ClientIdRefused", "Login", "LoginRefused", "filter_within", "identity_reads", "qa_reads"]

_ALL = "#"
_ANY_LEVEL = "+"


class LoginRefused(Exception):
    """A login the broker refuses; the message says why, for the log."""


class ClientIdRefused(LoginRefused):
    """A valid login asking for a client id outside its namespace (MQTT's "identifier rejected")."""


@dataclass(frozen=True, slots=True)
class Login:
    """An accepted login: the topic filters it may read, and whether it may write (anywhere)."""

    name: str
    reads: tuple[str, ...]
    writes: bool = False
    client_ids: str = ""  # the namespace of its client ids ("" = any: the service)

    def may_read(self, topic: str) -> bool:
        """``topic``: a concrete topic (delivery) or a filter (SUBSCRIBE)."""
        return any(filter_within(topic, allowed) for allowed in self.reads)

    def owns_client_id(self, client_id: str) -> bool:
        """True for ``<client_ids>-<tag>`` with a tag that holds no ``-`` (any id for the service)."""
        namespace, _, tag = client_id.rpartition("-")
        return not self.client_ids or (namespace == self.client_ids and bool(tag) and "-" not in tag)


def filter_within(wanted: str, allowed: str) -> bool:
    """True when every topic the filter ``wanted`` can match also matches the filter ``allowed``.

    A concrete topic is a filter without wildcards, so this is also plain
    matching: one rule serves SUBSCRIBE (filters) and delivery (topics).
    """
    asked, granted = wanted.split("/"), allowed.split("/")
    for index, level in enumerate(granted):
        if level == _ALL:
            return True  # "a/#" also matches "a" itself
        if index >= len(asked) or asked[index] == _ALL:
            return False
        if level != _ANY_LEVEL and asked[index] != level:
            return False
    return len(asked) == len(granted)


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """The embedded broker's logins and topic rules, built from the ``[mqtt]`` settings."""

    settings: MqttSettings
    clock: Callable[[], float]

    def admit(self, username: str | None, password: str | None, client_id: str, *, will: bool) -> Login:
        """A CONNECT: :meth:`login`, refused also for a Will it may not write or a client id not its own."""
        login = self.login(username, password)
        if will and not login.writes:
            raise LoginRefused("only the service may leave a Will")
        if not login.owns_client_id(client_id):
            raise ClientIdRefused(f"client id {client_id!r} is not {login.name}'s: "
                                  f"use {login.client_ids}-<tag without '-'>")
        return login

    def login(self, username: str | None, password: str | None) -> Login:
        """What ``username``/``password`` may do now; :class:`LoginRefused` (with the reason, never the secret)."""
        if not username or not password:
            raise LoginRefused("anonymous")
        root = self.settings.topic_root
        service, service_password = self.settings.embedded_login()
        if username == service:
            _require(password, service_password)
            return Login(username, (_ALL,), writes=True)
        if username == QA_USERNAME:
            _require(password, self.settings.qa_password)
            return Login(username, qa_reads(root), client_ids=QA_USERNAME)
        try:
            identity, _ = verify_token(self.settings.link_secret, password, self.clock())
        except TokenError as exc:
            raise LoginRefused(str(exc)) from None
        if identity.username != username:
            raise LoginRefused(f"the token is for {identity.username!r}")
        namespace = _CLIENT_NAMESPACES[identity.role](identity)
        return Login(username, identity_reads(self.settings, identity), client_ids=namespace)


# The display page names its client display-<agent>-<16 hex>, the supervisor page supervisor-<id>-<12 hex>.
_CLIENT_NAMESPACES: dict[str, Callable[[Identity], str]] = {
    "agent": lambda identity: f"display-{identity.id}",
    "supervisor": lambda identity: f"supervisor-{identity.id}",
}


def qa_reads(root: str) -> tuple[str, ...]:
    """What ``qa`` reads: every call's events and transcript, and the service status."""
    return f"{root}/calls/#", f"{root}/service/#"


def identity_reads(settings: MqttSettings, identity: Identity) -> tuple[str, ...]:
    """What a display link's identity reads: its agent's topics, or its team's and the team's agents'."""
    root = settings.topic_root
    if identity.role == "agent":
        return (f"{root}/agents/{identity.id}/#",)
    team = settings.team(identity.team)
    return (f"{root}/teams/{identity.team}/#", *(f"{root}/agents/{agent}/#" for agent in sorted(team)))


def _require(given: str, expected: str) -> None:
    """Constant-time comparison of a presented password with the configured one ('' = no such login)."""
    if not expected or not same_secret(given, expected):
        raise LoginRefused("wrong password")
