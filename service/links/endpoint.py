"""``GET /display-link?agent=ID[&ttl=S]``: links for the contact centre's desktop integration.

Why an endpoint: the desktop (CTI, agent workspace) knows which agent sits
where and can open the display for them, but must not hold the link secret;
it holds an admin token (``mqtt.link_admin_token``) instead. Without one
configured the endpoint does not exist (404), so an unconfigured server hands
out nothing. The answer is JSON: ``{"url", "expires_at"}``, or ``{"error"}``
with 400 (bad agent id or ttl), 401 (no or wrong token) or 404.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from service.egress.settings import MqttSettings
from service.protocols.auth import Handshake, same_secret

from .mint import LinkError, mint_display_link

__all__ = ["PATH", "display_link_reply"]

log = logging.getLogger(__name__)

PATH = "/display-link"
_BEARER = "Bearer "


def display_link_reply(settings: MqttSettings, target: str, headers: Mapping[str, str], *,
                       clock: Callable[[], float] = time.time) -> tuple[int, dict[str, object]]:
    """The status and JSON body answering a GET of ``target`` (path and query) with ``headers``."""
    if not settings.link_admin_token:
        return 404, {"error": "not found"}
    header = headers.get("Authorization", "") or ""
    given = header[len(_BEARER):] if header.startswith(_BEARER) else None
    if not same_secret(given, settings.link_admin_token):
        log.warning("display-link: refused a request without the admin token")
        return 401, {"error": "unauthorized"}
    request = Handshake(target, headers)
    agent = request.query("agent") or ""
    try:
        link = mint_display_link(settings, agent, default_base_url=f"http://{headers.get('Host', '')}",
                                 now=clock(), ttl_s=_seconds(request.query("ttl")))
    except LinkError as exc:
        return 400, {"error": str(exc)}
    log.info("display-link: minted a link for agent %r valid until %d", agent, link.expires_at)
    return 200, {"url": link.url, "expires_at": link.expires_at}


def _seconds(text: str | None) -> float | None:
    try:
        return None if text is None else float(text)
    except ValueError:
        raise LinkError(f"ttl {text!r} is not a number of seconds") from None
