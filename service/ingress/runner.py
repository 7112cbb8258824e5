"""One call's lifecycle, whatever transport and however many connections feed it.

A :class:`CallRunner` owns the pipeline of one call: it is opened by the first
connection's :class:`CallStart`, fed by every connection that carries a party
of it, and finalised (decodes drained, report written, sink told) when the
last of them ends. A call arrives either on one connection carrying both
parties (Twilio, AudioHook, ``/stream``, stereo forks) or as two legs, one per
party (AudioSocket, mono forks), paired by the call id. Two legs have no
shared media clock: each leg's audio is placed on a :class:`TwoTrackTimeline`
from the moment it joined, and a leg that falls behind (or never comes) is
taken as silence, the same bound a single connection has.

:class:`CallBook` is the set of open calls and pre-registered call metadata.
Nothing here touches a socket: the transport shells call it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from service.asr.codes import whisper_language
from service.call import CallInfo, CallPipeline, CallSink, LanguageSource, write_report
from service.call.teams import team_of
from service.core.events import SPEAKERS, Speaker
from service.egress import is_valid_id
from service.protocols import AudioOut, CallStart, Fault, ProtocolError
from service.protocols.timeline import TwoTrackTimeline

from .metrics import Metrics
from .settings import ServerSettings

__all__ = ["CallBook", "CallRunner", "Registration"]

log = logging.getLogger(__name__)

_STEM_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_STEM_MAX = 120


def report_stem(call_id: str) -> str:
    """The report's file name for a call id: safe on every file system, so distinct ids may share one."""
    return _STEM_UNSAFE.sub("_", call_id)[:_STEM_MAX] or "call"


@dataclass(frozen=True, slots=True)
class Registration:
    """Call metadata announced before any audio (AudioSocket legs carry only a UUID)."""

    agent_id: str
    language: str | None
    expires_at: float


@dataclass
class CallRunner:
    """One open call: its pipeline, the legs that joined it, and the legs' shared timeline."""

    endpoint: str
    pipeline: CallPipeline
    two_legs: bool
    timeline: TwoTrackTimeline | None
    legs: dict[Speaker, bool] = field(default_factory=dict)  # party -> still connected
    fed: dict[Speaker, int] = field(default_factory=lambda: {s: 0 for s in SPEAKERS})
    offset: dict[Speaker, int] = field(default_factory=dict)
    end_reason: str = "disconnect"
    failed: bool = False
    finishing: bool = False

    @property
    def info(self) -> CallInfo:
        return self.pipeline.info

    @property
    def label(self) -> str:
        return f"{self.endpoint} call={self.info.call_id}"

    @property
    def stem(self) -> str:
        return report_stem(self.info.call_id)

    def join(self, parties: tuple[Speaker, ...]) -> None:
        for party in parties:
            self.legs[party] = True
            if self.timeline is not None:
                self.offset[party] = self.timeline.head  # a late leg starts where the call is now

    def feed(self, speaker: Speaker, pcm: np.ndarray) -> None:
        if self.timeline is None:
            self.pipeline.feed(speaker, pcm)
            return
        at = self.offset.get(speaker, 0) + self.fed[speaker]
        self.fed[speaker] += len(pcm)
        for audio in self.timeline.push(speaker, pcm, at=at):
            self.pipeline.feed(audio.speaker, audio.pcm)

    def input_refusal(self) -> ProtocolError | None:
        """The error that ends this call once its audio cannot be coached (the same audio on both channels)."""
        if not self.pipeline.same_content:
            return None
        return ProtocolError("same_content", f"{self.pipeline.channels.describe()}; send each party on its own "
                             "channel", Fault.UNSUPPORTED)

    def leave(self, parties: tuple[Speaker, ...]) -> bool:
        """A leg ended; True when no leg is left and the call should be finalised."""
        for party in parties:
            self.legs[party] = False
        return not any(self.legs.values())

    def finish_report(self, reports_dir: Path) -> Path:
        """Drain the legs' timeline, finish the pipeline and write the report (run in an executor)."""
        if self.timeline is not None:
            for audio in self.timeline.finish():
                self.pipeline.feed(audio.speaker, audio.pcm)
        return write_report(self.pipeline.finish(), reports_dir, self.stem)


