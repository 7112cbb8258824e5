"""``summary.csv``: one row per replayed call, for spreadsheets and BI tools."""

from __future__ import annotations

import csv
from pathlib import Path

__all__ = ["write_summary"]

_METRICS = ("agent_talk_s", "customer_talk_s", "talk_ratio_agent", "interruptions_by_agent",
            "interruptions_by_customer", "overtalk_s", "longest_silence_s", "dead_air_s", "agent_wpm", "customer_wpm")


def write_summary(reports: list[dict], path: Path) -> Path:
    kinds = sorted({n["kind"] for r in reports for n in r["nudges"]})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["call_id", "agent_id", "source", "duration", "language", *_METRICS,
                         "nudges", "kudos", *(f"nudges_{k}" for k in kinds)])
        for r in reports:
            counts = {k: sum(1 for n in r["nudges"] if n["kind"] == k) for k in kinds}
            writer.writerow([r["call_id"], r.get("agent_id", ""), r["source"], r["duration"], r["language"],
                             *(r["metrics"][m] for m in _METRICS), len(r["nudges"]), len(r["kudos"]),
                             *(counts[k] for k in kinds)])
    return path
