"""The supervisor view in a real headless Chromium, against a real `coach serve`, its embedded broker and live calls.

Ten synthesized calls of two teams stream through `/stream` and real
faster-whisper (base) transcribes them; the page opened with team A's
supervisor link must show team A's agents only, update their tiles live, raise
the agent whose upset customer heard policy first to the top with the reason
(the customer's distress came twice before the policy, so the nudge is an
alert with the default severities), and open that call's history with the
evidence on Enter. Only that call needs words: the other nine say two short
lines each, which keeps the Whisper work small. The page speaks the display's
languages; a link that is not a supervisor link for the team shows a message
and no tile.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from links.serve import CoachServe, run_coach

from service.coaching.kinds import display_labels
from service.egress import Identity, sign_token
from service.testing.clients import load_stereo
from service.testing.clients.stream import stream_pcm
from service.testing.synth import synthesize_call

from .page import ROOT, page_strings

SCRIPT = Path(__file__).with_name("check_supervisor.js")
ARTIFACT = ROOT / "tests" / "artifacts" / "supervisor.png"
SECRET = "link-secret-of-the-supervisor-tests-0123456789"
TEAMS = {"alpha": [f"a{i}" for i in range(1, 6)], "bravo": [f"b{i}" for i in range(1, 6)]}
FLAGGED = "a3"  # the agent who answers an upset customer with policy
WAIT_S = 150.0

SHORT = {"turns": [
    {"speaker": "agent", "text": "Thank you for calling, how can I help?"},
    {"speaker": "customer", "text": "I would like to check my balance please.", "gap": 0.5},
]}
# Checked with `coach replay` ([replay] decode = "utterance", as live decodes) on Whisper base: the
# customer's "frustrated" and "upset" and the agent's "policy" come through the 8 kHz espeak speech.
POLICY_FIRST = {"turns": [
    {"speaker": "agent", "text": "Thank you for calling, this is Sam, how can I help?"},
    {"speaker": "customer", "text": "My parcel never arrived and I am really frustrated about it.", "gap": 0.5},
    {"speaker": "customer", "text": "This is ridiculous, I am really upset.", "gap": 0.8},
    {"speaker": "agent", "text": "Our policy says refunds take ten business days.", "gap": 0.6},
    {"speaker": "customer", "text": "So what happens to my parcel now?", "gap": 0.6},
    {"speaker": "agent", "text": "Let me check the tracking for you right now.", "gap": 0.5},
    {"speaker": "customer", "text": "Okay, thank you.", "gap": 0.5},
    {"speaker": "agent", "text": "The courier has it and it will arrive tomorrow morning.", "gap": 1.0},
    {"speaker": "customer", "text": "Fine, tomorrow morning works for me.", "gap": 0.5},
]}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with CoachServe(tmp_path_factory.mktemp("supervisor"), {"link_secret": SECRET}, teams=TEAMS,
                    tables={"asr": {"engine": "whisper"}}) as serve:
        yield serve


@pytest.fixture(scope="module")
def calls(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calls")
    made = {}
    for name, scenario in (("short", SHORT), ("policy_first", POLICY_FIRST)):
        synthesize_call(scenario, folder / f"{name}.wav", sample_rate=8000)
        made[name] = load_stereo(folder / f"{name}.wav")
    return made


def supervisor_link(served, team: str) -> str:
    made = run_coach("supervisor-link", team, "--id", "sam-lead", "--config", str(served.config))
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


async def drive(url: str, profile: Path, flagged: str, when_ready) -> dict:
    node = await asyncio.create_subprocess_exec(
        shutil.which("node"), str(SCRIPT), url, str(ARTIFACT), str(profile), flagged,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT)
    try:
        ready = await asyncio.wait_for(node.stdout.readline(), WAIT_S)
        assert ready.strip() == b"READY", (ready, await node.stderr.read())
        streaming = asyncio.create_task(when_ready())
        line = await asyncio.wait_for(node.stdout.readline(), WAIT_S)
        assert line, await node.stderr.read()
        await asyncio.wait_for(streaming, WAIT_S)
        assert await asyncio.wait_for(node.wait(), WAIT_S) == 0, await node.stderr.read()
    finally:
        if node.returncode is None:
            node.kill()
            await node.wait()
    return json.loads(line)


def test_team_view_raises_the_policy_first_call_and_shows_only_its_team(served, calls, tmp_path):
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    url = supervisor_link(served, "alpha")
    assert "/supervisor?team=alpha&token=" in url
    url = url.replace(url.split("/supervisor")[0], served.http)

    async def stream_all() -> None:
        jobs = []
        for agents in TEAMS.values():
            for agent in agents:
                call = calls["policy_first" if agent == FLAGGED else "short"]
                call = dataclasses.replace(call, call_id=f"call-{agent}", agent_id=agent)
                jobs.append(stream_pcm(served.http.replace("http", "ws"), call, speed=1.0))
        results = await asyncio.gather(*jobs)
        assert all(r.close_code == 1000 for r in results), [(r.close_code, r.close_reason) for r in results]

    shown = asyncio.run(drive(url, tmp_path / "profile", FLAGGED, stream_all))
    assert shown["errors"] == [] and shown["connection"] == "connected"
    # Team alpha's five agents, never bravo's.
    assert shown["seen"]["agents"] == TEAMS["alpha"]
    assert not any(agent in shown["text"] for agent in TEAMS["bravo"])
    assert "call-b" not in json.dumps(shown)
    # Live: several tiles were on call at once, with a running duration.
    assert shown["seen"]["maxOnCall"] >= 3
    assert any(d != "0:00" for d in shown["seen"]["durations"].values())
    # The policy-first call rose to the top with the reason; its history opens with the evidence.
    label = display_labels()["en"]["policy_before_empathy"]
    assert shown["top"]["agent"] == FLAGGED and shown["order"][0] == FLAGGED
    assert shown["top"]["attention"] == "alert" and shown["top"]["reason"] == f"Alert: {label}"
    assert f"Alert: {label}" in shown["top"]["lastNudges"]
    policy = [item for item in shown["opened"]["items"] if item["kind"] == "policy_before_empathy"]
    assert policy and policy[0]["severity"] == "alert"
    assert "Said: policy (0:1" in policy[0]["text"]  # the agent's words, from 0:12 into the call
    assert "call-a3" in shown["opened"]["title"] and shown["opened"]["expanded"] == "true"
    assert shown["closed"] is True
    assert ARTIFACT.stat().st_size > 10_000
    report = json.loads((served.folder / "reports" / "call-a3.coach.json").read_text())
    assert report["team"] == "alpha"
    assert [n["kind"] for n in report["nudges"] if n["severity"] == "alert"] == ["policy_before_empathy"]


def test_the_page_speaks_the_language_asked_for(served, tmp_path):
    """?lang=el (as on the agent display): the page's own words come from i18n.js's Greek table."""
    url = supervisor_link(served, "alpha").replace("/supervisor?", "/supervisor?lang=el&")
    url = url.replace(url.split("/supervisor")[0], served.http)
    run = subprocess.run([shutil.which("node"), str(SCRIPT), url, "-", str(tmp_path / "profile"), "words"],
                         check=False, capture_output=True, cwd=ROOT, timeout=WAIT_S, text=True)
    assert run.returncode == 0, run.stderr
    shown, greek = json.loads(run.stdout), page_strings()["el"]
    assert shown["errors"] == [] and shown["lang"] == "el"
    assert shown["title"] == f"{greek['team']} alpha" and shown["connection"] == greek["connected"]
    assert shown["hint"] == greek["keys_hint"] and shown["close"] == greek["close"]
    assert shown["tilesLabel"] == greek["agents_of_team"] and shown["lastNudgesLabel"] == greek["last_nudges"]
    assert shown["status"] in (greek["idle"], greek["call_ended"], greek["on_call"])
    assert shown["figures"] == [greek[k] for k in ("duration", "silence", "customer", "talk_ratio", "interruptions")]


def problem(url: str, profile: Path) -> dict:
    run = subprocess.run([shutil.which("node"), str(SCRIPT), url, "-", str(profile), "problem"],
                         check=False, capture_output=True, cwd=ROOT, timeout=WAIT_S, text=True)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize(("make", "message"), [
    (lambda base, good: f"{base}/supervisor?team=alpha", "needs a supervisor link"),
    # an agent's valid token is no supervisor link
    (lambda base, good: f"{base}/supervisor?team=alpha&token="
                        + sign_token(SECRET, Identity("agent", "a1"), 4_000_000_000), "needs a supervisor link"),
    # bravo's supervisor edits ?team= to alpha
    (lambda base, good: f"{base}/supervisor?team=alpha&token="
                        + sign_token(SECRET, Identity("supervisor", "x", "bravo"), 4_000_000_000), "needs a supervisor link"),
    # a forged token for alpha: only the broker can tell
    (lambda base, good: f"{base}/supervisor?team=alpha&token="
                        + sign_token("another secret of at least thirty-two characters",
                                     Identity("supervisor", "x", "alpha"), 4_000_000_000), "refused"),
])
def test_without_a_valid_supervisor_link_the_page_shows_a_message_and_no_tile(served, tmp_path, make, message):
    shown = problem(make(served.http, supervisor_link(served, "alpha")), tmp_path / "profile")
    assert message in shown["problem"] and shown["role"] == "alert"
    assert shown["tiles"] == 0 and shown["connection"] == "offline" and shown["errors"] == []