class CallBook:
    """The open calls of a server, keyed by (endpoint, call id), and pending registrations."""

    def __init__(self, config: dict, settings: ServerSettings, audio: AudioOut, metrics: Metrics,
                 sink: CallSink | None, asr: object, *, instance: str = "") -> None:
        self._config = config
        self._settings = settings
        self._audio = audio
        self._metrics = metrics
        self._sink = sink
        self.asr = asr
        self._instance = instance
        self.calls: dict[tuple[str, str], CallRunner] = {}
        self._registered: dict[tuple[str, str], Registration] = {}

    def register(self, endpoint: str, call_id: str, registration: Registration) -> None:
        self._registered[(endpoint, call_id)] = registration

    def expire(self, now: float) -> None:
        for key in [k for k, r in self._registered.items() if r.expires_at <= now]:
            del self._registered[key]

    def open(self, endpoint: str, start: CallStart, *, registration_required: bool) -> CallRunner | ProtocolError:
        """The call ``start`` opens or joins; an error when it cannot."""
        team = start.metadata.get("team") or ""
        bad = [value for value in (start.call_id, start.agent_id, team) if value and not is_valid_id(value)]
        if bad:
            return ProtocolError("invalid_id", f"call or agent id (or team) {bad[0][:40]!r} cannot be used "
                                 "(no '/', '+', '#', control characters; at most 128 characters)", Fault.INVALID)
        key = (endpoint, start.call_id)
        runner = self.calls.get(key)
        if runner is not None:
            return self._join(runner, start)
        collision = self._collision(start.call_id)
        if collision:
            return ProtocolError("duplicate_call_id", collision, Fault.INVALID)
        registration = self._registered.pop(key, None)
        if registration is None and registration_required:
            return ProtocolError("unregistered", f"call {start.call_id[:40]!r} was not registered", Fault.POLICY)
        agent_id = start.agent_id or (registration.agent_id if registration else "") \
            or self._settings.media.default_agent_id
        told, language = self._language(endpoint, start, registration)
        info = CallInfo(start.call_id, agent_id, endpoint, language, dict(start.metadata), self._instance,
                        team or self._team_of(agent_id),
                        LanguageSource.TELEPHONY if told else LanguageSource.CONFIGURED)
        two_legs = tuple(start.parties) != SPEAKERS
        runner = CallRunner(endpoint, CallPipeline(self._config, info, asr=self.asr, sink=self._sink),
                            two_legs, self._legs_timeline() if two_legs else None)
        runner.join(tuple(start.parties))
        self.calls[key] = runner
        return runner

    def _language(self, endpoint: str, start: CallStart,
                  registration: Registration | None) -> tuple[bool, str | None]:
        """(whether the platform told it, the call's language): the platform's, else the endpoint's default.

        A tag Whisper has no language for ("english", "xx") costs the call its
        language, not its coaching: it is logged and counted, and the
        endpoint's default (or detection) takes over.
        """
        tag = start.language or (registration.language if registration else None)
        language = whisper_language(tag) if tag else None
        if tag and language is None:
            log.warning("%s call=%s: language %r is not one Whisper knows; using the endpoint's default or detection",
                        endpoint, start.call_id, tag[:40])
            self._metrics.inc("callcoach_errors_total", endpoint=endpoint, type="bad_language")
        return language is not None, language or self._settings.default_language(endpoint)

    def _team_of(self, agent_id: str) -> str:
        """The first team of ``[mqtt.teams]`` that lists ``agent_id`` ('' when none does)."""
        return team_of(self._config.get("mqtt", {}).get("teams"), agent_id)

    def _collision(self, call_id: str) -> str | None:
        """Why ``call_id`` would overwrite another call's report (an open call or a saved report), or None."""
        stem = report_stem(call_id)
        if any(runner.stem == stem for runner in self.calls.values()):
            return f"call id {call_id[:40]!r} collides with a call in progress (report {stem}.coach.json)"
        if (Path(self._settings.reports_dir) / f"{stem}.coach.json").exists():
            return f"call id {call_id[:40]!r} already has a report ({stem}.coach.json): call ids must be unique"
        return None

    def _join(self, runner: CallRunner, start: CallStart) -> CallRunner | ProtocolError:
        if not runner.two_legs or len(start.parties) != 1 or runner.finishing:
            return ProtocolError("call_in_progress", f"call {start.call_id[:40]!r} is already in progress",
                                 Fault.INVALID)
        if start.parties[0] in runner.legs:
            return ProtocolError("duplicate_leg", f"call {start.call_id[:40]!r} already has a {start.parties[0]} leg",
                                 Fault.INVALID)
        runner.join(tuple(start.parties))
        return runner

    def _legs_timeline(self) -> TwoTrackTimeline:
        """Two legs meet at the engine rate: each leg's adapter already converted its audio."""
        s, rate = self._settings.media, self._audio.sample_rate
        return TwoTrackTimeline(rate, rate, self._audio.resample_quality,
                                gap_tolerance=round(s.gap_tolerance_ms * rate / 1000),
                                max_skew=round(s.max_track_skew_s * rate), max_gap=round(s.max_gap_s * rate))

    def close(self, runner: CallRunner) -> None:
        self.calls.pop((runner.endpoint, runner.info.call_id), None)

    def poll(self) -> None:
        """Apply finished ASR results to every open call (on the loop thread)."""
        for runner in list(self.calls.values()):
            if runner.finishing:
                continue
            try:
                runner.pipeline.poll()
            except Exception:  # this call's engine broke; the poller serves the others
                log.exception("engine failed applying results on %s", runner.label)
                self._metrics.inc("callcoach_errors_total", endpoint=runner.endpoint, type="internal")
