"""The channel check on synthetic signals: one audio on both channels is caught, two parties never are."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from service.config import SettingError, load_config
from service.core.channel_check import ChannelCheck, ChannelCheckSettings, similarity
from service.core.codecs import ChannelConverter, pcm16_to_ulaw, ulaw_to_pcm16

RATE = 16000


@pytest.fixture(scope="module")
def settings() -> ChannelCheckSettings:
    return ChannelCheckSettings.from_config(load_config())


def talker(seconds: float, seed: int, *, active: np.ndarray | None = None) -> np.ndarray:
    """Speech-like int16 audio: smoothed noise in 200 ms bursts of random loudness, silent where not ``active``."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    voice = np.convolve(rng.standard_normal(n), np.hanning(9), mode="same")
    bursts = rng.uniform(0.3, 1.0, n // 3200 + 1).repeat(3200)[:n]  # syllables of differing loudness
    x = voice * bursts / np.abs(voice).max() * 12000
    if active is not None:
        x = x * active
    return np.round(x).astype(np.int16)


def turns(seconds: float, first: bool) -> np.ndarray:
    """1 where a party talks: alternate 2 s turns, the other party's every second turn overlapping 0.5 s."""
    t = np.arange(int(seconds * RATE)) / RATE
    mine = (t // 2.0) % 2 == (0 if first else 1)
    overlap = (t % 4.0 >= (3.5 if first else 1.5)) & (t % 4.0 < (4.0 if first else 2.0))
    return (mine | overlap).astype(float)


def feed(check: ChannelCheck, agent: np.ndarray, customer: np.ndarray, chunk: int = 320) -> None:
    for i in range(0, max(agent.size, customer.size), chunk):
        check.receive("agent", agent[i:i + chunk])
        check.receive("customer", customer[i:i + chunk])


def verdict_of(settings, agent, customer, chunk: int = 320):
    check = ChannelCheck(settings)
    feed(check, agent, customer, chunk)
    return check.verdict


def clip16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


# -- the score ----------------------------------------------------------------------------------

def test_identical_windows_score_one():
    a = talker(0.5, 1)
    assert similarity(a, a, 160) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("gain_db", [-1.0, -3.0, -6.0, -20.0])
def test_a_scaled_copy_scores_2g_over_1_plus_g2(gain_db):
    a = talker(0.5, 1).astype(np.float64)
    g = 10 ** (gain_db / 20)
    assert similarity(a, a * g, 160) == pytest.approx(2 * g / (1 + g * g), abs=1e-9)


def test_a_delayed_copy_within_max_delay_scores_near_one():
    a = talker(0.6, 1)
    assert similarity(a[80:8080], a[:8000], 160) > 0.98  # 5 ms
    assert similarity(a[:8000], a[80:8080], 160) > 0.98  # either way round
    assert similarity(a[480:8480], a[:8000], 160) < 0.2  # 30 ms: past max_delay_ms, unrelated


def test_silence_scores_zero():
    assert similarity(np.zeros(8000, np.int16), np.zeros(8000, np.int16), 160) == 0.0


# -- the verdict: same audio on both channels ----------------------------------------------------

def test_identical_channels_are_same_content_once_min_voiced_s_is_judged(settings):
    a = talker(30, 1)
    verdict = verdict_of(settings, a, a)
    assert verdict.same_content
    assert verdict.similarity == pytest.approx(1.0, abs=1e-12)
    assert verdict.judged_s == settings.min_voiced_s  # scoring stops at the decision
    assert verdict.silent == ()


def test_not_decided_before_min_voiced_s(settings):
    a = talker(settings.min_voiced_s - settings.window_s, 1)
    verdict = verdict_of(settings, a, a)
    assert not verdict.same_content
    assert verdict.similarity == pytest.approx(1.0, abs=1e-12)


def test_quiet_windows_are_not_judged(settings):
    """Identical line hiss under the energy floor is no evidence: nothing is judged, nothing is refused."""
    hiss = clip16(np.random.default_rng(3).standard_normal(30 * RATE) * 100)  # about -50 dBFS
    verdict = verdict_of(settings, hiss, hiss)
    assert not verdict.same_content and verdict.judged_s == 0.0 and verdict.similarity is None


@pytest.mark.parametrize("gain_db", [-1.0, -3.0])
def test_small_gain_differences_are_still_the_same_content(settings, gain_db):
    a = talker(30, 1)
    assert verdict_of(settings, a, clip16(a * 10 ** (gain_db / 20))).same_content


@pytest.mark.parametrize("delay_ms", [1.0, 5.0, 10.0])
def test_a_small_constant_delay_is_still_the_same_content(settings, delay_ms):
    a = talker(30, 1)
    shift = round(delay_ms * RATE / 1000)
    delayed = np.concatenate((np.zeros(shift, np.int16), a[:-shift]))
    assert verdict_of(settings, a, delayed).same_content
    assert verdict_of(settings, delayed, a).same_content


def test_mulaw_8k_codec_noise_is_still_the_same_content(settings):
    """One channel as recorded, the other through an 8 kHz mu-law telephone leg and back."""
    a = talker(30, 1)
    down = ChannelConverter("pcm16", RATE, 8000, "HQ")
    narrow = ulaw_to_pcm16(pcm16_to_ulaw(np.concatenate((down.resample(a), down.flush()))))
    up = ChannelConverter("pcm16", 8000, RATE, "HQ")
    coded = np.concatenate((up.resample(narrow), up.flush()))[:a.size]
    verdict = verdict_of(settings, a, coded)
    assert verdict.same_content and verdict.similarity > 0.9


def test_chunking_does_not_change_the_verdict(settings):
    a, b = talker(30, 1), talker(30, 2)
    for agent, customer in ((a, a), (a, clip16(b + 0.1 * a))):
        verdicts = {verdict_of(settings, agent, customer, chunk) for chunk in (160, 320, 7999, 16000)}
        assert len(verdicts) == 1


# -- the verdict: two real parties ---------------------------------------------------------------

def test_two_independent_talkers_are_not_same_content(settings):
    verdict = verdict_of(settings, talker(60, 1), talker(60, 2))
    assert not verdict.same_content
    assert verdict.judged_s == 60.0 and verdict.similarity < 0.1


@pytest.mark.parametrize("leak_db", [-20.0, -10.0])
def test_agent_leaking_into_the_customer_leg_is_not_same_content(settings, leak_db):
    """Turn-taking with overlaps; the customer leg also carries the agent (echo) at ``leak_db``, 3 ms late."""
    agent = talker(60, 1, active=turns(60, first=True))
    customer_voice = talker(60, 2, active=turns(60, first=False))
    echo = np.concatenate((np.zeros(48), agent[:-48])) * 10 ** (leak_db / 20)
    verdict = verdict_of(settings, agent, clip16(customer_voice + echo))
    assert not verdict.same_content
    g = 10 ** (leak_db / 20)
    assert verdict.similarity < 2 * g / (1 + g * g) + 0.05  # no better than the echo alone in single talk


# -- silent channel ------------------------------------------------------------------------------

def test_a_channel_silent_for_the_whole_call_is_reported(settings):
    verdict = verdict_of(settings, talker(20, 1), np.zeros(20 * RATE, np.int16))
    assert verdict.silent == ("customer",) and not verdict.same_content
    assert [(w["kind"], w["party"]) for w in verdict.warnings()] == [("silent_channel", "customer")]


def test_both_channels_silent_is_no_silent_channel_warning(settings):
    """Nothing on either side is a different problem (replay refuses it as "no speech")."""
    silence = np.zeros(20 * RATE, np.int16)
    verdict = verdict_of(settings, silence, silence)
    assert verdict.silent == () and verdict.warnings() == []


def test_same_content_warning_gives_the_finding_and_the_advice(settings):
    a = talker(30, 1)
    warnings = verdict_of(settings, a, a).warnings()
    assert [w["kind"] for w in warnings] == ["same_content"]
    assert "same audio" in warnings[0]["message"] and "its own channel" in warnings[0]["message"]
    assert verdict_of(settings, a, a).to_dict() == {"similarity": 1.0, "judged_s": settings.min_voiced_s,
                                                     "same_content": True, "silent": []}


# -- settings ------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, value, reason", [
    ("threshold", 1.2, "between 0 and 1"),
    ("min_voiced_s", 0.0, "> 0"),
    ("window_s", -1.0, "> 0"),
    ("max_delay_ms", 250.0, "under half of channels.window_s"),
])
def test_bad_settings_are_refused_naming_the_key(key, value, reason):
    config = load_config()
    config = {**config, "channels": {**config["channels"], key: value}}
    with pytest.raises(SettingError) as error:
        ChannelCheckSettings.from_config(config)
    assert error.value.key == f"channels.{key}" and reason in error.value.reason


def test_settings_echo_the_vad_floor_and_engine_rate():
    config = load_config()
    settings = ChannelCheckSettings.from_config(config)
    assert dataclasses.astuple(settings)[-2:] == (config["audio"]["sample_rate"], config["vad"]["energy_floor_dbfs"])
    assert settings.window_samples == round(config["channels"]["window_s"] * RATE)
