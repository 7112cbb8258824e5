"""Reading the events topic: `ended` events carry the report; everything unusable is one error."""

from __future__ import annotations

import json

import pytest

from service.archive import EndedEvent, MalformedEvent, parse_event
from service.call import SCHEMA

REPORT = {"schema": SCHEMA, "call_id": "c-1"}


def event(**fields) -> bytes:
    return json.dumps(fields).encode()


def test_an_ended_event_gives_its_report():
    assert parse_event(event(event="ended", call_id="c-1", report=REPORT)) == EndedEvent("c-1", REPORT)


@pytest.mark.parametrize("name", ["started", "paused-in-a-later-version"])
def test_other_events_are_not_for_the_archive(name):
    assert parse_event(event(event=name, call_id="c-1")) is None


@pytest.mark.parametrize("payload, why", [
    (b"", "not UTF-8 JSON"),
    (b"\xff\xfe", "not UTF-8 JSON"),
    (b"{", "not UTF-8 JSON"),
    (b'"ended"', "not an event object"),
    (event(event=1), "not an event object"),
    (event(event="ended"), "without a report"),
    (event(event="ended", report=[REPORT]), "without a report"),
    (event(event="ended", report={**REPORT, "schema": "callcoach.report/2"}), "schema"),
    (event(event="ended", report={"schema": SCHEMA}), "without a call_id"),
    (event(event="ended", report={**REPORT, "call_id": 7}), "without a call_id"),
])
def test_unusable_payloads_are_one_error_that_says_why(payload, why):
    with pytest.raises(MalformedEvent, match=why):
        parse_event(payload)
