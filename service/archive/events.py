"""Reading a message of ``<root>/calls/{call_id}/events`` (docs/contracts.md, "MQTT").

Why a separate parser: the archiver must survive anything a broker hands it.
Every way a payload can be unusable ends here as :class:`MalformedEvent`, so
the archiver has one thing to log and acknowledge; a well-formed event that is
not ``ended`` (``started``, or one a newer service adds) is simply not for the
archive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..call import SCHEMA

__all__ = ["EndedEvent", "MalformedEvent", "parse_event"]


class MalformedEvent(ValueError):
    """The payload is not a call event carrying a report this archive can keep."""


@dataclass(frozen=True, slots=True)
class EndedEvent:
    """An ``ended`` event: the finished call's whole report."""

    call_id: str
    report: dict[str, Any]


def parse_event(payload: bytes) -> EndedEvent | None:
    """The ``ended`` event in ``payload``; None for another event; raises MalformedEvent."""
    try:
        event = json.loads(payload)
    except (UnicodeDecodeError, ValueError):
        raise MalformedEvent("payload is not UTF-8 JSON") from None
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        raise MalformedEvent("payload is not an event object (no string 'event')")
    if event["event"] != "ended":
        return None
    report = event.get("report")
    if not isinstance(report, dict):
        raise MalformedEvent("ended event without a report object")
    if report.get("schema") != SCHEMA:
        raise MalformedEvent(f"report schema is {report.get('schema')!r}, not {SCHEMA!r}")
    call_id = report.get("call_id")
    if not isinstance(call_id, str) or not call_id:
        raise MalformedEvent("report without a call_id")
    return EndedEvent(call_id, report)
