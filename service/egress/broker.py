"""The embedded broker: amqtt in-process, so ``coach serve`` works with one command.

Why embedded: on a laptop or in a demo nobody wants to install a broker first.
With ``mqtt.broker_url`` empty, the server starts this broker (TCP for the
publisher, WebSockets for the agent display) and the publisher talks to it
like to any other. It speaks MQTT 3.1.1 only (no message expiry: the outbox
still drops expired nudges before sending) and keeps retained messages in
memory. Every client authenticates and reads only what its login grants
(``access``: the service, ``qa``, display links); off loopback it refuses to
start while displays would have no credential (``MqttSettings.check_bind``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Self

from amqtt.adapters import ReaderAdapter, WriterAdapter
from amqtt.broker import Broker
from amqtt.errors import AMQTTError, BrokerError, MQTTError, NoDataError
from amqtt.mqtt.connack import IDENTIFIER_REJECTED, NOT_AUTHORIZED, ConnackPacket
from amqtt.mqtt.connect import ConnectPacket

from .access import AccessPolicy, ClientIdRefused, LoginRefused
from .broker_plugins import admit, plugin_config
from .settings import MqttSettings

__all__ = ["EmbeddedBroker"]


_MQTT_3_1_1 = 4  # the protocol level amqtt speaks; it answers other levels itself (the publisher falls back)
_REFUSED = "Failed to initialize client session: refused:"  # amqtt's log line for a CONNECT _Broker refused


def _drop_repeated_errors(record: logging.LogRecord) -> bool:
    """amqtt logs a failed start (with its traceback) and a refused CONNECT after ours: say each once.

    The error raised by ``start`` names the failed start; ``broker_plugins.admit``
    logged the refusal with its reason.
    """
    message = record.getMessage()
    return message != "Broker startup failed" and not message.startswith(_REFUSED)


class _Rewindable(ReaderAdapter):
    """Keeps what is read through it until :meth:`rewind`, then serves that again: a CONNECT read twice."""

    def __init__(self, reader: ReaderAdapter) -> None:
        self._reader = reader
        self._kept = bytearray()
        self._replay: bytes | None = None

    async def read(self, n: int = -1) -> bytes:
        if self._replay:
            cut = len(self._replay) if n < 0 else n
            data, self._replay = self._replay[:cut], self._replay[cut:]
            return data
        data = await self._reader.read(n)
        if self._replay is None:
            self._kept += data
        return data

    def rewind(self) -> None:
        self._replay = bytes(self._kept)

    def feed_eof(self) -> None:
        self._reader.feed_eof()


class _Broker(Broker):
    """amqtt's Broker, admitting a CONNECT before it touches a session, and handing out only readable retained messages.

    amqtt deletes (clean session) or re-credentials (persistent session) the
    session of a CONNECT's client id before it asks the auth plugin, and takes
    a connected one over whatever the plugin answers: anyone, even without a
    login, could disconnect any display or the service's publisher by reusing
    its client id. So the CONNECT is read once here and refused (CONNACK
    "identifier rejected" or "not authorized") unless ``admit`` accepts its
    login and client id; amqtt then reads the same bytes as usual.

    At every CONNECT amqtt also sends the client the retained messages matching
    any client's subscription filter (not only its own), without asking the
    topic plugins: an agent's display would get every other displayed agent's state.
    """

    def __init__(self, config: dict, policy: AccessPolicy) -> None:
        super().__init__(config)
        self._policy = policy

    async def _initialize_client_session(self, reader: ReaderAdapter, writer: WriterAdapter, remote_address: str,
                                         remote_port: int):  # noqa: ANN202 (amqtt's return type)
        connect_reader = _Rewindable(reader)
        try:
            connect = await ConnectPacket.from_stream(connect_reader)
        except (AMQTTError, MQTTError, NoDataError):
            connect = None  # amqtt reads it again below and answers as it always does
        connect_reader.rewind()
        if connect is not None and connect.proto_name == "MQTT" and connect.proto_level == _MQTT_3_1_1:
            await self._admit(connect, writer)
        return await super()._initialize_client_session(connect_reader, writer, remote_address, remote_port)

    async def _admit(self, connect: ConnectPacket, writer: WriterAdapter) -> None:
        try:
            admit(self._policy, connect.username, connect.password, connect.client_id, bool(connect.will_flag))
        except LoginRefused as exc:
            code = IDENTIFIER_REJECTED if isinstance(exc, ClientIdRefused) else NOT_AUTHORIZED
            await ConnackPacket.build(0, code).to_stream(writer)
            await writer.close()
            raise MQTTError(f"refused: {exc}") from None

    async def _publish_retained_messages_for_subscription(self, subscription, session) -> None:
        password = session.password.decode() if isinstance(session.password, bytes) else session.password
        try:
            login = self._policy.login(session.username, password)
        except LoginRefused:
            return
        if login.may_read(subscription[0]):
            await super()._publish_retained_messages_for_subscription(subscription, session)


class EmbeddedBroker:
    """Start/stop an amqtt broker with a TCP and a WebSocket listener.

    ``await start()`` returns once both listeners accept connections; also an
    async context manager.
    """

    def __init__(self, settings: MqttSettings, *, clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._policy = AccessPolicy(settings, clock)
        self._broker: Broker | None = None

    @property
    def tcp_url(self) -> str:
        return f"mqtt://{self._settings.embedded_host}:{self._settings.embedded_tcp_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self._settings.embedded_host}:{self._settings.embedded_ws_port}"

    async def start(self) -> None:
        """Raises ConfigError (before listening) for a bind :meth:`MqttSettings.check_bind` refuses."""
        s = self._settings
        s.check_bind()
        config = {
            "listeners": {
                "default": {"type": "tcp", "bind": f"{s.embedded_host}:{s.embedded_tcp_port}"},
                "ws": {"type": "ws", "bind": f"{s.embedded_host}:{s.embedded_ws_port}"},
            },
            "plugins": plugin_config(self._policy),
        }
        # amqtt logs every connection at INFO and every packet at DEBUG: keep it to warnings.
        logging.getLogger("amqtt").setLevel(max(logging.WARNING, logging.getLogger().level))
        self._broker = _Broker(config, self._policy)
        logging.getLogger("amqtt.broker").addFilter(_drop_repeated_errors)
        try:
            await self._broker.start()
        except BrokerError as exc:  # a listener could not bind: raise the OSError it is, naming who wanted the port
            self._broker = None
            if isinstance(exc.__cause__, OSError):
                raise OSError(exc.__cause__.errno, f"{exc.__cause__.strerror} (embedded MQTT broker)") from None
            raise
        logging.getLogger(__name__).info("embedded MQTT broker on %s and %s", self.tcp_url, self.ws_url)

    async def stop(self) -> None:
        if self._broker is not None:
            await self._broker.shutdown()
            self._broker = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
