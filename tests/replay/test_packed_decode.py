"""Offline packed decoding (max-speed replay) with real faster-whisper on a synthesized multi-turn call:
words go back to the utterance (speaker and time) they were said in, partials are answered from the
finals, text nudges fire with the same kinds within 1 s of the per-utterance path, and paced replay
keeps the per-utterance path."""

from __future__ import annotations

import copy

import pytest

from service.asr import AsrSettings, DecodeScheduler, load_transcriber
from service.asr.guards import normalise
from service.asr.packed import PackedDecoder, PackedTranscripts
from service.coaching.kinds import TIMING_KINDS
from service.config import load_config
from service.core import SPEAKERS, CallSession, SessionSettings
from service.replay import recording
from service.replay.recording import replay_recording
from service.testing.synth import synthesize_call

# Short turns (several share a window), one long customer turn (partials), a policy answer to an
# upset customer (policy_before_empathy) and thanks for patience (a kudos): text decisions to compare.
SCENARIO = {
    "turns": [
        {"speaker": "agent", "text": "Thank you for calling, this is Sam, how can I help?"},
        {"speaker": "customer", "text": "Hi, I am really upset, my internet is not working again and I have been "
                                        "waiting for two weeks now.", "gap": 0.6},
        {"speaker": "agent", "text": "Our policy says an engineer visits within ten working days.", "gap": 0.7},
        {"speaker": "customer", "text": "Can you send me a text message to confirm it?", "gap": 0.6},
        {"speaker": "agent", "text": "Thank you for your patience, I will book the engineer for Monday.", "gap": 0.8},
        {"speaker": "customer", "text": "Okay, thank you.", "gap": 0.6},
    ]
}


@pytest.fixture(scope="module")
def call(tmp_path_factory):
    wav = tmp_path_factory.mktemp("packed") / "complaint.wav"
    return wav, synthesize_call(SCENARIO, wav)


@pytest.fixture(scope="module")
def config():
    return load_config()


@pytest.fixture(scope="module")
def transcriber(config):
    return load_transcriber(AsrSettings.from_config(config["asr"]))


def with_decode(config: dict, mode: str) -> dict:
    out = copy.deepcopy(config)
    out["replay"]["decode"] = mode
    return out


@pytest.fixture(scope="module")
def reports(call, config, transcriber):
    """The same call replayed at max speed per utterance and packed, and the packed decode's answers."""
    seen: list[PackedTranscripts] = []
    original = recording._packed_decode

    def spy(*args, **kwargs):
        seen.append(original(*args, **kwargs))
        return seen[-1]

    recording._packed_decode = spy
    try:
        per_utterance = replay_recording(call[0], with_decode(config, "utterance"), transcriber=transcriber)
        packed = replay_recording(call[0], config, transcriber=transcriber)  # the default at max speed
    finally:
        recording._packed_decode = original
    assert len(seen) == 1, "only the max-speed packed replay runs the packed decode"
    return per_utterance, packed, seen[0]


def overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return min(a[1], b[1]) - max(a[0], b[0])


def test_utterances_were_packed_and_every_request_answered(reports):
    _, _, answers = reports
    stats = answers.stats
    assert stats.utterances >= len(SCENARIO["turns"])
    assert stats.windows < stats.utterances  # several utterances shared a window
    assert answers.unmatched == 0  # both passes cut the same utterances


def test_each_turns_words_land_on_its_speakers_utterance(reports, call):
    _, packed, _ = reports
    labels = call[1]
    transcript = packed["transcript"]
    assert transcript, "no words at all"
    for seg in transcript:  # no segment off its speaker's speech, none in the other party's turn
        assert any(t["speaker"] == seg["speaker"] and overlap((seg["start"], seg["end"]), (t["start"], t["end"])) > 0
                   for t in labels["turns"]), seg
    for turn in labels["turns"]:
        said = set(normalise(turn["text"]).split())
        heard = " ".join(seg["text"] for seg in transcript if seg["speaker"] == turn["speaker"]
                         and overlap((seg["start"], seg["end"]), (turn["start"], turn["end"])) > 0)
        found = said & set(normalise(heard).split())
        assert len(found) >= 0.6 * len(said), (turn["text"], heard)
        # and none of it went to the other party's utterances at that time
        other = " ".join(seg["text"] for seg in transcript if seg["speaker"] != turn["speaker"]
                         and overlap((seg["start"], seg["end"]), (turn["start"] + 0.3, turn["end"] - 0.3)) > 0)
        assert not (said - {"thank", "you", "i", "the", "for", "a", "is"}) & set(normalise(other).split()), other


