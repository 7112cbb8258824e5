"""The frame shared by callcoach's HTML reports: one self-contained, offline page.

Why self-contained: QA analysts open reports from shared drives, mail them and
archive them; a page that fetches nothing keeps working anywhere and leaks
nothing. The Content-Security-Policy makes that a property the browser
enforces (no request can leave the page), not just a habit of this code.
Everything taken from a report is escaped here, because transcripts are
untrusted text.
"""

from __future__ import annotations

import html

__all__ = ["METRICS", "attrs", "esc", "format_metric", "format_seconds", "render_page"]

_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'")

# Metric key -> (label, unit). The order is the order tables show them in.
METRICS: dict[str, tuple[str, str]] = {
    "agent_talk_s": ("Agent talk time", "s"),
    "customer_talk_s": ("Customer talk time", "s"),
    "talk_ratio_agent": ("Agent share of talk", "%"),
    "interruptions_by_agent": ("Interruptions by agent", ""),
    "interruptions_by_customer": ("Interruptions by customer", ""),
    "overtalk_s": ("Overtalk", "s"),
    "longest_silence_s": ("Longest silence", "s"),
    "dead_air_s": ("Dead air", "s"),
    "agent_wpm": ("Agent pace", "wpm"),
    "customer_wpm": ("Customer pace", "wpm"),
}

_BASE_CSS = """
:root{--agent:#2f6fb5;--customer:#2e8b57;--overlap:#d1342f;--silence:#b9b2a3;--warn:#c77700;--alert:#b3261e;
--info:#4a5a6a;--kudos:#1b7f3b;--ink:#1d232a;--muted:#5b6670;--line:#d6dbe0;--bg:#fbfbfa}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg);
margin:0 auto;padding:1rem 1.5rem 3rem;max-width:78rem}
h1{font-size:1.5rem;margin:.2rem 0 .3rem}h2{font-size:1.15rem;margin:2rem 0 .6rem;border-bottom:1px solid var(--line)}
.meta{color:var(--muted);margin:0}.meta span+span::before{content:"\\00b7";margin:0 .45rem}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef1f4;font-weight:600}td.num,th.num{text-align:right}
.status-pass{color:var(--kudos);font-weight:600}.status-attention{color:var(--alert);font-weight:600}
"""


def esc(value: object) -> str:
    """Text made safe for HTML element content and quoted attribute values."""
    return html.escape(str(value), quote=True)


def attrs(**values: object) -> str:
    """`` name="value"`` pairs, escaped; ``None`` values are left out.

    ``data_kind`` becomes ``data-kind``; a trailing underscore allows keywords (``class_``).
    """
    return "".join(f' {name.rstrip("_").replace("_", "-")}="{esc(v)}"' for name, v in values.items() if v is not None)


def format_seconds(t: float) -> str:
    """Call time as ``m:ss.s`` (``h:mm:ss`` past an hour): how people read call clocks."""
    t = max(0.0, float(t))
    if t >= 3600:
        return f"{int(t // 3600)}:{int(t % 3600 // 60):02d}:{int(t % 60):02d}"
    return f"{int(t // 60)}:{t % 60:04.1f}"


def format_metric(key: str, value: float) -> str:
    """A metric value with its unit, for reading (the raw value stays in ``data-value``)."""
    unit = METRICS[key][1] if key in METRICS else ""
    if unit == "%":
        return f"{float(value) * 100:.0f} %"
    if unit == "s":
        return f"{float(value):.1f} s"
    if unit == "wpm":
        return f"{float(value):.0f} wpm"
    return f"{value}"


def render_page(title: str, body: str, *, css: str = "", script: str = "", lang: str = "en") -> str:
    """A complete HTML document around ``body`` (already escaped markup)."""
    script_tag = f"<script>{script}</script>" if script else ""
    return (f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="callcoach">\n<title>{esc(title)}</title>\n'
            f"<style>{_BASE_CSS}{css}</style>\n</head>\n<body>\n{body}\n{script_tag}\n</body>\n</html>\n")
