"""The archiver: one MQTT 5 shared subscription to every call's events, reports onto disk.

Why each piece:

- **Shared subscription** (``$share/<group>/<root>/calls/+/events``): the
  broker hands each message to one member of the group, so archivers added to
  a group split the reports between them instead of all writing each one.
- **Persistent session**: a fixed client id, clean start off and a session
  expiry interval. The broker keeps the subscription and queues the reports
  meant for this archiver while it is down (the broker also keeps choosing it
  for its share of a group meanwhile), and sends them when it is back.
- **Acknowledge after the write**: automatic acknowledgement is off; the
  PUBACK goes out only once the report and its page are flushed to disk (or
  the message was found unusable). A message in hand when the process dies is
  unacknowledged, and the broker delivers it again on reconnection; the store
  makes that second write a no-op. Messages are handled one at a time, in
  order, so acknowledgements also leave in the order MQTT 5 requires.
- Anything unusable in a payload is logged and acknowledged, never retried; a
  failing disk is not the message's fault, so the connection is dropped
  instead and the broker delivers the message again after a backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
from dataclasses import dataclass

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from ..egress import Backoff, MqttSettings
from .events import MalformedEvent, parse_event
from .settings import ArchiveSettings
from .store import ReportStore, UnarchivableReport

__all__ = ["Archiver", "ArchiverStats", "CannotArchive"]

log = logging.getLogger(__name__)

_QOS = 1
_REFUSED = 0x80  # MQTT 5 reason codes from here up are failures


class CannotArchive(Exception):
    """The archiver cannot start: the broker is unreachable, or it refuses the shared subscription."""


@dataclass(slots=True)
class ArchiverStats:
    """What an archiver did: for the final log line and tests."""

    connections: int = 0
    archived: int = 0  # reports written
    unchanged: int = 0  # reports already archived with the same content
    skipped: int = 0  # unusable messages, logged and acknowledged
    ignored: int = 0  # well-formed events other than "ended"


class Archiver:
    """Archives reports until stopped; see the module docstring."""

    def __init__(self, mqtt: MqttSettings, settings: ArchiveSettings, store: ReportStore) -> None:
        self._mqtt = mqtt
        self._settings = settings
        self._store = store
        self._filter = settings.shared_filter(mqtt.topic_root)
        self._backoff = Backoff(mqtt.backoff_base_s, mqtt.backoff_max_s, mqtt.backoff_jitter, random.Random())
        self._busy = asyncio.Lock()  # held from taking a message until it is acknowledged
        self.stats = ArchiverStats()

    async def run(self, stop: asyncio.Event) -> None:
        """Archive until ``stop`` is set, reconnecting when the connection drops.

        Raises CannotArchive when the first connection fails or the broker
        refuses the subscription: a misconfiguration is reported, not retried.
        """
        failures = 0
        while not stop.is_set():
            try:
                async with self._client() as client:
                    await self._subscribe(client)
                    failures = 0
                    await self._serve(client, stop)
            except aiomqtt.MqttError as exc:
                if not self.stats.connections:
                    address = self._mqtt.broker()
                    raise CannotArchive(f"cannot connect to the MQTT broker at {address.host}:{address.port} "
                                        f"({exc})") from None
                log.warning("MQTT connection lost or refused (%s); reconnecting", exc)
            except OSError as exc:
                log.error("cannot write to %s (%s); the report stays with the broker, retrying",
                          self._store.folder, exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._backoff.delay(failures))
            failures += 1

    async def _subscribe(self, client: aiomqtt.Client) -> None:
        granted = await client.subscribe(self._filter, qos=_QOS)
        code = getattr(granted[0], "value", granted[0])
        if code >= _REFUSED:
            raise CannotArchive(f"the broker refused the shared subscription {self._filter} (reason code {code}); "
                                "it needs an MQTT 5 broker with shared subscriptions, such as Mosquitto 2")
        self.stats.connections += 1
        log.info("archiving %s as client %s into %s", self._filter, self._settings.identity, self._store.folder)

    async def _serve(self, client: aiomqtt.Client, stop: asyncio.Event) -> None:
        """Consume until ``stop`` (returns) or the connection or the disk fails (raises)."""
        consume = asyncio.create_task(self._consume(client))
        halt = asyncio.create_task(stop.wait())
        await asyncio.wait({consume, halt}, return_when=asyncio.FIRST_COMPLETED)
        async with self._busy:  # never stop between writing a report and acknowledging it
            consume.cancel()
            halt.cancel()
        outcomes = await asyncio.gather(consume, halt, return_exceptions=True)
        errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        if errors:
            raise errors[0]

    async def _consume(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            async with self._busy:
                await self._archive(message)
                _acknowledge(client, message)

    async def _archive(self, message: aiomqtt.Message) -> None:
        """Write the report an ``ended`` event carries; log and count anything else."""
        try:
            event = parse_event(message.payload)
            if event is None:
                self.stats.ignored += 1
                return
            saved = await asyncio.to_thread(self._store.save, event.call_id, event.report)
        except (MalformedEvent, UnarchivableReport) as exc:
            self.stats.skipped += 1
            log.warning("skipped a message on %s: %s", message.topic, exc)
            return
        if saved.written:
            self.stats.archived += 1
            log.info("archived call %s: %s", event.call_id, saved.path)
        else:
            self.stats.unchanged += 1
            log.info("call %s already archived, unchanged: %s", event.call_id, saved.path)

    def _client(self) -> aiomqtt.Client:
        s = self._mqtt
        address = s.broker()
        session = Properties(PacketTypes.CONNECT)
        session.SessionExpiryInterval = self._settings.session_expiry_s
        tls = None
        if address.tls:
            tls = aiomqtt.TLSParameters(ca_certs=s.tls_ca_file or None, certfile=s.tls_cert_file or None,
                                        keyfile=s.tls_key_file or None, cert_reqs=ssl.CERT_REQUIRED)
        client = aiomqtt.Client(
            address.host,
            address.port,
            username=address.username or None,
            password=address.password or None,
            identifier=self._settings.identity,
            protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=False,
            properties=session,
            transport=address.transport,
            timeout=s.ack_timeout_s,
            keepalive=s.keepalive_s,
            tls_params=tls,
            websocket_path=address.path or None,
        )
        client._client.manual_ack_set(True)  # aiomqtt 2.5 has no manual_ack option; its paho client does
        return client


def _acknowledge(client: aiomqtt.Client, message: aiomqtt.Message) -> None:
    """Send the PUBACK that automatic acknowledgement would have sent on arrival."""
    client._client.ack(message.mid, message.qos)
