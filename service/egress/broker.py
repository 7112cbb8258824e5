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

from amqtt.broker import Broker
from amqtt.errors import BrokerError

from .access import AccessPolicy, LoginRefused
from .broker_plugins import plugin_config
from .settings import MqttSettings

__all__ = ["EmbeddedBroker"]


def _drop_startup_failure(record: logging.LogRecord) -> bool:
    """amqtt logs a failed start with its traceback, then raises: the error raised by ``start`` says it once."""
    return record.getMessage() != "Broker startup failed"


class _Broker(Broker):
    """amqtt's Broker, handing a session only the retained messages its login may read.

    At every CONNECT amqtt sends the client the retained messages matching any
    client's subscription filter (not only its own), without asking the topic
    plugins: an agent's display would get every other displayed agent's state.
    """

    def __init__(self, config: dict, policy: AccessPolicy) -> None:
        super().__init__(config)
        self._policy = policy

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
        logging.getLogger("amqtt.broker").addFilter(_drop_startup_failure)
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
