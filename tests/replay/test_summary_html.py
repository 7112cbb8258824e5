"""A directory of synthesized calls replayed end to end: JSON, CSV and the HTML pages agree.

Teams come three ways: c03's sidecar names its team, a01 is listed in
``[mqtt.teams]``, b02 is in no team.
"""

from __future__ import annotations

import csv
import json
import shutil
import tomllib

import pytest
from .html_dom import parse
from .test_batch_rerun import TRANSCRIPTS, coach, no_asr_config

from service.config import defaults_dir, merge
from service.replay.html_report import write_html_report
from service.replay.identity import call_identity
from service.replay.recording import replay_recording
from service.call import write_report
from service.replay.summary import TEAMS_FILE, write_summary
from service.replay.summary_html import agent_totals, render_summary_html, write_summary_html
from service.replay.totals import call_team

# Recording file name -> synthesized scenario; the names follow "<agent>_<call>".
BATCH = {"a01_morning.wav": "clean", "a01_late.wav": "interruption_and_dead_air",
         "b02_first.wav": "interruption_and_dead_air_8k", "b02_second.wav": "clean"}
TEAMS = {"front": ["a01", "x9"], "tier2": ["c03"]}  # [mqtt.teams]; c03's sidecar wins with "escalations"
# summary.csv's columns before the additive `team` (docs/contracts.md), nudges_<kind> per kind after them.
CALL_COLUMNS = ["call_id", "agent_id", "source", "duration", "language", "agent_talk_s", "customer_talk_s",
                "talk_ratio_agent", "interruptions_by_agent", "interruptions_by_customer", "overtalk_s",
                "longest_silence_s", "dead_air_s", "agent_wpm", "customer_wpm", "nudges", "kudos"]
LATER_COLUMNS = ["untranscribed", "voice_distress", "warnings"]  # additive, after `team`


@pytest.fixture(scope="module")
def batch(calls, timing_config, tmp_path_factory):
    """Replay the folder as ``coach replay`` does; returns (output folder, reports in input order)."""
    inbox, out = tmp_path_factory.mktemp("inbox"), tmp_path_factory.mktemp("reports")
    for name, scenario in BATCH.items():
        shutil.copy(calls[scenario][0], inbox / name)
    # One export came with a sidecar that names a different agent: it wins over the file name.
    (inbox / "b02_second.meta.json").write_text(json.dumps({"agent_id": "c03", "call_id": "CX-9", "team": "escalations"}),
                                                encoding="utf-8")
    with (defaults_dir() / "reports.toml").open("rb") as fh:
        section = tomllib.load(fh)["reports"]
    config = merge(timing_config, {"reports": dict(section, filename_pattern="^(?P<agent_id>[^_]+)_(?P<call_id>.+)$")})
    reports = []
    for wav in sorted(inbox.glob("*.wav")):
        ids = call_identity(wav, config)
        call_id, agent_id = ids.pop("call_id"), ids.pop("agent_id")
        report = replay_recording(wav, config, call_id=call_id, agent_id=agent_id, metadata=ids)
        write_report(report, out, wav.stem)
        write_html_report(report, out, wav.stem)
        reports.append(report)
    write_summary(reports, out / "summary.csv", TEAMS)
    write_summary_html(reports, out, teams=TEAMS)
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
    assert [a.name for a in agent_totals(odd)] == ["(unknown)", "<i>x</i>"]
    doc = parse(render_summary_html(odd))
    assert len(doc.select("script")) == 1 and doc.select("i") == []
    assert [row["call"] for row in table(doc, "calls")] == [reports[0]["call_id"], "<script>bad()</script>"]


