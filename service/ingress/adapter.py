"""The shape every protocol adapter shares: messages in, typed events out.

Like the protocol objects of python-websockets, an adapter never touches a
socket or a clock: the server calls :meth:`receive_text`, :meth:`receive_bytes`
and :meth:`connection_lost` and acts on the :mod:`~service.ingress.events`
they return. This base class owns what is common: the call state, the media
timeline, and the guarantee that no input, however mangled, raises out of an
adapter (it becomes a :class:`ProtocolError`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from service.core.codecs import CodecError

from .events import AdapterEvent, CallStop, CloseCode, ProtocolError, Reply
from .settings import ServerSettings
from .timeline import TimelineError, TwoTrackTimeline
from .wire import WireError, as_error

__all__ = ["Adapter", "AudioOut"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AudioOut:
    """What the engine wants the audio converted to (from the ``[audio]`` section)."""

    sample_rate: int
    resample_quality: str

    @classmethod
    def from_config(cls, section: dict) -> AudioOut:
        return cls(int(section["sample_rate"]), str(section["resample_quality"]))


class Adapter:
    """Base of the protocol adapters; subclasses implement ``_on_text`` / ``_on_bytes``.

    Call order: any number of ``receive_text`` / ``receive_bytes``; then, if
    the client went away without ending the call, ``connection_lost``; after
    the server has saved the report, ``call_finalised`` for any last reply.
    Once a fatal error has been returned the adapter ignores further input.
    """

    protocol = ""

    def __init__(self, settings: ServerSettings, audio: AudioOut) -> None:
        self.settings = settings
        self.audio = audio
        self.timeline: TwoTrackTimeline | None = None
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
        s = self.settings
        self.timeline = TwoTrackTimeline(
            rate,
            self.audio.sample_rate,
            self.audio.resample_quality,
            gap_tolerance=round(s.gap_tolerance_ms * rate / 1000),
            max_skew=round(s.max_track_skew_s * rate),
            max_gap=round(s.max_gap_s * rate),
        )

    def _stop(self, reason: str) -> list[AdapterEvent]:
        self.stopped = True
        assert self.timeline is not None
        return [*self.timeline.finish(), CallStop(reason)]

    def _error_replies(self, error: ProtocolError) -> list[Reply]:
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
            events = [ProtocolError("bad_audio", str(exc), CloseCode.INVALID)]
        except TimelineError as exc:
            events = [ProtocolError("bad_timestamp", str(exc), CloseCode.INVALID)]
        except Exception as exc:  # a bug must cost this call only, never the server
            log.exception("%s adapter failed on a message", self.protocol)
            events = [ProtocolError("internal", f"internal error: {type(exc).__name__}", CloseCode.INTERNAL)]
        fatal = next((e for e in events if isinstance(e, ProtocolError) and e.fatal), None)
        if fatal is not None:
            self.failed = True
            events = [*events[: events.index(fatal)], *self._error_replies(fatal), fatal]
        return events
