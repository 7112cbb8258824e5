"""Signed display tokens (service/egress/tokens.py): what they grant, and every way one is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from service.egress import Identity, TokenError, broker_password, sign_token, verify_token

SECRET = "s" * 40
NOW = 1_700_000_000.0
LATER = int(NOW) + 60


def test_a_token_grants_its_identity_until_it_expires():
    agent = Identity("agent", "A17")
    token = sign_token(SECRET, agent, LATER)
    assert verify_token(SECRET, token, NOW) == (agent, LATER)
    assert agent.username == "agent:A17"
    with pytest.raises(TokenError, match="expired"):
        verify_token(SECRET, token, LATER)  # the second it expires, it grants nothing
    supervisor = Identity("supervisor", "S1", "billing")
    assert verify_token(SECRET, sign_token(SECRET, supervisor, LATER), NOW)[0] == supervisor


def test_a_token_is_url_safe_and_its_claims_readable_without_the_secret():
    token = sign_token(SECRET, Identity("agent", "Zoë"), LATER)
    version, payload, _ = token.split(".")
    assert version == "v1" and all(c.isalnum() or c in "-_." for c in token)
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims == {"role": "agent", "id": "Zoë", "team": "", "exp": LATER}


def _resigned_payload(token: str, **changes: object) -> str:
    """``token`` with its claims changed but the original signature kept (a forgery)."""
    version, payload, signature = token.split(".")
    claims = {**json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))), **changes}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{version}.{forged}.{signature}"


@pytest.mark.parametrize("forge", [
    lambda t: sign_token("another secret, equally long......", Identity("agent", "A17"), LATER),
    lambda t: _resigned_payload(t, id="B42"),
    lambda t: _resigned_payload(t, exp=LATER + 3600),
    lambda t: _resigned_payload(t, role="supervisor", team="billing"),
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
    lambda t: "v2" + t[2:],
    lambda t: t.replace(".", "", 1),
    lambda t: "",
])
def test_forged_or_malformed_tokens_are_refused(forge):
    token = sign_token(SECRET, Identity("agent", "A17"), LATER)
    with pytest.raises(TokenError):
        verify_token(SECRET, forge(token), NOW)


def test_signed_garbage_claims_are_refused():
    """Even correctly signed, claims that are not an identity grant nothing."""
    payload = base64.urlsafe_b64encode(b'{"role": "admin", "id": "x", "team": "", "exp": 9999999999}').rstrip(b"=")
    mac = hmac.new(SECRET.encode(), b"callcoach.link.v1." + payload, hashlib.sha256).digest()
    token = f"v1.{payload.decode()}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    with pytest.raises(TokenError, match="malformed"):
        verify_token(SECRET, token, NOW)


def test_no_secret_signs_and_verifies_nothing():
    with pytest.raises(TokenError):
        sign_token("", Identity("agent", "A17"), LATER)
    with pytest.raises(TokenError):
        verify_token("", sign_token(SECRET, Identity("agent", "A17"), LATER), NOW)


@pytest.mark.parametrize(("role", "id_", "team"), [
    ("admin", "x", ""), ("agent", "a/b", ""), ("agent", "+", ""), ("agent", "A17", "billing"),
    ("supervisor", "S1", ""), ("supervisor", "S1", "bill#ing"), ("agent", "", ""),
])
def test_identities_that_could_escape_their_topics_cannot_exist(role, id_, team):
    with pytest.raises(ValueError):
        Identity(role, id_, team)


def test_broker_passwords_are_derived_per_agent_and_secret():
    password = broker_password(SECRET, "A17")
    assert password == broker_password(SECRET, "A17") and len(password) >= 40
    assert password != broker_password(SECRET, "A18") and password != broker_password("t" * 40, "A17")
    # never usable as a display token, nor the other way round
    assert password not in sign_token(SECRET, Identity("agent", "A17"), LATER)
