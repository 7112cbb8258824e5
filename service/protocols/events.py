"""What a protocol adapter hands back: typed, I/O-free, transport-neutral events.

Adapters turn wire messages into these; the call runner turns them into
pipeline calls, and the transport shell (WebSocket or TCP) into writes and
closes. Keeping the vocabulary here, rather than in each adapter, lets one
runner drive every protocol over any transport.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from service.core.events import SPEAKERS, Speaker

__all__ = ["AdapterEvent", "Audio", "CallStart", "CallStop", "Fault", "ProtocolError", "Reply"]


class Fault(Enum):
    """Why a connection ends, by cause; each transport shell maps these to its own codes.

    The WebSocket shell sends the RFC 6455 close code of the same name; the TCP
    shell (AudioSocket) hangs up and logs the cause.
    """

    NORMAL = "normal"  # call ended cleanly
    GOING_AWAY = "going_away"  # server shutting down
    PROTOCOL = "protocol"  # message out of place: binary before start, bad sequence
    UNSUPPORTED = "unsupported"  # media format or encoding we do not take
    INVALID = "invalid"  # malformed JSON, bad base64, wrong field types
    POLICY = "policy"  # idle timeout, call too long, authentication
    TOO_BIG = "too_big"  # message over the size limit
    INTERNAL = "internal"  # a bug on our side
    TRY_AGAIN = "try_again"  # at capacity: too many calls


@dataclass(frozen=True, slots=True)
class CallStart:
    """The platform announced a call (or one party's leg of it).

    ``parties`` are the speakers this connection carries: both for a stereo
    stream, one for a leg of a call whose parties arrive on two connections;
    the runner pairs two legs by ``call_id``.
    """

    call_id: str
    agent_id: str
    language: str | None = None
    metadata: dict = field(default_factory=dict)
    parties: tuple[Speaker, ...] = SPEAKERS


@dataclass(frozen=True, slots=True)
class Audio:
    """Int16 mono PCM at the engine rate for one party, contiguous in call time."""

    speaker: Speaker
    pcm: np.ndarray


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to send back to the client: text (AudioHook replies, /stream acks) or bytes."""

    text: str | bytes


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
    code: Fault = Fault.PROTOCOL
    fatal: bool = True


AdapterEvent = CallStart | Audio | Reply | CallStop | ProtocolError
