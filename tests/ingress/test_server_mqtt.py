"""`coach serve --broker`: a live call's nudges reach a real Mosquitto on the agent's topic."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import subprocess
import time

import aiomqtt

from service.ingress.client import load_stereo, stream_call

from .conftest import start_server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nudges_of_a_live_call_are_published(tmp_path, synth_calls):
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
    broker = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        served = start_server(tmp_path / "serve", mqtt=f"mqtt://127.0.0.1:{port}")
        call = dataclasses.replace(load_stereo(synth_calls["busy"]), call_id="mqtt-call", agent_id="agent-mq")

        async def run():
            async with aiomqtt.Client("127.0.0.1", port) as client:
                await client.subscribe("callcoach/v1/agents/agent-mq/nudges", qos=1)
                result = await stream_call(served.url, "stream", call, speed=None)
                kinds = []
                async with asyncio.timeout(30):
                    async for message in client.messages:
                        nudge = json.loads(message.payload)
                        kinds.append(nudge["kind"])
                        assert nudge["call_id"] == "mqtt-call" and nudge["agent_id"] == "agent-mq"
                        if {"interruption", "dead_air"} <= set(kinds):
                            break
                return result, kinds

        result, kinds = asyncio.run(run())
        assert result.close_code == 1000
        assert {"interruption", "dead_air"} <= set(kinds)
        assert served.stop() == 0
    finally:
        broker.terminate()
        broker.wait(timeout=30)
