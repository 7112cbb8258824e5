"""A directory of synthesized calls replayed end to end: JSON, CSV and the HTML pages agree."""

from __future__ import annotations

import csv
import json
import shutil
import tomllib

import pytest
from .html_dom import parse

from service.config import defaults_dir, merge
from service.replay.html_report import write_html_report
from service.replay.identity import call_identity
from service.replay.recording import replay_recording
from service.call import write_report
from service.replay.summary import write_summary
from service.replay.summary_html import agent_totals, render_summary_html, write_summary_html

# Recording file name -> synthesized scenario; the names follow "<agent>_<call>".
BATCH = {"a01_morning.wav": "clean", "a01_late.wav": "interruption_and_dead_air",
         "b02_first.wav": "interruption_and_dead_air_8k", "b02_second.wav": "clean"}


@pytest.fixture(scope="module")
def batch(calls, timing_config, tmp_path_factory):
    """Replay the folder as ``coach replay`` does; returns (output folder, reports in input order)."""
    inbox, out = tmp_path_factory.mktemp("inbox"), tmp_path_factory.mktemp("reports")
    for name, scenario in BATCH.items():
        shutil.copy(calls[scenario][0], inbox / name)
    # One export came with a sidecar that names a different agent: it wins over the file name.
    (inbox / "b02_second.meta.json").write_text(json.dumps({"agent_id": "c03", "call_id": "CX-9"}), encoding="utf-8")
    with (defaults_dir() / "reports.toml").open("rb") as fh:
        section = tomllib.load(fh)["reports"]
    config = merge(timing_config, {"reports": dict(section, filename_pattern="^(?P<agent_id>[^_]+)_(?P<call_id>.+)$")})
    reports = []
    for wav in sorted(inbox.glob("*.wav")):
        ids = call_identity(wav, config)
        report = replay_recording(wav, config, call_id=ids["call_id"], agent_id=ids["agent_id"])
        write_report(report, out, wav.stem)
        write_html_report(report, out, wav.stem)
        reports.append(report)
    write_summary(reports, out / "summary.csv")
    write_summary_html(reports, out)
    return out, reports


def table(doc, test_id):
    """Rows of a summary table as {column key: data-value}."""
    t = doc.one("table", data_testid=test_id)
    keys = [th.attrs["data-key"] for th in t.select("th") if "data-key" in th.attrs]
    return [dict(zip(keys, (c.attrs["data-value"] for c in row.walk() if c.tag in ("th", "td"))))
            for row in t.one("tbody").select("tr")]


def test_every_call_has_its_json_and_html(batch):
    out, _ = batch
    stems = sorted(name.removesuffix(".wav") for name in BATCH)
    assert sorted(p.name for p in out.glob("*.coach.json")) == [f"{s}.coach.json" for s in stems]
    assert sorted(p.name for p in out.glob("*.html")) == sorted([f"{s}.html" for s in stems] + ["summary.html"])
    for stem in stems:
        saved = json.loads((out / f"{stem}.coach.json").read_text(encoding="utf-8"))
        page = parse((out / f"{stem}.html").read_text(encoding="utf-8"))
        assert page.one("h1").text() == f"Call {saved['call_id']}"
        markers = page.one(data_testid="timeline").select("button", class_="nudge")
        assert sorted(m.attrs["data-kind"] for m in markers) == sorted(n["kind"] for n in saved["nudges"])
    assert not list(out.glob(".*"))  # no temporary files left behind


def test_identifiers_come_from_the_sidecar_or_the_file_name(batch):
    _, reports = batch
    assert {r["source"]: (r["agent_id"], r["call_id"]) for r in reports} == {
        "a01_late.wav": ("a01", "late"), "a01_morning.wav": ("a01", "morning"),
        "b02_first.wav": ("b02", "first"), "b02_second.wav": ("c03", "CX-9")}


def test_csv_and_summary_page_list_the_same_calls(batch):
    out, _ = batch
    with (out / "summary.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    calls = table(parse((out / "summary.html").read_text(encoding="utf-8")), "calls")
    assert [(r["call_id"], r["agent_id"]) for r in rows] == [(c["call"], c["agent"]) for c in calls]
    for row, call in zip(rows, calls):
        assert float(row["duration"]) == float(call["duration"])
        assert int(row["nudges"]) == int(call["nudges"])
        kind_columns = [k for k in row if k.startswith("nudges_")]
        assert kind_columns and all(int(row[k]) == int(call["kind_" + k.removeprefix("nudges_")]) for k in kind_columns)


def test_calls_link_to_their_reports(batch):
    out, _ = batch
    doc = parse((out / "summary.html").read_text(encoding="utf-8"))
    links = [a.attrs["href"] for a in doc.one("table", data_testid="calls").select("a")]
    assert links and all((out / href).is_file() for href in links)


def test_agent_aggregates_add_up_the_reports(batch):
    out, reports = batch
    agents = {row["agent"]: row for row in table(parse((out / "summary.html").read_text(encoding="utf-8")), "agents")}
    assert sorted(agents) == ["a01", "b02", "c03"]
    for agent, row in agents.items():
        mine = [r for r in reports if r["agent_id"] == agent]
        assert int(row["calls"]) == len(mine)
        assert float(row["duration"]) == pytest.approx(sum(r["duration"] for r in mine), abs=1e-3)
        assert int(row["interruptions"]) == sum(r["metrics"]["interruptions_by_agent"] for r in mine)
        assert float(row["dead_air"]) == pytest.approx(sum(r["metrics"]["dead_air_s"] for r in mine), abs=1e-3)
        assert float(row["talk_ratio"]) == pytest.approx(
            sum(r["metrics"]["talk_ratio_agent"] for r in mine) / len(mine), abs=1e-3)
        assert int(row["kind_interruption"]) == sum(n["kind"] == "interruption" for r in mine for n in r["nudges"])
    assert agents["a01"]["kind_interruption"] == "1" and agents["c03"]["kind_interruption"] == "0"


def test_kind_aggregates_count_calls_and_agents(batch):
    out, reports = batch
    kinds = {row["kind"]: row for row in table(parse((out / "summary.html").read_text(encoding="utf-8")), "kinds")}
    assert {"interruption", "dead_air"} <= set(kinds)
    assert kinds["interruption"]["principle"] == "Listen, don't interrupt"
    assert int(kinds["interruption"]["calls"]) == 2 and int(kinds["interruption"]["agents"]) == 2
    assert int(kinds["dead_air"]["nudges"]) == sum(n["kind"] == "dead_air" for r in reports for n in r["nudges"])


def test_agents_without_an_id_are_grouped_and_names_escaped(batch):
    _, reports = batch
    odd = [dict(reports[0], agent_id=""), dict(reports[1], agent_id="<i>x</i>", call_id="<script>bad()</script>")]
    assert [a.agent_id for a in agent_totals(odd)] == ["(unknown)", "<i>x</i>"]
    doc = parse(render_summary_html(odd))
    assert len(doc.select("script")) == 1 and doc.select("i") == []
    assert [row["call"] for row in table(doc, "calls")] == [reports[0]["call_id"], "<script>bad()</script>"]
