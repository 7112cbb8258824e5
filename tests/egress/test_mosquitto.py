"""The publisher and sink against a real Mosquitto (started by the test)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import sys
import textwrap

from service.egress import MqttCallSink, Publisher, Topics

from .helpers import WAIT_S, Collector, Info

REPORT = {"schema": "callcoach.report/1", "call_id": "call-1", "metrics": {"talk_ratio_agent": 0.4, "interruptions_by_agent": 1}}
NUDGE = {"kind": "interruption", "t": 9.9, "speaker": "agent", "severity": "warn",
         "message": "Let the customer finish", "evidence": {"start": 9.1, "end": 9.9}}


def connect_to(settings, broker):
    return dataclasses.replace(settings, broker_url=broker.url)


def test_delivery_and_topic_layout(mosquitto, settings):
    settings = connect_to(settings, mosquitto)
    info = Info()

    async def scenario():
        async with Collector(mosquitto.port, "callcoach/v1/#") as seen, Publisher(settings) as publisher:
            sink = MqttCallSink(publisher, settings)
            sink.call_started(info)
            sink.nudge(info, NUDGE)
            sink.kudos(info, {"kind": "thanks", "t": 12.0, "evidence": {"start": 11.0, "end": 12.0}})
            sink.transcript(info, {"speaker": "customer", "start": 1.0, "end": 2.5, "text": "hello", "language": "en"})
            sink.call_ended(info, REPORT)
            assert await seen.wait_for(lambda c: len(c.payloads("/events")) == 2)
            assert await seen.wait_for(lambda c: len(c.payloads("/nudges")) == 2 and c.payloads("/transcript"))
            assert await publisher.flush(WAIT_S)
            return seen.messages, publisher.stats()

    messages, stats = asyncio.run(scenario())
    by_topic: dict[str, list] = {}
    for m in messages:
        by_topic.setdefault(str(m.topic), []).append(m)
    assert set(by_topic) == {
        "callcoach/v1/service/test/status",
        "callcoach/v1/calls/call-1/events",
        "callcoach/v1/agents/agent-7/nudges",
        "callcoach/v1/calls/call-1/transcript",
        "callcoach/v1/agents/agent-7/state",
    }
    assert by_topic["callcoach/v1/service/test/status"][0].payload == b"online"
    nudge, kudos = (json.loads(m.payload) for m in by_topic["callcoach/v1/agents/agent-7/nudges"])
    assert {k: nudge[k] for k in NUDGE} == NUDGE
    assert nudge["type"] == "nudge" and kudos["type"] == "kudos"
    assert nudge["call_id"] == "call-1" and nudge["agent_id"] == "agent-7"
    assert nudge["id"] != kudos["id"] and nudge["id"].startswith("call-1#")
    assert isinstance(nudge["issued_at"], float)
    started, ended = (json.loads(m.payload) for m in by_topic["callcoach/v1/calls/call-1/events"])
    assert started["event"] == "started" and started["source"] == "stream"
    assert ended["event"] == "ended" and ended["report"] == REPORT
    assert json.loads(by_topic["callcoach/v1/calls/call-1/transcript"][0].payload)["text"] == "hello"
    # QoS as docs/contracts.md: nudges 1, transcript 0 (a subscriber gets min(publish, subscribe) QoS).
    assert by_topic["callcoach/v1/agents/agent-7/nudges"][0].qos == 1
    assert by_topic["callcoach/v1/calls/call-1/transcript"][0].qos == 0
    # MQTT 5 (Mosquitto speaks it): expiry, content type and call id travel as properties.
    props = by_topic["callcoach/v1/agents/agent-7/nudges"][0].properties
    assert 0 < props.MessageExpiryInterval <= settings.nudge_expiry_s
    assert props.ContentType == "application/json"
    assert ("call_id", "call-1") in props.UserProperty
    # the "active" state was still queued when "ended" replaced it: only the latest state is sent
    assert stats.protocol == "5" and (stats.published, stats.coalesced, stats.queued) == (6, 1, 0)


def test_retained_state_and_status_reach_a_late_subscriber(mosquitto, settings):
    settings = connect_to(settings, mosquitto)
    info = Info()

    async def scenario():
        async with Publisher(settings) as publisher:
            sink = MqttCallSink(publisher, settings)
            sink.call_started(info)
            sink.state(info, {"status": "active", "metrics": {"talk_ratio_agent": 0.5}})
            sink.call_ended(info, REPORT)
            assert await publisher.flush(WAIT_S)
            async with Collector(mosquitto.port, "callcoach/v1/#", client_id="late") as late:
                assert await late.wait_for(lambda c: len(c.messages) >= 2)
                await asyncio.sleep(0.2)  # let any further retained message arrive (a failure would be more)
                return late.messages

    messages = asyncio.run(scenario())
    retained = {str(m.topic): m for m in messages}
    assert set(retained) == {"callcoach/v1/agents/agent-7/state", "callcoach/v1/service/test/status"}
    assert all(m.retain for m in messages)
    state = json.loads(retained["callcoach/v1/agents/agent-7/state"].payload)
    assert state["status"] == "ended" and state["metrics"] == REPORT["metrics"] and state["call_id"] == "call-1"
    assert retained["callcoach/v1/service/test/status"].payload == b"online"


def test_state_is_paced_by_the_injected_clock(mosquitto, settings):
    settings = connect_to(settings, mosquitto)
    now = [100.0]
    info = Info()

    async def scenario():
        async with Collector(mosquitto.port, "callcoach/v1/agents/+/state") as seen, Publisher(settings) as publisher:
            sink = MqttCallSink(publisher, settings, clock=lambda: now[0])
            sink.call_started(info)
            assert await publisher.flush(WAIT_S)
            for i in range(5):  # five updates within one interval: only the first goes out
                sink.state(info, {"status": "active", "metrics": {"n": i}})
                assert await publisher.flush(WAIT_S)
            now[0] += settings.state_interval_s
            sink.state(info, {"status": "active", "metrics": {"n": 5}})
            assert await seen.wait_for(lambda c: c.payloads() and c.payloads()[-1]["metrics"] == {"n": 5})
            return seen.payloads()

    states = asyncio.run(scenario())
    assert [s["metrics"] for s in states] == [{}, {"n": 0}, {"n": 5}]


PUBLISHER_SCRIPT = textwrap.dedent("""
    import asyncio, dataclasses, sys
    from service.config import load_config
    from service.egress import MqttSettings, Publisher

    async def main():
        settings = dataclasses.replace(MqttSettings.from_config(load_config()["mqtt"]),
                                       broker_url=sys.argv[1], instance_id="doomed", keepalive_s=1)
        publisher = Publisher(settings)
        await publisher.start()
        await publisher.wait_connected(60)
        print("connected", flush=True)
        await asyncio.sleep(3600)

    asyncio.run(main())
