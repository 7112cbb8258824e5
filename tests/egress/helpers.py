"""Test helpers: a stand-in CallInfo and a real MQTT subscriber that collects messages."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Self

import aiomqtt
import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

WAIT_S = 30.0  # generous: the test machine is shared and slow; never a timing assertion


@dataclasses.dataclass
class Info:
    """Stands in for service.call.CallInfo (same fields)."""

    call_id: str = "call-1"
    agent_id: str = "agent-7"
    source: str = "stream"
    language: str | None = "en"
    metadata: dict = dataclasses.field(default_factory=dict)


class Collector:
    """Subscribes (QoS 1) and records every message; reconnects when the broker goes away.

    ``persistent=True`` uses a fixed client id and an MQTT 5 session that
    outlives the connection (clean start off, session expiry an hour), so the
    broker queues QoS 1 messages while this subscriber is disconnected.
    """

    def __init__(self, port: int, topic: str, *, persistent: bool = False, client_id: str = "collector") -> None:
        self.port = port
        self.topic = topic
        self.persistent = persistent
        self.client_id = client_id
        self.messages: list[aiomqtt.Message] = []
        self.subscribed = asyncio.Event()
        self.connections = 0
        self._client_now: aiomqtt.Client | None = None
        self._task: asyncio.Task | None = None

    def payloads(self, suffix: str = "") -> list[dict]:
        return [json.loads(m.payload) for m in self.messages if str(m.topic).endswith(suffix)]

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.subscribed.wait(), WAIT_S)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    def _client(self) -> aiomqtt.Client:
        props = None
        if self.persistent:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = 3600
        return aiomqtt.Client(
            "127.0.0.1", self.port, identifier=self.client_id, protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=False if self.persistent else paho.MQTT_CLEAN_START_FIRST_ONLY, properties=props,
        )

    async def _run(self) -> None:
        while True:
            try:
                async with self._client() as client:
                    self._client_now = client
                    self.connections += 1
                    await client.subscribe(self.topic, qos=1)
                    self.subscribed.set()
                    async for message in client.messages:
                        self.messages.append(message)
            except aiomqtt.MqttError:
                self.subscribed.clear()
                await asyncio.sleep(0.1)

    async def sync(self) -> None:
        """Round-trip to the broker: once it answers, it has processed our earlier PUBACKs.

        (They go out on the same connection, in order, before this SUBSCRIBE.)
        Without it, stopping the broker right after messages arrived could leave
        their acknowledgements unsent, and the broker must then deliver them
        again: QoS 1 is at-least-once by definition.
        """
        await self._client_now.subscribe("callcoach/test/sync", qos=0)

    async def wait_for(self, predicate, timeout: float = WAIT_S) -> bool:
        """Poll until ``predicate(self)`` holds; False after ``timeout`` (a failure, not a timing check)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate(self):
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True
