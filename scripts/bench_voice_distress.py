#!/usr/bin/env python3
"""Voice distress: false episodes on calm real calls, raised voices caught, and the per-frame cost against the VAD.

Usage: python scripts/bench_voice_distress.py [--calls 20] [--emodb DIR] [--cost-s 60]

Every call runs through the session (service.core.CallSession: VAD, turns,
the customer's voice tracker) with transcription off, at 16 kHz and through an
8 kHz G.711 mu-law line (every other call), and counts the session's
VoiceDistress verdicts.

* calm, mixed speakers: ``--calls`` realistic calls from tests/data/speech
  (en, lv, el; service.testing.real_calls), whose customer channel is several
  real readers one after another (a change of speaker mid-call);
* calm, one speaker: the same with the LJ Speech reader only on both channels;
* raised, transform: one LJ Speech reader, 4 calm takes then 3 takes made
  +8 dB and +6 semitones with sox (a TRANSFORM, not real anger);
* raised, acted (with ``--emodb DIR``: the Berlin EmoDB ``*.wav`` files, named
  like ``03a01Wa.wav``): per actor, 5 neutral takes then 5 angry takes
  ("caught": a verdict after the first angry take), and as the control 5
  neutral takes then the actor's remaining neutral takes ("false": any verdict).
  Actors 03, 08, 09, 10, 11 tuned the thresholds; 12-16 report.

Cost: the customer channel of one calm call, fed in 20 ms chunks (a live
stream) and 1 s chunks (replay): the median time per 30 ms frame of the VAD
(FrameClassifier.classify) and of the voice tracker (VoiceTracker.add_frames)
over 5 runs each, and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import wave
from pathlib import Path

import numpy as np
import soxr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.config import load_config
from service.core import CallSession, SessionSettings
from service.core.codecs import pcm16_to_ulaw, ulaw_to_pcm16
from service.core.vad import FrameClassifier
from service.core.voice import VoiceTracker
from service.testing.real_calls import RATE, PHONE_RATE, load_clips, realistic_call
from service.testing.voice_calls import sox_raised, voice_call

SPEECH = Path(__file__).resolve().parent.parent / "tests" / "data" / "speech"
TUNE = ("03", "08", "09", "10", "11")


def telephone(x: np.ndarray) -> np.ndarray:
    """``x`` (16 kHz float) through an 8 kHz G.711 mu-law line and back to 16 kHz, as replay would hear it."""
    pcm = np.clip(np.round(soxr.resample(x, RATE, PHONE_RATE) * 32768), -32768, 32767).astype(np.int16)
    return soxr.resample(ulaw_to_pcm16(pcm16_to_ulaw(pcm)).astype(np.float32) / 32768, PHONE_RATE, RATE)


def verdicts(settings: SessionSettings, agent: np.ndarray, customer: np.ndarray, phone: bool) -> list:
    if phone:
        agent, customer = telephone(agent), telephone(customer)
    n = min(len(agent), len(customer))
    session = CallSession(settings, transcribe=False)
    pcm = {s: np.clip(np.round(x[:n] * 32768), -32768, 32767).astype(np.int16)
           for s, x in (("agent", agent), ("customer", customer))}
    for i in range(0, n, RATE):
        session.receive_audio("agent", pcm["agent"][i : i + RATE])
        session.receive_audio("customer", pcm["customer"][i : i + RATE])
    session.finish()
    return session.result().voice_distress


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
        return soxr.resample(x, w.getframerate(), RATE) if w.getframerate() != RATE else x


def calm(settings, clips, calls: int, label: str) -> None:
    episodes, with_any = 0, 0
    for k in range(calls):
        call = realistic_call(clips, 18000 + k)
        found = verdicts(settings, call.agent, call.customer, k % 2 == 1)
        episodes += len(found)
        with_any += bool(found)
        print(f"  {label} call {k:2d} {'8k-ulaw' if k % 2 else '16k-pcm'} {call.duration:5.1f} s "
              f"voice_distress {len(found)}" + "".join(f" t={d.t:.1f}" for d in found))
    print(f"{label}: false_episodes {episodes} in {calls} calls; calls_with_any {with_any} "
          f"({with_any / calls * 10:.1f} per 10 calls)")


def raised(settings, label: str, agent, calm_takes, raised_takes, seed: int) -> tuple[bool, bool]:
    """(caught, a verdict before the raised part) on both line types."""
    built = voice_call(agent, calm_takes, raised_takes, seed)
    out = []
    for phone in (False, True):
        found = verdicts(settings, built.agent, built.customer, phone)
        early = [d for d in found if built.raised_from is None or d.end < built.raised_from]
        hit = built.raised_from is not None and any(d.end >= built.raised_from for d in found)
        out.append((hit, bool(early)))
        print(f"  {label} {'8k-ulaw' if phone else '16k-pcm'} verdicts {len(found)} "
              + " ".join(f"[{d.start:.1f}-{d.end:.1f} s {d.to_dict()['loudness_delta_db']:+.1f} dB "
                         f"{d.to_dict()['pitch_delta_st']:+.1f} st]" for d in found))
    return out


def emodb(settings, folder: Path, agent) -> None:
    files = sorted(folder.glob("*.wav"))
    actors = sorted({f.name[:2] for f in files})
    tally = {split: {"caught": 0, "actors": 0, "false": 0, "controls": 0} for split in ("tune", "report")}
    for actor in actors:
        neutral = [read_wav(f) for f in files if f.name[:2] == actor and f.name[5] == "N"]
        angry = [read_wav(f) for f in files if f.name[:2] == actor and f.name[5] == "W"]
        split = "tune" if actor in TUNE else "report"
        for hit, _ in raised(settings, f"emodb {actor} angry ", agent, neutral[:5], angry[:5], int(actor)):
            tally[split]["caught"] += hit
            tally[split]["actors"] += 1
        if len(neutral) > 6:
            for _, early in raised(settings, f"emodb {actor} neutral", agent, neutral[:5] + neutral[5:], [], 0):
                tally[split]["false"] += early
                tally[split]["controls"] += 1
    for split, t in tally.items():
        print(f"emodb {split}: angry caught {t['caught']}/{t['actors']} (actor x line); "
              f"neutral controls with a verdict {t['false']}/{t['controls']}")


def cost(settings: SessionSettings, clips, seconds: float) -> None:
    customer = realistic_call(clips, 18000).customer[: int(seconds * RATE)]
    pcm = np.clip(np.round(customer * 32768), -32768, 32767).astype(np.int16)
    vad = settings.vad
    for chunk_s in (0.02, 1.0):
        step = int(chunk_s * RATE)
        times = {"vad": [], "voice": []}
        for _ in range(5):
            classifier = FrameClassifier(vad)
            tracker = VoiceTracker("customer", settings.voice, RATE, vad.frame_s, 1000)
            spent = {"vad": 0.0, "voice": 0.0}
            rest = np.zeros(0, np.int16)
            for i in range(0, len(pcm), step):
                buf = np.concatenate((rest, pcm[i : i + step]))
                whole = len(buf) // vad.frame_samples * vad.frame_samples
                rest = buf[whole:]
                if not whole:
                    continue
                frames = buf[:whole].reshape(-1, vad.frame_samples)
                t0 = time.perf_counter()
                voiced = classifier.classify(frames)
                t1 = time.perf_counter()
                tracker.add_frames(frames, voiced)
                spent["vad"] += t1 - t0
                spent["voice"] += time.perf_counter() - t1
            frames_n = len(pcm) // vad.frame_samples
            for key in spent:
                times[key].append(spent[key] / frames_n * 1e6)
        v, p = statistics.median(times["vad"]), statistics.median(times["voice"])
        print(f"cost chunks {chunk_s * 1000:.0f} ms: vad {v:.1f} us/frame, voice {p:.1f} us/frame, "
              f"ratio voice/vad {p / v:.2f} (median of 5 runs over {seconds:.0f} s of one channel; "
              f"the voice runs on the customer channel only, the VAD on both)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--emodb", type=Path, help="folder of Berlin EmoDB wav files (not in the repository)")
    parser.add_argument("--cost-s", type=float, default=60.0)
    args = parser.parse_args()
    settings = SessionSettings.from_config(load_config(overrides={"asr": {"engine": "none"}}))
    clips = load_clips(SPEECH, ("en", "lv", "el"))
    lj = [c for c in clips if c.id.startswith("en-lj")]
    calm(settings, clips, args.calls, "calm mixed speakers")
    calm(settings, lj, args.calls, "calm one speaker")
    raised(settings, "transform lj +8 dB +6 st", [c.audio for c in clips if c.language == "lv"],
           [c.audio for c in lj[:4]], [sox_raised(c.audio, 8.0, 6.0) for c in lj[4:7]], 18000)
    if args.emodb:
        emodb(settings, args.emodb, [c.audio for c in lj])
    cost(settings, clips, args.cost_s)


if __name__ == "__main__":
    main()
