"""The labelled suite through the full transcript replay (gate included): every kind, every pack language."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest

from service.coaching import NUDGE_KINDS
from service.coaching.loader import pack_languages
from service.evaluation import SCORED_KINDS, EvaluationSettings, load_cases, summarize
from service.evaluation.command import evaluate, main

DATA = Path(__file__).resolve().parents[1] / "data" / "synthetic"
TRAPS = {"calm policy question", "empathy after the policy", "apology for something else", "customer quoting"}


@pytest.fixture(scope="module")
def cases():
    return load_cases(DATA)


@pytest.fixture(scope="module")
def results(cases, config):
    return evaluate(cases, config)


def test_the_suite_is_large_covers_every_pack_language_and_has_the_traps(cases, config):
    assert len(cases) >= 60
    per_language = Counter(c.language for c in cases)
    assert tuple(sorted(per_language)) == pack_languages(tuple(config["coaching"]["phrases_dirs"]))
    assert min(per_language.values()) >= 10
    tags = {t for c in cases for t in c.tags}
    assert TRAPS <= tags


def test_every_kind_has_positive_and_negative_cases(cases):
    for kind in SCORED_KINDS:
        positive = [c for c in cases if any(e.kind == kind for e in c.expect)]
        negative = [c for c in cases if kind in c.tags and not any(e.kind == kind for e in c.expect)]
        assert positive, f"no positive case for {kind}"
        if kind in NUDGE_KINDS:
            assert negative, f"no negative case for {kind}"


def test_every_nudge_kind_is_positive_in_several_languages(cases):
    for kind in NUDGE_KINDS:
        languages = {c.language for c in cases if any(e.kind == kind for e in c.expect)}
        assert len(languages) >= 3, (kind, languages)


def test_precision_and_recall_meet_the_target_for_every_kind(results, config):
    target = EvaluationSettings.from_config(config["evaluation"])
    scores = summarize(results)
    failures = [f"{r.case.source}: fp={r.false_positives} missed={r.misses}" for r in results if not r.ok]
    below = {k: (s.precision, s.recall) for k, s in scores.items() if not s.meets(target)}
    assert below == {}, "\n".join(failures)
    for kind in SCORED_KINDS:
        assert scores[kind].recall is not None and scores[kind].precision is not None, kind


def test_nudges_are_timed_at_the_end_of_the_turn_that_earned_them(cases, results):
    # An exact-time spot check through replay: a turn-end nudge and a grace-period one.
    by_id = {r.case.id: r for r in results}
    policy = by_id["en_policy_before_empathy_wrong_kettle"]
    assert policy.hits == (("policy_before_empathy", policy.case.doc["turns"][1]["end"]),)
    late = by_id["en_no_timeframe_insurance_claim"]
    assert late.hits == (("no_timeframe", round(late.case.doc["turns"][2]["end"] + 4.0, 2)),)


def test_coach_eval_prints_the_table_and_exits_zero(config):
    out = io.StringIO()
    assert main(str(DATA), out=out) == 0
    text = out.getvalue()
    assert f"languages: {', '.join(pack_languages(tuple(config['coaching']['phrases_dirs'])))}" in text
    for kind in SCORED_KINDS + ("overall",):
        assert any(line.startswith(kind + " ") for line in text.splitlines()), kind
    assert "BELOW" not in text
