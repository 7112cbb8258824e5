#!/usr/bin/env python3
"""Cost of the HTML reports: rendering time and page size, against writing the JSON.

Builds a long call (``--minutes``, 30 by default) by replaying a generated
transcript through the real engine (turn-taking, rules, nudges), then prints,
one figure per line (medians over ``--repeat`` runs):

* ``call_html_ms`` / ``call_json_ms``: render the per-call page vs. ``json.dumps``
  of the same report (the baseline in the same run) and ``call_html_vs_json_ratio``;
* ``call_html_kib`` / ``call_json_kib``: sizes;
* ``summary_html_ms`` and ``summary_html_kib`` for ``--calls`` reports (200 by default).

Usage: ``python scripts/bench_html_report.py [--minutes 30] [--calls 200] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from service.config import load_config
from service.replay.html_report import ReportSettings, render_html_report
from service.replay.summary_html import render_summary_html
from service.replay.transcript import replay_transcript

# One minute of call, repeated: a complaint, an interruption, policy, a website, thanks, a long silence.
MINUTE = [
    ("agent", 0.0, 3.0, "Thank you for calling, how can I help?"),
    ("customer", 3.5, 12.0, "I am really upset, my order never arrived and nobody answers my emails."),
    ("agent", 10.5, 15.0, "Our policy says deliveries take ten days, please visit our website."),
    ("customer", 15.5, 20.0, "That is not good enough, I want it today."),
    ("agent", 20.5, 26.0, "I understand your frustration, I am sorry. Thank you for your patience."),
    ("customer", 33.0, 40.0, "Okay, so what happens now?"),
    ("agent", 40.5, 52.0, "We will get back to you about the refund and the new delivery."),
    ("customer", 52.5, 58.0, "Fine, thanks."),
]


def long_transcript(minutes: int) -> dict:
    turns = [{"speaker": s, "start": m * 60 + a, "end": m * 60 + b, "text": t}
             for m in range(minutes) for s, a, b, t in MINUTE]
    return {"language": "en", "agent_id": "bench", "turns": turns}


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    config = load_config(overrides={"asr": {"engine": "none"}})
    report = replay_transcript(long_transcript(args.minutes), config, source="bench.json", call_id="bench")
    settings = ReportSettings.shipped()
    html_ms = median_ms(lambda: render_html_report(report, settings), args.repeat)
    json_ms = median_ms(lambda: json.dumps(report, indent=2, ensure_ascii=False), args.repeat)
    page, doc = render_html_report(report, settings), json.dumps(report, indent=2, ensure_ascii=False)
    print(f"call_minutes {args.minutes} (nudges {len(report['nudges'])}, turns {len(report['transcript'])})")
    print(f"call_html_ms {html_ms:.1f}")
    print(f"call_json_ms {json_ms:.1f}")
    print(f"call_html_vs_json_ratio {html_ms / json_ms:.2f}")
    print(f"call_html_kib {len(page.encode()) / 1024:.0f}")
    print(f"call_json_kib {len(doc.encode()) / 1024:.0f}")
    short = replay_transcript(long_transcript(5), config, source="short.json", call_id="short")
    batch = [dict(short, call_id=f"call-{i}", agent_id=f"agent-{i % 20}", source=f"call-{i}.wav")
             for i in range(args.calls)]
    print(f"summary_calls {args.calls}")
    print(f"summary_html_ms {median_ms(lambda: render_summary_html(batch), args.repeat):.1f}")
    print(f"summary_html_kib {len(render_summary_html(batch).encode()) / 1024:.0f}")


if __name__ == "__main__":
    main()
