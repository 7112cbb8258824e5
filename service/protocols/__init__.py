"""Telephony protocols as sans-I/O adapters, one module each, found by the registry.

Each module declares one :class:`~service.protocols.spec.Protocol`: its name
and endpoint, transport, adapter, settings and authenticator. An adapter turns
wire messages into the transport-neutral events of
:mod:`service.protocols.events`; it never touches a socket or a clock. The
live server (:mod:`service.ingress`) reads :data:`PROTOCOLS` and needs no
per-protocol code.
"""

from .auth import Handshake
from .base import Adapter, AudioOut, MediaSettings
from .events import AdapterEvent, Audio, CallStart, CallStop, Fault, ProtocolError, Reply
from .registry import PROTOCOLS, protocol
from .spec import Protocol

__all__ = [
    "PROTOCOLS",
    "Adapter",
    "AdapterEvent",
    "Audio",
    "AudioOut",
    "CallStart",
    "CallStop",
    "Fault",
    "Handshake",
    "MediaSettings",
    "Protocol",
    "ProtocolError",
    "Reply",
    "protocol",
]
