"""CallSession: the sans-I/O state machine of one call.

Audio (or voice activity) and transcripts go in; transcription requests,
nudges, kudos and transcript segments come out. The session never touches a
socket, a thread or a clock: its clock is the number of frames consumed from
*both* channels, so a live call, a file replayed at any speed and a transcript
all give the same decisions.

Typical driver loop (see ``service/pipeline.py``)::

    session.receive_audio("agent", pcm)        # any chunk size
    for request in session.transcription_requests():
        ...  # decode, then session.receive_transcript(request, text, language)
    for item in session.events_to_send():
        ...  # publish
    session.finish()                          # end of call
    result = session.result()

Ordering rule for text: rules see transcripts in the order their requests
were issued (an utterance's close, or a partial's moment), and their clock
never runs ahead of a request still being decoded.
So a slow decoder delays text nudges in wall time but never changes *what*
fires or the call time ``t`` it is stamped with.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Protocol, Sequence

import numpy as np

from ..config import check_value, non_negative, require, typed
from .dynamics import DynamicsSettings, TalkMetrics, TurnDynamics, talk_metrics
from .events import (
    SPEAKERS,
    ClosingSaid,
    ConversationResumed,
    DeadAir,
    Evidence,
    HoldAnnounced,
    Interruption,
    Kudos,
    Nudge,
    RuleOutput,
    Severity,
    Speaker,
    SpeechEnded,
    SpeechEvent,
    SpeechSegment,
    SpeechStarted,
    TranscriptSegment,
)
from .gate import GateSettings, NudgeGate
from .ring import AudioRing
from .vad import FrameClassifier, SegmentClosed, SegmentOpened, TurnTracker, VadSettings
from .voice import VoiceDistress, VoiceSettings, VoiceTracker

__all__ = [
    "CallSession",
    "SessionSettings",
    "UtteranceSettings",
    "TranscriptionRequest",
    "SessionResult",
    "Rules",
]

_RING_MARGIN_S = 10.0  # extra audio kept beyond the longest utterance, for channels that run ahead
# Among things the rules learn at the same call time, words come before voice
# activity: an utterance's text and the end of its speech are both known when
# it closes, and a rule deciding "the reply is over" must have read the reply.
# The voice's verdict on a stretch comes last: when its words already showed
# distress, the voice adds nothing new.
_TEXT_FIRST, _ACTIVITY_NEXT, _VOICE_LAST = 0, 1, 2


@dataclass(frozen=True, slots=True)
class UtteranceSettings:
    pre_roll_s: float
    post_roll_s: float
    partial_every_s: float
    max_utterance_s: float
    min_utterance_s: float

    @classmethod
    def from_config(cls, config: dict) -> "UtteranceSettings":
        settings = typed(cls, config["utterances"], "utterances")
        non_negative(settings, "utterances", "pre_roll_s", "post_roll_s", "partial_every_s", "min_utterance_s")
        require(settings.max_utterance_s > settings.min_utterance_s, "utterances.max_utterance_s",
                f"must be > utterances.min_utterance_s ({settings.min_utterance_s:g})")
        return settings


@dataclass(frozen=True, slots=True)
class SessionSettings:
    vad: VadSettings
    dynamics: DynamicsSettings
    gate: GateSettings
    utterances: UtteranceSettings
    voice: VoiceSettings
    interruption_severity: Severity
    dead_air_severity: Severity

    @classmethod
    def from_config(cls, config: dict) -> "SessionSettings":
        return cls(
            vad=VadSettings.from_config(config),
            dynamics=DynamicsSettings.from_config(config),
            gate=GateSettings.from_config(config),
            utterances=UtteranceSettings.from_config(config),
            voice=VoiceSettings.from_config(config),
            interruption_severity=check_value("nudges.interruption_severity",
                                              config["nudges"]["interruption_severity"], Severity),
            dead_air_severity=check_value("nudges.dead_air_severity", config["nudges"]["dead_air_severity"], Severity),
        )


@dataclass(frozen=True, slots=True)
class TranscriptionRequest:
    """Audio of one utterance (or of its first part, for a partial) to transcribe.

    ``issued_at`` is the call time the request was made: the utterance's close
    for a final, the moment of the partial otherwise. Text rules act at that
    call time, whatever the decoder's speed.
    """

    utterance_id: int
    speaker: Speaker
    start: float
    end: float
    audio: np.ndarray = field(repr=False)  # float32 mono at the engine rate
    partial: bool
    issued_at: float


class Rules(Protocol):
    """What the session needs from the coaching rules (``service.coaching.CoachingEngine``)."""

    def on_transcript(self, seg: TranscriptSegment, now: float) -> list[RuleOutput]: ...

    def on_speech(self, event: SpeechEvent, now: float) -> list[RuleOutput]: ...

    def on_interruption(self, ev: Interruption) -> None: ...

    def on_voice(self, event: VoiceDistress, now: float) -> list[RuleOutput]: ...

    def advance(self, now: float) -> list[Nudge | Kudos]: ...

    def finish(self, now: float) -> list[Nudge | Kudos]: ...

    def customer_distressed(self, now: float) -> bool: ...

    def customer_distress_source(self, now: float) -> str | None: ...


MessageLookup = Callable[[str, str], str]  # (kind, variant) -> message in the display language


@dataclass(frozen=True, slots=True)
class LineNoise:
    """One party's line at the end of the call: its noise level (None if too little audio) and speech floor."""

    noise_dbfs: float | None
    floor_dbfs: float

    def to_dict(self) -> dict:
        return {"noise_dbfs": self.noise_dbfs, "floor_dbfs": round(self.floor_dbfs, 1)}


