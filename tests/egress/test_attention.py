"""The per-team attention digest: which calls need a supervisor, and why (sans broker: a recording publisher)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from service.egress import MqttCallSink
from service.egress.settings import Team
from service.egress.sink import AttentionSettings

from .helpers import Info

ROOT = "callcoach/v1"
ALERT = {"kind": "policy_before_empathy", "t": 12.0, "speaker": "agent", "severity": "alert",
         "message": "Acknowledge the feeling first", "evidence": {"start": 10.0, "end": 12.0, "text": "policy says"}}
WARN = {**ALERT, "kind": "interruption", "severity": "warn", "message": "Let them finish"}


@dataclasses.dataclass
class TeamInfo(Info):
    team: str = "billing"


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict, bool]] = []

    def submit(self, topic, payload, *, qos, retain=False, **_):
        self.sent.append((topic, json.loads(payload), retain))

    def digests(self, team: str = "billing") -> list[dict]:
        return [p for t, p, _ in self.sent if t == f"{ROOT}/teams/{team}/attention"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def rig(settings):
    settings = dataclasses.replace(settings, teams=(Team("billing", frozenset({"a1", "a2"})),), state_interval_s=0.0)
    recorder, clock = Recorder(), Clock()
    sink = MqttCallSink(recorder, settings, clock=clock, wall=clock,
                        attention=AttentionSettings(alert_window_s=60, distress_s=10, dead_air_s=15))
    return sink, recorder, clock


def test_start_publishes_the_roster_and_an_empty_retained_digest(rig):
    _, recorder, _ = rig
    roster = [(p, r) for t, p, r in recorder.sent if t == f"{ROOT}/teams/billing/roster"]
    assert roster == [({"team": "billing", "agents": ["a1", "a2"], "issued_at": 1000.0}, True)]
    assert recorder.digests()[-1]["calls"] == []
    assert all(r for t, _, r in recorder.sent if t.endswith("/attention"))


def test_an_alert_nudge_flags_the_call_until_the_window_passes(rig):
    sink, recorder, clock = rig
    call = TeamInfo(call_id="c1", agent_id="a1")
    sink.call_started(call)
    sink.nudge(call, WARN)  # a warning alone is no reason
    assert recorder.digests()[-1]["calls"] == []
    sink.nudge(call, ALERT)
    [entry] = recorder.digests()[-1]["calls"]
    assert entry["agent_id"] == "a1" and entry["call_id"] == "c1"
    assert entry["reason"] == "alert_nudge" and entry["severity"] == "alert" and entry["kind"] == "policy_before_empathy"
    assert [n["kind"] for n in entry["last_nudges"]] == ["interruption", "policy_before_empathy"]
    count = len(recorder.digests())
    sink.state(call, {"status": "active", "silence_s": 0.0, "customer_distress": False})
    assert len(recorder.digests()) == count  # nothing changed: no republish
    clock.now += 61
    sink.state(call, {"status": "active", "silence_s": 0.0, "customer_distress": False})
    assert recorder.digests()[-1]["calls"] == []


def test_long_silence_and_long_distress_are_reasons_and_the_call_end_clears_them(rig):
    sink, recorder, clock = rig
    quiet, upset = TeamInfo(call_id="c1", agent_id="a1"), TeamInfo(call_id="c2", agent_id="a2")
    sink.call_started(quiet)
    sink.call_started(upset)
    sink.state(quiet, {"status": "active", "silence_s": 16.0, "customer_distress": False})
    sink.state(upset, {"status": "active", "silence_s": 0.0, "customer_distress": True})
    assert [c["reason"] for c in recorder.digests()[-1]["calls"]] == ["dead_air"]
    clock.now += 11
    sink.state(upset, {"status": "active", "silence_s": 0.0, "customer_distress": True})
    assert [(c["call_id"], c["reason"]) for c in recorder.digests()[-1]["calls"]] == [
        ("c1", "dead_air"), ("c2", "customer_distress")]
    assert recorder.digests()[-1]["calls"][1]["source"] == "words"  # the service before voice distress sent none
    sink.call_ended(quiet, {"metrics": {}})
    assert [c["call_id"] for c in recorder.digests()[-1]["calls"]] == ["c2"]


def test_distress_shown_only_by_the_voice_says_so_in_the_digest(rig):
    sink, recorder, clock = rig
    upset = TeamInfo(call_id="c5", agent_id="a5")
    sink.call_started(upset)
    voice = {"status": "active", "silence_s": 0.0, "customer_distress": True, "customer_distress_source": "voice"}
    sink.state(upset, voice)
    clock.now += 11
    sink.state(upset, voice)
    [entry] = recorder.digests()[-1]["calls"]
    assert (entry["reason"], entry["source"]) == ("customer_distress", "voice")


def test_calls_without_a_team_or_of_another_team_stay_out_of_the_digest(rig):
    sink, recorder, _ = rig
    sink.call_started(Info(call_id="c0", agent_id="a9"))
    sink.nudge(Info(call_id="c0", agent_id="a9"), ALERT)
    other = TeamInfo(call_id="c3", agent_id="z1", team="sales")
    sink.call_started(other)
    sink.nudge(other, ALERT)
    assert recorder.digests()[-1]["calls"] == []
    assert [c["call_id"] for c in recorder.digests("sales")[-1]["calls"]] == ["c3"]


def test_a_team_that_cannot_be_a_topic_level_is_refused_at_call_start(rig):
    sink, _, _ = rig
    with pytest.raises(ValueError, match="team"):
        sink.call_started(TeamInfo(call_id="c4", team="a/b"))


def test_attention_settings_come_from_mqtt_keys_with_defaults():
    assert AttentionSettings.from_config({}) == AttentionSettings()
    assert AttentionSettings.from_config({"attention_dead_air_s": 5}).dead_air_s == 5
    with pytest.raises(ValueError, match="attention_distress_s"):
        AttentionSettings.from_config({"attention_distress_s": -1})
