"""The per-call HTML report, read back as a DOM from real engine output."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import pytest
from .html_dom import parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.coaching.kinds import configured_severity, label
from service.replay.findings import distress_events
from service.replay.html_page import METRICS, format_seconds
from service.replay.html_report import PRINCIPLES, ReportSettings, render_html_report, scorecard_rows, write_html_report
from service.replay.recording import replay_recording
from service.replay.transcript import replay_transcript

from .findings_calls import raised_voice_report, silent_leg_report

TOLERANCE_S = 0.1  # VAD edges vs. the synthesizer's labels: a few 30 ms frames
HOSTILE = '<script>alert("x")</script> "><img src=x onerror=alert(1)> & café'

TRANSCRIPT = {"language": "en", "agent_id": "a7", "turns": [
    {"speaker": "agent", "start": 0.0, "end": 2.5, "text": "Can I have your account number?"},
    {"speaker": "customer", "start": 3.0, "end": 8.0, "text": "I am really upset, my laptop never arrived " + HOSTILE},
    {"speaker": "agent", "start": 6.5, "end": 10.0,
     "text": "Our policy says deliveries take ten days. Please visit our website."},
    {"speaker": "customer", "start": 20.0, "end": 22.0, "text": "That is not good enough."},
    {"speaker": "agent", "start": 22.5, "end": 26.0,
     "text": "I understand your frustration, I'm sorry. Thank you for your patience."},
]}


@pytest.fixture(scope="module")
def text_report(timing_config):
    return replay_transcript(TRANSCRIPT, timing_config, source="hostile.json", call_id='call "<b>1</b>"')


@pytest.fixture(scope="module")
def audio_report(calls, timing_config):
    return replay_recording(calls["interruption_and_dead_air"][0], timing_config)


@pytest.fixture(scope="module")
def raised_report(timing_config, tmp_path_factory):
    return raised_voice_report(timing_config, tmp_path_factory.mktemp("raised"))


@pytest.fixture(scope="module")
def silent_report(timing_config, tmp_path_factory):
    return silent_leg_report(timing_config, tmp_path_factory.mktemp("silent"))


# The report fields added since the page was first made (docs/contracts.md, additive).
FINDINGS = ("language_source", "language_detection", "channels", "warnings", "untranscribed", "voice_distress")


def timeline(report, **kw):
    return parse(render_html_report(report, **kw)).one(data_testid="timeline")


def by_kind(markers):
    return dict(Counter(m.attrs["data-kind"] for m in markers))


@pytest.mark.parametrize("which", ["text_report", "audio_report"])
def test_a_marker_per_nudge_and_kudos_with_its_time_and_evidence(request, which):
    report = request.getfixturevalue(which)
    root = timeline(report)
    nudges, kudos = root.select("button", class_="nudge"), root.select("button", class_="kudos")
    assert by_kind(nudges) == dict(Counter(n["kind"] for n in report["nudges"]))
    assert sorted((m.attrs["data-kind"], float(m.attrs["data-t"])) for m in nudges) == \
        sorted((n["kind"], n["t"]) for n in report["nudges"])
    assert sorted((m.attrs["data-kind"], float(m.attrs["data-t"])) for m in kudos) == \
        sorted((k["kind"], k["t"]) for k in report["kudos"])
    for marker in nudges:
        nudge = next(n for n in report["nudges"]
                     if n["kind"] == marker.attrs["data-kind"] and n["t"] == float(marker.attrs["data-t"]))
        assert float(marker.attrs["data-ev-start"]) == nudge["evidence"]["start"]
        assert marker.attrs["data-ev-text"] == nudge["evidence"].get("text", "")
        assert nudge["message"] in marker.attrs["title"] and marker.attrs["aria-label"] == marker.attrs["title"]


def test_the_audio_call_shows_its_interruption_and_dead_air(audio_report, calls):
    labels = calls["interruption_and_dead_air"][1]
    turns = labels["turns"]
    root = timeline(audio_report)
    assert by_kind(root.select("button", class_="nudge")) == {"interruption": 1, "dead_air": 1}
    for party in ("agent", "customer"):
        segs = root.one(class_="lane", data_party=party).select(class_="seg")
        assert len(segs) == len(audio_report["speech"][party]) == sum(t["speaker"] == party for t in turns)
    [overlap] = root.select(class_="overlap")  # the agent barging in over turn 1
    assert float(overlap.attrs["data-start"]) == pytest.approx(turns[2]["start"], abs=TOLERANCE_S)
    assert float(overlap.attrs["data-end"]) == pytest.approx(turns[1]["end"], abs=TOLERANCE_S)
    [silence] = root.select(class_="silence")  # the unannounced 10 s gap
    assert float(silence.attrs["data-start"]) == pytest.approx(turns[3]["end"], abs=TOLERANCE_S)
    assert float(silence.attrs["data-end"]) == pytest.approx(turns[4]["start"], abs=TOLERANCE_S)


def test_silences_use_the_calls_dead_air_threshold_unless_configured(text_report):
    assert [(float(s.attrs["data-start"]), float(s.attrs["data-end"]))
            for s in timeline(text_report).select(class_="silence")] == [pytest.approx((10.0, 20.0), abs=0.05)]
    finer = replace(ReportSettings.shipped(), silence_min_s=0.4)
    assert len(timeline(text_report, settings=finer).select(class_="silence")) == 3  # 2.5-3.0, 10-20, 22-22.5


def test_markers_raised_together_are_stacked_not_hidden(text_report):
    at_ten = [m for m in timeline(text_report).select("button", class_="nudge") if float(m.attrs["data-t"]) == 10.0]
    assert len(at_ten) == 2
    tops = {re.search(r"top:([\d.]+)rem", m.attrs["style"]).group(1) for m in at_ten}
    assert len(tops) == 2


def test_transcript_has_every_turn_and_nudge_in_call_time_order(text_report):
    items = parse(render_html_report(text_report)).one("ol", data_testid="transcript").select("li")
    turns = [li for li in items if "turn" in li.attrs["class"].split()]
    nudges = [li for li in items if "inline-nudge" in li.attrs["class"].split()]
    kudos = [li for li in items if "inline-kudos" in li.attrs["class"].split()]
    assert [t.select("span")[-1].text() for t in turns] == [s["text"] for s in text_report["transcript"]]
    assert [t.select("span")[-1].attrs["lang"] for t in turns] == ["en"] * len(turns)
    assert len(nudges) == len(text_report["nudges"]) and len(kudos) == len(text_report["kudos"])
    times = [float(li.attrs.get("data-t", li.attrs.get("data-start"))) for li in items]
    assert times == sorted(times)
    for li in nudges:
        nudge = next(n for n in text_report["nudges"] if n["kind"] == li.attrs["data-kind"])
        assert nudge["message"] in li.text() and nudge["evidence"].get("text", "") in li.text()


def test_untrusted_text_is_shown_as_text_never_as_markup(text_report):
    page = render_html_report(text_report)
    doc = parse(page)
    assert len(doc.select("script")) == 1 and doc.select("img") == []
    assert not [n for n in doc.walk() if any(a.startswith("on") for a in n.attrs)]
    assert HOSTILE in doc.one("ol", data_testid="transcript").text()
    assert doc.one("h1").text() == 'Call call "<b>1</b>"'


def test_page_fetches_nothing(audio_report):
    page = render_html_report(audio_report)
    doc = parse(page)
    assert not [n for n in doc.walk() if {"src", "href"} & set(n.attrs)]
    assert not re.search(r"(?:https?:)?//[\w.-]+\.\w", doc.one("style").text() + doc.one("script").text())
    csp = doc.one("meta", http_equiv="Content-Security-Policy").attrs["content"]
    assert "default-src 'none'" in csp


def test_scorecard_groups_nudges_by_principle(text_report):
    card = {row.attrs["data-principle"]: row for row in
            parse(render_html_report(text_report)).one("table", data_testid="scorecard").select("tr")
            if "data-principle" in row.attrs}
    assert list(card) == [p.title for p in PRINCIPLES]
    kinds = {n["kind"] for n in text_report["nudges"]} | set(text_report["suppressed"])
    for p in PRINCIPLES:
        expected = "attention" if kinds & set(p.nudge_kinds) else "pass"
        assert card[p.title].attrs["data-status"] == expected
    cells = [td.text() for td in card["Own the problem"].select("td")]
    assert cells[1] == str(sum(n["kind"] in ("runaround", "brush_off", "blame") for n in text_report["nudges"]))


def test_scorecard_says_what_each_principle_asks_and_each_kinds_label_and_severity(text_report):
    rows = {row.attrs["data-principle"]: row for row in
            parse(render_html_report(text_report)).one("table", data_testid="scorecard").select("tr")
            if "data-principle" in row.attrs}
    for p in PRINCIPLES:
        assert p.text and p.text in rows[p.title].one("th").text()
        kinds = rows[p.title].select("td")[0].select("span")
        assert [k.attrs["data-kind"] for k in kinds] == list(p.nudge_kinds)
        for k in kinds:
            severity = configured_severity(k.attrs["data-kind"], text_report["settings"])
            assert severity in ("info", "warn", "alert") and k.attrs["data-severity"] == severity
            assert k.text() == f"{label(k.attrs['data-kind'], 'en')} ({severity})"
    assert rows["Own the problem"].select("td")[0].text() == "Runaround (warn), Brush-off (warn), Blame (alert)"


def test_scorecard_counts_held_back_and_unknown_kinds(text_report):
    report = dict(text_report, suppressed={"dead_air": 2, "brand_new_rule": 1})
    rows = {r["principle"]: r for r in scorecard_rows(report)}
    assert rows["Respond quickly"]["held_back"] == 2 and rows["Respond quickly"]["status"] == "attention"
    assert rows["Other"]["kinds"] == ("brand_new_rule",) and rows["Other"]["held_back"] == 1
    assert rows["Human opening"]["kudos"] == sum(k["kind"] in ("customer_name", "thanks") for k in report["kudos"])


def test_metrics_table_shows_every_metric(audio_report):
    table = parse(render_html_report(audio_report)).one("table", data_testid="metrics")
    rows = table.one("tbody").select("tr")
    values = {row.one("th").text(): float(row.one("td").attrs["data-value"]) for row in rows}
    assert values == {label: audio_report["metrics"][key] for key, (label, _) in METRICS.items()}


def test_page_is_accessible_enough(text_report):
    doc = parse(render_html_report(text_report))
    assert doc.one("html").attrs["lang"] == "en"
    assert [h.text() for h in doc.select("h2")] == ["Timeline", "Scorecard", "Metrics", "Transcript"]
    assert all(th.attrs.get("scope") in ("row", "col") for th in doc.select("th"))
    assert doc.one(data_testid="timeline").attrs["aria-label"]
    assert doc.one(data_testid="evidence").attrs["aria-live"] == "polite"


def test_write_replaces_the_page_atomically(text_report, tmp_path):
    first = write_html_report(text_report, tmp_path, "call")
    assert first == tmp_path / "call.html"
    second = write_html_report(dict(text_report, call_id="second"), tmp_path, "call")
    assert second == first and "Call second" in first.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["call.html"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from('<>&"\'/=`'), max_size=40))
def test_any_text_round_trips(text_report, text):
    nudges = [dict(n, message=text, evidence=dict(n["evidence"], text=text)) for n in text_report["nudges"]]
    transcript = [dict(s, text=text) for s in text_report["transcript"]]
    doc = parse(render_html_report(dict(text_report, nudges=nudges, transcript=transcript, call_id=text)))
    assert doc.one("h1").text() == f"Call {text}"
    assert {m.attrs["data-ev-text"] for m in doc.select("button", class_="nudge")} == {text}
    turns = doc.one("ol", data_testid="transcript").select("li", class_="turn")
    assert [t.select("span")[-1].text() for t in turns] == [text] * len(transcript)
    assert format_seconds(text_report["duration"]) in doc.one("header").text()


def header_facts(page):
    return {span.text().split(": ", 1)[0]: span for span in page.one("header").select("span")}


@pytest.mark.parametrize(("source", "shown"), [
    ("configured", "Language: en (configured)"),
    ("telephony", "Language: en (from telephony)"),
    ("detected", "Language: en (detected; switched from lv at 0:30.0; fixed at 0:33.6)"),
])
def test_the_header_says_where_the_language_came_from(raised_report, source, shown):
    fact = header_facts(parse(render_html_report(dict(raised_report, language_source=source))))["Language"]
    assert fact.text() == shown
    assert fact.attrs["title"] == "Detection votes: en 9, lv 2"


def test_the_header_gives_the_channel_check(raised_report, silent_report, text_report):
    facts = header_facts(parse(render_html_report(raised_report)))
    assert facts["Channels"].text() == "Channels: two parties (never both heard at once, so not compared)"
    assert raised_report["channels"]["similarity"] is None
    assert header_facts(parse(render_html_report(silent_report)))["Channels"].text() == \
        "Channels: customer silent throughout"
    assert "Channels" not in header_facts(parse(render_html_report(text_report)))  # a transcript has no channels


def test_a_silent_leg_is_a_warning_above_the_timeline(silent_report):
    doc = parse(render_html_report(silent_report))
    sections = [s.attrs.get("data-testid") or s.attrs["aria-labelledby"] for s in doc.one("main").select("section")]
    assert sections[:2] == ["warnings", "h-timeline"]
    [item] = doc.one(data_testid="warnings").select("li")
    assert (item.attrs["data-kind"], item.attrs["data-party"]) == ("silent_channel", "customer")
    assert item.one("strong").text() == "Silent channel: customer"
    [warning] = silent_report["warnings"]
    assert warning["message"][1:] in item.text()
    assert doc.one(class_="lane", data_party="customer").select(class_="seg") == []


def test_untranscribed_speech_is_counted_listed_and_placed_in_the_transcript(raised_report):
    skipped = raised_report["untranscribed"]
    doc = parse(render_html_report(raised_report))
    item = doc.one(data_testid="warnings").one("li", data_kind="untranscribed")
    seconds = sum(u["end"] - u["start"] for u in skipped)
    assert f"{len(skipped)} utterances ({seconds:.1f} s) were not transcribed live: decoder overloaded" in item.text()
    listed = item.one("ul", data_testid="untranscribed").select("li")
    assert [(float(li.attrs["data-start"]), float(li.attrs["data-end"]), li.attrs["data-reason"]) for li in listed] \
        == [(u["start"], u["end"], u["reason"]) for u in skipped]
    assert all(format_seconds(u["start"]) in li.text() for u, li in zip(skipped, listed))
    rows = doc.one("ol", data_testid="transcript").select("li")
    placed = [li for li in rows if "untranscribed" in li.attrs["class"].split()]
    assert [float(li.attrs["data-start"]) for li in placed] == [u["start"] for u in skipped]
    times = [float(li.attrs.get("data-t", li.attrs.get("data-start"))) for li in rows]
    assert times == sorted(times)


def test_raised_voice_is_a_marker_on_the_customers_lane_with_its_evidence(raised_report):
    [verdict] = raised_report["voice_distress"]
    doc = parse(render_html_report(raised_report))
    root = doc.one(data_testid="timeline")
    assert root.one(class_="lane", data_party="agent").select("button") == []
    [marker] = root.one(class_="lane", data_party="customer").select("button", class_="distress")
    assert (marker.attrs["data-kind"], float(marker.attrs["data-t"])) == ("voice_distress", verdict["t"])
    assert (float(marker.attrs["data-ev-start"]), float(marker.attrs["data-ev-end"])) == (verdict["start"], verdict["end"])
    for shown in (f"{verdict['pitch_delta_st']:+.1f} semitones", f"{verdict['loudness_delta_db']:+.1f} dB",
                  f"\u00d7{verdict['rate_ratio']:.2f}", f"{verdict['baseline']['pitch_hz']:.0f} Hz",
                  *(format_seconds(s["start"]) for s in verdict["stretches"])):
        assert shown in marker.attrs["title"] and shown in marker.attrs["data-message"]
    assert marker.attrs["title"].startswith(f"Raised voice at {format_seconds(verdict['t'])}: ")
    assert any("Raised voice" in span.text() for span in doc.one(class_="legend").select("span"))
    [row] = doc.one("ol", data_testid="transcript").select("li", class_="inline-distress")
    assert float(row.attrs["data-t"]) == verdict["t"] and row.attrs["data-kind"] == "voice_distress"
    assert distress_events(raised_report)[0]["message"] in row.text()


@pytest.mark.parametrize("which", ["text_report", "audio_report", "raised_report", "silent_report"])
def test_a_report_from_before_these_fields_renders_as_it_did(request, which):
    old = {k: v for k, v in request.getfixturevalue(which).items() if k not in FINDINGS}
    doc = parse(render_html_report(old))
    assert [k for k in header_facts(doc)] == ["Agent", "Source", "Duration", "Language", "Nudges", "Kudos"]
    assert header_facts(doc)["Language"].text() == f"Language: {old['language'] or 'unknown'}"
    assert [h.text() for h in doc.select("h2")] == ["Timeline", "Scorecard", "Metrics", "Transcript"]
    assert [span.text() for span in doc.one(class_="legend").select("span")][-2:] == ["Nudge", "Kudos"]
    lanes = doc.select(class_="lane")
    assert [lane.attrs["role"] for lane in lanes] == ["img", "img"] and not any(lane.select("button") for lane in lanes)
    rows = doc.one("ol", data_testid="transcript").select("li")
    assert len(rows) == len(old["transcript"]) + len(old["nudges"]) + len(old["kudos"])
    assert doc.select(data_testid="warnings") == [] and doc.select(class_="distress") == []

