"""Asterisk AudioSocket over TCP: one connection per party, paired by the call's UUID.

Every message is a 3-byte header (kind, payload length as a 16-bit big-endian
integer) and the payload. Kinds: 0x01 the call UUID (16 bytes, first), 0x10
signed-linear 16-bit little-endian mono audio at 8 kHz and 0x11-0x18 at the
higher rates of recent Asterisk versions, 0x03 a DTMF digit, 0x00 hang-up,
0xff an error from Asterisk. TCP may split or merge messages anywhere, so the
adapter buffers bytes and parses whole messages only.

The protocol carries no party, agent or language, so callcoach's convention
is: the port a leg connects to says its party (``audiosocket_customer_port``,
``audiosocket_agent_port``); both legs send the same UUID; the dialplan
registers the UUID's agent and language first over HTTP (see
:mod:`service.ingress.http`). The coach only listens: it never sends audio or
a hang-up back (a hang-up would end the Asterisk application on that channel),
and an error just closes the leg, logged and counted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from service.core.events import SPEAKERS

from .auth import Handshake, bearer_or_query_token, same_secret
from .base import Adapter
from .events import AdapterEvent, CallStart, Fault, ProtocolError
from .spec import Protocol, Registration
from .wire import WireError

__all__ = ["AUDIO_RATES", "PROTOCOL", "AudioSocketAdapter", "AudioSocketSettings", "Kind", "frame"]

HEADER_BYTES = 3
UUID_BYTES = 16
MAX_RATE = 48000  # the engine resamples; beyond this a phone leg makes no sense


class Kind:
    HANGUP = 0x00
    UUID = 0x01
    DTMF = 0x03
    ERROR = 0xFF


AUDIO_RATES: dict[int, int] = {0x10: 8000, 0x11: 12000, 0x12: 16000, 0x13: 24000, 0x14: 32000, 0x15: 44100,
                               0x16: 48000, 0x17: 96000, 0x18: 192000}


def frame(kind: int, payload: bytes = b"") -> bytes:
    """One AudioSocket message (used by tests and documentation examples)."""
    return bytes([kind]) + len(payload).to_bytes(2, "big") + payload


def canonical_uuid(value: str) -> str:
    """The registered id in the form a leg's UUID message gives it."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError(f"'uuid' must be a UUID, got {value[:40]!r}") from None


@dataclass(frozen=True, slots=True)
class AudioSocketSettings:
    """``[server] audiosocket_*``: the registration token, one port per party, how long a registration waits."""

    token: str
    customer_port: int
    agent_port: int
    registration_ttl_s: float
    credential_key: ClassVar[str] = "audiosocket_token"

    @classmethod
    def from_config(cls, section: dict) -> AudioSocketSettings:
        settings = cls(str(section["audiosocket_token"]), int(section["audiosocket_customer_port"]),
                       int(section["audiosocket_agent_port"]), float(section["audiosocket_registration_ttl_s"]))
        if settings.registration_ttl_s <= 0:
            raise ValueError("audiosocket_registration_ttl_s must be positive")
        if settings.customer_port == settings.agent_port and settings.agent_port != 0:
            raise ValueError("audiosocket_customer_port and audiosocket_agent_port must differ")
        return settings

    @property
    def credential(self) -> str:
        return self.token

    @property
    def ports(self) -> dict[str, int]:
        return {"customer": self.customer_port, "agent": self.agent_port}


def authenticate(settings: AudioSocketSettings, request: Handshake) -> str | None:
    """Checks the registration call (the TCP legs themselves carry no credential)."""
    return None if same_secret(bearer_or_query_token(request), settings.token) else "missing or wrong token"


class AudioSocketAdapter(Adapter):
    protocol = "audiosocket"
    ends_on_close = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.party not in SPEAKERS:
            raise ValueError("an AudioSocket leg needs its party (the port it connected to)")
        self._buffer = bytearray()
        self._rate = 0

    def _on_bytes(self, data: bytes) -> list[AdapterEvent]:
        self._buffer += data
        events: list[AdapterEvent] = []
        while len(self._buffer) >= HEADER_BYTES and not self.stopped:
            kind = self._buffer[0]
            length = int.from_bytes(self._buffer[1:HEADER_BYTES], "big")
            if len(self._buffer) < HEADER_BYTES + length:
                break
            payload = bytes(self._buffer[HEADER_BYTES:HEADER_BYTES + length])
            del self._buffer[:HEADER_BYTES + length]
            events += self._message(kind, payload)
            if any(isinstance(e, ProtocolError) and e.fatal for e in events):
                break
        return events

    def _on_text(self, text: str) -> list[AdapterEvent]:  # TCP carries bytes only
        raise WireError("malformed_frame", "AudioSocket is a binary protocol")

    def _message(self, kind: int, payload: bytes) -> list[AdapterEvent]:
        if kind == Kind.UUID:
            return self._start(payload)
        if kind in AUDIO_RATES:
            return self._audio(AUDIO_RATES[kind], payload)
        if kind == Kind.HANGUP:
            if not self.started:
                self.stopped = True
                return []
            return self._stop("hangup")
        if kind == Kind.DTMF:
            return []
        if kind == Kind.ERROR:
            code = payload[0] if payload else 0
            return [ProtocolError("client_error", f"Asterisk reported error 0x{code:02x}", fatal=False)]
        return [ProtocolError("unknown_message", f"unknown AudioSocket message kind 0x{kind:02x}", Fault.PROTOCOL)]

    def _start(self, payload: bytes) -> list[AdapterEvent]:
        if self.started:
            return [ProtocolError("duplicate_start", "a second UUID on one leg")]
        if len(payload) != UUID_BYTES:
            return [ProtocolError("bad_field", f"UUID message of {len(payload)} bytes (must be {UUID_BYTES})",
                                  Fault.INVALID)]
        call_id = str(uuid.UUID(bytes=payload))
        self.started = True
        return [CallStart(call_id=call_id, agent_id="", parties=(self.party,), metadata={"uuid": call_id})]

    def _audio(self, rate: int, payload: bytes) -> list[AdapterEvent]:
        if not self.started:
            return [ProtocolError("audio_before_start", "audio before the UUID message")]
        if rate > MAX_RATE:
            return [ProtocolError("unsupported_media", f"{rate} Hz audio not supported (at most {MAX_RATE} Hz)",
                                  Fault.UNSUPPORTED)]
        if not self._rate:
            self._rate = rate
            self._open_leg(rate, self.party)
        elif rate != self._rate:
            return [ProtocolError("unsupported_media", f"audio rate changed from {self._rate} to {rate} Hz",
                                  Fault.UNSUPPORTED)]
        if len(payload) % 2:
            return [ProtocolError("bad_audio", f"audio payload of {len(payload)} bytes is not whole samples",
                                  Fault.INVALID)]
        return self._leg_audio(np.frombuffer(payload, dtype="<i2"))


PROTOCOL = Protocol(
    name="audiosocket",
    summary="Asterisk AudioSocket over TCP: one leg per party, 3-byte headers, signed-linear audio",
    transport="tcp",
    adapter=AudioSocketAdapter,
    settings=AudioSocketSettings,
    authenticate=authenticate,
    client="service.testing.clients.audiosocket",
    registration=Registration(call_id=canonical_uuid),
)
