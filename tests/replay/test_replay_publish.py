"""`coach replay --publish`: a recorded call's nudges reach a real Mosquitto like a live call's."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import paho.mqtt.client as paho
from egress.mosquitto import Mosquitto  # the real-broker fixture of tests/egress

WAIT_S = 60.0


class Subscriber:
    def __init__(self, port: int, topics: list[str]) -> None:
        self.messages: list[tuple[str, dict | str]] = []
        self.ready = threading.Event()
        self._client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="replay-test")
        self._client.on_connect = lambda c, *_: (c.subscribe([(t, 1) for t in topics]), None)
        self._client.on_subscribe = lambda *_: self.ready.set()
        self._client.on_message = self._on_message
        self._client.connect("127.0.0.1", port)
        self._client.loop_start()

    def _on_message(self, _client, _userdata, message) -> None:
        try:
            payload = json.loads(message.payload)
        except ValueError:
            payload = message.payload.decode()
        self.messages.append((message.topic, payload))

    def close(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()


def test_replay_publishes_nudges_and_the_ended_event(calls, tmp_path):
    broker = Mosquitto(tmp_path).start()
    try:
        sub = Subscriber(broker.port, ["callcoach/v1/agents/agent-9/#", "callcoach/v1/calls/+/events"])
        assert sub.ready.wait(WAIT_S)
        config = tmp_path / "publish.toml"
        config.write_text(f'[asr]\nengine = "none"\n[mqtt]\nbroker_url = "{broker.url}"\n')
        out = tmp_path / "out"
        wav = calls["interruption_and_dead_air"][0]
        proc = subprocess.run(
            [sys.executable, "-m", "service.cli", "replay", str(wav), "--out", str(out), "--config", str(config),
             "--publish", "--agent-id", "agent-9", "--speed", "8"],
            capture_output=True, text=True, timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        report = json.loads((out / f"{wav.stem}.coach.json").read_text())
        deadline_reached = threading.Event()
        timer = threading.Timer(WAIT_S, deadline_reached.set)
        timer.start()
        while not deadline_reached.is_set():
            if any(isinstance(p, dict) and p.get("event") == "ended" for _, p in sub.messages):
                break
            deadline_reached.wait(0.1)
        timer.cancel()
        sub.close()
    finally:
        broker.stop()
    nudges = [p for t, p in sub.messages if t.endswith("/nudges")]
    assert [n["kind"] for n in nudges] == [n["kind"] for n in report["nudges"]] == ["interruption", "dead_air"]
    assert [n["t"] for n in nudges] == [n["t"] for n in report["nudges"]]
    assert all(n["agent_id"] == "agent-9" and n["call_id"] == report["call_id"] for n in nudges)
    states = [p for t, p in sub.messages if t.endswith("/state")]
    assert states and states[-1]["call_id"] == report["call_id"]
    events = [p["event"] for t, p in sub.messages if t.endswith("/events")]
    assert events[0] == "started" and events[-1] == "ended"
