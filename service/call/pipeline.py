"""One call end to end: CallSession + transcription + coaching rules + an output sink.

The same pipeline serves every source (live WebSocket calls, recordings, paced
coaching replays, transcripts); only who feeds it and how transcription runs
differ:

* ``transcriber=`` (replay at full speed): each utterance is decoded the moment
  it closes, on the caller's thread. Results do not depend on machine speed.
  Hook: a transcriber with a ``transcribe_request(request, language)`` method
  is given the whole request instead of its audio (the offline packed decode,
  :class:`~service.asr.packed.PackedTranscripts`, answers from a decode made
  before the call was fed).
* ``asr=`` (live, paced replay): jobs go to the process-wide
  :class:`~service.asr.DecodeScheduler`; results come back on its worker
  thread, are queued, and applied on the owner thread by :meth:`poll` (also
  run by every :meth:`feed`). The session is only ever touched by one thread.

Either way the call times in the report are the same, because the session
stamps text decisions with the call time the utterance closed.
"""

from __future__ import annotations

import functools
import logging
import queue
import time

import numpy as np

from ..asr import AsrSettings, DecodeJob, DecodeScheduler, LanguageTracker, Transcriber, TranscriptionResult
from ..asr.scheduler import QUEUE_FULL, SHED
from ..coaching import CoachingEngine, MessageCatalog, coaching_settings
from ..core import CallSession, Kudos, Nudge, SessionSettings, Speaker, TranscriptionRequest, TranscriptSegment
from ..core.channel_check import ChannelCheck, ChannelCheckSettings, ChannelVerdict
from .info import CallInfo, CallSink
from .report import CallReport, Untranscribed

__all__ = ["CallPipeline"]

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def _message_catalog() -> MessageCatalog:
    """The shipped messages, parsed once per process (a new call must not block on YAML)."""
    return MessageCatalog.load()


def _message(catalog: MessageCatalog, display_language: str, kind: str, variant: str) -> str:
    """A nudge's text for the session; a module function, not a method, so a session never holds its pipeline."""
    return catalog.message(kind, display_language, variant)


