"""How a call was heard, in words (service.replay.findings), and in summary.csv / summary.html."""

from __future__ import annotations

import csv

import pytest

from service.replay.findings import (channels_fact, distress_events, language_fact, language_votes,
                                     report_warnings, warning_tags)
from service.replay.summary import write_summary
from service.replay.summary_html import render_summary_html

from .findings_calls import raised_voice_report, silent_leg_report
from .html_dom import parse

SWITCHED = {"votes": {"el": 4, "en": 1}, "fixed_at": 75.0, "switches": [{"at": 70.0, "from": "en", "to": "el"}]}


@pytest.mark.parametrize(("fields", "shown"), [
    ({"language": "el"}, "el"),  # a report from before language_source
    ({"language": ""}, "unknown"),
    ({"language": "el", "language_source": "telephony"}, "el (from telephony)"),
    ({"language": "el", "language_source": "configured"}, "el (configured)"),
    ({"language": "el", "language_source": "detected",
      "language_detection": {"votes": {"el": 3}, "fixed_at": 42.0, "switches": []}}, "el (detected at 0:42.0)"),
    ({"language": "el", "language_source": "detected", "language_detection": SWITCHED},
     "el (detected; switched from en at 1:10.0; fixed at 1:15.0)"),
    ({"language": "el", "language_source": "detected", "language_detection": {
        "votes": {}, "fixed_at": 80.0, "switches": [{"at": 70.0, "from": "el", "to": "el"}]}},
     "el (detected; re-checked at 1:10.0, kept el; fixed at 1:20.0)"),
    ({"language": "en", "language_source": "unknown", "language_detection": {
        "votes": {}, "fixed_at": None, "switches": [{"at": 70.0, "from": "en", "to": None}]}},
     "en (never fixed: the last utterance's)"),
    ({"language": "", "language_source": "unknown"}, "unknown"),
    ({"language": "el", "language_source": "sidecar"}, "el (sidecar)"),  # a source from a newer version
])
def test_the_language_and_where_it_came_from(fields, shown):
    assert language_fact(fields) == shown


def test_detection_votes_most_first():
    assert language_votes({"language_detection": SWITCHED}) == "Detection votes: el 4, en 1"
    assert language_votes({"language_detection": {"votes": {}}}) is None and language_votes({}) is None


@pytest.mark.parametrize(("channels", "shown"), [
    (None, None),
    ({"similarity": 0.123, "judged_s": 41.6, "same_content": False, "silent": []},
     "two parties (similarity 0.12 over 42 s)"),
    ({"similarity": 0.93, "judged_s": 10.0, "same_content": True, "silent": []}, "same audio on both (similarity 0.93)"),
    ({"similarity": None, "judged_s": 0.0, "same_content": False, "silent": []},
     "two parties (never both heard at once, so not compared)"),
    ({"similarity": None, "judged_s": 0.0, "same_content": False, "silent": ["customer"]}, "customer silent throughout"),
])
def test_the_channel_check_in_a_few_words(channels, shown):
    assert channels_fact({} if channels is None else {"channels": channels}) == shown


def test_one_untranscribed_utterance_reads_in_the_singular():
    [w] = report_warnings({"untranscribed": [{"speaker": "agent", "start": 1.0, "end": 3.5, "reason": "queue_full"}]})
    assert (w.kind, w.title) == ("untranscribed", "Not transcribed live")
    assert w.text.startswith("1 utterance (2.5 s) was not transcribed live: decoder overloaded.")


def test_warnings_of_unknown_kinds_are_shown_by_their_name():
    [w] = report_warnings({"warnings": [{"kind": "clipped_audio", "message": "the agent's line clips"}]})
    assert (w.title, w.text, w.party) == ("Clipped audio", "The agent's line clips", None)
    assert warning_tags({"warnings": [{"kind": "same_content", "message": ""},
                                      {"kind": "silent_channel", "party": "agent", "message": ""}]}) \
        == "same_content;silent_channel:agent"


@pytest.fixture(scope="module")
def flagged(timing_config, tmp_path_factory):
    """A batch of real replays: a raised voice with skipped speech, a silent leg, and a report of before."""
    folder = tmp_path_factory.mktemp("flagged")
    raised = dict(raised_voice_report(timing_config, folder), call_id="raised", source="raised.wav")
    silent = dict(silent_leg_report(timing_config, folder), call_id="silent", source="silent.wav")
    older = {k: v for k, v in silent.items() if k not in ("channels", "warnings", "language_source")}
    return [raised, silent, dict(older, call_id="older", source="older.wav")]


def test_summary_csv_flags_each_call_after_the_team_column(flagged, tmp_path):
    write_summary(flagged, tmp_path / "summary.csv")
    with (tmp_path / "summary.csv").open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
        fh.seek(0)
        rows = {row["call_id"]: row for row in csv.DictReader(fh)}
    assert header[-4:] == ["team", "untranscribed", "voice_distress", "warnings"]
    assert {c: (r["untranscribed"], r["voice_distress"], r["warnings"]) for c, r in rows.items()} == {
        "raised": (str(len(flagged[0]["untranscribed"])), str(len(flagged[0]["voice_distress"])), ""),
        "silent": ("0", "0", "silent_channel:customer"),
        "older": ("0", "0", "")}


def test_summary_page_adds_raised_voice_and_warnings_only_when_a_call_has_them(flagged):
    calls = parse(render_summary_html(flagged)).one("table", data_testid="calls")
    keys = [th.attrs["data-key"] for th in calls.select("th") if "data-key" in th.attrs]
    at = keys.index("raised_voice")
    assert keys[at + 1] == "warnings"
    cells = {row.select("th")[0].text(): row.select("td") for row in calls.one("tbody").select("tr")}
    shown = {call: (tds[at - 1].text(), tds[at].text()) for call, tds in cells.items()}
    assert shown == {"raised": (str(len(distress_events(flagged[0]))), "Not transcribed live"),
                     "silent": ("0", "Silent channel: customer"), "older": ("0", "")}
    plain = parse(render_summary_html(flagged[2:])).one("table", data_testid="calls")
    assert not {"raised_voice", "warnings"} & {th.attrs.get("data-key") for th in plain.select("th")}
