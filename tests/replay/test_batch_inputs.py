"""Which files `coach replay` takes as calls, and what their outputs are called: never two inputs on one report."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from service.replay.batch import name_outputs

from .html_dom import parse
from .test_batch_rerun import TRANSCRIPTS, coach, counts, no_asr_config


@pytest.mark.parametrize("files, names", [
    (["in/call1.wav"], ["call1"]),  # one file: <stem>, as ever
    (["in/a.wav", "in/b.json"], ["a", "b"]),  # a flat folder: <stem>
    (["in/a/call1.wav", "in/b/call1.wav"], ["a/call1", "b/call1"]),
    (["in/a/x/call1.wav", "in/a/y/call1.wav"], ["x/call1", "y/call1"]),  # relative to the common folder
    (["in/x.wav", "in/x.json", "in/y.wav"], ["x.wav", "x.json", "y"]),
    (["in/x.wav", "in/x.json", "in/x.wav.json"], ["x.wav", "x.json", "x.wav.json"]),
    (["in/summary.wav", "in/a.wav"], ["summary.wav", "a"]),  # summary.html belongs to the batch
    (["in/a.wav", "in/../in/a.wav", "in/b.wav"], ["a", "b"]),  # the same file twice: replayed once
])
def test_output_names_are_distinct_and_keep_the_stem_where_they_can(tmp_path, files, names):
    items = name_outputs([tmp_path / f for f in files])
    assert [item.name for item in items] == names
    assert items[0].path == tmp_path / files[0]  # messages name the file as given


def test_same_name_in_two_folders_gets_two_reports_and_summary_links(capfd, calls, tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    for folder, scenario in (("a", "clean"), ("b", "interruption_and_dead_air")):
        (inbox / folder).mkdir(parents=True)
        shutil.copy(calls[scenario][0], inbox / folder / "call1.wav")
    rc, err = coach(capfd, inbox, "--out", out, "--config", no_asr_config(tmp_path), "--workers", "2")
    assert rc == 0 and counts(err) == (2, 0, 0)
    kinds = {name: [n["kind"] for n in json.loads((out / name / "call1.coach.json").read_text())["nudges"]]
             for name in ("a", "b")}
    assert kinds == {"a": [], "b": ["interruption", "dead_air"]}
    assert (out / "a" / "call1.html").is_file() and (out / "b" / "call1.html").is_file()
    links = [a.attrs["href"] for a in parse((out / "summary.html").read_text()).one("table", data_testid="calls")
             .select("a")]
    assert sorted(links) == ["a/call1.html", "b/call1.html"]
    with (out / "summary.csv").open(encoding="utf-8", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 2
    assert counts(coach(capfd, inbox, "--out", out, "--config", no_asr_config(tmp_path))[1]) == (0, 2, 0)


def test_a_recording_and_a_transcript_of_one_stem_keep_their_extensions(capfd, calls, tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(calls["clean"][0], inbox / "x.wav")
    shutil.copy(sorted(TRANSCRIPTS.glob("*.json"))[0], inbox / "x.json")
    assert coach(capfd, inbox, "--out", out, "--config", no_asr_config(tmp_path))[0] == 0
    sources = {p.name: json.loads(p.read_text())["source"] for p in out.glob("*.coach.json")}
    assert sources == {"x.wav.coach.json": "x.wav", "x.json.coach.json": "x.json"}


def test_sidecars_named_by_a_glob_are_metadata_not_calls(capfd, calls, tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(calls["clean"][0], inbox / "call.wav")
    shutil.copy(sorted(TRANSCRIPTS.glob("*.json"))[0], inbox / "chat.json")
    for stem in ("call", "chat"):
        (inbox / f"{stem}.meta.json").write_text(json.dumps({"agent_id": f"agent-{stem}"}), encoding="utf-8")
    rc, err = coach(capfd, *sorted(inbox.iterdir()), "--out", out, "--config", no_asr_config(tmp_path))  # `inbox/*`
    assert rc == 0 and counts(err) == (2, 0, 0)
    assert [line for line in err.splitlines() if "passing over" in line] == [
        f"coach replay: passing over 2 sidecar or report file(s) named as inputs (e.g. {inbox / 'call.meta.json'}): "
        "metadata, not calls"]
    agents = {p.name: json.loads(p.read_text())["agent_id"] for p in out.glob("*.coach.json")}
    assert agents == {"call.coach.json": "agent-call", "chat.coach.json": "agent-chat"}
