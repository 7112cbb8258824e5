"""The report contract ``callcoach.report/1`` as a typed value, and its JSON file.

Live calls and replays both end here, so a saved live report and ``coach
replay`` of the same audio are byte-for-byte comparable. Fields beyond the
original contract are additive: ``agent_id``, ``speech`` (each party's
voice-activity segments as ``[start, end]`` pairs, for timelines),
``suppressed``, ``instance`` (the live replica that served the call), ``team`` (the
agent's team, when known),
``noise`` (each party's line noise and the speech floor it set, from audio),
``channels`` and ``warnings`` (the input check of two-channel audio: the same
audio on both channels, a channel silent throughout;
:mod:`service.core.channel_check`),
``untranscribed`` (utterances the live decoder shed or refused under
overload, so QA knows which speech the transcript and the text rules lack;
:mod:`service.asr.scheduler`),
``language_source`` (where ``language`` came from: telephony, configured,
detected or unknown) and ``language_detection`` (the detector's votes, when
detection fixed the language, its re-checks; :mod:`service.asr.language`),
``voice_distress`` (the customer's raised voice against their own baseline:
when, by how much, and the stretches that showed it;
:mod:`service.core.voice`),
``settings`` (every setting that shapes which nudges fire, so
QA can reproduce a report) and ``metadata`` (from the platform or a sidecar
file, when there is one).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..asr import LanguageTracker
from ..core import Kudos, Nudge, SessionResult, TranscriptSegment
from ..core.channel_check import ChannelVerdict
from ..core.voice import VoiceDistress
from .files import write_atomic
from .info import CallInfo, LanguageSource

__all__ = ["SCHEMA", "CallReport", "Untranscribed", "settings_echo", "write_report"]

SCHEMA = "callcoach.report/1"
_ASR_ECHOED = ("engine", "model", "compute_type", "window", "beam_size", "min_window_s", "padding_s")
_SECTIONS_ECHOED = ("vad", "dynamics", "voice", "utterances", "coaching", "nudges")
_ROUND = 3  # report times to the millisecond


def settings_echo(config: dict) -> dict:
    """The settings that shaped the result: detection, timing, transcription, rules and messages."""
    echo: dict[str, Any] = {name: dict(config[name]) for name in _SECTIONS_ECHOED}
    echo["asr"] = {key: config["asr"][key] for key in _ASR_ECHOED if key in config["asr"]}
    echo["display_language"] = config["nudges"]["display_language"]  # the original key, kept for readers of it
    return echo


@dataclass(frozen=True, slots=True)
class Untranscribed:
    """An utterance with no transcript because the live decoder was overloaded (``reason``: shed, queue_full)."""

    speaker: str
    start: float
    end: float
    reason: str

    def to_dict(self) -> dict:
        return {"speaker": self.speaker, "start": round(self.start, _ROUND), "end": round(self.end, _ROUND),
                "reason": self.reason}


@dataclass(frozen=True, slots=True)
class CallReport:
    """One finished call; :meth:`to_dict` is the JSON contract."""

    call_id: str
    agent_id: str
    source: str
    duration: float
    language: str
    transcript: list[TranscriptSegment]
    nudges: list[Nudge]
    kudos: list[Kudos]
    metrics: dict[str, float]
    speech: dict[str, list[tuple[float, float]]]
    suppressed: dict[str, int]
    settings: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    instance: str = ""
    noise: dict[str, dict] = field(default_factory=dict)
    team: str = ""
    channels: dict[str, Any] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)
    language_source: str = LanguageSource.UNKNOWN
    language_detection: dict[str, Any] = field(default_factory=dict)
    untranscribed: list[Untranscribed] = field(default_factory=list)
    voice_distress: list[VoiceDistress] = field(default_factory=list)
    schema: str = SCHEMA

    @classmethod
    def from_session(cls, info: CallInfo, source: str, result: SessionResult, language: str,
                     config: dict, *, channels: ChannelVerdict | None = None,
                     tracker: LanguageTracker | None = None,
                     untranscribed: Sequence[Untranscribed] = ()) -> CallReport:
        """``tracker`` is the call's language tracker: its evidence, and whether it detected the language."""
        metrics = result.metrics.to_dict()
        metrics["agent_wpm"] = result.agent_wpm
        metrics["customer_wpm"] = result.customer_wpm
        return cls(
            call_id=info.call_id,
            agent_id=info.agent_id,
            source=source,
            duration=result.duration,
            language=language,
            transcript=list(result.transcript),
            nudges=list(result.nudges),
            kudos=list(result.kudos),
            metrics=metrics,
            speech={party: [(s.start, s.end) for s in segs] for party, segs in result.speech.items()},
            suppressed=dict(result.suppressed),
            settings=settings_echo(config),
            metadata=dict(info.metadata),
            instance=info.instance,
            noise={party: line.to_dict() for party, line in result.noise.items()},
            team=info.team,
            channels=channels.to_dict() if channels is not None else {},
            warnings=channels.warnings() if channels is not None else [],
            language_source=_language_source(info, tracker),
            language_detection=tracker.evidence().to_dict() if tracker is not None else {},
            untranscribed=list(untranscribed),
            voice_distress=list(result.voice_distress),
        )

    def to_dict(self) -> dict:
        return {
            "schema": self.schema,
            "call_id": self.call_id,
            "agent_id": self.agent_id,
            "source": self.source,
            "duration": round(self.duration, _ROUND),
            "language": self.language,
            "language_source": str(self.language_source),
            **({"language_detection": self.language_detection} if self.language_detection else {}),
            "transcript": [seg.to_dict() for seg in self.transcript],
            **({"untranscribed": [u.to_dict() for u in self.untranscribed]} if self.untranscribed else {}),
            "nudges": [n.to_dict() for n in self.nudges],
            "kudos": [k.to_dict() for k in self.kudos],
            **({"voice_distress": [v.to_dict() for v in self.voice_distress]} if self.voice_distress else {}),
            "metrics": self.metrics,
            "speech": {party: [[round(a, _ROUND), round(b, _ROUND)] for a, b in spans]
                       for party, spans in self.speech.items()},
            "suppressed": self.suppressed,
            "settings": self.settings,
            **({"metadata": dict(self.metadata)} if self.metadata else {}),
            **({"instance": self.instance} if self.instance else {}),
            **({"team": self.team} if self.team else {}),
            **({"noise": self.noise} if self.noise else {}),
            **({"channels": self.channels} if self.channels else {}),
            **({"warnings": self.warnings} if self.warnings else {}),
        }


def _language_source(info: CallInfo, tracker: LanguageTracker | None) -> LanguageSource:
    if info.language:
        return info.language_source
    return LanguageSource.DETECTED if tracker is not None and tracker.detected else LanguageSource.UNKNOWN


def write_report(report: CallReport | dict, out_dir: str | Path, stem: str) -> Path:
    """Write ``<out_dir>/<stem>.coach.json`` atomically (a crash never leaves half a report)."""
    data = report.to_dict() if isinstance(report, CallReport) else report
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return write_atomic(text, Path(out_dir) / f"{stem}.coach.json")
