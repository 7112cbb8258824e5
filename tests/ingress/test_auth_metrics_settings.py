"""Handshake authentication, the metrics text format and the [server] settings rules."""

from __future__ import annotations

import pytest
from websockets.datastructures import Headers

from service.config import ConfigError
from service.ingress.metrics import Metrics
from service.protocols import PROTOCOLS, Handshake
from service.protocols.twilio import twilio_signature

from protocols.helpers import make_settings

settings = make_settings


def authenticate(s, endpoint: str, path: str, headers: Headers) -> str | None:
    """What the server does at the handshake: no credential, no check; else the protocol's own."""
    if not s.credential(endpoint):
        return None
    return PROTOCOLS[endpoint].authenticate(s.options(endpoint), Handshake(path, headers))


def test_no_credential_means_open_endpoint():
    assert authenticate(settings(), "stream", "/stream", Headers()) is None


def test_stream_token_by_header_or_query():
    s = settings(stream_token="tok")
    assert authenticate(s, "stream", "/stream", Headers({"Authorization": "Bearer tok"})) is None
    assert authenticate(s, "stream", "/stream?token=tok", Headers()) is None
    assert authenticate(s, "stream", "/stream?token=bad", Headers()) is not None
    assert authenticate(s, "stream", "/stream", Headers({"Authorization": "Bearer tok2"})) is not None


def test_twilio_signature_over_public_url_or_host():
    s = settings(twilio_auth_token="secret")
    good = Headers({"Host": "coach.example.com", "X-Twilio-Signature": twilio_signature(
        "secret", "wss://coach.example.com/twilio")})
    assert authenticate(s, "twilio", "/twilio", good) is None
    proxied = settings(twilio_auth_token="secret", twilio_public_url="wss://public.example.com/twilio")
    assert authenticate(proxied, "twilio", "/twilio", good) is not None
    del good["X-Twilio-Signature"]
    good["X-Twilio-Signature"] = twilio_signature("secret", "wss://public.example.com/twilio")
    assert authenticate(proxied, "twilio", "/twilio", good) is None


def test_audiohook_api_key():
    s = settings(audiohook_api_key="k")
    assert authenticate(s, "audiohook", "/audiohook", Headers({"X-API-KEY": "k"})) is None
    assert authenticate(s, "audiohook", "/audiohook", Headers({"X-API-KEY": "K"})) is not None


def test_public_bind_needs_every_enabled_credential():
    with pytest.raises(ConfigError, match="audiohook_api_key"):
        settings(host="0.0.0.0", stream_token="a", twilio_auth_token="b", endpoints=["twilio", "stream",
                                                                                      "audiohook"]).check_bind()
    settings(host="0.0.0.0", stream_token="a", twilio_auth_token="b", endpoints=["twilio", "stream"]).check_bind()
    settings(host="::1").check_bind()


@pytest.mark.parametrize("bad", [{"max_calls": 0}, {"endpoints": ["sip"]}, {"twilio_outbound_speaker": "customer"}])
def test_bad_values_are_refused(bad):
    with pytest.raises(ConfigError):
        settings(**bad)


def test_metrics_render_prometheus_text():
    m = Metrics()
    m.counter("x_total", "Things.")
    m.gauge("depth", "Depth.", lambda: 3)
    m.inc("x_total", endpoint='a"b')
    m.inc("x_total", 2, endpoint='a"b')
    text = m.render()
    assert '# TYPE x_total counter\nx_total{endpoint="a\\"b"} 3\n' in text
    assert "# TYPE depth gauge\ndepth 3\n" in text
