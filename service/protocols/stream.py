"""``/stream``: the generic protocol, for any platform that can fork audio.

Deliberately small so FreeSWITCH mod_audio_fork, an Asterisk external-media
bridge or an SBC script can speak it in a few lines:

1. text ``{"type": "start", "call_id": "...", "agent_id": "...",
   "encoding": "pcm16"|"mulaw"|"alaw", "sample_rate": 8000,
   "channels": 2, "agent_channel": "left"|"right", "language": "en"}``
   (``language`` and ``team``, the agent's team for supervisors, optional), answered with ``{"type": "started", "call_id"}``;
2. binary frames of interleaved stereo audio (pcm16 little-endian), any size
   that is a whole number of frames;
3. text ``{"type": "stop"}``, answered once the report is saved with
   ``{"type": "stopped", "call_id", "report"}`` and a normal close.

Errors are answered with ``{"type": "error", "error": kind, "reason"}`` and a
close code. The audio itself is the clock: no timestamps needed.
"""

from __future__ import annotations

import json
from typing import ClassVar

from service.core.codecs import ENCODINGS, decode_payload, deinterleave

from .auth import Handshake, bearer_or_query_token, same_secret
from .base import Adapter
from .events import AdapterEvent, CallStart, Fault, ProtocolError, Reply
from .spec import Protocol, SecretSettings
from .wire import field, parse_object

__all__ = ["CHANNELS", "PROTOCOL", "RATE_RANGE", "StreamAdapter", "StreamSettings"]

CHANNELS = 2
RATE_RANGE = (8000, 48000)
_AGENT_CHANNELS = ("left", "right")


class StreamSettings(SecretSettings):
    """``[server] stream_token``: the shared token of ``/stream``."""

    __slots__ = ()
    credential_key: ClassVar[str] = "stream_token"


def authenticate(settings: StreamSettings, request: Handshake) -> str | None:
    return None if same_secret(bearer_or_query_token(request), settings.secret) else "missing or wrong stream token"


class StreamAdapter(Adapter):
    protocol = "stream"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._call_id = ""
        self._encoding = "pcm16"
        self._order: tuple[str, str] = ("agent", "customer")

    def error_replies(self, error: ProtocolError) -> list[Reply]:
        return [Reply(json.dumps({"type": "error", "error": error.kind, "reason": error.reason}))]

    def call_finalised(self, report_name: str) -> list[AdapterEvent]:
        return [Reply(json.dumps({"type": "stopped", "call_id": self._call_id, "report": report_name}))]

    def _on_text(self, text: str) -> list[AdapterEvent]:
        message = parse_object(text)
        kind = field(message, "type", str)
        if kind == "start":
            return self._start(message)
        if kind == "stop":
            if not self.started:
                return [ProtocolError("stop_before_start", "'stop' before 'start'")]
            return self._stop("stop")
        return [ProtocolError("unknown_message", f"unknown message type '{kind[:40]}'", Fault.PROTOCOL)]

    def _start(self, message: dict) -> list[AdapterEvent]:
        if self.started:
            return [ProtocolError("duplicate_start", "a second 'start' on one stream")]
        call_id = field(message, "call_id", str)
        agent_id = field(message, "agent_id", str)
        encoding = field(message, "encoding", str)
        rate = field(message, "sample_rate", int)
        channels = field(message, "channels", int)
        agent_channel = message.get("agent_channel", "left")
        language = message.get("language")
        team = message.get("team")
        if not call_id or not agent_id:
            return [ProtocolError("bad_field", "call_id and agent_id must not be empty", Fault.INVALID)]
        if encoding not in ENCODINGS or channels != CHANNELS or not RATE_RANGE[0] <= rate <= RATE_RANGE[1]:
            return [ProtocolError(
                "unsupported_media",
                f"{encoding}/{rate} Hz/{channels} ch not supported: encoding one of {', '.join(ENCODINGS)}, "
                f"sample_rate {RATE_RANGE[0]}..{RATE_RANGE[1]}, channels {CHANNELS}",
                Fault.UNSUPPORTED,
            )]
        if agent_channel not in _AGENT_CHANNELS:
            return [ProtocolError("bad_field", "agent_channel must be 'left' or 'right'", Fault.INVALID)]
        if language is not None and not isinstance(language, str):
            return [ProtocolError("bad_field", "language must be a string", Fault.INVALID)]
        if team is not None and not isinstance(team, str):
            return [ProtocolError("bad_field", "team must be a string", Fault.INVALID)]
        self._call_id, self._encoding = call_id, encoding
        self._order = ("agent", "customer") if agent_channel == "left" else ("customer", "agent")
        self._open_timeline(rate)
        self.started = True
        return [
            CallStart(call_id=call_id, agent_id=agent_id, language=language or None,
                      metadata={"encoding": encoding, "sample_rate": rate, **({"team": team} if team else {})}),
            Reply(json.dumps({"type": "started", "call_id": call_id})),
        ]

    def _on_bytes(self, data: bytes) -> list[AdapterEvent]:
        if not self.started:
            return [ProtocolError("audio_before_start", "binary audio before 'start'")]
        events: list[AdapterEvent] = []
        for speaker, payload in zip(self._order, deinterleave(data, CHANNELS, self._encoding)):
            events += self.timeline.push(speaker, decode_payload(payload, self._encoding))
        return events


PROTOCOL = Protocol(
    name="stream",
    summary="the generic protocol: a JSON start, binary interleaved stereo, a JSON stop",
    transport="websocket",
    adapter=StreamAdapter,
    settings=StreamSettings,
    authenticate=authenticate,
    client="service.testing.clients.stream",
)