@dataclass(frozen=True, slots=True)
class SessionResult:
    duration: float
    transcript: list[TranscriptSegment]
    nudges: list[Nudge]
    kudos: list[Kudos]
    metrics: TalkMetrics
    agent_wpm: float
    customer_wpm: float
    suppressed: dict[str, int]
    speech: dict[str, list[SpeechSegment]]
    noise: dict[str, LineNoise]  # per party, when audio was heard (not for transcript replays)
    voice_distress: list[VoiceDistress] = field(default_factory=list)  # the customer's raised voice, from audio


@dataclass(slots=True)
class _Utterance:
    id: int
    start_frame: int
    next_partial_frame: int


class CallSession:
    """One call's engine. See the module docstring for the calling pattern."""

    def __init__(
        self,
        settings: SessionSettings,
        *,
        rules: Rules | None = None,
        messages: MessageLookup | None = None,
        transcribe: bool = True,
    ) -> None:
        self.settings = settings
        vad = settings.vad
        self._frame_samples = vad.frame_samples
        self._frame_s = vad.frame_s
        self._rate = vad.sample_rate
        # one classifier per party: webrtcvad adapts to the signal it has seen, so a
        # shared instance would make each party's decisions depend on the other's audio
        self._classifiers = {s: FrameClassifier(vad) for s in SPEAKERS}
        self._trackers = {s: TurnTracker(vad.min_speech_frames, vad.hangover_frames) for s in SPEAKERS}
        self._dynamics = TurnDynamics(settings.dynamics, vad.frame_s)
        self._gate = NudgeGate(settings.gate)
        self._rules = rules
        self._messages = messages
        self._transcribe = transcribe
        u = settings.utterances
        ring_s = u.max_utterance_s + u.pre_roll_s + u.post_roll_s + vad.hangover_s + _RING_MARGIN_S
        self._rings = {s: AudioRing(int(ring_s * self._rate)) for s in SPEAKERS}
        # only the customer's voice is judged: distress is theirs, the agent is coached on words and timing
        self._voice = VoiceTracker("customer", settings.voice, self._rate, self._frame_s, round(ring_s / self._frame_s))
        self._voice_distress: list[VoiceDistress] = []
        self._remainder = {s: np.zeros(0, dtype=np.int16) for s in SPEAKERS}
        self._flags: dict[Speaker, deque[bool]] = {s: deque() for s in SPEAKERS}
        self._frames = 0
        self._utterances: dict[Speaker, _Utterance | None] = {s: None for s in SPEAKERS}
        self._utterance_ids = itertools.count(1)
        self._partial_frames = (
            max(1, round(u.partial_every_s / vad.frame_s)) if u.partial_every_s > 0 else 0
        )
        self._max_utt_frames = max(1, round(u.max_utterance_s / vad.frame_s))
        self._min_utt_frames = round(u.min_utterance_s / vad.frame_s)
        self._requests: list[TranscriptionRequest] = []
        # utterance id -> issued_at of its latest outstanding request (a newer partial or the
        # final supersedes an older partial, exactly as the decode scheduler does)
        self._pending: dict[int, float] = {}
        # what the rules have yet to read, by the call time it became known: transcripts
        # (by issued_at) and voice-activity boundaries (by the frame that confirmed them)
        self._ready: list[tuple[float, int, int, TranscriptSegment | SpeechEvent | VoiceDistress]] = []
        self._ready_seq = itertools.count()
        self._rules_clock = 0.0
        self._out: list[Nudge | Kudos | TranscriptSegment] = []
        self._nudges: list[Nudge] = []
        self._kudos: list[Kudos] = []
        self._transcript: list[TranscriptSegment] = []
        self._finished = False
        self._rules_finished = False

    # -- inputs -------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Call time: frames consumed from both channels."""
        return self._frames * self._frame_s

    def receive_audio(self, speaker: Speaker, pcm: np.ndarray) -> None:
        """Add int16 mono samples at the engine rate for one party (any chunk size)."""
        self._check_open()
        pcm = np.asarray(pcm, dtype=np.int16)
        self._rings[speaker].write(pcm)
        buf = np.concatenate((self._remainder[speaker], pcm)) if self._remainder[speaker].size else pcm
        whole = buf.size // self._frame_samples * self._frame_samples
        self._remainder[speaker] = buf[whole:].copy()
        if whole:
            frames = buf[:whole].reshape(-1, self._frame_samples)
            voiced = self._classifiers[speaker].classify(frames)
            self._flags[speaker].extend(voiced)
            if speaker == self._voice.speaker:
                self._voice.add_frames(frames, voiced)
        self._run_frames()

    def receive_activity(self, speaker: Speaker, voiced: Sequence[bool]) -> None:
        """Add per-frame voice decisions directly (transcript replay: no audio, no VAD)."""
        self._check_open()
        self._flags[speaker].extend(bool(v) for v in voiced)
        self._run_frames()

    def receive_transcript(self, request: TranscriptionRequest, text: str, language: str) -> None:
        """The words of a request made by :meth:`transcription_requests`."""
        text = text.strip()
        if self._pending.get(request.utterance_id) != request.issued_at:
            return  # a superseded partial: a newer partial or the final of its utterance is on its way
        del self._pending[request.utterance_id]
        if text:
            seg = TranscriptSegment(
                request.speaker, request.start, request.end, text, language, not request.partial, request.utterance_id
            )
            self._push(request.issued_at, seg)
        self._release_transcripts()

    def receive_segment(self, seg: TranscriptSegment, at: float) -> None:
        """A ready-made transcript segment (transcript replay), known at call time ``at``."""
        self._push(at, seg)
        self._release_transcripts()

    def finish(self) -> None:
        """End of call: close open turns (their final requests are issued now)."""
        if self._finished:
            return
        for speaker in SPEAKERS:
            utt = self._utterances[speaker]
            tracker = self._trackers[speaker]
            if utt is not None and tracker.active:
                self._request(speaker, utt, tracker.last_voiced_end_frame, partial=False)
            self._utterances[speaker] = None
            if tracker.active:
                fs = self._frame_s
                self._push(self.now, SpeechEnded(speaker, tracker.segment_start_frame * fs,
                                                 tracker.last_voiced_end_frame * fs))
                self._judge_voice(speaker, SegmentClosed(tracker.segment_start_frame, tracker.last_voiced_end_frame,
                                                         self._frames - 1))
        self._dynamics.close(self._trackers)
        self._finished = True
        self._release_transcripts()

    # -- outputs ------------------------------------------------------------------------

    def transcription_requests(self) -> list[TranscriptionRequest]:
        out, self._requests = self._requests, []
        return out

    def events_to_send(self) -> list[Nudge | Kudos | TranscriptSegment]:
        out, self._out = self._out, []
        return out

    @property
    def pending_transcriptions(self) -> int:
        return len(self._pending)

    def live_state(self) -> dict:
        """The agent display's view of the call now: metrics so far (open turns
        clipped at now), the current silence, whether the customer is distressed and
        what says so (``customer_distress_source``: "words", "voice" or None)."""
        source = self._rules.customer_distress_source(self._rules_clock) if self._rules is not None else None
        return {
            "metrics": self._metrics(open_segments=True).to_dict(),
            "silence_s": round(self._dynamics.silence_s(self._trackers), 3),
            "customer_distress": source is not None,
            "customer_distress_source": source,
        }

    def result(self) -> SessionResult:
        """Everything the report needs; call after :meth:`finish` and the last transcripts."""
        metrics = self._metrics(open_segments=False)
        words = {s: sum(len(seg.text.split()) for seg in self._transcript if seg.speaker == s) for s in SPEAKERS}
        return SessionResult(
            duration=self.now,
            transcript=sorted(self._transcript, key=lambda s: (s.start, s.speaker)),
            nudges=sorted(self._nudges, key=lambda n: n.t),
            kudos=sorted(self._kudos, key=lambda k: k.t),
            metrics=metrics,
            agent_wpm=_wpm(words["agent"], metrics.agent_talk_s),
            customer_wpm=_wpm(words["customer"], metrics.customer_talk_s),
            suppressed=dict(self._gate.suppressed),
            speech={s: self._dynamics.segments(s) for s in SPEAKERS},
            noise={s: LineNoise(c.noise.noise_dbfs, c.noise.floor_dbfs) for s, c in self._classifiers.items()
                   if c.noise.heard},
            voice_distress=list(self._voice_distress),
        )

    # -- frame loop ---------------------------------------------------------------------

    def _run_frames(self) -> None:
        agent, customer = self._flags["agent"], self._flags["customer"]
        while agent and customer:
            self._step(agent.popleft(), customer.popleft())

    def _step(self, agent_voiced: bool, customer_voiced: bool) -> None:
        k = self._frames
        self._frames += 1
        boundaries = {
            "agent": self._trackers["agent"].step(agent_voiced),
            "customer": self._trackers["customer"].step(customer_voiced),
        }
        for speaker in SPEAKERS:
            self._track_utterance(speaker, boundaries[speaker], k)
            self._judge_voice(speaker, boundaries[speaker])
        for event in self._dynamics.step(k, self._trackers, boundaries):
            self._on_dynamics(event)
        if self._rules is None:
            return
        fs = self._frame_s
        for speaker, boundary in boundaries.items():
            if isinstance(boundary, SegmentOpened):
                self._push(self.now, SpeechStarted(speaker, boundary.start_frame * fs))
            elif isinstance(boundary, SegmentClosed):
                self._push(self.now, SpeechEnded(speaker, boundary.start_frame * fs, boundary.end_frame * fs))
        if self._ready:
            self._release_transcripts()
        elif not self._pending:
            self._advance_rules(self.now)

    def _track_utterance(self, speaker: Speaker, boundary: SegmentOpened | SegmentClosed | None, k: int) -> None:
        if not self._transcribe:
            return
        utt = self._utterances[speaker]
        if isinstance(boundary, SegmentOpened):
            self._utterances[speaker] = _Utterance(
                next(self._utterance_ids), boundary.start_frame, boundary.start_frame + self._partial_frames
            )
        elif isinstance(boundary, SegmentClosed) and utt is not None:
            self._request(speaker, utt, boundary.end_frame, partial=False)
            self._utterances[speaker] = None
        elif utt is not None and self._trackers[speaker].active:
            if k + 1 - utt.start_frame >= self._max_utt_frames:
                self._request(speaker, utt, k + 1, partial=False)
                self._utterances[speaker] = _Utterance(next(self._utterance_ids), k + 1, k + 1 + self._partial_frames)
            elif self._partial_frames and k + 1 >= utt.next_partial_frame:
                self._request(speaker, utt, k + 1, partial=True)
                utt.next_partial_frame += self._partial_frames

    def _judge_voice(self, speaker: Speaker, boundary: SegmentOpened | SegmentClosed | None) -> None:
        """A closed stretch of the customer's speech: the voice tracker judges it against their baseline."""
        if speaker != self._voice.speaker or not isinstance(boundary, SegmentClosed):
            return
        distress = self._voice.close_stretch(boundary.start_frame, boundary.end_frame, self.now)
        if distress is None:
            return
        self._voice_distress.append(distress)
        if self._rules is not None:
            self._push(self.now, distress)

    def _request(self, speaker: Speaker, utt: _Utterance, end_frame: int, *, partial: bool) -> None:
        if end_frame - utt.start_frame < self._min_utt_frames:
            return
        u = self.settings.utterances
        start, end = utt.start_frame * self._frame_s, end_frame * self._frame_s
        first = max(0, int((start - u.pre_roll_s) * self._rate))
        last = int((end + u.post_roll_s) * self._rate)
        audio = self._rings[speaker].read(first, last).astype(np.float32) / 32768.0
        request = TranscriptionRequest(utt.id, speaker, start, end, audio, partial, self.now)
        self._pending[utt.id] = request.issued_at
        self._requests.append(request)

    # -- decisions ----------------------------------------------------------------------

    def _on_dynamics(self, event: Interruption | DeadAir) -> None:
        if isinstance(event, Interruption):
            if self._rules is not None:
                self._rules.on_interruption(event)
            if event.by != "agent":
                return  # counted in the metrics; the agent is not coached for being talked over
            severity = self.settings.interruption_severity
            if self._rules is not None and self._rules.customer_distressed(event.t):
                severity = "alert"
            self._emit(Nudge("interruption", event.t, "agent", severity, Evidence(event.overlap_start, event.t)))
        else:
            variant = "after_hold" if event.after_hold else ""
            evidence = Evidence(event.silence_start, event.t)
            self._emit(Nudge("dead_air", event.t, "agent", self.settings.dead_air_severity, evidence, variant=variant))

    def _push(self, at: float, item: TranscriptSegment | SpeechEvent | VoiceDistress) -> None:
        order = (_TEXT_FIRST if isinstance(item, TranscriptSegment)
                 else _VOICE_LAST if isinstance(item, VoiceDistress) else _ACTIVITY_NEXT)
        heapq.heappush(self._ready, (at, order, next(self._ready_seq), item))

    def _release_transcripts(self) -> None:
        """Hand transcripts and voice activity to the rules in call-time order, never past an undecoded request.

        An item known at the same call time as a request still being decoded
        waits for it too: that request's words may be what the item's
        meaning depends on (the end of a reply and the reply itself).
        """
        while self._ready:
            at, _, _, item = self._ready[0]
            if self._pending and at >= min(self._pending.values()):
                break
            heapq.heappop(self._ready)
            if isinstance(item, TranscriptSegment) and item.final:
                self._transcript.append(item)
                self._out.append(item)
            if self._rules is not None:
                self._advance_rules(at)
                now = max(at, self._rules_clock)
                if isinstance(item, TranscriptSegment):
                    self._handle_rule_outputs(self._rules.on_transcript(item, now))
                elif isinstance(item, VoiceDistress):
                    self._handle_rule_outputs(self._rules.on_voice(item, now))
                else:
                    self._handle_rule_outputs(self._rules.on_speech(item, now))
        if self._rules is not None and not self._pending:
            self._advance_rules(self.now)
            if self._finished and not self._ready and not self._rules_finished:
                self._rules_finished = True
                self._handle_rule_outputs(self._rules.finish(self.now))

    def _advance_rules(self, t: float) -> None:
        if t < self._rules_clock:
            return
        self._rules_clock = t
        self._handle_rule_outputs(self._rules.advance(t))

    def _handle_rule_outputs(self, items: Iterable[RuleOutput]) -> None:
        for item in items:
            if isinstance(item, HoldAnnounced):
                self._dynamics.announce_hold(item)
            elif isinstance(item, ClosingSaid):
                self._dynamics.announce_closing()
            elif isinstance(item, ConversationResumed):
                self._dynamics.resume()
            else:
                self._emit(item)

    def _emit(self, item: Nudge | Kudos) -> None:
        if not self._gate.admit(item):
            return
        if self._messages is not None and not item.message:
            variant = item.variant if isinstance(item, Nudge) else ""
            item = _with_message(item, self._messages(item.kind, variant))
        (self._nudges if isinstance(item, Nudge) else self._kudos).append(item)
        self._out.append(item)

    def _metrics(self, *, open_segments: bool) -> TalkMetrics:
        trackers = self._trackers if open_segments else None
        return talk_metrics(
            self._dynamics.segments("agent", trackers),
            self._dynamics.segments("customer", trackers),
            self._dynamics.interruptions,
            self._dynamics.dead_air_gap_starts(),
            self.now,
        )

    def _check_open(self) -> None:
        if self._finished:
            raise RuntimeError("the call has finished; no more input is accepted")


def _with_message(item: Nudge | Kudos, message: str) -> Nudge | Kudos:
    if isinstance(item, Nudge):
        return Nudge(item.kind, item.t, item.speaker, item.severity, item.evidence, message, item.variant)
    return Kudos(item.kind, item.t, item.evidence, message)


def _wpm(words: int, talk_s: float) -> float:
    return round(words * 60.0 / talk_s, 1) if talk_s > 0 else 0.0
