"""The split clients keep the old API, stay independent of the server, and the product never imports them."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import inspect
from pathlib import Path

import numpy as np
import pytest

import service.testing.clients as clients
from service.testing.clients import PROTOCOLS, Call, StreamResult, load_stereo, stream_call
from service.testing.clients.twilio import twilio_signature
from service.protocols import PROTOCOLS as REGISTRY
from service.testing.synth import write_wav

from import_graph import module_imports

ROOT = Path(__file__).resolve().parents[2]
# modules that may use the test tools: the tools themselves and the demo
ALLOWED = {ROOT / "service" / "demo.py"}


def test_old_names_and_signatures():
    assert clients.__all__ == ["PROTOCOLS", "Call", "StreamResult", "load_stereo", "stream_call"]
    assert PROTOCOLS[:3] == ("twilio", "audiohook", "stream")  # callers index these three
    params = inspect.signature(stream_call).parameters
    assert list(params) == ["base_url", "protocol", "call", "speed", "frame_ms", "token", "twilio_skip_silent_track"]
    assert [f.name for f in dataclasses.fields(Call)] == ["agent", "customer", "rate", "call_id", "agent_id"]
    assert [f.name for f in dataclasses.fields(StreamResult)] == ["replies", "close_code", "close_reason",
                                                                   "frames_sent"]


def test_load_stereo_splits_the_channels(tmp_path):
    left, right = np.full(800, 0.25, np.float32), np.full(800, -0.5, np.float32)
    write_wav(tmp_path / "two.wav", np.stack([left, right], axis=1), 8000)
    call = load_stereo(tmp_path / "two.wav", agent_channel="right")
    assert call.call_id == "two" and call.rate == 8000
    assert (call.agent == -16383).all() and (call.customer == 8191).all()


def test_an_unknown_protocol_is_refused():
    call = Call(agent=np.zeros(1, np.int16), customer=np.zeros(1, np.int16), rate=8000)
    with pytest.raises(ValueError, match="protocol"):
        asyncio.run(stream_call("ws://127.0.0.1:1", "sip", call))


def test_twilio_signature_is_base64_hmac_sha1_of_the_url():
    # computed independently: printf %s URL | openssl dgst -sha1 -hmac TOKEN -binary | base64
    assert twilio_signature("12345", "wss://example.com/twilio") == "4qZsm0/0bGQYw36gQ+0YyAX07W0="


def test_no_client_imports_the_server():
    for path in (ROOT / "service" / "testing").rglob("*.py"):
        for name in module_imports(path):
            assert not name.startswith(("service.protocols", "service.ingress")), f"{path}: {name}"


def test_the_product_never_imports_the_test_tools():
    for path in (ROOT / "service").rglob("*.py"):
        if path in ALLOWED or (ROOT / "service" / "testing") in path.parents:
            continue
        for name in module_imports(path):
            assert not name.startswith("service.testing"), f"{path.relative_to(ROOT)} imports {name}"


def test_every_registered_protocol_names_an_existing_client():
    for spec in REGISTRY.values():
        importlib.import_module(spec.client)
