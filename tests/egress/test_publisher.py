"""Publisher behaviour that needs control of time: backoff, expiry; and the embedded broker."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import threading

import aiomqtt

from service.egress import Backoff, EmbeddedBroker, Identity, MqttCallSink, Publisher

from .helpers import WAIT_S, Collector, Info
from .logins import SERVICE_PASSWORD, embedded_settings, token_login
from .mosquitto import Mosquitto, free_port

NUDGE = {"kind": "dead_air", "t": 30.0, "speaker": "agent", "severity": "warn",
         "message": "Check back in", "evidence": {"start": 25.0, "end": 30.0}}


def test_reconnect_backoff_follows_the_injected_random_source_and_resets(tmp_path, settings):
    port = free_port()
    settings = dataclasses.replace(settings, broker_url=f"mqtt://127.0.0.1:{port}")
    broker = Mosquitto(tmp_path, port=port)
    delays: list[float] = []
    release = [asyncio.Event() for _ in range(2)]

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)
        if len(delays) == 4:  # four refused attempts, then the broker appears
            await release[0].wait()
        elif len(delays) == 5:  # the connection broke after a success
            await release[1].wait()

    async def scenario():
        publisher = Publisher(settings, rng=random.Random(11), sleep=fake_sleep)
        await publisher.start()
        MqttCallSink(publisher, settings).nudge(Info(), NUDGE)  # queued while nothing listens
        while len(delays) < 4:
            await asyncio.sleep(0.01)
        await asyncio.to_thread(broker.start)
        async with Collector(broker.port, "callcoach/v1/agents/#") as seen:
            release[0].set()
            assert await seen.wait_for(lambda c: len(c.payloads()) == 1)
        await asyncio.to_thread(broker.stop)
        while len(delays) < 5:
            await asyncio.sleep(0.01)
        stats = publisher.stats()
        release[1].set()
        await publisher.stop()
        return stats

    stats = asyncio.run(scenario())
    reference = Backoff(settings.backoff_base_s, settings.backoff_max_s, settings.backoff_jitter, random.Random(11))
    assert delays == [reference.delay(n) for n in (0, 1, 2, 3, 0)]
    assert stats.connects == 1 and stats.connection_errors == 5 and stats.published == 1


def test_expired_nudges_are_dropped_unsent_and_counted(mosquitto, settings):
    settings = dataclasses.replace(settings, broker_url=mosquitto.url)
    now = [0.0]

    async def scenario():
        async with Collector(mosquitto.port, "callcoach/v1/agents/#") as seen:
            publisher = Publisher(settings, clock=lambda: now[0])
            sink = MqttCallSink(publisher, settings)
            sink.nudge(Info(), {**NUDGE, "t": 1.0})  # queued before any connection
            now[0] += settings.nudge_expiry_s + 1  # ... and outlived its expiry
            sink.nudge(Info(), {**NUDGE, "t": 2.0})
            await publisher.start()
            assert await seen.wait_for(lambda c: len(c.payloads()) == 1)
            assert await publisher.flush(WAIT_S)
            await publisher.stop()
            return seen.payloads(), publisher.stats()

    payloads, stats = asyncio.run(scenario())
    assert [p["t"] for p in payloads] == [2.0]
    assert stats.expired == 1 and stats.published == 1


def test_embedded_broker_serves_tcp_and_websockets(settings):
    settings = embedded_settings(settings)
    info = Info(agent_id="agent-9")

    async def scenario():
        async with EmbeddedBroker(settings), Publisher(settings) as publisher:
            sink = MqttCallSink(publisher, settings)
            sink.call_started(info)
            assert await publisher.flush(WAIT_S)
            # A display connects over WebSockets, like the browser does, and gets the retained state.
            async with aiomqtt.Client("127.0.0.1", settings.embedded_ws_port, transport="websockets",
                                      websocket_path="/", identifier="display-agent-9-ws",
                                      **token_login(Identity("agent", "agent-9"))) as display:
                await display.subscribe("callcoach/v1/agents/agent-9/#", qos=1)
                worker = threading.Thread(target=sink.nudge, args=(info, NUDGE))  # a pipeline thread
                worker.start()
                received = []
                async with asyncio.timeout(WAIT_S):
                    async for message in display.messages:
                        received.append((str(message.topic), json.loads(message.payload), message.retain))
                        if len(received) == 2:
                            break
                worker.join()
            return received, publisher.stats()

    received, stats = asyncio.run(scenario())
    state, nudge = sorted(received, key=lambda r: r[0].endswith("nudges"))
    assert state[0] == "callcoach/v1/agents/agent-9/state" and state[1]["status"] == "active" and state[2]
    assert nudge[0] == "callcoach/v1/agents/agent-9/nudges" and nudge[1]["kind"] == "dead_air"
    assert stats.protocol == "3.1.1"


def test_auto_protocol_steps_down_to_311_for_a_broker_without_mqtt5(settings):
    """amqtt as an *external* broker: the MQTT 5 attempt fails, "auto" then connects with 3.1.1."""
    embedded = embedded_settings(settings)
    external = dataclasses.replace(settings, broker_url=f"mqtt://callcoach:{SERVICE_PASSWORD}@127.0.0.1:"
                                   f"{embedded.embedded_tcp_port}", ack_timeout_s=1.0)

    async def scenario():
        async with EmbeddedBroker(embedded), Publisher(external) as publisher:
            assert await publisher.wait_connected(WAIT_S)
            return publisher.stats()

    stats = asyncio.run(scenario())
    assert stats.protocol == "3.1.1" and stats.connection_errors >= 1
