"""Genesys Cloud AudioHook (protocol version 2) as an adapter.

Text messages are ``{version, id, type, seq, serverseq, position, parameters}``
from Genesys; the server answers with its own ``seq`` and ``clientseq``. The
client's ``seq`` must be exactly last + 1: anything else is a broken session,
answered with ``disconnect`` (reason ``error``) and a close. ``open`` offers
media; we take a stereo PCMU 8 kHz offer (external = customer, internal =
agent) and audio then arrives as binary frames, interleaved in the negotiated
channel order. Audio Genesys held back (``discarded``, or discarded while
``paused``) is filled with silence so call time matches the call.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import ClassVar

import numpy as np

from service.core.codecs import deinterleave, ulaw_to_pcm16

from .auth import Handshake, same_secret
from .base import Adapter
from .events import AdapterEvent, CallStart, Fault, ProtocolError, Reply
from .spec import Protocol, SecretSettings
from .wire import WireError, field, parse_object

__all__ = ["PROBE_CONVERSATION", "PROTOCOL", "AudioHookAdapter", "AudioHookSettings"]

VERSION = "2"
# Genesys opens a session with this conversation id to probe the connection.
PROBE_CONVERSATION = "00000000-0000-0000-0000-000000000000"
_FORMAT, _RATE = "PCMU", 8000
_SPEAKER_OF = {"external": "customer", "internal": "agent"}
_DURATION = re.compile(r"^PT(\d+(?:\.\d+)?)S$")


def _seconds(value: object, where: str) -> float:
    if not isinstance(value, str) or not (m := _DURATION.match(value)):
        raise WireError("bad_field", f"{where} must be an ISO 8601 duration like 'PT1.5S'")
    return float(m.group(1))


class AudioHookSettings(SecretSettings):
    """``[server] audiohook_api_key``: the key Genesys sends as ``X-API-KEY``."""

    __slots__ = ()
    credential_key: ClassVar[str] = "audiohook_api_key"


def authenticate(settings: AudioHookSettings, request: Handshake) -> str | None:
    return None if same_secret(request.headers.get("X-API-KEY"), settings.secret) else "missing or wrong X-API-KEY"


class AudioHookAdapter(Adapter):
    protocol = "audiohook"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._session = ""
        self._client_seq = 0
        self._server_seq = 0
        self._channels: list[str] = []
        self.probe = False

    # -- replies --------------------------------------------------------------------
    def _reply(self, kind: str, parameters: dict | None = None) -> Reply:
        self._server_seq += 1
        return Reply(json.dumps({
            "version": VERSION,
            "id": self._session or str(uuid.UUID(int=0)),
            "type": kind,
            "seq": self._server_seq,
            "clientseq": self._client_seq,
            "parameters": parameters or {},
        }))

    def error_replies(self, error: ProtocolError) -> list[Reply]:
        return [self._reply("disconnect", {"reason": "error", "info": error.reason})]

    # -- inputs ---------------------------------------------------------------------
    def _on_text(self, text: str) -> list[AdapterEvent]:
        message = parse_object(text)
        if message.get("version") != VERSION:
            raise WireError("bad_version", f"AudioHook version must be '{VERSION}'")
        kind = field(message, "type", str)
        seq = field(message, "seq", int)
        session = field(message, "id", str)
        if seq != self._client_seq + 1:
            return [ProtocolError("sequence", f"seq {seq} after {self._client_seq} (must be +1)")]
        if self._session and session != self._session:
            return [ProtocolError("session_id", "message id differs from the session's")]
        self._client_seq = seq
        parameters = message.get("parameters", {})
        if not isinstance(parameters, dict):
            raise WireError("bad_field", "message field 'parameters' must be an object")
        if kind != "open" and not self._session:
            return [ProtocolError("before_open", f"'{kind[:20]}' before 'open'")]
        handler = getattr(self, f"_message_{kind}", None)
        if handler is None:
            return [ProtocolError("unknown_message", f"unknown AudioHook message '{kind[:40]}' ignored", fatal=False)]
        return handler(session, parameters)

    def _on_bytes(self, data: bytes) -> list[AdapterEvent]:
        if not self._channels:
            return [ProtocolError("audio_before_open", "audio before 'opened'")]
        if self.probe:
            return []
        parts = deinterleave(data, len(self._channels), "mulaw")
        events: list[AdapterEvent] = []
        for name, payload in zip(self._channels, parts):
            events += self.timeline.push(_SPEAKER_OF[name], ulaw_to_pcm16(payload))
        return events

    # -- messages -------------------------------------------------------------------
    def _message_open(self, session: str, parameters: dict) -> list[AdapterEvent]:
        if self._session:
            return [ProtocolError("duplicate_open", "a second 'open' in one session")]
        self._session = session
        conversation = field(parameters, "conversationId", str, "open.parameters")
        offers = field(parameters, "media", list, "open.parameters")
        chosen = next((o for o in offers if self._acceptable(o)), None)
        if chosen is None:
            return [ProtocolError(
                "unsupported_media",
                f"no offered media is {_FORMAT} {_RATE} Hz with channels external and internal",
                Fault.UNSUPPORTED,
            )]
        self._channels = list(chosen["channels"])
        opened = self._reply("opened", {"media": [chosen], "startPaused": False})
        self.probe = conversation == PROBE_CONVERSATION
        if self.probe:
            return [opened]
        self._open_timeline(_RATE)
        self.started = True
        custom = parameters.get("customConfig")
        agent = custom.get(self.media.agent_param) if isinstance(custom, dict) else None
        team = custom.get("team") if isinstance(custom, dict) else None
        language = parameters.get("language")
        participant = parameters.get("participant")
        return [
            opened,
            CallStart(
                call_id=conversation,
                agent_id=agent if isinstance(agent, str) and agent else self.media.default_agent_id,
                language=language if isinstance(language, str) and language else None,
                metadata={
                    "sessionId": session,
                    "organizationId": parameters.get("organizationId", ""),
                    "participant": participant if isinstance(participant, dict) else {},
                    **({"team": team} if isinstance(team, str) and team else {}),
                },
            ),
        ]

    @staticmethod
    def _acceptable(offer: object) -> bool:
        if not isinstance(offer, dict):
            return False
        channels = offer.get("channels")
        return (
            offer.get("type") == "audio"
            and offer.get("format") == _FORMAT
            and offer.get("rate") == _RATE
            and isinstance(channels, list)
            and sorted(channels) == sorted(_SPEAKER_OF)
        )

    def _message_ping(self, session: str, parameters: dict) -> list[AdapterEvent]:
        return [self._reply("pong")]

    def _message_update(self, session: str, parameters: dict) -> list[AdapterEvent]:
        return [self._reply("updated")]

    def _message_paused(self, session: str, parameters: dict) -> list[AdapterEvent]:
        return []

    def _message_resumed(self, session: str, parameters: dict) -> list[AdapterEvent]:
        return self._discard(parameters, "resumed")

    def _message_discarded(self, session: str, parameters: dict) -> list[AdapterEvent]:
        return self._discard(parameters, "discarded")

    def _discard(self, parameters: dict, where: str) -> list[AdapterEvent]:
        seconds = _seconds(parameters.get("discarded", "PT0S"), f"{where}.parameters.discarded")
        if not self.started or self.stopped:
            return []
        return list(self.timeline.fill(int(np.round(seconds * _RATE))))

    def _message_error(self, session: str, parameters: dict) -> list[AdapterEvent]:
        detail = str(parameters.get("message", ""))[:200]
        return [ProtocolError("client_error", f"client reported error {parameters.get('code')}: {detail}", fatal=False)]

    def _message_close(self, session: str, parameters: dict) -> list[AdapterEvent]:
        reason = parameters.get("reason", "end")
        closed = self._reply("closed")
        if not self.started:
            self.stopped = True
            return [closed]
        return [closed, *self._stop(reason if isinstance(reason, str) else "end")]


PROTOCOL = Protocol(
    name="audiohook",
    summary="Genesys Cloud AudioHook v2: JSON control messages, interleaved stereo PCMU",
    transport="websocket",
    adapter=AudioHookAdapter,
    settings=AudioHookSettings,
    authenticate=authenticate,
    client="service.testing.clients.audiohook",
)
