"""Asterisk AudioSocket client, written from the protocol documents and Asterisk's source.

Facts used, and where they were read:

- A message is a 3-byte header, 1 byte type and a 16-bit unsigned big-endian
  payload length, then the payload; the smallest message is 3 bytes; hangup is
  ``00 00 00`` (docs.asterisk.org/Configuration/Channel-Drivers/AudioSocket/,
  source asterisk/documentation ``docs/Configuration/Channel-Drivers/AudioSocket.md``).
- Types (same page, current version): ``0x00`` terminate the connection (closing
  the socket is also sufficient); ``0x01`` the UUID, 16-byte binary form;
  ``0x03`` one ASCII DTMF digit; ``0x10`` signed linear 16-bit mono PCM,
  little-endian, 8 kHz; ``0x11`` 12 kHz, ``0x12`` 16 kHz, ``0x13`` 24 kHz,
  ``0x14`` 32 kHz, ``0x15`` 44.1 kHz, ``0x16`` 48 kHz, ``0x17`` 96 kHz,
  ``0x18`` 192 kHz (all signed linear 16-bit mono little-endian); ``0xff`` an
  error, payload an optional application-specific code.
- Asterisk's error codes are one bit-packed byte: ``0x01`` hangup of the calling
  party, ``0x02`` frame forwarding error, ``0x04`` memory (allocation) error
  (CyCoreSystems/audiosocket README.md, "Asterisk error codes").
- Asterisk's ``res/res_audiosocket.c``: ``ast_audiosocket_init`` writes the UUID
  message first (``uuid_parse`` of the dialplan's string UUID, 16 bytes);
  ``ast_audiosocket_send_frame`` picks the audio type from the frame's slin
  format (``AST_AUDIOSOCKET_KIND_AUDIO_SLIN12`` .. ``_SLIN192``) and sends DTMF
  as type ``0x03`` with a 1-byte payload. An earlier patch (asterisk/asterisk
  PR 1492) had used ``0x11`` for 16 kHz; the published table above replaced it.
- The ``AudioSocket(uuid,service)`` dialplan application sends 16-bit 8 kHz
  mono (docs.asterisk.org .../Dialplan_Applications/AudioSocket); the channel
  driver may negotiate another slin rate.
- ``CURL(url)`` without post data GETs ``url`` (docs.asterisk.org
  .../Dialplan_Functions/CURL); with post data it would POST, which callcoach's
  port does not take (its HTTP side is a WebSocket server's, GET only).

callcoach's side of the convention (not Asterisk's): each party's leg is its
own TCP connection (customer to ``customer_port``, agent to ``agent_port``),
both opening with the same call UUID; before they connect the dialplan
registers the call at ``/audiosocket/calls`` with ``uuid``, ``agent_id`` and
``language`` in the query of a GET (token as ``Authorization: Bearer`` or
``?token=``), answered 201 with JSON; audio goes in 20 ms frames, then a
hangup message, then the socket closes; the server sends nothing but possibly
an error message and/or a hangup before it closes.
"""

from __future__ import annotations

import asyncio
import json
import struct
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from urllib.parse import quote, urlencode

from .common import TELEPHONY_RATE, Call, Pacer, resample

__all__ = [
    "AUDIO_KINDS", "AudioSocketError", "AudioSocketResult", "Dtmf", "Frame", "HttpReply", "Kind", "Leg",
    "LegResult", "call_uuid", "decode_frames", "encode_frame", "encode_header", "open_leg", "register_call",
    "stream_audiosocket",
]

HEADER = struct.Struct(">BH")  # type, payload length (unsigned, big-endian)
MAX_PAYLOAD = 0xFFFF
REGISTER_PATH = "/audiosocket/calls"
REGISTERED = 201  # HTTP Created: the server's answer to a registration
PARTIES = ("customer", "agent")
CLOSE_TIMEOUT_S = 5.0  # how long a leg waits for the server to close after our hangup
HTTP_TIMEOUT_S = 10.0
_READ_CHUNK = 4096


class Kind(IntEnum):
    """AudioSocket message types."""

    HANGUP = 0x00
    UUID = 0x01
    DTMF = 0x03
    SLIN = 0x10
    SLIN12 = 0x11
    SLIN16 = 0x12
    SLIN24 = 0x13
    SLIN32 = 0x14
    SLIN44 = 0x15
    SLIN48 = 0x16
    SLIN96 = 0x17
    SLIN192 = 0x18
    ERROR = 0xFF


