"""Minting a display link: the URL an agent's browser opens, with the token that lets it log in.

Why the link carries everything: the display is a static page on a desktop
nobody logs in to; the link alone must say whose nudges it shows and prove it
to the broker. With the embedded broker the token is the MQTT password. An
external broker cannot check the token (Mosquitto has no HMAC check without a
plugin), so there the link also carries a login of the current rotation epoch
(``&user=`` and ``&password=``, ``service.egress.tokens.broker_login``), which
``coach broker-passwords`` puts in Mosquitto's password file for the previous,
current and next epoch; the link expires when that login leaves the file, at
the start of the epoch after next. With ``mqtt.broker_password_period_s = 0``
the link carries the agent's password that never expires instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from service.egress.settings import MqttSettings, is_link_base_url
from service.egress.tokens import Identity, broker_epoch, broker_login, broker_password, sign_token

__all__ = ["DisplayLink", "LinkError", "display_password", "mint_display_link", "mint_supervisor_link"]

DISPLAY_PATH = "/display"
SUPERVISOR_PATH = "/supervisor"


class LinkError(ValueError):
    """No link can be minted as asked; the message says why (never quoting a secret)."""


@dataclass(frozen=True, slots=True)
class DisplayLink:
    url: str
    expires_at: int  # Unix seconds


def mint_display_link(settings: MqttSettings, agent_id: str, *, default_base_url: str, now: float,
                      base_url: str = "", ttl_s: float | None = None) -> DisplayLink:
    """A link for agent ``agent_id``'s display, valid ``ttl_s`` (default ``mqtt.link_ttl_s``) from ``now``.

    The link starts with ``base_url``, else ``mqtt.link_base_url``, else ``default_base_url``.
    """
    secret, identity = _secret(settings), _agent(agent_id)
    base, expires_at = _base_and_expiry(settings, default_base_url, now, base_url, ttl_s)
    return _signed(settings, secret, identity, f"{base.rstrip('/')}{DISPLAY_PATH}", {"agent": agent_id}, now,
                   expires_at)


def mint_supervisor_link(settings: MqttSettings, team: str, *, default_base_url: str, now: float,
                         supervisor_id: str = "supervisor", base_url: str = "",
                         ttl_s: float | None = None) -> DisplayLink:
    """A link to team ``team``'s supervisor view (/supervisor), for supervisor ``supervisor_id``.

    Only a team of ``[mqtt.teams]`` has agents to show. An external broker
    knows supervisors only through the rotating logins of ``coach
    broker-passwords`` (one per team), so without rotation there is no link.
    """
    secret = _secret(settings)
    try:
        identity = Identity("supervisor", supervisor_id, team)
    except ValueError as exc:
        raise LinkError(str(exc)) from None
    if not settings.embedded and not settings.broker_password_period_s:
        raise LinkError("supervisor links on an external broker need rotating logins "
                        "(mqtt.broker_password_period_s > 0 and coach broker-passwords)")
    if not settings.team(team):
        raise LinkError(f"team {team!r} is not in [mqtt.teams] (config/mqtt.toml)")
    base, expires_at = _base_and_expiry(settings, default_base_url, now, base_url, ttl_s)
    return _signed(settings, secret, identity, f"{base.rstrip('/')}{SUPERVISOR_PATH}", {"team": team}, now,
                   expires_at)


def _signed(settings: MqttSettings, secret: str, identity: Identity, page: str, params: dict[str, str], now: float,
            expires_at: int) -> DisplayLink:
    """``page`` with ``params``, the token of ``identity`` and, for an external broker, its login.

    The login may cut the expiry short (a rotating login leaves the password
    file), and the token is signed for that expiry, so the broker and the
    page agree on when the link dies.
    """
    login: dict[str, str] = {}
    if not settings.embedded:
        login, expires_at = _external_login(settings, identity, now, expires_at)
    query = {**params, "token": sign_token(secret, identity, expires_at), **login}
    return DisplayLink(f"{page}?{urlencode(query)}", expires_at)


def _base_and_expiry(settings: MqttSettings, default_base_url: str, now: float, base_url: str,
                     ttl_s: float | None) -> tuple[str, int]:
    ttl = settings.link_ttl_s if ttl_s is None else ttl_s
    if not 0 < ttl <= settings.link_max_ttl_s:
        raise LinkError(f"ttl must be more than 0 and at most {settings.link_max_ttl_s:g} s (mqtt.link_max_ttl_s)")
    base = base_url or settings.link_base_url or default_base_url
    if not is_link_base_url(base):
        raise LinkError(f"base URL {base!r}: expected http:// or https:// and a host")
    return base, int(now + ttl)


def _external_login(settings: MqttSettings, identity: Identity, now: float,
                    expires_at: int) -> tuple[dict[str, str], int]:
    """The link's query for an external broker's login, and its expiry, cut to when that login leaves the file."""
    period = settings.broker_password_period_s
    if not period:
        return {"password": broker_password(settings.link_secret, identity.id)}, expires_at
    epoch = broker_epoch(now, period)
    login = broker_login(settings.link_secret, identity, epoch)
    return {"user": login.username, "password": login.password}, min(expires_at, int((epoch + 2) * period))


def display_password(settings: MqttSettings, agent_id: str) -> str:
    """Agent ``agent_id``'s password that never expires, for a password file without rotation (period 0)."""
    if settings.broker_password_period_s:
        raise LinkError("display passwords rotate (mqtt.broker_password_period_s): "
                        "write the password file with coach broker-passwords --out FILE --acl FILE")
    return broker_password(_secret(settings), _agent(agent_id).id)


def _secret(settings: MqttSettings) -> str:
    if not settings.link_secret:
        raise LinkError("no link secret: set [mqtt] link_secret (see config/mqtt.toml)")
    return settings.link_secret


def _agent(agent_id: str) -> Identity:
    try:
        return Identity("agent", agent_id)
    except ValueError as exc:
        raise LinkError(str(exc)) from None
