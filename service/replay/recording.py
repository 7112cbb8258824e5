"""Replay a stereo recording through the engine, as fast as possible or paced.

At ``speed=None`` (``--speed max``) with the faster-whisper engine, the call is
read twice: a first pass runs only the call engine's utterance cutting (VAD,
no rules) and hands every final utterance to the offline packed decoder
(:mod:`service.asr.packed`: a channel's utterances decoded together in a few
windows); the second pass is the ordinary replay, each request answered from
that decode at the call time its utterance closed, so every decision is made
as if the words had come back at once. ``config["replay"]["decode"] =
"utterance"`` keeps the per-utterance path there (each utterance, and each
partial, decoded the moment it closes, on this thread), as does the fake
engine. Either way the report does not depend on machine speed. With a speed
factor the audio is fed in small chunks against the wall clock, like a live
call, and transcription goes through the shared scheduler, exactly as in
``coach serve``.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..asr import AsrSettings
from ..core import SPEAKERS, CallSession, ChannelConverter, SessionSettings
from ..core.channel_check import ChannelCheck, ChannelCheckSettings, ChannelVerdict
from ..media.audio import DUAL_CHANNEL_ADVICE, probe_recording, read_stereo_chunks
from ..call import CallInfo, CallPipeline

__all__ = ["ReplayError", "decode_mode", "replay_recording"]

# How a max-speed replay transcribes: "packed" (offline, the default) or "utterance" (as live, in line).


class ReplayError(ValueError):
    """The recording was read but cannot give a meaningful report."""


def replay_recording(path: str | Path, config: dict, *, call_id: str = "", agent_id: str = "",
                     language: str | None = None, speed: float | None = None, transcriber=None, asr=None,
                     metadata: dict | None = None, sink=None) -> dict:
    """Replay one stereo recording; returns the ``callcoach.report/1`` dict.

    Transcription is the caller's choice: a ``transcriber`` (for ``speed=None``:
    packed offline decode, or in line per utterance, see the module docstring),
    a shared ``asr`` scheduler (paced), or neither (timing nudges and metrics
    only). Raises :class:`AudioFileError` or
    :class:`ReplayError` with a message naming the file.
    """

    path = Path(path)
    info_file = probe_recording(path)
    replay_cfg = config["replay"]
    if info_file.duration is not None and info_file.duration < float(replay_cfg["min_duration_s"]):
        raise ReplayError(f"{path}: only {info_file.duration:.2f} s of audio; too short to be a call "
                          f"(minimum {replay_cfg['min_duration_s']} s, replay.min_duration_s)")
    info = CallInfo(call_id or path.stem, agent_id, "replay", language, dict(metadata or {}))
    if speed is None and transcriber is not None and asr is None and decode_mode(config, transcriber) == "packed":
        transcriber = _packed_decode(path, config, info_file.sample_rate, language, transcriber)
    pipeline = CallPipeline(config, info, asr=asr, transcriber=transcriber, sink=sink, source=path.name)
    started = time.monotonic()
    fed_s = 0.0
    for agent, customer, seconds in _channels(path, config, info_file.sample_rate, speed):
        pipeline.feed("agent", agent)
        pipeline.feed("customer", customer)
        if pipeline.same_content:
            pipeline.finish()  # a --publish replay's call ends on the displays too
            raise ReplayError(_same_content_text(path, pipeline.channels))
        fed_s += seconds
        if speed:
            ahead = fed_s / speed - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
    report = pipeline.finish().to_dict()
    if report["duration"] < float(replay_cfg["min_duration_s"]):
        raise ReplayError(f"{path}: only {report['duration']:.2f} s of audio; too short to be a call "
                          f"(minimum {replay_cfg['min_duration_s']} s, replay.min_duration_s)")
    if report["metrics"]["agent_talk_s"] == 0 and report["metrics"]["customer_talk_s"] == 0:
        raise ReplayError(f"{path}: no speech found on either channel (silence-only or near-silent "
                          f"recording?); nothing to coach")
    return report


def _same_content_text(path: Path, verdict: ChannelVerdict) -> str:
    """Why a stereo file holding one mix on both channels is refused, and what to do instead."""
    return f"{path}: {verdict.describe()}; this is a mono recording in a stereo file. {DUAL_CHANNEL_ADVICE}"


def decode_mode(config: dict, transcriber) -> str:
    """``packed`` or ``utterance``: how a max-speed replay with ``transcriber`` decodes.

    Read from ``config["replay"]["decode"]`` (checked at start-up); engines that
    cannot pack (the fake) always decode per utterance.
    """
    from ..asr.packed import supports_packing  # imports faster-whisper: only when a transcriber is in use

    mode = config["replay"]["decode"]
    return mode if supports_packing(transcriber) else "utterance"


def _channels(path: Path, config: dict, sample_rate: int, speed: float | None):
    """(agent, customer, seconds) chunks at the engine rate, the resamplers' tails last (seconds 0)."""
    audio_cfg, replay_cfg = config["audio"], config["replay"]
    left_is_agent = audio_cfg["agent_channel"] == "left"
    converters = {s: ChannelConverter("pcm16", sample_rate, int(audio_cfg["sample_rate"]),
                                      audio_cfg["resample_quality"]) for s in SPEAKERS}
    chunk_s = float(replay_cfg["paced_chunk_s"] if speed else replay_cfg["chunk_s"])
    for left, right in read_stereo_chunks(path, chunk_s):
        agent, customer = (left, right) if left_is_agent else (right, left)
        yield converters["agent"].resample(agent), converters["customer"].resample(customer), left.size / sample_rate
    yield converters["agent"].flush(), converters["customer"].flush(), 0.0


def _packed_decode(path: Path, config: dict, sample_rate: int, language: str | None, transcriber):
    """First pass: cut the call into utterances as the replay will, decode them packed; the answers."""
    from ..asr.packed import PACK_S, PackedDecoder

    settings = AsrSettings.from_config(config["asr"])
    decoder = PackedDecoder(transcriber, settings, language=language,
                            pack_s=float(config["replay"].get("pack_s", PACK_S)))
    session = CallSession(SessionSettings.from_config(config), transcribe=True)
    check = ChannelCheck(ChannelCheckSettings.from_config(config))  # refuse before decoding, not after
    for agent, customer, _ in _channels(path, config, sample_rate, None):
        check.receive("agent", agent)
        check.receive("customer", customer)
        if check.same_content:
            raise ReplayError(_same_content_text(path, check.verdict))
        session.receive_audio("agent", agent)
        session.receive_audio("customer", customer)
        for request in session.transcription_requests():
            decoder.add(request)
    session.finish()
    for request in session.transcription_requests():
        decoder.add(request)
    return decoder.finish()
