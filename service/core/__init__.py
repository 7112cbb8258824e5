"""The sans-I/O call engine: no sockets, no threads, no clock.

Public surface: :class:`CallSession` and its settings, the event types, the
codecs that turn telephony payloads into engine PCM.
"""

from .codecs import ENCODINGS, ChannelConverter, CodecError, decode_payload, deinterleave
from .events import (
    SPEAKERS,
    DeadAir,
    Evidence,
    ClosingSaid,
    ConversationResumed,
    HoldAnnounced,
    Interruption,
    Kudos,
    Nudge,
    Speaker,
    SpeechEnded,
    SpeechEvent,
    SpeechSegment,
    SpeechStarted,
    TranscriptSegment,
)
from .session import CallSession, SessionResult, SessionSettings, TranscriptionRequest

__all__ = [
    "ENCODINGS",
    "ChannelConverter",
    "CodecError",
    "decode_payload",
    "deinterleave",
    "SPEAKERS",
    "DeadAir",
    "Evidence",
    "ClosingSaid",
    "ConversationResumed",
    "HoldAnnounced",
    "Interruption",
    "Kudos",
    "Nudge",
    "Speaker",
    "SpeechEnded",
    "SpeechEvent",
    "SpeechSegment",
    "SpeechStarted",
    "TranscriptSegment",
    "CallSession",
    "SessionResult",
    "SessionSettings",
    "TranscriptionRequest",
]
