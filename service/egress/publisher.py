"""The MQTT publisher: an outbox drained over one aiomqtt connection that heals.

Why this shape: producers (call pipelines, possibly on other threads) call
:meth:`Publisher.submit`, which only appends to the in-memory outbox and
returns, so publishing never blocks the audio path. One task owns the
connection: it connects (MQTT 5 where the broker speaks it, else 3.1.1),
announces ``online`` on the retained status topic (the Last Will says
``offline``), then publishes the outbox oldest-first, one message at a time,
removing each only once the broker acknowledged it. When the connection drops,
it reconnects after an exponential backoff with jitter and goes on where it
stopped. One message in flight at a time keeps order. QoS 1 is at least
once: a broker crash can deliver messages again (an acknowledgement lost, or a
restarted broker re-sending what its store held); consumers drop duplicates
by their ``id``.

The clock, the random source and the sleep are injected so tests can control
expiry and backoff without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import ssl
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Self

import aiomqtt
from aiomqtt.exceptions import MqttConnectError  # not re-exported by aiomqtt 2.5
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from .outbox import Backoff, Outbox, Outgoing
from .settings import MqttSettings
from .topics import Topics

__all__ = ["STATUS_OFFLINE", "STATUS_ONLINE", "Publisher", "PublisherStats"]

log = logging.getLogger(__name__)

STATUS_ONLINE = b"online"
STATUS_OFFLINE = b"offline"
_UNSUPPORTED_PROTOCOL = (1, 132)  # MQTT 3.1.1 and MQTT 5 CONNACK codes


@dataclass(frozen=True, slots=True)
class PublisherStats:
    """Counters for /metrics and logs."""

    connected: bool
    protocol: str  # "5", "3.1.1", or "" before the first connection
    queued: int
    published: int
    expired: int
    dropped: int
    coalesced: int
    connects: int
    connection_errors: int


class Publisher:
    """Publishes :class:`Outgoing` messages from a bounded outbox; see the module docstring.

    Lifecycle: ``await start()`` (returns at once, connects in the background),
    ``submit(...)`` any number of times from any thread, ``await stop()``.
    Also an async context manager.
    """

    def __init__(
        self,
        settings: MqttSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._backoff = Backoff(settings.backoff_base_s, settings.backoff_max_s, settings.backoff_jitter, rng or random.Random())
        self._outbox = Outbox(settings.outbox_size)
        self._topics = Topics(settings.topic_root)
        self._status_topic = self._topics.status(settings.instance)
        self._protocol = self._first_protocol(settings)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        self._connected = asyncio.Event()
        self._closing = False
        self._published = 0
        self._connects = 0
        self._connection_errors = 0
        self._protocol_confirmed = False

    # -- producer side ----------------------------------------------------
    def submit(
        self,
        topic: str,
        payload: bytes,
        *,
        qos: int,
        retain: bool = False,
        expiry_s: float | None = None,
        content_type: str = "application/json",
        user_properties: tuple[tuple[str, str], ...] = (),
        coalesce: bool = False,
    ) -> None:
        """Queue one message; never blocks. After ``start()``, safe from any thread.

        ``expiry_s`` starts now: past it the message is dropped unsent (and
        counted), and on MQTT 5 the remainder travels as its message expiry.
        """
        expires_at = None if expiry_s is None else self._clock() + expiry_s
        message = Outgoing(topic, payload, qos, retain, expires_at, content_type, user_properties, coalesce)
        if self._loop is None or threading.get_ident() == self._loop_thread:
            self._enqueue(message)
        else:
            self._loop.call_soon_threadsafe(self._enqueue, message)

    def _enqueue(self, message: Outgoing) -> None:
        self._outbox.put(message)
        self._wakeup.set()

    # -- lifecycle ----------------------------------------------------------
    async def start(self) -> None:
        """Start the connection task (returns before the first connection is made)."""
        if self._task is not None:
            raise RuntimeError("publisher already started")
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._task = asyncio.create_task(self._run(), name="mqtt-publisher")

    async def stop(self) -> None:
        """Drain the outbox (up to ``drain_timeout_s``), announce ``offline``, disconnect."""
        if self._task is None:
            return
        await self.flush(self._settings.drain_timeout_s)
        self._closing = True
        self._wakeup.set()
        try:
            if self._connected.is_set():  # let it announce "offline" and disconnect cleanly
                await asyncio.wait_for(asyncio.shield(self._task), self._settings.ack_timeout_s)
        except (TimeoutError, aiomqtt.MqttError):
            pass
        finally:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def wait_connected(self, timeout: float) -> bool:
        """True once connected (False if ``timeout`` seconds pass first)."""
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def flush(self, timeout: float) -> bool:
        """Wait until the outbox is empty; False if ``timeout`` seconds pass first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self._outbox) and loop.time() < deadline:
            await asyncio.sleep(0.01)
        return not len(self._outbox)

    def stats(self) -> PublisherStats:
        protocol = {aiomqtt.ProtocolVersion.V5: "5", aiomqtt.ProtocolVersion.V311: "3.1.1"}[self._protocol]
        return PublisherStats(
            connected=self._connected.is_set(),
            protocol=protocol if self._protocol_confirmed else "",
            queued=len(self._outbox),
            published=self._published,
            expired=self._outbox.expired,
            dropped=self._outbox.dropped,
            coalesced=self._outbox.coalesced,
            connects=self._connects,
            connection_errors=self._connection_errors,
        )

    # -- connection task ----------------------------------------------------
    async def _run(self) -> None:
        failures = 0
        while not self._closing:
            try:
                async with self._client() as client:
                    failures = 0
                    self._connects += 1
                    self._protocol_confirmed = True
                    self._connected.set()
                    log.info("MQTT connected to %s (protocol %s)", self._settings.broker().host, self.stats().protocol)
                    await self._serve(client)
                    return
            except MqttConnectError as exc:
                self._failed(exc)
                if self._refused_protocol(exc):
                    continue
            except (aiomqtt.MqttError, OSError) as exc:
                self._failed(exc)
                self._alternate_protocol()
            finally:
                self._connected.clear()
            if self._closing:
                return
            await self._sleep(self._backoff.delay(failures))
            failures += 1

    def _failed(self, exc: Exception) -> None:
        self._connection_errors += 1
        log.warning("MQTT connection lost or refused (%s); %d message(s) queued", exc, len(self._outbox))

    @staticmethod
    def _first_protocol(settings: MqttSettings) -> aiomqtt.ProtocolVersion:
        """MQTT 5 unless forced to 3.1.1 or talking to the embedded amqtt broker (3.1.1 only)."""
        if settings.protocol == "3.1.1" or (settings.protocol == "auto" and settings.embedded):
            return aiomqtt.ProtocolVersion.V311
        return aiomqtt.ProtocolVersion.V5

    def _probing(self) -> bool:
        return self._settings.protocol == "auto" and not self._protocol_confirmed

    def _refused_protocol(self, exc: MqttConnectError) -> bool:
        """In ``auto`` mode, step down to 3.1.1 at once when the broker refuses MQTT 5."""
        code = getattr(exc.rc, "value", exc.rc)
        if self._probing() and self._protocol == aiomqtt.ProtocolVersion.V5 and code in _UNSUPPORTED_PROTOCOL:
            log.info("broker refuses MQTT 5; using 3.1.1")
            self._protocol = aiomqtt.ProtocolVersion.V311
            return True
        return False

    def _alternate_protocol(self) -> None:
        """In ``auto`` mode, until one connection succeeded, alternate 5 and 3.1.1.

        Some 3.1.1-only brokers do not refuse an MQTT 5 CONNECT but never answer
        it (amqtt with a Will), so a silent failure also tries the other version.
        """
        if self._probing():
            v5 = aiomqtt.ProtocolVersion.V5
            self._protocol = aiomqtt.ProtocolVersion.V311 if self._protocol == v5 else v5

    async def _serve(self, client: aiomqtt.Client) -> None:
        """Publish until closing; raises MqttError when the connection drops."""
        await client.publish(self._status_topic, STATUS_ONLINE, qos=self._settings.qos_status, retain=True,
                             properties=self._properties(None, "text/plain", ()), timeout=self._settings.ack_timeout_s)
        watch = asyncio.create_task(self._watch(client))
        drain = asyncio.create_task(self._drain(client))
        done, pending = await asyncio.wait({watch, drain}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        errors = [task.exception() for task in done if task.exception() is not None]
        if errors:
            raise errors[0]

    @staticmethod
    async def _watch(client: aiomqtt.Client) -> None:
        """Raise MqttError as soon as the connection drops (we subscribe to nothing)."""
        async for _ in client.messages:
            pass

    async def _drain(self, client: aiomqtt.Client) -> None:
        while True:
            message = self._outbox.next(self._clock())
            if message is None:
                if self._closing:
                    await client.publish(self._status_topic, STATUS_OFFLINE, qos=self._settings.qos_status, retain=True,
                                         properties=self._properties(None, "text/plain", ()),
                                         timeout=self._settings.ack_timeout_s)
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            await client.publish(
                message.topic,
                message.payload,
                qos=message.qos,
                retain=message.retain,
                properties=self._properties(message.expires_at, message.content_type, message.user_properties),
                timeout=self._settings.ack_timeout_s,
            )
            self._outbox.done(message)
            self._published += 1

    def _properties(self, expires_at: float | None, content_type: str, user: tuple[tuple[str, str], ...]) -> Properties | None:
        """MQTT 5 publish properties (None on 3.1.1, which has none)."""
        if self._protocol != aiomqtt.ProtocolVersion.V5:
            return None
        props = Properties(PacketTypes.PUBLISH)
        props.ContentType = content_type
        if user:
            props.UserProperty = list(user)
        if expires_at is not None:
            props.MessageExpiryInterval = max(1, math.ceil(expires_at - self._clock()))
        return props

    def _client(self) -> aiomqtt.Client:
        s = self._settings
        address = s.broker()
        tls = None
        if address.tls:
            tls = aiomqtt.TLSParameters(
                ca_certs=s.tls_ca_file or None,
                certfile=s.tls_cert_file or None,
                keyfile=s.tls_key_file or None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        return aiomqtt.Client(
            address.host,
            address.port,
            username=address.username or None,
            password=address.password or None,
            identifier=f"callcoach-{s.instance}",
            protocol=self._protocol,
            will=aiomqtt.Will(self._status_topic, STATUS_OFFLINE, qos=s.qos_status, retain=True),
            clean_session=True if self._protocol != aiomqtt.ProtocolVersion.V5 else None,
            transport=address.transport,
            timeout=s.ack_timeout_s,
            keepalive=s.keepalive_s,
            tls_params=tls,
            websocket_path=address.path or None,
        )