""")


def test_last_will_announces_a_killed_service(mosquitto):
    async def scenario():
        async with Collector(mosquitto.port, "callcoach/v1/service/+/status") as seen:
            service = await asyncio.create_subprocess_exec(sys.executable, "-c", PUBLISHER_SCRIPT, mosquitto.url,
                                                           stdout=asyncio.subprocess.PIPE, cwd=os.getcwd())
            try:
                line = await asyncio.wait_for(service.stdout.readline(), WAIT_S)
                assert line.strip() == b"connected"
                assert await seen.wait_for(lambda c: [m.payload for m in c.messages] == [b"online"])
                service.send_signal(signal.SIGKILL)  # no DISCONNECT: the broker must publish the will
                assert await seen.wait_for(lambda c: len(c.messages) == 2)
            finally:
                if service.returncode is None:
                    service.kill()
                await service.wait()
            return seen.messages

    online, offline = asyncio.run(scenario())
    assert str(offline.topic) == "callcoach/v1/service/doomed/status"
    assert offline.payload == b"offline" and online.payload == b"online"


def test_broker_restart_mid_call_loses_no_nudge(mosquitto, settings):
    """Every nudge reaches a persistent-session subscriber exactly once across a broker restart."""
    settings = connect_to(settings, mosquitto)
    info = Info()
    topic = Topics(settings.topic_root).nudges(info.agent_id)
    per_phase = 5

    def ids(c):
        return [p["id"] for p in c.payloads()]

    async def scenario():
        async with Collector(mosquitto.port, topic, persistent=True, client_id="display-agent-7") as seen, \
                Publisher(settings) as publisher:
            sink = MqttCallSink(publisher, settings)
            for i in range(per_phase):  # broker up
                sink.nudge(info, {**NUDGE, "t": float(i)})
            assert await seen.wait_for(lambda c: len(ids(c)) == per_phase)
            # The broker stops at a quiet moment: every publish acknowledged both ways
            # (a crash mid-handshake may repeat one message; consumers drop it by id).
            assert await publisher.flush(WAIT_S)
            await seen.sync()
            await asyncio.to_thread(mosquitto.stop)
            for i in range(per_phase, 2 * per_phase):  # broker down: queued in the outbox
                sink.nudge(info, {**NUDGE, "t": float(i)})
            await asyncio.sleep(0.3)
            queued_while_down = publisher.stats().queued
            await asyncio.to_thread(mosquitto.start)
            for i in range(2 * per_phase, 3 * per_phase):  # broker back
                sink.nudge(info, {**NUDGE, "t": float(i)})
            assert await seen.wait_for(lambda c: len(ids(c)) >= 3 * per_phase)
            await asyncio.sleep(0.5)  # a duplicate, if any, would arrive now and fail the test below
            return ids(seen), [p["t"] for p in seen.payloads()], queued_while_down, publisher.stats(), seen.connections

    received, times, queued_while_down, stats, connections = asyncio.run(scenario())
    assert queued_while_down == per_phase
    assert received == [f"call-1#{n}" for n in range(1, 3 * per_phase + 1)]  # each once, in order
    assert times == [float(i) for i in range(3 * per_phase)]
    assert connections >= 2 and stats.connects >= 2
    assert stats.expired == 0 and stats.dropped == 0 and stats.queued == 0
