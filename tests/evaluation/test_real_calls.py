"""Real conversations (tests/data/real): the targets of false alarms per call and recall, and the converter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from service.coaching.loader import pack_languages
from service.evaluation import EvaluationSettings, load_cases, suite_score
from service.evaluation.command import evaluate

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "real"
REALISTIC = ROOT / "tests" / "data" / "realistic"
DEV_IDS = 40


@pytest.fixture(scope="module")
def real_results(config):
    return evaluate(load_cases(REAL), config)


def test_the_dev_set_is_the_forty_labelled_calls_with_realistic_timing(real_results):
    assert len(real_results) == DEV_IDS
    assert all(r.case.timing and r.case.language == "en" for r in real_results)
    assert len(list((REAL / "hvb" / "labels").glob("*.yaml"))) == DEV_IDS


def test_false_alarms_per_call_and_recall_meet_the_targets(real_results, config):
    target = EvaluationSettings.from_config(config["evaluation"])
    score = suite_score("real", real_results)
    failures = [f"{r.case.source}: fp={r.false_positives} missed={r.misses}" for r in real_results if not r.ok]
    assert score.false_alarms_per_call <= target.max_false_alarms_per_call, "\n".join(failures)
    assert score.due > 0 and score.recall >= target.min_recall, "\n".join(failures)


def test_the_blind_round_covers_every_pack_language_and_every_case_replays(config):
    cases = load_cases(REALISTIC)
    per_language = {c.language for c in cases}
    assert tuple(sorted(per_language)) == pack_languages(tuple(config["coaching"]["phrases_dirs"]))
    assert len(cases) >= 75 and all(c.timing for c in cases)
    assert suite_score("realistic", evaluate(cases, config)).calls == len(cases)


def test_the_committed_cases_are_what_the_converter_makes_of_sources_and_labels(tmp_path):
    root = tmp_path / "hvb"
    for sub in ("source", "labels"):
        (root / sub).mkdir(parents=True)
        for f in (REAL / "hvb" / sub).iterdir():
            (root / sub / f.name).write_bytes(f.read_bytes())
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "convert_hvb.py"), "--root", str(root)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for made in (root / "cases").glob("*.json"):
        committed = REAL / "hvb" / "cases" / made.name
        assert json.loads(made.read_text()) == json.loads(committed.read_text()), made.name


def test_the_converter_names_the_file_and_the_label_it_cannot_place(tmp_path):
    root = tmp_path / "hvb"
    (root / "source").mkdir(parents=True)
    (root / "labels").mkdir()
    sid = "0091a706bc604188"
    (root / "source" / f"{sid}.json").write_bytes((REAL / "hvb" / "source" / f"{sid}.json").read_bytes())
    (root / "labels" / f"{sid}.yaml").write_text("due:\n  - {kind: dead_air, after: 999}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "convert_hvb.py"), "--root", str(root)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert f"{sid}.yaml: due[0]: segment 999 is not in the source" in proc.stderr
