"""Twilio Media Streams (``<Start><Stream track="both_tracks">``) as an adapter.

Twilio sends JSON text frames only: ``connected``, ``start`` (call identity,
tracks, media format, ``customParameters`` carrying the agent id, the team and
the call's ``language`` from ``<Parameter name="language" value="el"/>``), ``media``
(one 20 ms base64 mu-law chunk of one track with its timestamp in ms since the
stream started), ``mark``, ``dtmf`` and ``stop``. The stream is one-way: the
coach sends nothing back. Each track's audio is placed by its media timestamp,
so silence Twilio did not send and jitter in arrival leave call time exact.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from typing import ClassVar

from service.config import ConfigError
from service.core.codecs import ulaw_to_pcm16
from service.core.events import SPEAKERS

from .auth import Handshake, same_secret
from .base import Adapter
from .events import AdapterEvent, CallStart, Fault, ProtocolError
from .spec import Protocol
from .wire import WireError, field, parse_object

__all__ = ["PROTOCOL", "TwilioAdapter", "TwilioSettings", "twilio_signature"]

_ENCODING = "audio/x-mulaw"
_MS_PER_S = 1000


def twilio_signature(auth_token: str, url: str) -> str:
    """``X-Twilio-Signature`` for a WebSocket handshake: base64 HMAC-SHA1 of the URL."""
    digest = hmac.new(auth_token.encode(), url.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True, slots=True)
class TwilioSettings:
    """``[server] twilio_*``: the account's auth token, the public URL it signs, which track is whom."""

    auth_token: str
    public_url: str
    inbound_speaker: str
    outbound_speaker: str
    credential_key: ClassVar[str] = "twilio_auth_token"

    @classmethod
    def from_config(cls, section: dict) -> TwilioSettings:
        settings = cls(str(section["twilio_auth_token"]), str(section["twilio_public_url"]),
                       str(section["twilio_inbound_speaker"]), str(section["twilio_outbound_speaker"]))
        if sorted((settings.inbound_speaker, settings.outbound_speaker)) != sorted(SPEAKERS):
            raise ConfigError("[server] twilio_inbound_speaker/twilio_outbound_speaker must be 'agent' and 'customer'")
        return settings

    @property
    def credential(self) -> str:
        return self.auth_token


def authenticate(settings: TwilioSettings, request: Handshake) -> str | None:
    """``X-Twilio-Signature`` over the public URL (or the URL the Host header implies)."""
    url = settings.public_url or f"wss://{request.headers.get('Host', '')}{request.path}"
    expected = twilio_signature(settings.auth_token, url)
    return None if same_secret(request.headers.get("X-Twilio-Signature"), expected) else \
        "missing or wrong X-Twilio-Signature"