AUDIO_KINDS = {8000: Kind.SLIN, 12000: Kind.SLIN12, 16000: Kind.SLIN16, 24000: Kind.SLIN24, 32000: Kind.SLIN32,
               44100: Kind.SLIN44, 48000: Kind.SLIN48, 96000: Kind.SLIN96, 192000: Kind.SLIN192}
_AUDIO_TYPES = frozenset(AUDIO_KINDS.values())
# Asterisk reaches the server directly: no proxy from the environment in between.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class AudioSocketError(RuntimeError):
    """The call could not be set up: registration refused or a bad argument."""


@dataclass(frozen=True)
class Frame:
    """One message: its type (an ``int``, so unknown types survive decoding) and payload."""

    kind: int
    payload: bytes = b""


@dataclass(frozen=True)
class Dtmf:
    """A key pressed ``at_s`` seconds into the call on ``party``'s leg."""

    at_s: float
    digit: str
    party: str = "customer"


@dataclass(frozen=True)
class HttpReply:
    """The registration's HTTP status and body."""

    status: int
    body: str

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class LegResult:
    """One leg: audio messages sent, what the server sent back, and who closed first."""

    party: str
    frames_sent: int
    received: list[Frame]
    trailing: bytes  # bytes after the last whole message the server sent (a cut-off message)
    server_closed_first: bool

    @property
    def kinds(self) -> list[int]:
        return [f.kind for f in self.received]


@dataclass
class AudioSocketResult:
    """Both legs of one call, and the registration's reply (None when not registered)."""

    uuid: uuid.UUID
    registration: HttpReply | None
    customer: LegResult
    agent: LegResult


def encode_header(kind: int, length: int) -> bytes:
    """A header claiming ``length`` payload bytes, true or not (for malformed-message tests)."""
    return HEADER.pack(kind, length)


def encode_frame(kind: int, payload: bytes = b"") -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes exceeds the 16-bit length ({MAX_PAYLOAD})")
    return encode_header(kind, len(payload)) + payload


def decode_frames(data: bytes) -> tuple[list[Frame], bytes]:
    """The whole messages in ``data``, and the bytes of an incomplete last one."""
    frames, offset = [], 0
    while len(data) - offset >= HEADER.size:
        kind, length = HEADER.unpack_from(data, offset)
        end = offset + HEADER.size + length
        if end > len(data):
            break
        frames.append(Frame(kind, data[offset + HEADER.size:end]))
        offset = end
    return frames, data[offset:]


def call_uuid(call_id: str) -> uuid.UUID:
    """The call's AudioSocket UUID: ``call_id`` itself when it is one, else derived from it."""
    try:
        return uuid.UUID(call_id)
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"callcoach:{call_id}")


