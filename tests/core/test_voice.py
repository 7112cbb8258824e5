"""The voice-distress tracker: the estimators on synthetic signals, exactly; then the baseline and window logic."""

from __future__ import annotations

import numpy as np
import pytest

from service.config import SettingError, load_config
from service.core.voice import VoiceSettings, VoiceTracker, frame_features, syllable_nuclei

FRAME_S = 0.03


@pytest.fixture(scope="module")
def settings():
    return VoiceSettings.from_config(load_config())


def frames_of(signal: np.ndarray, rate: int) -> np.ndarray:
    n = rate * 30 // 1000
    pcm = np.clip(np.round(signal * 32767), -32768, 32767).astype(np.int16)
    return pcm[: len(pcm) // n * n].reshape(-1, n)


def harmonic(f0: float, seconds: float, rate: int, level: float = 0.1) -> np.ndarray:
    """A harmonic complex (harmonics up to 3.4 kHz, falling 1/k) at ``f0``, RMS ``level``."""
    t = np.arange(int(seconds * rate)) / rate
    x = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 60) if f0 * k < 3400)
    return level * x / np.sqrt(np.mean(x**2))


@pytest.mark.parametrize("rate", [8000, 16000])
@pytest.mark.parametrize("f0", [75.0, 110.0, 180.0, 260.0, 390.0])
def test_f0_of_a_harmonic_complex_within_half_a_percent(settings, rate, f0):
    frames = frames_of(harmonic(f0, 1.0, rate), rate)
    features = frame_features(frames[1:], frames[0], np.ones(len(frames) - 1, bool), rate, settings)
    assert np.all(np.isfinite(features.f0_hz))
    assert np.max(np.abs(features.f0_hz / f0 - 1)) < 0.005


@pytest.mark.parametrize("rate", [8000, 16000])
def test_pure_tone_and_telephone_band_missing_fundamental(settings, rate):
    tone = frames_of(0.3 * np.sin(2 * np.pi * 200.0 * np.arange(rate) / rate), rate)
    features = frame_features(tone[1:], tone[0], np.ones(len(tone) - 1, bool), rate, settings)
    assert np.max(np.abs(features.f0_hz / 200.0 - 1)) < 0.005
    # A 100 Hz voice through the 300-3400 Hz telephone band: the fundamental is gone, the period is not.
    t = np.arange(rate) / rate
    band = sum(np.sin(2 * np.pi * 100.0 * k * t) for k in range(3, 34))
    frames = frames_of(0.3 * band / np.abs(band).max(), rate)
    features = frame_features(frames[1:], frames[0], np.ones(len(frames) - 1, bool), rate, settings)
    assert np.max(np.abs(features.f0_hz / 100.0 - 1)) < 0.005


def test_noise_and_unvoiced_frames_have_no_pitch(settings):
    rng = np.random.default_rng(1)
    frames = frames_of(0.1 * rng.standard_normal(16000), 16000)
    voiced = np.ones(len(frames), bool)
    assert np.isnan(frame_features(frames, frames[0], voiced, 16000, settings).f0_hz).all()
    tone = frames_of(harmonic(150.0, 1.0, 16000), 16000)
    skipped = frame_features(tone, tone[0], np.zeros(len(tone), bool), 16000, settings)
    assert np.isnan(skipped.f0_hz).all()  # F0 is only estimated where the VAD heard speech


@pytest.mark.parametrize("step_db", [6.0, 12.0])
def test_level_steps_are_measured_exactly(settings, step_db):
    quiet = harmonic(150.0, 0.6, 16000, 0.05)
    loud = quiet * 10 ** (step_db / 20)
    features = frame_features(frames_of(np.concatenate((quiet, loud)), 16000), np.zeros(480, np.int16),
                              np.zeros(40, bool), 16000, settings)
    assert features.level_db[25] - features.level_db[5] == pytest.approx(step_db, abs=0.01)
    # a full-scale sine is -3 dBFS; the three 10 ms sub-levels of a steady tone equal the frame's level
    assert np.allclose(features.sub_db[5], features.level_db[5], atol=0.2)


