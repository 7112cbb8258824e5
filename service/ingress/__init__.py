"""Ingress: live call audio in over WebSockets.

Sans-I/O adapters, one per protocol (:class:`TwilioAdapter`,
:class:`AudioHookAdapter`, :class:`GenericAdapter`), turn wire messages into
the typed events of :mod:`service.ingress.events`; ``service.ingress.server``
(``IngressServer``) is the asyncio shell that owns sockets, pipelines and
metrics; ``service.ingress.client`` speaks the three protocols for tests and
``scripts/simulate_call.py``.
"""

from .adapter import Adapter, AudioOut
from .audiohook import AudioHookAdapter
from .events import (
    AdapterEvent,
    Audio,
    CallStart,
    CallStop,
    CloseCode,
    ProtocolError,
    Reply,
)
from .generic import GenericAdapter
from .settings import ServerSettings
from .twilio import TwilioAdapter, twilio_signature

__all__ = [
    "Adapter",
    "AdapterEvent",
    "Audio",
    "AudioHookAdapter",
    "AudioOut",
    "CallStart",
    "CallStop",
    "CloseCode",
    "GenericAdapter",
    "ProtocolError",
    "Reply",
    "ServerSettings",
    "TwilioAdapter",
    "twilio_signature",
]
