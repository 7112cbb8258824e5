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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from service.protocols.auth import same_secret

from .settings import QA_USERNAME, MqttSettings
from .tokens import Identity, TokenError, verify_token

__all__ = ["AccessPolicy", "Login", "LoginRefused", "filter_within"]

_ALL = "#"
_ANY_LEVEL = "+"


class LoginRefused(Exception):
    """A login the broker refuses; the message says why, for the log."""


@dataclass(frozen=True, slots=True)
class Login:
    """An accepted login: the topic filters it may read, and whether it may write (anywhere)."""

    name: str
    reads: tuple[str, ...]
    writes: bool = False

    def may_read(self, topic: str) -> bool:
        """``topic``: a concrete topic (delivery) or a filter (SUBSCRIBE)."""
        return any(filter_within(topic, allowed) for allowed in self.reads)


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
            return Login(username, (f"{root}/calls/#", f"{root}/service/#"))
        try:
            identity, _ = verify_token(self.settings.link_secret, password, self.clock())
        except TokenError as exc:
            raise LoginRefused(str(exc)) from None
        if identity.username != username:
            raise LoginRefused(f"the token is for {identity.username!r}")
        return Login(username, self._reads(identity))

    def _reads(self, identity: Identity) -> tuple[str, ...]:
        root = self.settings.topic_root
        if identity.role == "agent":
            return (f"{root}/agents/{identity.id}/#",)
        team = self.settings.team(identity.team)
        return (f"{root}/teams/{identity.team}/#", *(f"{root}/agents/{agent}/#" for agent in sorted(team)))


def _require(given: str, expected: str) -> None:
    """Constant-time comparison of a presented password with the configured one ('' = no such login)."""
    if not expected or not same_secret(given, expected):
        raise LoginRefused("wrong password")