class CallPipeline:
    """Feed audio (or activity and segments), get sink callbacks and a report."""

    def __init__(
        self,
        config: dict,
        info: CallInfo,
        *,
        asr: DecodeScheduler | None = None,
        transcriber: Transcriber | None = None,
        sink: CallSink | None = None,
        source: str = "",
    ) -> None:
        if asr is not None and transcriber is not None:
            raise ValueError("give either a shared scheduler (asr=) or a transcriber, not both")
        self.info = info
        self._config = config
        self._source = source or info.source
        self._asr = asr
        self._transcriber = transcriber
        self._sink = sink
        asr_settings = AsrSettings.from_config(config["asr"])
        self._tracker = LanguageTracker(asr_settings, configured=info.language)
        self._finish_timeout_s = float(config["live"]["finish_timeout_s"])
        self._state_every_s = float(config["live"]["state_every_s"])
        self._next_state_at = self._state_every_s
        self._rules = CoachingEngine(coaching_settings(config["coaching"]), language=info.language or "en")
        self._rules_language = info.language or ""
        self.session = CallSession(
            SessionSettings.from_config(config),
            rules=self._rules,
            # not a bound method of this pipeline: a session holding its pipeline would make every ended call
            # a reference cycle, its audio rings freed only by CPython's rare full collections (bench_soak)
            messages=functools.partial(_message, _message_catalog(), config["nudges"]["display_language"]),
            transcribe=asr is not None or transcriber is not None,
        )
        self._channel_check = ChannelCheck(ChannelCheckSettings.from_config(config))
        self._results: queue.SimpleQueue[tuple[TranscriptionRequest, TranscriptionResult | None]] = queue.SimpleQueue()
        self._untranscribed: list[Untranscribed] = []  # finals the shared decoder shed or refused (overload)
        if sink is not None:
            sink.call_started(info)

    # -- feeding ----------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.session.now

    def feed(self, speaker: Speaker, pcm: np.ndarray) -> None:
        """int16 mono samples at the engine rate for one party."""
        self._channel_check.receive(speaker, pcm)
        self.session.receive_audio(speaker, pcm)
        self._after_input()

    @property
    def same_content(self) -> bool:
        """Both channels were judged to carry the same audio: the call cannot be coached, callers end it."""
        return self._channel_check.same_content

    @property
    def channels(self) -> ChannelVerdict:
        """The input check so far (the report's ``channels``; its :meth:`~ChannelVerdict.describe` says why)."""
        return self._channel_check.verdict

    def feed_activity(self, speaker: Speaker, voiced: list[bool]) -> None:
        """Per-frame voice decisions (transcript replay)."""
        self.session.receive_activity(speaker, voiced)
        self._after_input()

    def feed_segment(self, seg: TranscriptSegment, at: float) -> None:
        """A ready-made transcript segment known at call time ``at`` (transcript replay)."""
        self._use_language(seg.language)
        self.session.receive_segment(seg, at)
        self._drain_events()

    def poll(self) -> None:
        """Apply transcription results that arrived from the scheduler's thread."""
        while True:
            try:
                request, result = self._results.get_nowait()
            except queue.Empty:
                break
            self._apply(request, result)
        self._drain_events()

    def finish(self) -> CallReport:
        """End the call: decode what is left, run end-of-call rules, return the report."""
        self.session.finish()
        self._dispatch_requests()
        deadline = time.monotonic() + self._finish_timeout_s
        while self.session.pending_transcriptions:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.error("call %s: %d transcriptions still pending after %.0f s; reporting without them",
                          self.info.call_id, self.session.pending_transcriptions, self._finish_timeout_s)
                break
            try:
                request, result = self._results.get(timeout=remaining)
            except queue.Empty:
                continue
            self._apply(request, result)
        self.poll()
        report = CallReport.from_session(
            self.info, self._source, self.session.result(), self._tracker.language or self._rules_language,
            self._config, channels=self.channels if self._channel_check.received else None, tracker=self._tracker,
            untranscribed=self._untranscribed,
        )
        if self._sink is not None:
            self._sink.call_ended(self.info, report.to_dict())
        return report

    # -- internals --------------------------------------------------------------------

    def _after_input(self) -> None:
        self._dispatch_requests()
        self.poll()
        if self._sink is not None and self.now >= self._next_state_at:
            self._next_state_at = self.now + self._state_every_s
            self._sink.state(self.info, {"status": "active", "t": round(self.now, 3), **self.session.live_state()})

    def _dispatch_requests(self) -> None:
        for request in self.session.transcription_requests():
            language = self._tracker.hint()
            if self._transcriber is not None:
                by_request = getattr(self._transcriber, "transcribe_request", None)  # the hook (module docstring)
                self._apply(request, by_request(request, language) if by_request is not None else
                            self._transcriber.transcribe(request.audio, language=language, partial=request.partial))
                continue
            job = DecodeJob(self.info.call_id, request.utterance_id, request.speaker, request.start, request.end,
                            request.audio, language, request.partial)
            accepted = self._asr.submit(job, lambda _job, result, req=request: self._results.put((req, result)))
            if not accepted:  # counted by the scheduler; the session must not wait for it
                if not request.partial:
                    log.warning("call %s: decode queue full, utterance %d (%s %.1f-%.1f s) left untranscribed",
                                self.info.call_id, request.utterance_id, request.speaker, request.start,
                                request.end)
                self._results.put((request, None))

    def _apply(self, request: TranscriptionRequest, result: TranscriptionResult | None) -> None:
        if result is None or result.rejected:
            if not request.partial and (result is None or result.rejected.startswith(SHED)):
                self._untranscribed.append(Untranscribed(request.speaker, request.start, request.end,
                                                         QUEUE_FULL if result is None else SHED))
            self.session.receive_transcript(request, "", "")
            return
        if not request.partial:
            self._tracker.observe(result, duration_s=request.end - request.start, at=request.end)
        language = self._tracker.language or result.language
        self._use_language(language)
        self.session.receive_transcript(request, result.text, result.language or language)

    def _use_language(self, language: str) -> None:
        if language and language != self._rules_language:
            self._rules_language = language
            self._rules.set_language(language)

    def _drain_events(self) -> None:
        events = self.session.events_to_send()
        if self._sink is None:
            return
        for item in events:
            if isinstance(item, Nudge):
                self._sink.nudge(self.info, item.to_dict())
            elif isinstance(item, Kudos):
                self._sink.kudos(self.info, item.to_dict())
            else:
                self._sink.transcript(self.info, item.to_dict())
