"""`coach serve --broker`: a live call's nudges reach a real Mosquitto on the agent's topic."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import aiomqtt

from service.testing.clients import load_stereo, stream_call

from egress.mosquitto import Mosquitto  # the real-broker helper of tests/egress

from .conftest import start_server


def test_nudges_of_a_live_call_are_published(tmp_path, synth_calls):
    broker = Mosquitto(tmp_path).start()
    port = broker.port
    try:
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
        broker.stop()
