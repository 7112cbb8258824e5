"""The embedded broker: amqtt in-process, so ``coach serve`` works with one command.

Why embedded: on a laptop or in a demo nobody wants to install a broker first.
With ``mqtt.broker_url`` empty, the server starts this broker on loopback (TCP
for the publisher, WebSockets for the agent display) and the publisher talks
to it like to any other. It speaks MQTT 3.1.1 only (no message expiry: the
outbox still drops expired nudges before sending), keeps retained messages in
memory, and accepts anonymous clients, which is why it binds to 127.0.0.1 by
default. Production uses an external broker (see ``config/mosquitto.conf``).
"""

from __future__ import annotations

import logging
from typing import Self

from amqtt.broker import Broker

from .settings import MqttSettings

__all__ = ["EmbeddedBroker"]

_ANONYMOUS = "amqtt.plugins.authentication.AnonymousAuthPlugin"


class EmbeddedBroker:
    """Start/stop an amqtt broker with a TCP and a WebSocket listener.

    ``await start()`` returns once both listeners accept connections; also an
    async context manager.
    """

    def __init__(self, settings: MqttSettings) -> None:
        self._settings = settings
        self._broker: Broker | None = None

    @property
    def tcp_url(self) -> str:
        return f"mqtt://{self._settings.embedded_host}:{self._settings.embedded_tcp_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self._settings.embedded_host}:{self._settings.embedded_ws_port}"

    async def start(self) -> None:
        s = self._settings
        config = {
            "listeners": {
                "default": {"type": "tcp", "bind": f"{s.embedded_host}:{s.embedded_tcp_port}"},
                "ws": {"type": "ws", "bind": f"{s.embedded_host}:{s.embedded_ws_port}"},
            },
            "plugins": {_ANONYMOUS: {"allow_anonymous": True}},
        }
        # amqtt logs every connection at INFO and every packet at DEBUG: keep it to warnings.
        logging.getLogger("amqtt").setLevel(max(logging.WARNING, logging.getLogger().level))
        self._broker = Broker(config)
        await self._broker.start()
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
