"""The call language from the telephony side, else the endpoint's default, to the report's language_source.

Unit tests on the runner's :class:`CallBook` (what the adapters' ``CallStart``
becomes) and on the ``[server] <endpoint>_language`` check; one integration
test streams short calls through a real ``coach serve`` on Twilio, AudioHook
and /stream with the test clients and reads the saved reports.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

from service.config import ConfigError, load_config
from service.ingress.metrics import Metrics
from service.ingress.runner import CallBook, Registration
from service.protocols import AudioOut, CallStart
from service.testing.clients import load_stereo, stream_audiohook, stream_pcm, stream_twilio

from .helpers import make_settings


def book(tmp_path, **server) -> tuple[CallBook, Metrics]:
    metrics = Metrics()
    metrics.counter("callcoach_errors_total", "errors", ("endpoint", "type"))
    settings = make_settings(reports_dir=str(tmp_path), **server)
    return CallBook(load_config(), settings, AudioOut.from_config(load_config()["audio"]), metrics, None, None), metrics


def opened(calls: CallBook, endpoint: str, language: str | None, call_id: str = "c1") -> tuple[str | None, str]:
    info = calls.open(endpoint, CallStart(call_id, "a1", language), registration_required=False).info
    return info.language, info.language_source


def test_the_platform_language_wins_over_the_endpoint_default_and_tags_become_whisper_codes(tmp_path):
    calls, _ = book(tmp_path, twilio_language="tr")
    assert opened(calls, "twilio", "el-GR", "c1") == ("el", "telephony")
    assert opened(calls, "twilio", None, "c2") == ("tr", "configured")
    assert opened(calls, "stream", None, "c3") == (None, "configured")  # no default: detection decides


def test_an_audiosocket_registration_language_reaches_the_call(tmp_path):
    calls, _ = book(tmp_path)
    calls.register("audiosocket", "u1", Registration("agent-9", "lv", expires_at=1e9))
    start = CallStart("u1", "", None, parties=("agent",))
    info = calls.open("audiosocket", start, registration_required=True).info
    assert (info.language, info.language_source, info.agent_id) == ("lv", "telephony", "agent-9")


def test_a_language_whisper_lacks_is_counted_and_the_default_takes_over(tmp_path):
    calls, metrics = book(tmp_path, audiohook_language="el")
    assert opened(calls, "audiohook", "klingon") == ("el", "configured")
    assert 'callcoach_errors_total{endpoint="audiohook",type="bad_language"} 1.0' in metrics.render()


@pytest.mark.parametrize("value", ["english", "xx"])
def test_an_endpoint_default_whisper_lacks_is_refused_at_start(value):
    with pytest.raises(ConfigError, match=f"twilio_language: '{value}' is not a language Whisper knows"):
        make_settings(twilio_language=value)


# (call id, client, the language it sends) -> (the report's language, language_source); /stream defaults to "tr"
LIVE = [
    ("tw-el", stream_twilio, {"language": "el"}, ("el", "telephony")),
    ("ah-lv", stream_audiohook, {"language": "lv-LV"}, ("lv", "telephony")),
    ("st-tl", stream_pcm, {"language": "tl"}, ("tl", "telephony")),
    ("st-default", stream_pcm, {}, ("tr", "configured")),
    ("tw-none", stream_twilio, {}, ("", "unknown")),  # no transcription here: nothing to detect from
]


def test_a_live_call_reports_its_telephony_language_on_twilio_audiohook_and_stream(tmp_path, short_call):
    from ingress.conftest import start_server

    served = start_server(tmp_path / "serve", {"stream_language": "tr"})
    try:
        for call_id, client, language, _ in LIVE:
            result = asyncio.run(client(served.url, dataclasses.replace(short_call, call_id=call_id), speed=None,
                                        **language))
            assert result.close_code == 1000, (call_id, result.close_reason)
        reports = {call_id: json.loads(served.report(call_id).read_text()) for call_id, *_ in LIVE}
    finally:
        assert served.stop() == 0
    assert {c: (r["language"], r["language_source"]) for c, r in reports.items()} == {c: w for c, *_, w in LIVE}
    assert reports["tw-el"]["language_detection"] == {"votes": {}, "fixed_at": None, "switches": []}


@pytest.fixture(scope="module")
def short_call(tmp_path_factory):
    from service.testing.synth import synthesize_call
    from ingress.conftest import SHORT

    path = tmp_path_factory.mktemp("language-calls") / "short.wav"
    synthesize_call(SHORT, path, sample_rate=16000)
    return load_stereo(path)