@pytest.mark.parametrize("rate_hz", [3.0, 4.0, 5.0, 6.0])
def test_syllable_nuclei_of_a_pulse_train_at_a_known_rate(rate_hz):
    step = 0.01
    t = np.arange(0, 4.0, step)
    envelope = -40 + 20 * np.clip(-np.cos(2 * np.pi * rate_hz * t), 0, None) ** 2  # one hump per syllable, mid-signal
    assert syllable_nuclei(envelope, np.ones(len(t), bool), 2.0, step) == round(4.0 * rate_hz)
    assert syllable_nuclei(envelope, np.zeros(len(t), bool), 2.0, step) == 0  # no pitch, no vowel


def feed(tracker: VoiceTracker, signal: np.ndarray, frame: int) -> int:
    """One stretch of speech ``signal`` starting at absolute frame ``frame``, then 0.5 s of silence; the next frame."""
    frames = frames_of(np.concatenate((signal, np.zeros(8000))), 16000)
    voiced = [True] * (len(signal) // 480) + [False] * (len(frames) - len(signal) // 480)
    tracker.add_frames(frames, voiced)
    end = frame + len(signal) // 480
    tracker.last = tracker.close_stretch(frame, end, (end + 10) * FRAME_S)
    return frame + len(frames)


def tracker_with_baseline(settings, f0=120.0, level=0.05):
    tracker = VoiceTracker("customer", settings, 16000, FRAME_S, 4000)
    frame = 0
    while tracker.baseline is None:
        frame = feed(tracker, harmonic(f0, 2.0, 16000, level), frame)
    return tracker, frame


def test_the_baseline_is_the_first_seconds_of_the_speakers_own_voice(settings):
    tracker, frame = tracker_with_baseline(settings)
    assert frame * FRAME_S >= settings.baseline_s  # learnt from at least baseline_s of voiced speech
    assert tracker.baseline.pitch_hz == pytest.approx(120.0, rel=0.005)
    assert tracker.stretches == []  # nothing is judged while the baseline is learnt


def test_a_calm_stretch_moves_the_baseline_a_little_and_raises_nothing(settings):
    tracker, frame = tracker_with_baseline(settings)
    base = tracker.baseline
    feed(tracker, harmonic(120.0 * 2 ** (2 / 12), 2.0, 16000, 0.05), frame)  # +2 semitones: calm
    [stretch] = tracker.stretches
    assert not stretch.raised and tracker.last is None
    assert stretch.pitch_delta_st == pytest.approx(2.0, abs=0.05)
    moved = 12 * np.log2(tracker.baseline.pitch_hz / base.pitch_hz)
    assert moved == pytest.approx(settings.baseline_follow * 2.0, abs=0.01)


def test_raised_stretches_make_distress_once_with_their_evidence(settings):
    tracker, frame = tracker_with_baseline(settings)
    raised = harmonic(120.0 * 2 ** (6 / 12), 1.5, 16000, 0.05 * 10 ** (4 / 20))  # +6 semitones, +4 dB
    frame = feed(tracker, raised, frame)
    assert tracker.stretches[-1].raised and tracker.last is None  # one raised stretch is not a mood
    base = tracker.baseline
    frame = feed(tracker, raised, frame)
    distress = tracker.last
    assert distress is not None and distress.speaker == "customer"
    assert len(distress.stretches) == 2 and distress.baseline == base  # raised stretches never move it
    report = distress.to_dict()
    assert report["pitch_delta_st"] == pytest.approx(6.0, abs=0.1)
    assert report["loudness_delta_db"] == pytest.approx(4.0, abs=0.1)
    assert report["start"] == pytest.approx(distress.stretches[0].start, abs=1e-3)
    assert report["end"] == pytest.approx(distress.stretches[1].end, abs=1e-3)
    feed(tracker, raised, frame)
    assert tracker.last is None  # the next distress needs fresh raised speech


def test_higher_but_much_quieter_is_not_raised(settings):
    tracker, frame = tracker_with_baseline(settings)
    soft_high = harmonic(120.0 * 2 ** (7 / 12), 1.5, 16000, 0.05 * 10 ** ((settings.raised_loudness_db - 3) / 20))
    feed(tracker, soft_high, frame)
    assert not tracker.stretches[-1].raised


@pytest.mark.parametrize("key, value", [("max_f0_hz", 60.0), ("periodicity", 1.5), ("min_raised_s", 99.0),
                                        ("baseline_follow", -0.1), ("min_f0_hz", 20.0)])
def test_bad_settings_are_refused_by_key(key, value):
    config = load_config(overrides={"voice": {key: value}})
    with pytest.raises(SettingError) as info:
        VoiceSettings.from_config(config)
    assert info.value.key == f"voice.{key}"