class Leg:
    """One party's TCP connection; reads whatever the server sends while we send."""

    def __init__(self, party: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.party = party
        self.frames_sent = 0
        self._reader, self._writer = reader, writer
        self._received = bytearray()
        self._hung_up = False  # we are done sending: an EOF from now on is the server answering that
        self._server_closed_first = False
        self._reading = asyncio.create_task(self._read())

    @property
    def server_closed(self) -> bool:
        return self._reading.done()

    async def _read(self) -> None:
        try:
            while chunk := await self._reader.read(_READ_CHUNK):
                self._received += chunk
        except ConnectionError:
            pass
        self._server_closed_first = not self._hung_up

    async def send_raw(self, data: bytes) -> bool:
        """Send bytes as they are; False (nothing sent) once the server has closed."""
        if self.server_closed or self._writer.is_closing():  # a failed send closes the transport first
            return False
        try:
            self._writer.write(data)
            await self._writer.drain()
        except ConnectionError:
            return False
        return True

    async def send_frame(self, kind: int, payload: bytes = b"") -> bool:
        """Send one message; audio messages are counted in ``frames_sent``."""
        sent = await self.send_raw(encode_frame(kind, payload))
        self.frames_sent += sent and kind in _AUDIO_TYPES
        return sent

    async def finish(self, *, hangup: bool = True, timeout_s: float = CLOSE_TIMEOUT_S) -> LegResult:
        """Optionally send hangup, half-close, wait for the server to close, and report."""
        if hangup:
            await self.send_frame(Kind.HANGUP)
        self._hung_up = True
        if not (self.server_closed or self._writer.is_closing()) and self._writer.can_write_eof():
            try:
                self._writer.write_eof()
            except ConnectionError:
                pass
        try:
            await asyncio.wait_for(asyncio.shield(self._reading), timeout_s)
        except TimeoutError:
            self._reading.cancel()
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except ConnectionError:
            pass
        frames, trailing = decode_frames(bytes(self._received))
        return LegResult(self.party, self.frames_sent, frames, trailing, self._server_closed_first)


async def open_leg(host: str, port: int, party: str = "customer") -> Leg:
    """A connected leg that has sent nothing yet (send the UUID with ``send_frame``)."""
    reader, writer = await asyncio.open_connection(host, port)
    return Leg(party, reader, writer)


def _get(url: str, headers: dict[str, str]) -> HttpReply:
    """One GET; an HTTP error status is a reply, not an exception."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with _HTTP.open(request, timeout=HTTP_TIMEOUT_S) as response:
            return HttpReply(response.status, response.read().decode())
    except urllib.error.HTTPError as refused:
        return HttpReply(refused.code, refused.read().decode())


async def register_call(http_url: str, call_uuid: uuid.UUID, agent_id: str, *, language: str | None = None,
                        token: str = "", token_in_query: bool = False) -> HttpReply:
    """Register the call at ``{http_url}/audiosocket/calls`` as a dialplan's ``CURL(url)`` would: a GET.

    The fields go in the query; the token as ``Authorization: Bearer`` or,
    with ``token_in_query``, as ``?token=``.
    """
    query = {"uuid": str(call_uuid), "agent_id": agent_id, **({"language": language} if language else {})}
    headers = {}
    if token and token_in_query:
        query["token"] = token
    elif token:
        headers["Authorization"] = f"Bearer {token}"
    url = f"{http_url.rstrip('/')}{REGISTER_PATH}?{urlencode(query, quote_via=quote)}"
    return await asyncio.to_thread(_get, url, headers)


async def stream_audiosocket(host: str, customer_port: int, agent_port: int, call: Call, *,
                             http_url: str | None = None, token: str = "", language: str | None = None,
                             speed: float | None = 1.0, frame_ms: int = 20, rate: int = TELEPHONY_RATE,
                             register: bool = True,
                             dtmf: Sequence[Dtmf] | None = None) -> AudioSocketResult:
    """Stream ``call`` as Asterisk would: one AudioSocket leg per party, in lockstep.

    With ``register`` the call is first registered at ``http_url`` (the server's
    ``http://host:port``) with :func:`register_call`; a refusal raises :class:`AudioSocketError`. Audio is
    resampled to ``rate`` and sent as that rate's message type; ``dtmf`` keys go
    out at their times (keys after the audio's end are not sent). ``speed`` 1 paces in real time, N at N x, None as fast
    as possible.
    """
    if rate not in AUDIO_KINDS:
        raise AudioSocketError(f"AudioSocket has no audio type for {rate} Hz (known: {sorted(AUDIO_KINDS)})")
    call_id = call_uuid(call.call_id)
    reply = None
    if register:
        if http_url is None:
            raise AudioSocketError("registering a call needs http_url (or register=False)")
        reply = await register_call(http_url, call_id, call.agent_id, language=language, token=token)
        if reply.status != REGISTERED:
            raise AudioSocketError(f"registration refused: {reply.status} {reply.body}")
    audio = {"customer": resample(call.customer, call.rate, rate), "agent": resample(call.agent, call.rate, rate)}
    legs = dict(zip(PARTIES, await asyncio.gather(open_leg(host, customer_port, "customer"),
                                                  open_leg(host, agent_port, "agent"))))
    keys = sorted(dtmf or (), key=lambda d: d.at_s)
    step = rate * frame_ms // 1000
    pacer = Pacer(frame_ms / 1000, speed)
    for leg in legs.values():
        await leg.send_frame(Kind.UUID, call_id.bytes)
    async for n, offset in pacer.frames(max(len(a) for a in audio.values()), step):
        while keys and keys[0].at_s * 1000 <= n * frame_ms:
            key = keys.pop(0)
            await legs[key.party].send_frame(Kind.DTMF, key.digit.encode("ascii"))
        for party, leg in legs.items():
            chunk = audio[party][offset:offset + step]
            if chunk.size:
                await leg.send_frame(AUDIO_KINDS[rate], chunk.astype("<i2").tobytes())
        if all(leg.server_closed for leg in legs.values()):
            break
    customer, agent = await asyncio.gather(*(leg.finish() for leg in legs.values()))
    return AudioSocketResult(call_id, reply, customer, agent)
