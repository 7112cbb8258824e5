"""The reports in a real headless Chromium (playwright-core, system browser): what a QA analyst sees.

``render_report.mjs`` opens a page from file://, counts the timeline markers by
kind, clicks one and reads the evidence panel (or sorts a summary table), and
saves a screenshot to ``tests/artifacts/`` for a human to look at.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from service.replay.html_page import format_seconds
from service.replay.html_report import write_html_report
from service.replay.recording import replay_recording
from service.replay.summary_html import write_summary_html
from service.replay.transcript import replay_transcript

from .findings_calls import raised_voice_report

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent / "artifacts"
HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>"

COMPLAINT = {"language": "en", "agent_id": "a7", "turns": [
    {"speaker": "agent", "start": 0.0, "end": 2.0, "text": "Hello, how can I help?"},
    {"speaker": "customer", "start": 2.5, "end": 6.0, "text": "I am really upset, it broke again " + HOSTILE},
    {"speaker": "agent", "start": 6.5, "end": 10.0, "text": "Our policy says repairs take ten days."},
]}


def render(mode: str, page: Path, target: str) -> dict:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{page.stem}-{mode}.png"
    shot.unlink(missing_ok=True)
    done = subprocess.run(["node", str(HERE / "render_report.mjs"), mode, str(page), str(shot), target],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = json.loads(done.stdout)
    assert result["requests"] == [] and result["errors"] == [] and result["dialogs"] == []
    return result


@pytest.fixture(scope="module")
def pages(calls, timing_config, tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    audio = replay_recording(calls["interruption_and_dead_air"][0], timing_config, agent_id="a1")
    text = replay_transcript(COMPLAINT, timing_config, source="complaint.json", call_id="complaint")
    reports = {"interruption_and_dead_air": audio, "complaint": text}
    for stem, report in reports.items():
        write_html_report(report, out, stem)
    write_summary_html(list(reports.values()), out)
    return out, reports


def test_timeline_shows_the_calls_markers_and_their_evidence(pages):
    out, reports = pages
    report = reports["interruption_and_dead_air"]
    seen = render("report", out / "interruption_and_dead_air.html", "interruption")
    assert seen["lang"] == "en"
    assert seen["nudges"] == {"interruption": 1, "dead_air": 1} and seen["kudos"] == {}
    assert seen["segments"] == {party: len(spans) for party, spans in report["speech"].items()}
    assert seen["overlaps"] == 1 and seen["silences"] == 1
    assert not seen["evidence_before"]
    [nudge] = [n for n in report["nudges"] if n["kind"] == "interruption"]
    assert seen["evidence"]["title"] == f"Interruption at {format_seconds(nudge['t'])}"
    assert format_seconds(nudge["evidence"]["start"]) in seen["evidence"]["span"]
    assert seen["evidence"]["pressed"] == "true" and seen["evidence"]["highlight_visible"]


def test_clicking_a_text_nudge_quotes_its_words_and_hostile_text_stays_inert(pages):
    out, reports = pages
    report = reports["complaint"]
    seen = render("report", out / "complaint.html", "policy_before_empathy")
    assert seen["nudges"] == {n["kind"]: sum(m["kind"] == n["kind"] for m in report["nudges"]) for n in report["nudges"]}
    [nudge] = [n for n in report["nudges"] if n["kind"] == "policy_before_empathy"]
    assert nudge["evidence"]["text"] and seen["evidence"]["text"] == nudge["evidence"]["text"]
    assert seen["transcript_rows"] == len(report["transcript"]) + len(report["nudges"]) + len(report["kudos"])


def test_summary_sorts_on_a_header_click(pages):
    out, reports = pages
    seen = render("summary", out / "summary.html", "duration")
    by_duration = [r["call_id"] for r in sorted(reports.values(), key=lambda r: r["duration"])]
    assert seen["calls_sorted"] == by_duration
    assert seen["calls_reversed"] == by_duration[::-1]
    assert seen["sort_state"] == "ascending"
    assert sorted(seen["links"]) == ["complaint.html", "interruption_and_dead_air.html"]
    assert seen["agents"] == ["a1", "a7"]


def test_a_raised_voice_marker_shows_its_evidence_and_the_skipped_speech_is_in_the_transcript(timing_config, tmp_path):
    report = raised_voice_report(timing_config, tmp_path)
    [verdict] = report["voice_distress"]
    seen = render("report", write_html_report(report, tmp_path, "raised_voice"), "voice_distress")
    assert seen["marker_times"] == [verdict["t"]] and seen["nudges"] == {} and seen["kudos"] == {}
    assert seen["evidence"]["title"] == f"Raised voice at {format_seconds(verdict['t'])}"
    assert seen["evidence"]["span"] == f"Evidence: {format_seconds(verdict['start'])} \u2013 {format_seconds(verdict['end'])}"
    assert seen["evidence"]["pressed"] == "true" and seen["evidence"]["highlight_visible"]
    assert seen["transcript_rows"] == len(report["transcript"]) + len(report["untranscribed"]) + 1
