"""The report contract ``callcoach.report/1``: built from a session, written as JSON.

Live calls and replays both end here, so a saved live report and ``coach
replay`` of the same audio are byte-for-byte comparable. Fields beyond the
DESIGN contract (``agent_id``, ``speech``, ``suppressed``, ``settings``, and
``metadata`` from a sidecar file when there is one) are
additive: ``speech`` lists each party's voice-activity segments as
``[start, end]`` pairs, for timelines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import SessionResult
from .html_page import write_atomic

if TYPE_CHECKING:  # only for annotations: the pipeline imports this module
    from ..pipeline import CallInfo

__all__ = ["SCHEMA", "build_report", "write_report", "settings_echo"]

SCHEMA = "callcoach.report/1"


def settings_echo(config: dict) -> dict:
    """The settings that shaped the result, echoed so QA can reproduce a report."""
    asr = config["asr"]
    return {
        "vad": dict(config["vad"]),
        "dynamics": dict(config["dynamics"]),
        "asr": {key: asr[key] for key in ("engine", "model", "compute_type", "window", "beam_size", "min_window_s",
                                          "padding_s") if key in asr},
        "utterances": dict(config["utterances"]),
        "display_language": config["nudges"]["display_language"],
    }


def build_report(info: "CallInfo", source: str, result: SessionResult, language: str, config: dict) -> dict:
    metrics = result.metrics.to_dict()
    metrics["agent_wpm"] = result.agent_wpm
    metrics["customer_wpm"] = result.customer_wpm
    return {
        "schema": SCHEMA,
        "call_id": info.call_id,
        "agent_id": info.agent_id,
        "source": source,
        "duration": round(result.duration, 3),
        "language": language,
        "transcript": [seg.to_dict() for seg in result.transcript],
        "nudges": [n.to_dict() for n in result.nudges],
        "kudos": [k.to_dict() for k in result.kudos],
        "metrics": metrics,
        "speech": {party: [[round(s.start, 3), round(s.end, 3)] for s in segs] for party, segs in result.speech.items()},
        "suppressed": result.suppressed,
        "settings": settings_echo(config),
        **({"metadata": dict(info.metadata)} if info.metadata else {}),
    }


def write_report(report: dict, out_dir: str | Path, stem: str) -> Path:
    """Write ``<out_dir>/<stem>.coach.json`` atomically (a crash never leaves half a report)."""
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    return write_atomic(text, Path(out_dir) / f"{stem}.coach.json")
