"""Transcript replay: a QA team's existing transcript through the live engine.

The turns' times become per-frame voice activity for each party (so
interruptions, dead air and talk metrics come out exactly as for audio), and
each turn's words reach the rules at the call time the turn ends: the moment a
live transcriber could first have delivered them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..core import SPEAKERS, TranscriptSegment
from ..call import CallInfo, CallPipeline

__all__ = ["TranscriptError", "Transcript", "parse_transcript", "replay_transcript"]


class TranscriptError(ValueError):
    """The transcript JSON does not follow the input contract; the message says where."""


@dataclass(frozen=True, slots=True)
class Transcript:
    language: str
    call_id: str
    agent_id: str
    segments: tuple[TranscriptSegment, ...]

    @property
    def duration(self) -> float:
        return max((s.end for s in self.segments), default=0.0)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise TranscriptError(f"{where} must be a non-negative number, got {value!r}")
    return float(value)


def parse_transcript(doc: Any, language: str | None = None) -> Transcript:
    """Validate a transcript document (unknown fields are ignored, for forward compatibility)."""
    if not isinstance(doc, dict):
        raise TranscriptError("a transcript must be a JSON object with 'language' and 'turns'")
    language = language or doc.get("language")
    if not isinstance(language, str) or not language or language == "auto":
        raise TranscriptError("the transcript has no 'language' (e.g. \"en\"); add it or pass --language CODE")
    turns = doc.get("turns")
    if not isinstance(turns, list) or not turns:
        raise TranscriptError("'turns' must be a non-empty list of {speaker, start, end, text}")
    segments = []
    for i, turn in enumerate(turns):
        where = f"turns[{i}]"
        if not isinstance(turn, dict):
            raise TranscriptError(f"{where} must be an object")
        speaker = turn.get("speaker")
        if speaker not in SPEAKERS:
            raise TranscriptError(f"{where}.speaker must be 'agent' or 'customer', got {speaker!r}")
        start, end = _number(turn.get("start"), f"{where}.start"), _number(turn.get("end"), f"{where}.end")
        if end < start:
            raise TranscriptError(f"{where} ends ({end}) before it starts ({start})")
        text = turn.get("text", "")
        if not isinstance(text, str):
            raise TranscriptError(f"{where}.text must be a string")
        segments.append(TranscriptSegment(speaker, start, end, text.strip(), language, True, i + 1))
    return Transcript(language, str(doc.get("call_id", "")), str(doc.get("agent_id", "")), tuple(segments))


def activity_flags(transcript: Transcript, frame_s: float) -> dict[str, list[bool]]:
    """Per-frame voiced flags of each party, on the engine's frame grid."""
    total = math.ceil(round(transcript.duration / frame_s, 6))
    flags = {s: [False] * total for s in SPEAKERS}
    for seg in transcript.segments:
        for k in range(round(seg.start / frame_s), min(total, round(seg.end / frame_s))):
            flags[seg.speaker][k] = True
    return flags


def replay_transcript(doc: Any, config: dict, source: str = "transcript.json", *, call_id: str = "",
                      agent_id: str = "", language: str | None = None, metadata: dict | None = None,
                      sink=None) -> dict:
    """Run a transcript document through the engine; returns the ``callcoach.report/1`` dict."""

    transcript = parse_transcript(doc, language)
    info = CallInfo(call_id or transcript.call_id or source, agent_id or transcript.agent_id, "transcript",
                    transcript.language, dict(metadata or {}))
    pipeline = CallPipeline(config, info, sink=sink, source=source)
    frame_s = int(config["vad"]["frame_ms"]) / 1000.0
    flags = activity_flags(transcript, frame_s)
    cursor = 0
    for seg in sorted(transcript.segments, key=lambda s: (s.end, s.start)):
        target = min(len(flags["agent"]), math.floor(round(seg.end / frame_s, 6)))
        if target > cursor:
            for speaker in SPEAKERS:
                pipeline.feed_activity(speaker, flags[speaker][cursor:target])
            cursor = target
        if seg.text:
            pipeline.feed_segment(seg, at=seg.end)
    for speaker in SPEAKERS:
        pipeline.feed_activity(speaker, flags[speaker][cursor:])
    return pipeline.finish().to_dict()
