"""How a protocol module declares itself: one :class:`Protocol` value named ``PROTOCOL``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol as TypingProtocol

from .auth import Handshake
from .base import Adapter

__all__ = ["Protocol", "ProtocolSettings", "Registration", "SecretSettings", "Transport"]

Transport = Literal["websocket", "tcp"]


class ProtocolSettings(TypingProtocol):
    """A protocol's own settings: the ``[server]`` keys it owns, parsed and checked at start-up."""

    credential_key: ClassVar[str]

    @classmethod
    def from_config(cls, section: dict) -> Any: ...

    @property
    def credential(self) -> str: ...


@dataclass(frozen=True, slots=True)
class SecretSettings:
    """Settings of a protocol whose only ``[server]`` key is its credential (subclasses name the key)."""

    secret: str
    credential_key: ClassVar[str] = ""

    @classmethod
    def from_config(cls, section: dict) -> SecretSettings:
        return cls(str(section[cls.credential_key]))

    @property
    def credential(self) -> str:
        return self.secret


@dataclass(frozen=True, slots=True)
class Registration:
    """A protocol whose connections carry no call metadata takes it over HTTP first.

    ``GET /<name>/calls?uuid=..&agent_id=..&language=..`` registers a call;
    ``call_id`` turns the registered id into the form the adapter reports
    (raising ValueError with a message for the client). Settings of such a
    protocol have ``registration_ttl_s``; with its credential set, calls that
    were not registered are refused.
    """

    call_id: Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Protocol:
    """One protocol, declared once.

    ``name`` is its endpoint (``/name`` for a WebSocket protocol, the
    ``[server] endpoints`` entry, the report's ``source`` and the metrics
    label). ``authenticate`` returns None when the request may connect, else
    why not; it is only called when the credential is set. ``client`` is the
    module of its test client under ``service.testing.clients`` (test tools are
    never imported by the product).
    """

    name: str
    summary: str
    transport: Transport
    adapter: type[Adapter]
    settings: type
    authenticate: Callable[[Any, Handshake], str | None]
    client: str
    registration: Registration | None = None
    subprotocol: str | None = None  # WebSocket subprotocol answered when the client offers it

    @property
    def path(self) -> str:
        return f"/{self.name}"
