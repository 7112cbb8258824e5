"""Handshake authentication, the metrics text format and the [server] settings rules."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
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


@pytest.mark.parametrize("bad", [{"max_calls": 0}, {"endpoints": ["sip"]}, {"twilio_outbound_speaker": "customer"},
                                 {"memory_trim_every_s": -1}])
def test_bad_values_are_refused(bad):
    with pytest.raises(ConfigError):
        settings(**bad)


def test_metrics_render_prometheus_text():
    m = Metrics()
    m.counter("x_total", "Things.", labels=("endpoint",))
    m.gauge("depth", "Depth.", lambda: 3)
    m.inc("x_total", endpoint="a")
    m.inc("x_total", 2, endpoint="a")
    text = m.render()
    assert '# HELP x_total Things.\n# TYPE x_total counter\nx_total{endpoint="a"} 3.0\n' in text
    assert "# HELP depth Depth.\n# TYPE depth gauge\ndepth 3.0\n" in text
    assert "_created" not in text  # only the series of docs/contracts.md


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """``{(name, labels): value}`` as a Prometheus server reads the exposition."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_a_counter_kept_elsewhere_is_read_at_every_render():
    kept = {("shed",): 0, ("queue_full",): 0}
    m = Metrics()
    m.counter_from("untranscribed_total", "Untranscribed.", lambda: dict(kept), labels=("reason",))
    kept[("shed",)] = 7
    text = m.render()
    assert "# TYPE untranscribed_total counter\n" in text
    assert samples(text) == {("untranscribed_total", (("reason", "shed"),)): 7,
                             ("untranscribed_total", (("reason", "queue_full"),)): 0}
    kept[("queue_full",)] = 2
    assert samples(m.render())[("untranscribed_total", (("reason", "queue_full"),))] == 2


def test_large_counts_are_exact():
    m = Metrics()
    m.counter("frames_total", "Frames.", labels=("endpoint",))
    m.inc("frames_total", 1234566, endpoint="twilio")
    m.inc("frames_total", endpoint="twilio")
    text = m.render()
    assert "1.23457e+06" not in text
    assert samples(text)[("frames_total", (("endpoint", "twilio"),))] == 1234567


def test_label_values_are_escaped_and_labels_sorted():
    m = Metrics()
    m.counter("calls_total", "Calls.", labels=("endpoint", "ended"))
    m.inc("calls_total", endpoint='a"b\\c\nd', ended="stop")
    text = m.render()
    assert 'calls_total{ended="stop",endpoint="a\\"b\\\\c\\nd"} 1.0\n' in text
    assert samples(text)[("calls_total", (("ended", "stop"), ("endpoint", 'a"b\\c\nd')))] == 1


def test_gauges_read_at_render_or_set_with_labels():
    depth = [0]
    m = Metrics()
    m.gauge("depth", "Depth.", lambda: depth[0])
    m.gauge("info", "Instance.", labels=("instance",))
    m.set("info", 1, instance="a")
    depth[0] = 7
    assert samples(m.render()) == {("depth", ()): 7, ("info", (("instance", "a"),)): 1}


def test_each_registry_is_its_own_and_labels_are_declared():
    first, second = Metrics(), Metrics()
    for m in (first, second):  # the same names in one process: one registry per server
        m.counter("errors_total", "Errors.", labels=("endpoint", "type"))
    first.inc("errors_total", endpoint="stream", type="auth")
    assert "errors_total{" in first.render() and "errors_total{" not in second.render()
    with pytest.raises(ValueError):
        first.inc("errors_total", endpoint="stream")
