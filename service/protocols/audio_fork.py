"""FreeSWITCH ``mod_audio_fork``: a JSON metadata text frame, then binary L16 audio.

``uuid_audio_fork <uuid> start <url> <mix-type> <rate> <metadata>`` opens a
WebSocket, sends ``<metadata>`` as the first text frame and then 16-bit
little-endian linear PCM at ``<rate>``: in ``stereo`` the caller on channel 0
and the callee on channel 1, interleaved; in ``mono`` one leg; in ``mixed``
both parties summed (refused here: they cannot be told apart). The module
offers the WebSocket subprotocol ``audio.drachtio.org``, which is answered. The
fork ends by closing the socket, so a clean close is the call's normal end.

The rate and mix are not on the wire, so callcoach reads them, with the call
identity, from the metadata: ``call_id``, ``agent_id`` (required),
``language``, ``sample_rate`` (default 8000), ``mix`` (default ``stereo``),
``agent_channel`` (stereo; default ``right``, the callee) and ``party``
(mono: ``agent`` or ``customer``; the two forks of a call are paired by
``call_id``).
"""

from __future__ import annotations

from typing import ClassVar

from service.core.codecs import decode_payload, deinterleave
from service.core.events import SPEAKERS

from .auth import Handshake, basic_password, bearer_or_query_token, same_secret
from .base import Adapter
from .events import AdapterEvent, CallStart, Fault, ProtocolError
from .spec import Protocol, SecretSettings
from .wire import field, parse_object

__all__ = ["PROTOCOL", "AudioForkAdapter", "AudioForkSettings"]

SUBPROTOCOL = "audio.drachtio.org"  # what mod_audio_fork offers (its libwebsockets protocol name)
DEFAULT_RATE = 8000
RATE_RANGE = (8000, 48000)
STEREO_CHANNELS = 2
_MIXES = ("stereo", "mono")
_ENCODING = "pcm16"


class AudioForkSettings(SecretSettings):
    """``[server] audio_fork_token``: sent as the HTTP Basic password, a Bearer token or ``?token=``."""

    __slots__ = ()
    credential_key: ClassVar[str] = "audio_fork_token"


def authenticate(settings: AudioForkSettings, request: Handshake) -> str | None:
    given = basic_password(request) or bearer_or_query_token(request)
    return None if same_secret(given, settings.secret) else "missing or wrong audio_fork token"


def _choice(message: dict, name: str, default: str, allowed: tuple[str, ...]) -> str | ProtocolError:
    value = message.get(name, default)
    if value not in allowed:
        return ProtocolError("bad_field", f"metadata '{name}' must be one of {', '.join(allowed)}", Fault.INVALID)
    return value


class AudioForkAdapter(Adapter):
    protocol = "audio_fork"
    ends_on_close = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._order: tuple[str, ...] = ()

    def _on_text(self, text: str) -> list[AdapterEvent]:
        if self.started:  # a stop with metadata, or a newer module's notice: nothing to act on
            return [ProtocolError("text_after_start", "text frame after the metadata ignored", fatal=False)]
        return self._start(parse_object(text))

    def _start(self, message: dict) -> list[AdapterEvent]:
        call_id = field(message, "call_id", str, "metadata")
        agent_id = field(message, "agent_id", str, "metadata")
        rate = message.get("sample_rate", DEFAULT_RATE)
        language = message.get("language")
        if not call_id or not agent_id:
            return [ProtocolError("bad_field", "metadata call_id and agent_id must not be empty", Fault.INVALID)]
        if message.get("mix") == "mixed":
            return [ProtocolError("unsupported_media", "mix 'mixed' sums both parties into one channel and cannot "
                                  "be coached; fork with 'stereo' (or one 'mono' fork per party)", Fault.UNSUPPORTED)]
        if isinstance(rate, bool) or not isinstance(rate, int) or not RATE_RANGE[0] <= rate <= RATE_RANGE[1]:
            return [ProtocolError("unsupported_media", f"sample_rate must be an integer {RATE_RANGE[0]}.."
                                  f"{RATE_RANGE[1]}", Fault.UNSUPPORTED)]
        if language is not None and not isinstance(language, str):
            return [ProtocolError("bad_field", "metadata language must be a string", Fault.INVALID)]
        mix = _choice(message, "mix", "stereo", _MIXES)
        if isinstance(mix, ProtocolError):
            return [mix]
        if mix == "stereo":
            agent_channel = _choice(message, "agent_channel", "right", ("left", "right"))
            if isinstance(agent_channel, ProtocolError):
                return [agent_channel]
            self._order = ("agent", "customer") if agent_channel == "left" else ("customer", "agent")
            self._open_timeline(rate)
            parties = SPEAKERS
        else:
            party = _choice(message, "party", "", SPEAKERS)
            if isinstance(party, ProtocolError):
                return [party]
            self._open_leg(rate, party)
            parties = (party,)
        self.started = True
        return [CallStart(call_id=call_id, agent_id=agent_id, language=language or None, parties=parties,
                          metadata={"mix": mix, "sample_rate": rate})]

    def _on_bytes(self, data: bytes) -> list[AdapterEvent]:
        if not self.started:
            return [ProtocolError("audio_before_start", "binary audio before the metadata text frame")]
        if self.timeline is None:
            return self._leg_audio(decode_payload(data, _ENCODING))
        events: list[AdapterEvent] = []
        for speaker, payload in zip(self._order, deinterleave(data, STEREO_CHANNELS, _ENCODING)):
            events += self.timeline.push(speaker, decode_payload(payload, _ENCODING))
        return events


PROTOCOL = Protocol(
    name="audio_fork",
    summary="FreeSWITCH mod_audio_fork: JSON metadata, then L16 audio, stereo or one fork per party",
    transport="websocket",
    adapter=AudioForkAdapter,
    settings=AudioForkSettings,
    authenticate=authenticate,
    client="service.testing.clients.audio_fork",
    subprotocol=SUBPROTOCOL,
)
