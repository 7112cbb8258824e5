"""Server lifecycle: load, limits, the bind rule, HTTP endpoints (shutdown and drain: test_server_drain)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from service.config import ConfigError, load_config
from service.testing.clients import PROTOCOLS, load_stereo, stream_call
from service.ingress.server import IngressServer

from .conftest import ROOT, TOKENS, start_server
from .test_server_hardening import http_get


def metric(body: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines() if line.startswith(name))


def test_twenty_concurrent_paced_calls_lose_no_frame(server, synth_calls):
    base = load_stereo(synth_calls["short"])
    calls = [dataclasses.replace(base, call_id=f"load-{i}") for i in range(20)]
    before = metric(http_get(server.http + "/metrics")[2], "callcoach_frames_in_total")

    async def run_all():
        return await asyncio.gather(*(stream_call(server.url, PROTOCOLS[i % 3], c, speed=1.0,
                                                  token=TOKENS[PROTOCOLS[i % 3]]) for i, c in enumerate(calls)))

    results = asyncio.run(run_all())
    assert [r.close_code for r in results] == [1000] * 20
    duration = len(base.agent) / base.rate
    for call in calls:
        report = json.loads(server.report(call.call_id).read_text())
        assert report["duration"] == pytest.approx(duration, abs=0.03), call.call_id
    # every audio frame sent was received: control messages per protocol on top
    control = {"stream": 2, "twilio": 3, "audiohook": 2}
    sent = sum(r.frames_sent + control[PROTOCOLS[i % 3]] for i, r in enumerate(results))
    after = metric(http_get(server.http + "/metrics")[2], "callcoach_frames_in_total")
    assert after - before == sent


def test_idle_timeout_and_capacity(tmp_path):
    served = start_server(tmp_path, {"idle_timeout_s": 1.0, "max_calls": 1})

    async def run():
        async with connect(served.url + "/stream") as first:
            await asyncio.sleep(0.2)  # let the server register the first call
            with pytest.raises(InvalidStatus) as refused:
                async with connect(served.url + "/stream"):
                    pass
            await first.wait_closed()
        return first.close_code, refused.value.response.status_code

    try:
        code, status = asyncio.run(run())
        assert (code, status) == (1008, 503)
    finally:
        assert served.stop() == 0


def test_public_bind_without_credentials_is_refused(tmp_path):
    done = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--host", "0.0.0.0", "--port", "0",
                           "--no-mqtt"], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "refusing to listen on 0.0.0.0" in done.stderr and "stream_token" in done.stderr


def test_settings_refuse_bad_values():
    config = load_config()
    with pytest.raises(ConfigError):
        IngressServer(load_config(overrides={"server": {"endpoints": ["sip"]}}))
    with pytest.raises(ConfigError):
        IngressServer(load_config(overrides={"server": {"twilio_inbound_speaker": "agent"}}))
    assert IngressServer(config).settings.loopback


def test_display_files_are_served_and_nothing_else(tmp_path):
    config = load_config(overrides={"asr": {"engine": "none"}, "server": {"port": 0,
                                                                          "reports_dir": str(tmp_path / "r")}})
    paths = ("/display", "/display/display.js", "/display/config.json", "/display/missing.css",
             "/display/__init__.py", "/display/vendor.py", "/display/.gitignore", "/display/../server.py")

    async def run():
        async with IngressServer(config) as srv:
            base = f"http://127.0.0.1:{srv.port}"
            loop = asyncio.get_running_loop()
            return [await loop.run_in_executor(None, http_get, base + p) for p in paths]

    index, js, display_config, *refused = asyncio.run(run())
    assert index[0] == 200 and index[1].startswith("text/html") and "<html" in index[2]
    assert js[0] == 200 and "javascript" in js[1]
    assert display_config[0] == 200
    settings = json.loads(display_config[2])
    assert settings["broker"] == f"ws://127.0.0.1:{config['mqtt']['embedded_ws_port']}"
    assert settings["topic_root"] == config["mqtt"]["topic_root"]
    assert [r[0] for r in refused] == [404] * len(refused)  # page files only, never the package's code