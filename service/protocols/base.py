"""The shape every protocol adapter shares: messages in, typed events out.

Like the protocol objects of python-websockets, an adapter never touches a
socket or a clock: the transport shell calls :meth:`receive_text`,
:meth:`receive_bytes` and :meth:`connection_lost` and the call runner acts on
the :mod:`~service.protocols.events` they return. This base class owns what is common: the call state, the media
timeline, and the guarantee that no input, however mangled, raises out of an
adapter (it becomes a :class:`ProtocolError`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from service.core.codecs import ChannelConverter, CodecError
from service.core.events import Speaker

from .events import AdapterEvent, Audio, CallStop, Fault, ProtocolError, Reply
from .timeline import TimelineError, TwoTrackTimeline
from .wire import WireError, as_error

__all__ = ["Adapter", "AudioOut", "MediaSettings"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AudioOut:
    """What the engine wants the audio converted to (from the ``[audio]`` section)."""

    sample_rate: int
    resample_quality: str

    @classmethod
    def from_config(cls, section: dict) -> AudioOut:
        return cls(int(section["sample_rate"]), str(section["resample_quality"]))


@dataclass(frozen=True, slots=True)
class MediaSettings:
    """The ``[server]`` keys every protocol shares: media timing and the agent id's source."""

    gap_tolerance_ms: float
    max_track_skew_s: float
    max_gap_s: float
    agent_param: str
    default_agent_id: str

    @classmethod
    def from_config(cls, section: dict) -> MediaSettings:
        return cls(float(section["gap_tolerance_ms"]), float(section["max_track_skew_s"]),
                   float(section["max_gap_s"]), str(section["agent_param"]), str(section["default_agent_id"]))


class Adapter:
    """Base of the protocol adapters; subclasses implement ``_on_text`` / ``_on_bytes``.

    Call order: any number of ``receive_text`` / ``receive_bytes``; then, if
    the client went away without ending the call, ``connection_lost``; after
    the server has saved the report, ``call_finalised`` for any last reply.
    Once a fatal error has been returned the adapter ignores further input.
    """

    protocol = ""
    # True for protocols whose only way to end a call is to close the connection (mod_audio_fork):
    # a clean close is then the call's end, not a client that vanished mid-call.
    ends_on_close = False

    def __init__(self, media: MediaSettings, audio: AudioOut, options: object = None,
                 party: Speaker | None = None) -> None:
        self.media = media
        self.audio = audio
        self.options = options  # the protocol's own settings (see its Settings class)
        self.party = party  # the one party this connection carries, when the transport says so (a port)
        self.timeline: TwoTrackTimeline | None = None
        self._leg: ChannelConverter | None = None
        self.started = False
        self.stopped = False
        self.failed = False

    # -- inputs -------------------------------------------------------------------
    def receive_text(self, text: str) -> list[AdapterEvent]:
        return self._guard(self._on_text, text)

    def receive_bytes(self, data: bytes) -> list[AdapterEvent]:
        return self._guard(self._on_bytes, data)

    def connection_lost(self) -> list[AdapterEvent]:
        """The socket closed: flush the audio of a call that never said stop."""
        if not self.started or self.stopped:
            return []
        return self._stop("disconnect")

    def call_finalised(self, report_name: str) -> list[AdapterEvent]:
        """Replies to send once the call's report is saved (none by default)."""
        return []

    # -- helpers for subclasses --------------------------------------------------
    def _open_timeline(self, rate: int) -> None:
        s = self.media
        self.timeline = TwoTrackTimeline(
            rate,
            self.audio.sample_rate,
            self.audio.resample_quality,
            gap_tolerance=round(s.gap_tolerance_ms * rate / 1000),
            max_skew=round(s.max_track_skew_s * rate),
            max_gap=round(s.max_gap_s * rate),
        )

    def _open_leg(self, rate: int, party: Speaker) -> None:
        """One party on this connection (a leg): the runner places it on the call's timeline."""
        self.party = party
        self._leg = ChannelConverter("pcm16", rate, self.audio.sample_rate, self.audio.resample_quality)

    def _leg_audio(self, samples: np.ndarray) -> list[AdapterEvent]:
        assert self._leg is not None and self.party is not None
        pcm = self._leg.resample(samples)
        return [Audio(self.party, pcm)] if len(pcm) else []

    def _stop(self, reason: str) -> list[AdapterEvent]:
        self.stopped = True
        if self._leg is not None:
            tail = self._leg.flush()
            return [*([Audio(self.party, tail)] if len(tail) else []), CallStop(reason)]
        assert self.timeline is not None
        return [*self.timeline.finish(), CallStop(reason)]

    def error_replies(self, error: ProtocolError) -> list[Reply]:
        """Protocol-level messages that announce a fatal error before the close."""
        return []

    def _on_text(self, text: str) -> list[AdapterEvent]:
        raise NotImplementedError

    def _on_bytes(self, data: bytes) -> list[AdapterEvent]:
        raise NotImplementedError

    def _guard(self, handler, message) -> list[AdapterEvent]:
        if self.failed or self.stopped:
            return []
        try:
            events = handler(message)
        except WireError as exc:
            events = [as_error(exc)]
        except CodecError as exc:
            events = [ProtocolError("bad_audio", str(exc), Fault.INVALID)]
        except TimelineError as exc:
            events = [ProtocolError("bad_timestamp", str(exc), Fault.INVALID)]
        except Exception as exc:  # a bug must cost this call only, never the server
            log.exception("%s adapter failed on a message", self.protocol)
            events = [ProtocolError("internal", f"internal error: {type(exc).__name__}", Fault.INTERNAL)]
        fatal = next((e for e in events if isinstance(e, ProtocolError) and e.fatal), None)
        if fatal is not None:
            self.failed = True
            events = [*events[: events.index(fatal)], *self.error_replies(fatal), fatal]
        return events
