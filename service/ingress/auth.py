"""Handshake authentication, one scheme per endpoint, checked before upgrading.

Each check looks only at the HTTP request (path and headers), so a refused
client never gets a WebSocket: it gets 401 with a one-line reason. With no
credential configured for an endpoint the check passes (the server then only
listens on loopback, see :meth:`ServerSettings.check_bind`).
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs, urlsplit

from websockets.datastructures import Headers

from .settings import ServerSettings
from .twilio import twilio_signature

__all__ = ["authenticate"]


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _stream(settings: ServerSettings, path: str, headers: Headers) -> str | None:
    header = headers.get("Authorization", "")
    token = header[len("Bearer "):] if header.startswith("Bearer ") else None
    if token is None:
        token = next(iter(parse_qs(urlsplit(path).query).get("token", [])), None)
    return None if _same(token, settings.stream_token) else "missing or wrong stream token"


def _twilio(settings: ServerSettings, path: str, headers: Headers) -> str | None:
    url = settings.twilio_public_url or f"wss://{headers.get('Host', '')}{path}"
    expected = twilio_signature(settings.twilio_auth_token, url)
    return None if _same(headers.get("X-Twilio-Signature"), expected) else "missing or wrong X-Twilio-Signature"


def _audiohook(settings: ServerSettings, path: str, headers: Headers) -> str | None:
    return None if _same(headers.get("X-API-KEY"), settings.audiohook_api_key) else "missing or wrong X-API-KEY"


_CHECKS = {"stream": _stream, "twilio": _twilio, "audiohook": _audiohook}


def authenticate(settings: ServerSettings, endpoint: str, path: str, headers: Headers) -> str | None:
    """``None`` if the request may connect to ``endpoint``, else why not."""
    if not settings.credential(endpoint):
        return None
    return _CHECKS[endpoint](settings, path, headers)
