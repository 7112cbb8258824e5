"""Test helpers for the broker's access rules: settings with a link secret, and the logins a display uses."""

from __future__ import annotations

import dataclasses
import time

from service.egress import Identity, MqttSettings, Team, sign_token

from .mosquitto import free_port

SECRET = "test-link-secret-0123456789-abcdefghijklmnop"
SERVICE_PASSWORD = "test-service-password"
QA_PASSWORD = "test-qa-password"
TTL_S = 600


def embedded_settings(settings: MqttSettings, **changes: object) -> MqttSettings:
    """``settings`` for an embedded broker on free ports, with a link secret, a qa login and one team."""
    configured = {"embedded_tcp_port": free_port(), "embedded_ws_port": free_port(), "link_secret": SECRET,
                  "password": SERVICE_PASSWORD, "qa_password": QA_PASSWORD,
                  "teams": (Team("billing", frozenset({"agent-1"})),)}
    return dataclasses.replace(settings, **{**configured, **changes})


def token_login(identity: Identity, *, ttl_s: float = TTL_S, secret: str = SECRET) -> dict[str, str]:
    """aiomqtt keyword arguments logging in as ``identity`` with a token valid ``ttl_s`` from now."""
    return {"username": identity.username, "password": sign_token(secret, identity, int(time.time() + ttl_s))}
