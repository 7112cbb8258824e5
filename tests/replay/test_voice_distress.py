"""Voice distress end to end: recordings through ``coach replay``'s path, the verdict and its evidence in the report.

The calm call is real speech with realistic turn-taking (service.testing.real_calls).
The raised call is one real speaker throughout (LJ Speech, public domain):
calm takes first, then later takes TRANSFORMED with sox (+8 dB, +6 semitones,
same tempo; service.testing.voice_calls.sox_raised). A transform is not real
anger: scripts/bench_voice_distress.py measures real acted anger (Berlin
EmoDB) where it is available. Transcription is off: the voice needs no words.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.replay.recording import replay_recording
from service.testing.real_calls import RealCall, load_clips, realistic_call, write_call
from service.testing.voice_calls import sox_raised, voice_call

SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"
SEED = 18000  # the first call of scripts/bench_real_stereo.py and bench_voice_distress.py


@pytest.fixture(scope="module")
def clips():
    return load_clips(SPEECH, ("en", "lv"))


def raised_call(clips, raised_takes=3):
    lj = [c.audio for c in clips if c.id.startswith("en-lj")]
    agent = [c.audio for c in clips if c.language == "lv"]
    return voice_call(agent, lj[:4], [sox_raised(a, 8.0, 6.0) for a in lj[4 : 4 + raised_takes]], SEED)


@pytest.mark.parametrize("telephone", [False, True], ids=["16k-pcm", "8k-ulaw"])
def test_a_calm_real_call_raises_no_voice_distress(clips, timing_config, tmp_path, telephone):
    call = realistic_call(clips, SEED)
    report = replay_recording(write_call(call, tmp_path / "calm.wav", telephone=telephone), timing_config)
    assert "voice_distress" not in report
    assert report["settings"]["voice"]["raised_pitch_st"] == timing_config["voice"]["raised_pitch_st"]


@pytest.mark.parametrize("telephone", [False, True], ids=["16k-pcm", "8k-ulaw"])
def test_the_same_speaker_raised_later_in_the_call_is_reported_with_evidence(clips, timing_config, tmp_path,
                                                                            telephone):
    built = raised_call(clips)
    path = write_call(RealCall(built.agent, built.customer), tmp_path / "raised.wav", telephone=telephone)
    report = replay_recording(path, timing_config)
    [distress] = report["voice_distress"]
    assert distress["speaker"] == "customer"
    assert built.raised_from - 0.1 <= distress["start"] < distress["end"] <= distress["t"]
    assert len(distress["stretches"]) >= 2
    # the transform's +8 dB and +6 semitones, measured against the speaker's own calm voice
    assert distress["loudness_delta_db"] == pytest.approx(8.0, abs=1.5)
    assert distress["pitch_delta_st"] == pytest.approx(6.0, abs=1.0)
    assert 150 <= distress["baseline"]["pitch_hz"] <= 260  # LJ Speech's reader, a female voice


def test_the_session_hands_the_raised_voice_to_the_empathy_rules(clips, timing_config):
    """Session and rules wired: the voice opens the episode, the agent's policy-first reply is nudged.

    The words are given, not recognised: every customer utterance is garbled
    (no distress phrase survives), every agent utterance quotes policy.
    """
    import dataclasses

    import numpy as np

    from service.coaching import CoachingEngine, coaching_settings
    from service.core import CallSession, SessionSettings

    settings = dataclasses.replace(coaching_settings(timing_config["coaching"]), voice_opens_episode=True)
    session = CallSession(SessionSettings.from_config(timing_config), rules=CoachingEngine(settings))
    built = raised_call(clips, raised_takes=5)  # the agent answers after the verdict
    pcm = {who: np.clip(np.round(x * 32768), -32768, 32767).astype(np.int16)
           for who, x in (("agent", built.agent), ("customer", built.customer))}
    words = {"agent": "Our policy is that refunds take ten days.", "customer": "σημομένος λογαριασμό"}
    for i in range(0, len(pcm["agent"]), 16000):
        session.receive_audio("agent", pcm["agent"][i : i + 16000])
        session.receive_audio("customer", pcm["customer"][i : i + 16000])
        for request in session.transcription_requests():
            session.receive_transcript(request, words[request.speaker], "en")
    session.finish()
    for request in session.transcription_requests():
        session.receive_transcript(request, words[request.speaker], "en")
    result = session.result()
    distress = result.voice_distress[0]
    policy = [n for n in result.nudges if n.kind == "policy_before_empathy"]
    assert policy and policy[0].t > distress.t  # the first policy reply after the raised voice
    assert not [n for n in result.nudges if n.kind == "policy_before_empathy" and n.t < built.raised_from]
