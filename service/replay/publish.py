"""Publishing a replay over MQTT, so an agent display shows it as if live.

The replay itself is synchronous; the MQTT publisher is asyncio. The publisher
runs on its own event-loop thread (its ``submit`` is thread-safe), and the
replay calls the ordinary MQTT call sink from its own thread. No embedded
broker is started here: with no broker configured this publishes to the
embedded broker of a running ``coach serve`` (whose ``/display`` page shows
the nudges).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Iterator

from ..egress import MqttCallSink, MqttSettings, Publisher

__all__ = ["publishing_sink"]


@contextlib.contextmanager
def publishing_sink(config: dict) -> Iterator[MqttCallSink]:
    settings = MqttSettings.from_config(config["mqtt"])
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="mqtt-replay", daemon=True)
    thread.start()
    publisher = Publisher(settings)
    asyncio.run_coroutine_threadsafe(publisher.start(), loop).result()
    try:
        yield MqttCallSink(publisher, settings)
    finally:
        # drain what is queued (bounded by mqtt.drain_timeout_s), then announce offline
        asyncio.run_coroutine_threadsafe(publisher.stop(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
