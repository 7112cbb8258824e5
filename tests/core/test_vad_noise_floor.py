"""Each channel's speech floor follows its own line noise (issue: real phone audio).

A line that sits at -45 dBFS of babble from the next desk would make that
babble "speech", and every reply over it an "interruption". The floor learns
the noise and rises above it; a clean line keeps the fixed floor; the
decisions do not depend on how the audio was chunked.
"""

from __future__ import annotations

import numpy as np
import pytest
import webrtcvad

from service.config import load_config
from service.core import CallSession, SessionSettings
from service.core.vad import FrameClassifier, NoiseFloor, VadSettings, frame_rms_dbfs
from service.testing.espeak import synthesize

RATE = 16000
CALL_S = 20
# three colleagues at the next desks, over the room's own noise
COLLEAGUES = (
    ("en-gb+m1", "We have had three deliveries this week and the van is late again, could you check the order. "),
    ("en-us+f2", "I will put you through to the billing team now, thank you for waiting. "),
    ("en-us+m4", "The system is slow today so bear with me while I reset the password. "),
)
ROOM_NOISE = 0.02  # relative to one voice at full scale


def at_level(x: np.ndarray, dbfs: float) -> np.ndarray:
    """``x`` (float) scaled so its RMS over the voiced part is ``dbfs``, as int16."""
    voiced = x[np.abs(x) > 1e-4]
    scaled = x / np.sqrt(np.mean(voiced**2)) * 32768 * 10 ** (dbfs / 20)
    return np.clip(scaled, -32768, 32767).astype(np.int16)


@pytest.fixture(scope="module")
def vad(config) -> VadSettings:
    return VadSettings.from_config(config)


@pytest.fixture(scope="module")
def babble() -> np.ndarray:
    """The office behind an agent with no call audio of their own: three voices and room noise, at -40 dBFS."""
    n = RATE * CALL_S
    mix = ROOM_NOISE * np.random.default_rng(0).standard_normal(n)
    for i, (voice, text) in enumerate(COLLEAGUES):
        speech = synthesize(text * 5, voice, 165)[: n - i * RATE // 4]
        mix[i * RATE // 4:i * RATE // 4 + len(speech)] += speech
    return at_level(mix, -40.0)


@pytest.fixture(scope="module")
def hum() -> np.ndarray:
    """A ground-loop hum on the line (50 Hz and harmonics) at -32 dBFS: webrtcvad takes it for a voice."""
    t = np.arange(RATE * CALL_S) / RATE
    tone = sum(a * np.sin(2 * np.pi * f * t) for f, a in ((50, 1.0), (150, 0.6), (250, 0.4)))
    return at_level(tone + 0.2 * np.random.default_rng(4).standard_normal(len(t)), -32.0)


def frames(x: np.ndarray, vad: VadSettings) -> np.ndarray:
    n = len(x) // vad.frame_samples * vad.frame_samples
    return x[:n].reshape(-1, vad.frame_samples)


def test_a_clean_line_keeps_the_fixed_floor(vad):
    hiss = at_level(np.random.default_rng(1).standard_normal(RATE * 5), -70.0)
    floor = NoiseFloor(vad)
    floor.floors(frame_rms_dbfs(frames(hiss, vad)))
    assert floor.noise_dbfs == pytest.approx(-71.0, abs=2.0)
    assert floor.floor_dbfs == vad.energy_floor_dbfs


def test_a_noisy_line_raises_its_floor_above_the_noise_after_the_warm_up(vad):
    hiss = at_level(np.random.default_rng(2).standard_normal(RATE * 5), -45.0)
    floor = NoiseFloor(vad)
    applied = floor.floors(frame_rms_dbfs(frames(hiss, vad)))
    warm_up = vad.frames_of(vad.noise_min_s)
    assert (applied[:warm_up] == vad.energy_floor_dbfs).all()  # nothing learnt yet
    assert floor.noise_dbfs == pytest.approx(-45.0, abs=1.5)
    assert floor.floor_dbfs == pytest.approx(-45.0 + vad.noise_margin_db, abs=1.5)


def fixed_floor_speech(x: np.ndarray, vad: VadSettings) -> float:
    """The share of frames the fixed floor alone (the behaviour before) would take for speech."""
    check = webrtcvad.Vad(vad.aggressiveness)
    return float(np.mean([level >= vad.energy_floor_dbfs and check.is_speech(f.tobytes(), RATE)
                          for f, level in zip(frames(x, vad), frame_rms_dbfs(frames(x, vad)))]))


@pytest.mark.parametrize("noise, before", [("babble", 0.5), ("hum", 0.9)])
def test_line_noise_stops_being_speech_but_the_agent_over_it_does_not(vad, noise, before, request):
    line = request.getfixturevalue(noise).copy()
    assert fixed_floor_speech(line, vad) > before  # what the fixed floor made of it
    agent = at_level(synthesize("I can see the order here, it left the warehouse this morning.", "en-us+m3"), -15.0)
    start = len(line) - len(agent) - RATE
    mixed = line[start:start + len(agent)].astype(np.int32) + agent
    line[start:start + len(agent)] = np.clip(mixed, -32768, 32767).astype(np.int16)
    decided = np.array(FrameClassifier(vad).classify(frames(line, vad)))
    warm_up = vad.frames_of(vad.noise_min_s + vad.noise_update_s)
    agent_frames = slice(start // vad.frame_samples, (start + len(agent)) // vad.frame_samples)
    clean = np.array(FrameClassifier(vad).classify(frames(agent, vad)))  # the same words on a clean line
    assert decided[warm_up:agent_frames.start].mean() < 0.03
    assert decided[agent_frames].mean() > 0.7 * clean.mean()


def test_the_decisions_do_not_depend_on_the_chunking(vad, babble):
    cut = frames(babble, vad)
    whole = FrameClassifier(vad).classify(cut)
    rng = np.random.default_rng(3)
    pieces, at, chunked = FrameClassifier(vad), 0, []
    while at < len(cut):
        n = int(rng.integers(1, 40))
        chunked += pieces.classify(cut[at:at + n])
        at += n
    assert chunked == whole


def test_the_session_reports_each_line_and_finds_no_interruption_in_babble(config, babble):
    session = CallSession(SessionSettings.from_config(config), transcribe=False)
    customer = at_level(synthesize("Hello, my parcel never arrived and I have waited two weeks for it. " * 3,
                                   "en-gb+f3"), -22.0)  # talks through the office noise on the agent's line
    quiet = np.zeros(len(babble), dtype=np.int16)
    quiet[RATE:RATE + len(customer)] = customer[: len(babble) - RATE]
    session.receive_audio("agent", babble)
    session.receive_audio("customer", quiet)
    session.finish()
    result = session.result()
    assert [n.kind for n in result.nudges if n.kind == "interruption"] == []
    agent_line, customer_line = result.noise["agent"], result.noise["customer"]
    assert agent_line.floor_dbfs > -40.0 > customer_line.floor_dbfs
    assert agent_line.to_dict() == {"noise_dbfs": agent_line.noise_dbfs, "floor_dbfs": round(agent_line.floor_dbfs, 1)}


def test_a_fresh_config_validates_the_noise_settings():
    config = load_config()
    config["vad"]["noise_percentile"] = 100.0
    with pytest.raises(Exception, match="noise_percentile"):
        VadSettings.from_config(config)
