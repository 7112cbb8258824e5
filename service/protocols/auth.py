"""Shared pieces of handshake authentication; each protocol module has its own check.

A check looks only at the request (path and headers, no body), so a refused
client never gets a connection: it gets 401 with a one-line reason. With no
credential configured the check is skipped by the caller (the server then only
listens on loopback).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

__all__ = ["Handshake", "basic_password", "bearer_or_query_token", "same_secret"]

_BEARER = "Bearer "
_BASIC = "Basic "


@dataclass(frozen=True, slots=True)
class Handshake:
    """What a client presented before its first message: request path (with query) and headers.

    ``headers`` needs only a case-insensitive ``get`` (websockets' ``Headers``
    or the HTTP request headers of the registration call).
    """

    path: str
    headers: Mapping[str, str]

    def query(self, name: str) -> str | None:
        return next(iter(parse_qs(urlsplit(self.path).query).get(name, [])), None)


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison; a missing value never matches."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def bearer_or_query_token(request: Handshake) -> str | None:
    """``Authorization: Bearer <t>`` or, for clients that cannot set headers, ``?token=<t>``."""
    header = request.headers.get("Authorization", "") or ""
    if header.startswith(_BEARER):
        return header[len(_BEARER):]
    return request.query("token")


def basic_password(request: Handshake) -> str | None:
    """The password of ``Authorization: Basic`` (the user name is not checked)."""
    header = request.headers.get("Authorization", "") or ""
    if not header.startswith(_BASIC):
        return None
    try:
        decoded = base64.b64decode(header[len(_BASIC):], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2]
