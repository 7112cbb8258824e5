"""The shipped example ACL (config/mosquitto.acl) on a real Mosquitto: a display reads only its own agent."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import aiomqtt

from service.egress import MqttCallSink, Publisher

from .helpers import WAIT_S, Info
from .mosquitto import Mosquitto

ACL = Path(__file__).resolve().parents[2] / "config" / "mosquitto.acl"
NUDGE = {"kind": "jargon", "t": 3.0, "speaker": "agent", "severity": "info", "message": "Plain words",
         "evidence": {"start": 2.0, "end": 3.0}}


def test_a_display_reads_only_its_own_agents_topics(tmp_path, settings):
    broker = Mosquitto(tmp_path, acl_file=ACL).start()
    settings = dataclasses.replace(settings, broker_url=broker.url, username="callcoach")

    async def scenario():
        async with aiomqtt.Client("127.0.0.1", broker.port, username="agent-1", identifier="display-1") as display, \
                Publisher(settings) as publisher:
            await display.subscribe("callcoach/v1/#", qos=1)  # asks for everything ...
            sink = MqttCallSink(publisher, settings)
            sink.nudge(Info(call_id="c2", agent_id="agent-2"), NUDGE)
            sink.call_started(Info(call_id="c1", agent_id="agent-1"))
            sink.nudge(Info(call_id="c1", agent_id="agent-1"), NUDGE)
            assert await publisher.flush(WAIT_S)
            seen = []
            async with asyncio.timeout(WAIT_S):
                async for message in display.messages:
                    seen.append((str(message.topic), json.loads(message.payload)))
                    if str(message.topic).endswith("/nudges"):
                        break
            return seen, publisher.stats()

    try:
        seen, stats = asyncio.run(scenario())
    finally:
        broker.stop()
    # ... but gets agent-1's state and nudge only: not agent-2's nudge (published first),
    # not the call events, not the service status.
    assert [t for t, _ in seen] == ["callcoach/v1/agents/agent-1/state", "callcoach/v1/agents/agent-1/nudges"]
    assert seen[-1][1]["call_id"] == "c1"
    assert stats.published == 4  # the service itself may write everywhere under the root