def test_partials_are_answered_with_the_words_heard_so_far(call, config, transcriber):
    """A partial gets the beginning of its utterance's final words, without another decode."""
    settings = AsrSettings.from_config(config["asr"])
    decoder = PackedDecoder(transcriber, settings)
    session = CallSession(SessionSettings.from_config(config), transcribe=True)
    requests = []
    for agent, customer, _ in recording._channels(call[0], config, call[1]["sample_rate"], None):
        session.receive_audio("agent", agent)
        session.receive_audio("customer", customer)
        requests += session.transcription_requests()
    session.finish()
    requests += session.transcription_requests()
    for request in requests:
        decoder.add(request)
    answers = decoder.finish()
    partials = [r for r in requests if r.partial]
    assert partials, "the long customer turn should have had partial requests"
    finals = {(r.speaker, r.utterance_id): answers.transcribe_request(r, None).text for r in requests
              if not r.partial}
    for request in partials:
        words = normalise(answers.transcribe_request(request, None).text).split()
        final = normalise(finals[(request.speaker, request.utterance_id)]).split()
        assert words == final[: len(words)]
        assert len(words) <= len(final)
    assert any(normalise(answers.transcribe_request(r, None).text) for r in partials)


def text_events(report: dict) -> list[tuple[str, float]]:
    return sorted([(n["kind"], n["t"]) for n in report["nudges"] if n["kind"] not in TIMING_KINDS]
                  + [(k["kind"], k["t"]) for k in report["kudos"]])


def test_text_nudges_fire_with_the_same_kinds_within_a_second(reports):
    per_utterance, packed, _ = reports
    expected, got = text_events(per_utterance), text_events(packed)
    assert "policy_before_empathy" in [kind for kind, _ in expected]  # the scenario does what it is for
    assert sorted(kind for kind, _ in got) == sorted(kind for kind, _ in expected)
    for kind in {kind for kind, _ in expected}:
        times = [t for k, t in expected if k == kind], [t for k, t in got if k == kind]
        assert all(abs(a - b) <= 1.0 for a, b in zip(*times)), (kind, times)


def test_timing_nudges_and_metrics_do_not_depend_on_the_decode(reports):
    per_utterance, packed, _ = reports
    timing = [(n["kind"], n["t"]) for n in per_utterance["nudges"] if n["kind"] in TIMING_KINDS]
    assert timing == [(n["kind"], n["t"]) for n in packed["nudges"] if n["kind"] in TIMING_KINDS]
    for party in SPEAKERS:
        assert packed["metrics"][f"{party}_talk_s"] == per_utterance["metrics"][f"{party}_talk_s"]
    assert [(s["speaker"], s["start"], s["end"]) for s in packed["transcript"]] == \
        [(s["speaker"], s["start"], s["end"]) for s in per_utterance["transcript"]]


def test_paced_replay_and_the_fake_engine_keep_the_per_utterance_path(call, config, transcriber, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the packed decode ran outside a max-speed replay")

    monkeypatch.setattr(recording, "_packed_decode", refuse)
    settings = AsrSettings.from_config(config["asr"])
    scheduler = DecodeScheduler(transcriber, settings)
    try:
        paced = replay_recording(call[0], config, speed=20.0, asr=scheduler)
    finally:
        scheduler.close()
    assert "policy" in " ".join(seg["text"].lower() for seg in paced["transcript"])
    assert scheduler.metrics()["decoded_finals"] >= len(SCENARIO["turns"])
    paced_inline = replay_recording(call[0], config, speed=20.0, transcriber=transcriber)
    assert paced_inline["transcript"]
    fake = replay_recording(call[0], config, transcriber=load_transcriber(
        AsrSettings.from_config({**config["asr"], "engine": "fake"})))
    assert fake["transcript"]
