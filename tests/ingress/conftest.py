"""Fixtures for the live-server tests: synthesized calls and a real `coach serve` process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soxr

from service.core.codecs import pcm16_to_ulaw, ulaw_to_pcm16
from service.testing.synth import synthesize_call

ROOT = Path(__file__).resolve().parents[2]
TOKENS = {"stream": "stream-secret", "twilio": "twilio-secret", "audiohook": "audiohook-secret"}

# ~17 s: an interruption (1.5 s overlap) and 10 s of dead air after the customer's answer
BUSY = {"turns": [
    {"speaker": "agent", "text": "Thank you for calling, how can I help you today?"},
    {"speaker": "customer", "text": "Hi, my laptop order has not arrived and nobody answers my emails.", "gap": 0.6},
    {"speaker": "agent", "text": "Can I have your order number please?", "gap": -1.5},
    {"speaker": "customer", "text": "It is four five six.", "gap": 0.5},
    {"speaker": "agent", "text": "It ships tomorrow.", "gap": 10.0},
]}
# ~5 s, polite: for the load and hardening tests
SHORT = {"turns": [
    {"speaker": "agent", "text": "Good morning, how can I help?"},
    {"speaker": "customer", "text": "I would like to check my order please.", "gap": 0.5},
]}


def telephony_copy(wav: Path, out: Path) -> Path:
    """The call as Twilio/AudioHook carry it: 8 kHz mu-law, decoded back to a WAV."""
    from service.testing.clients import load_stereo

    call = load_stereo(wav)
    chans = [ulaw_to_pcm16(pcm16_to_ulaw(soxr.resample(x, call.rate, 8000, quality="HQ").astype(np.int16)))
             for x in (call.agent, call.customer)]
    with wave.open(str(out), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(np.stack(chans, axis=1).astype("<i2").tobytes())
    return out


@pytest.fixture(scope="session")
def synth_calls(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("ingress-calls")
    made = {}
    for name, scenario in (("busy", BUSY), ("short", SHORT)):
        made[name] = out / f"{name}.wav"
        synthesize_call(scenario, made[name], sample_rate=16000)
    made["busy_8k"] = telephony_copy(made["busy"], out / "busy_8k.wav")
    return made


def write_config(path: Path, reports: Path, server: dict | None = None, asr_engine: str = "none") -> Path:
    server = {"port": 0, "reports_dir": str(reports), **(server or {})}
    lines = ["[asr]", f'engine = "{asr_engine}"', "[server]"]
    for key, value in server.items():
        lines.append(f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"')
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class Served:
    proc: subprocess.Popen
    url: str
    http: str
    reports: Path
    config: Path
    log: Path
    tcp_ports: dict[tuple[str, str], int]  # (protocol, party) -> port of a TCP protocol's listener

    def report(self, call_id: str, timeout: float = 60.0) -> Path:
        path = self.reports / f"{call_id}.coach.json"
        deadline = time.monotonic() + timeout
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.exists(), f"no report for {call_id}; server log:\n{self.log.read_text()[-3000:]}"
        return path

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


def start_server(tmp: Path, server: dict | None = None, asr_engine: str = "none", mqtt: str = "",
                 args: tuple[str, ...] = ()) -> Served:
    """`coach serve` on a free port (or ``server["port"]``); publishes to the broker at ``mqtt`` if given."""
    tmp.mkdir(parents=True, exist_ok=True)
    reports = tmp / "reports"
    config = write_config(tmp / "serve.toml", reports, server, asr_engine)
    log = tmp / "serve.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--config", str(config),
         *(["--broker", mqtt] if mqtt else ["--no-mqtt"]), *args],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("w"), env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        m = re.search(r"listening on ([\d.]+):(\d+).*", log.read_text())
        if m:
            host, port = m.groups()[:2]
            tcp = {(name, party): int(n) for name, party, n in re.findall(r"(\w+)/(\w+) on (\d+)", m.group(0))}
            return Served(proc, f"ws://{host}:{port}", f"http://{host}:{port}", reports, config, log, tcp)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"coach serve did not start:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`coach serve` with credentials on every endpoint, transcription off."""
    served = start_server(tmp_path_factory.mktemp("serve"), {
        "stream_token": TOKENS["stream"], "twilio_auth_token": TOKENS["twilio"],
        "audiohook_api_key": TOKENS["audiohook"], "max_message_bytes": 16384})
    yield served
    assert served.stop() == 0


VAD_FRAME_S = 0.03


@pytest.fixture(scope="module")
def replayed(server, synth_calls, tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("replayed")
    wavs = [synth_calls["busy"], synth_calls["busy_8k"]]
    done = subprocess.run([sys.executable, "-m", "service.cli", "replay", *map(str, wavs), "--out", str(out),
                           "--config", str(server.config)], check=False, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return {w.stem: json.loads((out / f"{w.stem}.coach.json").read_text()) for w in wavs}


def timing(report: dict) -> list[tuple[str, float]]:
    return [(n["kind"], n["t"]) for n in report["nudges"]]


def assert_same_nudges(live: dict, replay: dict, tolerance_s: float = VAD_FRAME_S) -> None:
    """Live and replayed reports agree on nudge kinds, and on times within ``tolerance_s``."""
    got, want = timing(live), timing(replay)
    assert [k for k, _ in got] == [k for k, _ in want], (got, want)
    assert all(abs(a - b) <= tolerance_s + 1e-6 for (_, a), (_, b) in zip(got, want)), (got, want)
    assert abs(live["duration"] - replay["duration"]) <= tolerance_s
