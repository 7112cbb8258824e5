"""Builders for adapter tests: settings, wire messages and event summaries."""

from __future__ import annotations

import base64
import json

import numpy as np

from service.config import load_config, merge
from service.core.codecs import pcm16_to_ulaw
from service.ingress import ServerSettings
from service.protocols import PROTOCOLS, Adapter, Audio, AudioOut


def make_settings(**server: object) -> ServerSettings:
    """The [server] settings with ``server`` overriding the shipped defaults (every protocol enabled)."""
    section = merge(load_config()["server"], {"endpoints": list(PROTOCOLS), **server})
    return ServerSettings.from_config(section)


def make_adapter(name: str, party: str | None = None, **server: object) -> Adapter:
    """A fresh adapter of protocol ``name``, as the server builds it."""
    settings = make_settings(**server)
    audio = AudioOut.from_config(load_config()["audio"])
    return PROTOCOLS[name].adapter(settings.media, audio, settings.options(name), party=party)


def tone(n: int, rate: int = 8000, freq: float = 440.0, amp: int = 8000) -> np.ndarray:
    return (amp * np.sin(2 * np.pi * freq * np.arange(n) / rate)).astype(np.int16)


def ulaw(samples: np.ndarray) -> bytes:
    return pcm16_to_ulaw(samples)


def twilio_media(track: str, payload: bytes, ms: int, seq: int) -> str:
    return json.dumps({"event": "media", "sequenceNumber": str(seq), "streamSid": "MZ1",
                       "media": {"track": track, "chunk": "1", "timestamp": str(ms),
                                 "payload": base64.b64encode(payload).decode()}})


def twilio_start(seq: int = 1, agent: str = "agent-7", encoding: str = "audio/x-mulaw", **parameters: str) -> str:
    return json.dumps({"event": "start", "sequenceNumber": str(seq), "streamSid": "MZ1", "start": {
        "streamSid": "MZ1", "accountSid": "AC1", "callSid": "CA1", "tracks": ["inbound", "outbound"],
        "customParameters": {"agentId": agent, **parameters},
        "mediaFormat": {"encoding": encoding, "sampleRate": 8000, "channels": 1}}})


def audio_totals(events: list) -> dict[str, int]:
    """Samples out per speaker."""
    out = {"agent": 0, "customer": 0}
    for e in events:
        if isinstance(e, Audio):
            out[e.speaker] += len(e.pcm)
    return out


def concat(events: list, speaker: str) -> np.ndarray:
    parts = [e.pcm for e in events if isinstance(e, Audio) and e.speaker == speaker]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)


class AudioHookClient:
    """Builds AudioHook client messages with a correct running seq."""

    def __init__(self, session: str = "6b8c1f4e-0000-4000-8000-000000000001") -> None:
        self.session = session
        self.seq = 0

    def msg(self, kind: str, parameters: dict | None = None, seq: int | None = None) -> str:
        self.seq = self.seq + 1 if seq is None else seq
        return json.dumps({"version": "2", "id": self.session, "type": kind, "seq": self.seq,
                           "serverseq": 0, "position": "PT0S", "parameters": parameters or {}})

    def open(self, conversation: str = "conv-1", media: list | None = None, agent: str = "bob") -> str:
        return self.msg("open", {
            "organizationId": "org", "conversationId": conversation,
            "participant": {"id": "p", "ani": "+1", "aniName": "", "dnis": "+2"},
            "media": media if media is not None else [
                {"type": "audio", "format": "PCMU", "channels": ["external"], "rate": 8000},
                {"type": "audio", "format": "PCMU", "channels": ["external", "internal"], "rate": 8000}],
            "language": "en-US", "customConfig": {"agentId": agent}})
