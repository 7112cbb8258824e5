"""Replay a stereo recording through the engine, as fast as possible or paced.

At ``speed=None`` (``--speed max``) each utterance is transcribed the moment it
closes on this thread, so the report does not depend on machine speed. With a
speed factor the audio is fed in small chunks against the wall clock, like a
live call, and transcription goes through the shared scheduler, exactly as in
``coach serve``.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..core import ChannelConverter, SPEAKERS
from ..media.audio import probe_recording, read_stereo_chunks
from ..call import CallInfo, CallPipeline

__all__ = ["ReplayError", "replay_recording"]


class ReplayError(ValueError):
    """The recording was read but cannot give a meaningful report."""


def replay_recording(path: str | Path, config: dict, *, call_id: str = "", agent_id: str = "",
                     language: str | None = None, speed: float | None = None, transcriber=None, asr=None,
                     metadata: dict | None = None, sink=None) -> dict:
    """Replay one stereo recording; returns the ``callcoach.report/1`` dict.

    Transcription is the caller's choice: a ``transcriber`` (decoded in line,
    for ``speed=None``), a shared ``asr`` scheduler (paced), or neither (timing
    nudges and metrics only). Raises :class:`AudioFileError` or
    :class:`ReplayError` with a message naming the file.
    """

    path = Path(path)
    info_file = probe_recording(path)
    audio_cfg, replay_cfg = config["audio"], config["replay"]
    if info_file.duration is not None and info_file.duration < float(replay_cfg["min_duration_s"]):
        raise ReplayError(f"{path}: only {info_file.duration:.2f} s of audio; too short to be a call "
                          f"(minimum {replay_cfg['min_duration_s']} s, replay.min_duration_s)")
    left_is_agent = audio_cfg["agent_channel"] == "left"
    info = CallInfo(call_id or path.stem, agent_id, "replay", language, dict(metadata or {}))
    pipeline = CallPipeline(config, info, asr=asr, transcriber=transcriber, sink=sink, source=path.name)
    converters = {s: ChannelConverter("pcm16", info_file.sample_rate, int(audio_cfg["sample_rate"]),
                                      audio_cfg["resample_quality"]) for s in SPEAKERS}
    chunk_s = float(replay_cfg["paced_chunk_s"] if speed else replay_cfg["chunk_s"])
    started = time.monotonic()
    fed_s = 0.0
    for left, right in read_stereo_chunks(path, chunk_s):
        agent, customer = (left, right) if left_is_agent else (right, left)
        pipeline.feed("agent", converters["agent"].resample(agent))
        pipeline.feed("customer", converters["customer"].resample(customer))
        fed_s += left.size / info_file.sample_rate
        if speed:
            ahead = fed_s / speed - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
    for speaker in SPEAKERS:
        pipeline.feed(speaker, converters[speaker].flush())
    report = pipeline.finish().to_dict()
    if report["duration"] < float(replay_cfg["min_duration_s"]):
        raise ReplayError(f"{path}: only {report['duration']:.2f} s of audio; too short to be a call "
                          f"(minimum {replay_cfg['min_duration_s']} s, replay.min_duration_s)")
    if report["metrics"]["agent_talk_s"] == 0 and report["metrics"]["customer_talk_s"] == 0:
        raise ReplayError(f"{path}: no speech found on either channel (silence-only or near-silent "
                          f"recording?); nothing to coach")
    return report

