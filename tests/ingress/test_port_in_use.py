"""A port already taken by another process: `coach serve` and `coach demo` exit 1 with one line.

Each case occupies one of the ports the command needs (the WebSocket/HTTP
port, an AudioSocket leg port, the embedded broker's MQTT and WebSocket ports)
with a real `python -m http.server`, starts the real command, and checks that
it says which port and which setting wanted it, in one line and no traceback,
and leaves the other process alone.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from egress.mosquitto import free_port  # the free-port helper of tests/egress

from .conftest import ROOT

PORT_SETTINGS = [
    ("server", "port"),
    ("server", "audiosocket_customer_port"),
    ("server", "audiosocket_agent_port"),
    ("mqtt", "embedded_tcp_port"),
    ("mqtt", "embedded_ws_port"),
]
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+: ")


def _config(tmp: Path, ports: dict[tuple[str, str], int]) -> Path:
    server = {k: v for (s, k), v in ports.items() if s == "server"}
    mqtt = {k: v for (s, k), v in ports.items() if s == "mqtt"}
    path = tmp / "ports.toml"
    path.write_text("\n".join([
        "[asr]", 'engine = "none"',  # no model to load: the listeners start at once
        "[server]", f'reports_dir = "{tmp / "reports"}"',
        'endpoints = ["twilio", "audiohook", "stream", "audio_fork", "audiosocket"]',
        *(f"{k} = {v}" for k, v in server.items()),
        "[mqtt]", *(f"{k} = {v}" for k, v in mqtt.items()),
        "[demo]", f'work_dir = "{tmp / "demo"}"', "lead_in_s = 0.1", "drain_s = 0.1",
    ]) + "\n")
    return path


class Squatter:
    """Another program holding a port: `python -m http.server` on 127.0.0.1."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port = port
        self.proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                                     cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                assert self.proc.poll() is None, "http.server exited"
                time.sleep(0.05)
        raise AssertionError("http.server did not start")

    def still_serving(self) -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=10) as reply:
            return reply.status == 200

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def ports() -> dict[tuple[str, str], int]:
    return {setting: free_port() for setting in PORT_SETTINGS}


@pytest.mark.parametrize("taken", PORT_SETTINGS, ids=[".".join(s) for s in PORT_SETTINGS])
def test_serve_names_the_taken_port_in_one_line(tmp_path, ports, taken):
    squatter = Squatter(ports[taken], tmp_path)
    try:
        done = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--config", str(_config(tmp_path, ports))],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert squatter.still_serving()
    finally:
        squatter.stop()
    assert done.returncode == 1, done.stderr[-3000:]
    lines = done.stderr.splitlines()
    assert all(LOG_LINE.match(line) for line in lines), done.stderr[-3000:]  # no traceback, no stray output
    errors = [line for line in lines if " ERROR " in line]
    assert len(errors) == 1, done.stderr[-3000:]
    assert f"port {ports[taken]} on 127.0.0.1 is already in use" in errors[0]
    assert f"({'.'.join(taken)})" in errors[0]


@pytest.mark.parametrize("taken", [("server", "port"), ("mqtt", "embedded_tcp_port")], ids=["server.port", "mqtt.embedded_tcp_port"])
def test_demo_names_the_taken_port_in_one_line(tmp_path, ports, taken):
    config = _config(tmp_path, ports)
    prepared = subprocess.run([sys.executable, "-m", "service.cli", "demo", "--prepare", "--config", str(config)],
                              cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    squatter = Squatter(ports[taken], tmp_path)
    try:
        done = subprocess.run([sys.executable, "-m", "service.cli", "demo", "--headless", "--config", str(config)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert squatter.still_serving()
    finally:
        squatter.stop()
    assert done.returncode == 1, done.stderr[-3000:]
    problems = [line for line in done.stderr.splitlines() if not LOG_LINE.match(line)]
    assert len(problems) == 1, done.stderr[-3000:]  # the one line, and no traceback
    assert problems[0].startswith("coach demo: cannot start the service: ")
    assert f"port {ports[taken]} on 127.0.0.1 is already in use" in problems[0]
    assert f"({'.'.join(taken)})" in problems[0]
