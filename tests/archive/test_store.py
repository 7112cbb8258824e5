"""The archive folder: the same bytes as write_report, written once, never outside the folder."""

from __future__ import annotations

import pytest

from service.archive import ReportStore, UnarchivableReport
from service.call import write_report
from service.replay.html_report import ReportSettings

from .helpers import replay_call


@pytest.fixture(scope="module")
def report(engine_config) -> dict:
    return replay_call(engine_config, "call-1")


@pytest.fixture
def store(tmp_path) -> ReportStore:
    return ReportStore(tmp_path / "archive", ReportSettings.shipped())


def test_a_report_is_written_as_write_report_writes_it_with_its_page(store, report, tmp_path):
    store.open()
    saved = store.save("call-1", report)
    assert saved.written and saved.path == store.folder / "call-1.coach.json"
    assert saved.path.read_bytes() == write_report(report, tmp_path / "expected", "call-1").read_bytes()
    assert "<html" in (store.folder / "call-1.html").read_text()
    assert sorted(p.name for p in store.folder.iterdir()) == ["call-1.coach.json", "call-1.html"]  # no temp files


def test_an_identical_report_is_not_rewritten_a_changed_one_is(store, report):
    first = store.save("call-1", report)
    inode = first.path.stat().st_ino  # an atomic rewrite would make a new file
    again = store.save("call-1", dict(report))
    assert not again.written and again.path.stat().st_ino == inode
    changed = store.save("call-1", {**report, "agent_id": "agent-8"})
    assert changed.written and changed.path.stat().st_ino != inode


@pytest.mark.parametrize("call_id", ["", ".", "..", "../up", "a/b", "/etc/passwd", ".hidden", "a\\b", "a b",
                                     "nul\0", "x" * 129])
def test_an_unsafe_call_id_is_refused_and_nothing_is_written(store, report, tmp_path, call_id):
    with pytest.raises(UnarchivableReport, match="not a safe file name"):
        store.save(call_id, {**report, "call_id": call_id})
    assert [p for p in tmp_path.rglob("*")] == []


@pytest.mark.parametrize("call_id", ["CA1234abcd", "3f0c1a52-9b7e-4c1e-8d2a-0e6b5c4d3a21", "call_2024.05.01",
                                     "x" * 128])
def test_platform_call_ids_are_safe_names(store, report, call_id):
    assert store.save(call_id, {**report, "call_id": call_id}).written


def test_a_report_unlike_the_contract_is_refused_before_anything_is_written(store, tmp_path):
    with pytest.raises(UnarchivableReport, match="cannot be rendered"):
        store.save("call-1", {"schema": "callcoach.report/1", "call_id": "call-1"})
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