class TwilioAdapter(Adapter):
    protocol = "twilio"
    options: TwilioSettings

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._last_seq = 0
        self._speaker_of = {"inbound": self.options.inbound_speaker, "outbound": self.options.outbound_speaker}

    def _on_bytes(self, data: bytes) -> list[AdapterEvent]:
        return [ProtocolError("binary_message", "Twilio Media Streams sends text frames only", Fault.UNSUPPORTED)]

    def _on_text(self, text: str) -> list[AdapterEvent]:
        message = parse_object(text)
        event = field(message, "event", str)
        notes = self._check_sequence(message)
        if notes and notes[0].kind == "duplicate_sequence":
            return notes
        handler = getattr(self, f"_event_{event}", None)
        if handler is None:
            return [*notes, ProtocolError("unknown_event", f"unknown Twilio event '{event[:40]}' ignored", fatal=False)]
        return [*notes, *handler(message)]

    def _check_sequence(self, message: dict) -> list[ProtocolError]:
        """Drop repeated messages; note skipped ones (their audio gap is filled by timestamp)."""
        if "sequenceNumber" not in message:
            return []
        raw = field(message, "sequenceNumber", (str, int))
        try:
            seq = int(raw)
        except ValueError:
            raise WireError("bad_field", f"sequenceNumber '{str(raw)[:20]}' is not a number") from None
        if seq <= self._last_seq:
            return [ProtocolError("duplicate_sequence", f"sequenceNumber {seq} after {self._last_seq}: dropped", fatal=False)]
        previous, self._last_seq = self._last_seq, seq
        skipped = seq - previous - 1
        if previous and skipped:
            return [ProtocolError("sequence_gap", f"{skipped} message(s) missing before {seq}", fatal=False)]
        return []

    def _event_connected(self, message: dict) -> list[AdapterEvent]:
        return []

    def _event_start(self, message: dict) -> list[AdapterEvent]:
        if self.started:
            return [ProtocolError("duplicate_start", "a second 'start' on one stream")]
        start = field(message, "start", dict)
        call_sid = field(start, "callSid", str, "start")
        media_format = field(start, "mediaFormat", dict, "start")
        encoding = field(media_format, "encoding", str, "mediaFormat")
        rate = field(media_format, "sampleRate", int, "mediaFormat")
        channels = media_format.get("channels", 1)
        if encoding != _ENCODING or channels != 1 or not 0 < rate <= 48000:
            return [ProtocolError(
                "unsupported_media",
                f"media format {encoding}/{rate}/{channels} not supported (expected {_ENCODING}, mono)",
                Fault.UNSUPPORTED,
            )]
        params = start.get("customParameters") or {}
        if not isinstance(params, dict):
            raise WireError("bad_field", "start field 'customParameters' must be an object")
        agent = params.get(self.media.agent_param)
        team = params.get("team")
        language = params.get("language")
        self._open_timeline(rate)
        self.started = True
        return [CallStart(
            call_id=call_sid,
            agent_id=agent if isinstance(agent, str) and agent else self.media.default_agent_id,
            language=language if isinstance(language, str) and language else None,
            metadata={
                "streamSid": start.get("streamSid", message.get("streamSid", "")),
                "accountSid": start.get("accountSid", ""),
                "tracks": start.get("tracks", []),
                "customParameters": params,
                **({"team": team} if isinstance(team, str) and team else {}),
            },
        )]

    def _event_media(self, message: dict) -> list[AdapterEvent]:
        if not self.started:
            return [ProtocolError("media_before_start", "'media' before 'start'")]
        media = field(message, "media", dict)
        track = field(media, "track", str, "media")
        speaker = self._speaker_of.get(track)
        if speaker is None:
            return [ProtocolError("unknown_track", f"unknown track '{track[:20]}' ignored", fatal=False)]
        payload = field(media, "payload", str, "media")
        try:
            raw = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise WireError("bad_base64", "media payload is not valid base64") from None
        at = None
        if "timestamp" in media:
            stamp = field(media, "timestamp", (str, int), "media")
            try:
                ms = int(stamp)
            except ValueError:
                raise WireError("bad_field", f"media timestamp '{str(stamp)[:20]}' is not a number") from None
            if ms < 0:
                raise WireError("bad_field", "media timestamp is negative")
            at = ms * self.timeline.rate // _MS_PER_S
        return list(self.timeline.push(speaker, ulaw_to_pcm16(raw), at))

    def _event_mark(self, message: dict) -> list[AdapterEvent]:
        return []

    def _event_dtmf(self, message: dict) -> list[AdapterEvent]:
        return []

    def _event_stop(self, message: dict) -> list[AdapterEvent]:
        if not self.started:
            return [ProtocolError("stop_before_start", "'stop' before 'start'")]
        return self._stop("stop")


PROTOCOL = Protocol(
    name="twilio",
    summary="Twilio Media Streams: two mu-law tracks as base64 JSON with media timestamps",
    transport="websocket",
    adapter=TwilioAdapter,
    settings=TwilioSettings,
    authenticate=authenticate,
    client="service.testing.clients.twilio",
)
