"""Signed display tokens: who a display link lets log in to the broker, and until when.

Why a signed token and not a password per agent: the embedded broker must
decide at CONNECT who a browser is, without a user database, and a link must
stop working on its own after a while. A token is a statement "this is agent
A17 (or supervisor S1 of team T) until time E", signed with the server secret
(``mqtt.link_secret``) by HMAC-SHA256, so only the server can make one and the
broker can check one without any state:

    v1.<payload>.<signature>

``payload`` is the base64url (unpadded) JSON ``{"role", "id", "team", "exp"}``
(``exp``: Unix seconds), readable by the display page without the secret; the
signature is the base64url HMAC-SHA256 of ``"callcoach.link.v1." + payload``.
Every part is URL-safe. The MQTT username that goes with a token is its
identity, ``role:id`` (``agent:A17``); the token is the password.

Brokers that cannot check an HMAC (Mosquitto without a plugin) check a password
file instead. There an identity logs in per rotation epoch (``floor(unix time /
mqtt.broker_password_period_s)``) with a :func:`broker_login`: a username that
names the identity and the epoch, and a password derived from the secret and
that username. Derived, so ``coach display-link`` can put it in a link and
``coach broker-passwords`` can write the password file without storing
anything; per epoch, so a leaked link stops working once the file no longer
lists its epoch. One username per epoch because a Mosquitto password file holds
one password per username. :func:`broker_password` is the older login per
agent that never expires (``broker_password_period_s = 0``; docs/egress.md,
"Access").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from dataclasses import dataclass, field
from typing import Literal, get_args

from .topics import is_valid_id

__all__ = ["BrokerLogin", "Identity", "Role", "TokenError", "broker_epoch", "broker_login", "broker_password",
           "sign_token", "verify_token"]

Role = Literal["agent", "supervisor"]
ROLES: tuple[str, ...] = get_args(Role)
_VERSION = "v1"
_TOKEN_LABEL = b"callcoach.link.v1."
_PASSWORD_LABEL = b"callcoach.broker-password.v1."
_EPOCH_PASSWORD_LABEL = b"callcoach.broker-password.v2."


class TokenError(ValueError):
    """A token that grants nothing; the message says why (never quoting the token)."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a link speaks for: an agent, or a supervisor (``id`` is the supervisor's own) of ``team``."""

    role: Role
    id: str
    team: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {self.role!r}")
        if not is_valid_id(self.id):
            raise ValueError(f"{self.role} id {self.id!r} cannot be used in an MQTT topic")
        if (self.role == "supervisor") != bool(self.team) or (self.team and not is_valid_id(self.team)):
            raise ValueError("a supervisor needs a valid team, and only a supervisor has one")

    @property
    def username(self) -> str:
        """The MQTT username this identity logs in with: ``role:id``."""
        return f"{self.role}:{self.id}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, label: bytes, message: str) -> str:
    return _b64(hmac.new(secret.encode(), label + message.encode(), hashlib.sha256).digest())


def sign_token(secret: str, identity: Identity, expires_at: int) -> str:
    """The token granting ``identity`` until ``expires_at`` (Unix seconds)."""
    if not secret:
        raise TokenError("no link secret configured")
    claims = {"role": identity.role, "id": identity.id, "team": identity.team, "exp": int(expires_at)}
    payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode())
    return f"{_VERSION}.{payload}.{_mac(secret, _TOKEN_LABEL, payload)}"


def verify_token(secret: str, token: str, now: float) -> tuple[Identity, int]:
    """The identity ``token`` grants and its expiry; :class:`TokenError` when forged, malformed or expired."""
    version, _, rest = token.partition(".")
    payload, _, signature = rest.partition(".")
    if not secret or version != _VERSION or not payload or not signature:
        raise TokenError("not a display token")
    if not hmac.compare_digest(signature, _mac(secret, _TOKEN_LABEL, payload)):
        raise TokenError("bad signature")
    try:
        claims = json.loads(_unb64(payload))
        identity = Identity(claims["role"], claims["id"], claims["team"])
        expires_at = claims["exp"]
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise TokenError("malformed claims") from None
    if not isinstance(expires_at, int) or expires_at <= now:
        raise TokenError("expired")
    return identity, expires_at


def broker_password(secret: str, agent_id: str) -> str:
    """Agent ``agent_id``'s password on a password-file broker without rotation (``broker_password_period_s = 0``).

    Derived, so it is never stored; it changes only with the secret, so it
    never expires: :func:`broker_login` is the login that does.
    """
    if not secret:
        raise TokenError("no link secret configured")
    return _mac(secret, _PASSWORD_LABEL, agent_id)


@dataclass(frozen=True, slots=True)
class BrokerLogin:
    """An identity's login on a password-file broker for one rotation epoch."""

    username: str
    password: str = field(repr=False)


def broker_epoch(now: float, period_s: float) -> int:
    """The rotation epoch ``now`` (Unix seconds) falls in: epochs start at multiples of ``period_s``."""
    return math.floor(now / period_s)


def broker_login(secret: str, identity: Identity, epoch: int) -> BrokerLogin:
    """``identity``'s login during ``epoch``: ``agent/<id>/<epoch>``, or ``supervisor/<team>/<epoch>``.

    A team's supervisors share their team's login (a password file knows no
    supervisor ids). ``/`` never occurs in an id or a team (``is_valid_id``),
    so no two agents, teams or epochs share a username.
    """
    if not secret:
        raise TokenError("no link secret configured")
    name = identity.team if identity.role == "supervisor" else identity.id
    username = f"{identity.role}/{name}/{epoch}"
    return BrokerLogin(username, _mac(secret, _EPOCH_PASSWORD_LABEL, username))
