"""What a protocol adapter hands back to the server: typed, I/O-free events.

Adapters turn wire messages into these; the server turns them into pipeline
calls, socket writes and closes. Keeping the vocabulary here (rather than in
each adapter) lets one server loop drive every protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from service.core.events import Speaker

__all__ = ["AdapterEvent", "Audio", "CallStart", "CallStop", "CloseCode", "ProtocolError", "Reply"]


class CloseCode(IntEnum):
    """WebSocket close codes (RFC 6455 section 7.4.1) the server uses, by cause."""

    NORMAL = 1000  # call ended cleanly
    GOING_AWAY = 1001  # server shutting down
    PROTOCOL = 1002  # message out of place: binary before start, bad sequence
    UNSUPPORTED = 1003  # media format or encoding we do not take
    INVALID = 1007  # malformed JSON, bad base64, wrong field types
    POLICY = 1008  # idle timeout, call too long, authentication
    TOO_BIG = 1009  # message over the size limit
    INTERNAL = 1011  # a bug on our side
    TRY_AGAIN = 1013  # at capacity: too many calls


@dataclass(frozen=True, slots=True)
class CallStart:
    """The platform announced a call: the server opens a pipeline for it."""

    call_id: str
    agent_id: str
    language: str | None = None
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Audio:
    """Int16 mono PCM at the engine rate for one party, contiguous in call time."""

    speaker: Speaker
    pcm: np.ndarray


@dataclass(frozen=True, slots=True)
class Reply:
    """A text message to send back to the client (AudioHook replies, /stream acks)."""

    text: str


@dataclass(frozen=True, slots=True)
class CallStop:
    """The call ended normally; ``reason`` is the platform's word for why."""

    reason: str = "end"


@dataclass(frozen=True, slots=True)
class ProtocolError:
    """The client sent something wrong.

    ``kind`` is a short stable label (metrics and logs); ``fatal`` errors close
    the connection with ``code`` after any replies before them are sent, while
    non-fatal ones (a duplicated frame, an unknown event type a newer platform
    version may add) are counted and the call goes on.
    """

    kind: str
    reason: str
    code: CloseCode = CloseCode.PROTOCOL
    fatal: bool = True


AdapterEvent = CallStart | Audio | Reply | CallStop | ProtocolError
