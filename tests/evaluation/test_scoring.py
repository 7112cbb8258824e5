"""Scoring and the `coach eval` exit codes on small hand-made suites."""

from __future__ import annotations

import io
import json

import pytest

from service.evaluation import CaseError, EvaluationSettings, Expected, parse_case, score_case, summarize
from service.evaluation.command import main

TARGET = EvaluationSettings(min_precision=0.9, min_recall=0.9, time_tolerance_s=0.05, max_false_alarms_per_call=0.1)


def report(*items):
    return {"nudges": [{"kind": k, "t": t} for k, t in items if k != "thanks"],
            "kudos": [{"kind": k, "t": t} for k, t in items if k == "thanks"]}


def case(expect):
    return parse_case({"language": "en", "turns": [], "expect": expect}, "c.json")


def test_matches_by_kind_and_time_within_tolerance():
    c = case([{"kind": "blame", "t": 5.0}, {"kind": "thanks", "t": None}])
    r = score_case(c, report(("blame", 5.04), ("thanks", 9.0), ("interruption", 3.0)), TARGET.time_tolerance_s)
    assert r.ok and r.hits == (("blame", 5.04), ("thanks", 9.0))


def test_wrong_time_is_both_a_false_positive_and_a_miss():
    r = score_case(case([{"kind": "blame", "t": 5.0}]), report(("blame", 5.2)), TARGET.time_tolerance_s)
    assert r.false_positives == (("blame", 5.2),) and r.misses == (Expected("blame", 5.0),)


def test_summary_precision_recall_and_targets():
    results = [
        score_case(case([{"kind": "blame", "t": 1.0}]), report(("blame", 1.0)), 0.05),
        score_case(case([]), report(("blame", 2.0)), 0.05),
        score_case(case([{"kind": "jargon", "t": 1.0}]), report(), 0.05),
    ]
    scores = summarize(results)
    assert (scores["blame"].precision, scores["blame"].recall) == (0.5, 1.0)
    assert (scores["jargon"].precision, scores["jargon"].recall) == (None, 0.0)
    assert scores["pace"].precision is None and scores["pace"].meets(TARGET)
    assert not scores["blame"].meets(TARGET) and not scores["jargon"].meets(TARGET)
    assert (scores["overall"].tp, scores["overall"].fp, scores["overall"].fn) == (1, 1, 1)


def _write(folder, name, doc):
    (folder / name).write_text(json.dumps(doc), encoding="utf-8")


def test_coach_eval_exits_one_below_target_and_names_the_case(tmp_path):
    turns = [{"speaker": "agent", "start": 0.0, "end": 2.0, "text": "Hello, how can I help?"},
             {"speaker": "customer", "start": 2.5, "end": 4.0, "text": "My parcel is late."},
             {"speaker": "agent", "start": 4.5, "end": 6.0, "text": "That's the courier's fault."}]
    _write(tmp_path, "a.json", {"language": "en", "turns": turns, "expect": []})
    _write(tmp_path, "plain-transcript.json", {"language": "en", "turns": turns})  # not a case: skipped
    out = io.StringIO()
    assert main(str(tmp_path), out=out) == 1
    text = out.getvalue()
    assert "1 cases" in text and "a.json: unexpected blame at t=6.00" in text
    assert any(line.startswith("blame ") and line.endswith("BELOW") for line in text.splitlines())


def test_coach_eval_exits_two_on_unreadable_cases(tmp_path, capsys):
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert main(str(tmp_path), out=io.StringIO()) == 2
    assert "bad.json" in capsys.readouterr().err
    assert main(str(tmp_path / "missing"), out=io.StringIO()) == 2


def test_a_window_label_matches_anywhere_inside_it():
    c = case([{"kind": "dead_air", "window": [10.0, 20.0]}])
    c = parse_case(dict(c.doc, timing=True), "c.json")
    assert score_case(c, report(("dead_air", 19.98)), 0.05).ok
    late = score_case(c, report(("dead_air", 20.2)), 0.05)
    assert late.false_positives == (("dead_air", 20.2),) and late.misses == (Expected("dead_air", None, (10.0, 20.0)),)


def test_allowed_moments_are_neither_hits_nor_false_alarms():
    c = parse_case({"language": "en", "turns": [], "expect": [],
                    "allowed": [{"kind": "customer_name", "window": [3.0, 8.0]}]}, "c.json")
    r = score_case(c, {"kudos": [{"kind": "customer_name", "t": 5.0}, {"kind": "customer_name", "t": 30.0}]}, 0.05)
    assert r.tolerated == (("customer_name", 5.0),) and r.false_positives == (("customer_name", 30.0),)
    assert r.hits == () and r.misses == ()


def test_timing_kinds_are_scored_only_where_the_case_says_its_timings_are_real():
    untimed = case([])
    timed = parse_case({"language": "en", "turns": [], "expect": [], "timing": True}, "c.json")
    assert score_case(untimed, report(("interruption", 3.0)), 0.05).ok
    assert score_case(timed, report(("interruption", 3.0)), 0.05).false_positives == (("interruption", 3.0),)


def test_suite_score_counts_false_alarms_per_call():
    from service.evaluation import suite_score

    results = [score_case(case([{"kind": "blame", "t": 1.0}]), report(("blame", 1.0), ("jargon", 4.0)), 0.05)]
    results += [score_case(case([]), report(), 0.05) for _ in range(3)]
    s = suite_score("real", results)
    assert (s.calls, s.due, s.found, s.false_alarms) == (4, 1, 1, 1)
    assert s.false_alarms_per_call == 0.25 and s.recall == 1.0 and s.precision == 0.5


def test_malformed_windows_name_the_file():
    import pytest

    from service.evaluation import CaseError

    for bad in ([1.0], [5.0, 1.0], ["a", 2.0]):
        with pytest.raises(CaseError, match=r"c.json: expect\[0\]"):
            parse_case({"language": "en", "turns": [], "expect": [{"kind": "blame", "window": bad}]}, "c.json")


def test_a_label_naming_no_kind_of_the_catalogue_is_refused():
    with pytest.raises(CaseError, match=r"expect\[0\]: unknown kind 'blam'"):
        case([{"kind": "blam", "t": 5.0}])