def read_csv(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_csv_keeps_its_columns_and_adds_each_calls_team_last(batch):
    out, reports = batch
    header, *rows = read_csv(out / "summary.csv")
    assert header[:len(CALL_COLUMNS)] == CALL_COLUMNS and header[-4:] == ["team", *LATER_COLUMNS]
    assert all(k.startswith("nudges_") for k in header[len(CALL_COLUMNS):-4])
    assert {row[0]: row[-4] for row in rows} == {"late": "front", "morning": "front", "first": "", "CX-9": "escalations"}


def test_team_rows_add_up_the_calls_of_each_team(batch):
    out, reports = batch
    with (out / "summary.csv").open(encoding="utf-8", newline="") as fh:
        calls = list(csv.DictReader(fh))
    with (out / TEAMS_FILE).open(encoding="utf-8", newline="") as fh:
        teams = {row["team"]: row for row in csv.DictReader(fh)}
    assert sorted(teams) == ["", "escalations", "front"]
    kind_columns = [k for k in calls[0] if k.startswith("nudges_")]
    for team, row in teams.items():
        mine = [c for c in calls if c["team"] == team]
        assert int(row["calls"]) == len(mine) and int(row["agents"]) == len({c["agent_id"] for c in mine})
        assert float(row["duration"]) == pytest.approx(sum(float(c["duration"]) for c in mine), abs=1e-3)
        assert float(row["talk_ratio_agent_mean"]) == pytest.approx(
            sum(float(c["talk_ratio_agent"]) for c in mine) / len(mine), abs=1e-3)
        for column in ("interruptions_by_agent", "nudges", "kudos", *kind_columns):
            assert int(row[column]) == sum(int(c[column]) for c in mine), (team, column)
        assert float(row["dead_air_s"]) == pytest.approx(sum(float(c["dead_air_s"]) for c in mine), abs=1e-3)
    assert teams["front"]["calls"] == "2" and teams["front"]["agents"] == "1"
    assert int(teams["front"]["nudges_interruption"]) == 1


def test_summary_page_shows_the_teams_as_the_team_csv_does(batch):
    out, _ = batch
    doc = parse((out / "summary.html").read_text(encoding="utf-8"))
    with (out / TEAMS_FILE).open(encoding="utf-8", newline="") as fh:
        csv_rows = {row["team"] or "(no team)": row for row in csv.DictReader(fh)}
    shown = {row["team"]: row for row in table(doc, "teams")}
    assert sorted(shown) == sorted(csv_rows) == ["(no team)", "escalations", "front"]
    for team, row in shown.items():
        assert (row["calls"], row["agents"], row["nudges"]) == (
            csv_rows[team]["calls"], csv_rows[team]["agents"], csv_rows[team]["nudges"])
        assert float(row["duration"]) == float(csv_rows[team]["duration"])
    assert [c["team"] for c in table(doc, "calls")] == ["front", "front", "(no team)", "escalations"]


def test_without_teams_the_page_has_no_team_table_and_the_csvs_one_row(batch, tmp_path):
    _, reports = batch
    plain = [{k: v for k, v in r.items() if k != "metadata"} for r in reports]
    write_summary(plain, tmp_path / "summary.csv")
    assert {row[-4] for row in read_csv(tmp_path / "summary.csv")[1:]} == {""}
    header, *rows = read_csv(tmp_path / TEAMS_FILE)
    assert len(rows) == 1 and rows[0][:2] == ["", str(len(reports))]
    doc = parse(render_summary_html(plain))
    assert doc.select("table", data_testid="teams") == []
    assert "team" not in table(doc, "calls")[0]


@pytest.mark.parametrize(("report", "team"), [
    ({"agent_id": "a01", "team": "live", "metadata": {"team": "sidecar"}}, "live"),  # the live call's own
    ({"agent_id": "a01", "metadata": {"team": "sidecar"}}, "sidecar"),              # a recording's sidecar
    ({"agent_id": "a01"}, "front"),                                                 # [mqtt.teams]
    ({"agent_id": "zz"}, ""),
    ({"agent_id": ""}, ""),
])
def test_a_calls_team_comes_from_its_report_its_sidecar_then_the_config(report, team):
    assert call_team(report, TEAMS) == team


def test_coach_replay_takes_teams_from_sidecars_and_the_config(capfd, tmp_path):
    """The command end to end: [mqtt.teams] of --config and a sidecar's team reach both CSVs and the page."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    for name, transcript in zip(("a01_one", "b02_two", "c03_three"), sorted(TRANSCRIPTS.glob("*.json"))):
        shutil.copy(transcript, inbox / f"{name}.json")
    (inbox / "c03_three.meta.json").write_text(json.dumps({"agent_id": "c03", "team": "escalations"}))
    config = no_asr_config(tmp_path, '[mqtt.teams]\nfront = ["a01"]\n'
                                      '[reports]\nfilename_pattern = "^(?P<agent_id>[^_]+)_"\n')
    rc, err = coach(capfd, inbox, "--out", out, "--config", config)
    assert rc == 0, err
    with (out / "summary.csv").open(encoding="utf-8", newline="") as fh:
        assert {row["agent_id"]: row["team"] for row in csv.DictReader(fh)} == {
            "a01": "front", "b02": "", "c03": "escalations"}
    with (out / TEAMS_FILE).open(encoding="utf-8", newline="") as fh:
        assert {row["team"]: row["calls"] for row in csv.DictReader(fh)} == {"": "1", "escalations": "1", "front": "1"}
    teams = table(parse((out / "summary.html").read_text(encoding="utf-8")), "teams")
    assert [row["team"] for row in teams] == ["(no team)", "escalations", "front"]
