"""``<stem>.html``: one call's report as a page a QA analyst reads without tools.

It shows what the JSON holds, arranged for review: a timeline with a lane per
party (speech, overlaps, long silences, and a marker per nudge and kudos that
reveals its evidence when clicked), the transcript with the nudges inline where
they were raised, the metrics, and a scorecard that groups nudges by the
coaching principle they stand for, so feedback to the agent speaks of
principles, not rule identifiers. Labels, principles and where each kind's
severity is configured come from the kind catalogue (``service.coaching.kinds``).

What the report says about how the call was heard is shown where a reader
looks first (wording in :mod:`.findings`): where the language came from and
the channel check in the header, warnings (a silent leg, utterances the live
decoder skipped) above the timeline, and each raised-voice verdict as a marker
on the customer's lane and a row of the transcript. A report without these
fields renders as it did before they existed.

Markers carry stable ``data-kind`` / ``data-t`` attributes and the timeline a
``data-testid``: external tools and the browser test rely on them.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..coaching import kinds as catalogue
from ..config import check_value, defaults_dir, non_negative, positive, require, typed
from ..call import write_atomic
from .findings import (DISTRESS_LABEL, channels_fact, distress_events, language_fact, language_votes,
                       report_warnings, untranscribed_reason)
from .html_page import METRICS, attrs, esc, format_metric, format_seconds, render_page

__all__ = [
    "PRINCIPLES",
    "Principle",
    "ReportSettings",
    "kind_label",
    "principle_of",
    "render_html_report",
    "scorecard_rows",
    "write_html_report",
]

_SPEAKER_LABELS = {"agent": "Agent", "customer": "Customer"}
# The page is in English (html_page.render_page), and so are its kind labels.
_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Principle:
    """A principle of the kind catalogue and the nudge and kudos kinds that measure it: a scorecard row."""

    title: str
    nudge_kinds: tuple[str, ...]
    kudos_kinds: tuple[str, ...] = ()
    text: str = ""


def _grouped(principle: catalogue.Principle) -> Principle:
    members = [kind for kind in catalogue.KINDS if kind.principle == principle]
    return Principle(principle.title, tuple(k.name for k in members if not k.is_kudos),
                     tuple(k.name for k in members if k.is_kudos), principle.text)


PRINCIPLES: tuple[Principle, ...] = tuple(_grouped(p) for p in catalogue.PRINCIPLES)
# Kinds the catalogue does not know (a report from a newer version) still count, under this title.
_OTHER = "Other"


def principle_of(kind: str) -> str:
    """Title of the principle a kind stands for (``"Other"`` for kinds the catalogue does not know)."""
    found = catalogue.BY_NAME.get(kind)
    return found.principle.title if found else _OTHER


def kind_label(kind: str) -> str:
    """The kind's English label (``brush_off`` -> ``Brush-off``); unknown kinds read as words."""
    return catalogue.label(kind, _LANGUAGE) or kind.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """The ``[reports]`` keys that shape the page (documented in ``config/reports.toml``)."""

    silence_min_s: float
    timeline_min_px_per_s: float
    timeline_tick_steps_s: tuple[float, ...]
    timeline_max_ticks: int
    timeline_marker_stack_s: float

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> ReportSettings:
        steps = check_value("reports.timeline_tick_steps_s", section["timeline_tick_steps_s"], tuple[float, ...])
        settings = typed(cls, section, "reports", timeline_tick_steps_s=tuple(sorted(steps)))
        require(bool(steps), "reports.timeline_tick_steps_s", "must list at least one spacing")
        positive(settings, "reports", "timeline_min_px_per_s", "timeline_tick_steps_s", "timeline_max_ticks")
        non_negative(settings, "reports", "silence_min_s", "timeline_marker_stack_s")
        return settings

    @classmethod
    def shipped(cls) -> ReportSettings:
        """The shipped defaults, for callers that have no loaded configuration at hand."""
        with (defaults_dir() / "reports.toml").open("rb") as fh:
            return cls.from_config(tomllib.load(fh)["reports"])


# --- timeline geometry (pure) ------------------------------------------------------------------

Span = tuple[float, float]


def _overlaps(a: list[Span], b: list[Span]) -> list[Span]:
    """Intersections of two sorted span lists: where both parties talk at once."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _silences(lanes: list[list[Span]], min_s: float) -> list[Span]:
    """Gaps of at least ``min_s`` between any speech, from the first word to the last."""
    spans = sorted(s for lane in lanes for s in lane)
    out, reach = [], None
    for start, end in spans:
        if reach is not None and start - reach >= min_s:
            out.append((reach, start))
        reach = end if reach is None else max(reach, end)
    return out


def _stack_levels(times: list[float], within_s: float) -> list[int]:
    """A level per marker (in the given order) so markers closer than ``within_s`` sit one above another."""
    levels: list[int] = []
    for i, t in enumerate(times):
        taken = {levels[j] for j in range(i) if abs(times[j] - t) < within_s}
        levels.append(next(level for level in range(len(taken) + 1) if level not in taken))
    return levels


def _tick_step(duration: float, settings: ReportSettings) -> float:
    fitting = [s for s in settings.timeline_tick_steps_s if duration / s <= settings.timeline_max_ticks]
    return fitting[0] if fitting else settings.timeline_tick_steps_s[-1]


# --- rendering ---------------------------------------------------------------------------------

_CSS = """
.timeline{overflow-x:auto;border:1px solid var(--line);background:#fff;border-radius:6px;padding:.5rem 0 .2rem}
.track{position:relative;margin:0 1rem 0 7rem}
.row{position:relative;height:1.9rem;margin:.25rem 0}
.row>.name{position:absolute;right:100%;width:6.5rem;padding-right:.6rem;text-align:right;font-size:.85rem;
color:var(--muted);line-height:1.9rem;white-space:nowrap}
.lane{background:#f3f4f6;border-radius:3px}
.seg,.overlap,.silence,.evspan{position:absolute;top:0;bottom:0}
.seg{border-radius:2px;opacity:.85}.lane[data-party=agent] .seg{background:var(--agent)}
.lane[data-party=customer] .seg{background:var(--customer)}
.talk{position:relative}.overlap{background:var(--overlap);opacity:.45;z-index:2}
.silence{background:repeating-linear-gradient(45deg,var(--silence) 0 4px,transparent 4px 8px);opacity:.7;z-index:1}
.evspan{background:rgba(255,196,0,.35);outline:2px solid #e0a800;z-index:3;pointer-events:none}
.marker{position:absolute;width:1.3rem;height:1.3rem;margin-left:-.65rem;border-radius:50%;
border:2px solid #fff;cursor:pointer;padding:0;z-index:4;box-shadow:0 0 0 1px rgba(0,0,0,.25)}
.marker.nudge{background:var(--warn)}.marker.nudge[data-severity=alert]{background:var(--alert)}
.marker.nudge[data-severity=info]{background:var(--info)}
.marker.kudos{background:var(--kudos);border-radius:3px;transform:rotate(45deg)}
.marker.distress{background:var(--distress);border-radius:3px}
.marker[aria-pressed=true]{box-shadow:0 0 0 3px #e0a800}
.axis{position:relative;height:1.2rem;font-size:.75rem;color:var(--muted);border-top:1px solid var(--line)}
.tick{position:absolute;top:0;transform:translateX(-50%)}
.legend{display:flex;gap:1rem;flex-wrap:wrap;font-size:.8rem;color:var(--muted);margin:.4rem 0}
.legend i{display:inline-block;width:.9rem;height:.9rem;vertical-align:-2px;margin-right:.3rem;border-radius:2px}
#evidence{border-left:4px solid #e0a800;background:#fff8e1;padding:.5rem .8rem;margin:.6rem 0;min-height:2.6rem}
#evidence blockquote{margin:.3rem 0 0;font-style:italic}
.transcript{list-style:none;padding:0;margin:0}
.transcript li{padding:.35rem .5rem;border-bottom:1px solid var(--line);display:grid;
grid-template-columns:4.5rem 9rem 1fr;gap:.6rem}
.transcript time{color:var(--muted);font-variant-numeric:tabular-nums}
.turn.customer .who{color:var(--customer);font-weight:600}.turn.agent .who{color:var(--agent);font-weight:600}
.inline-nudge{background:#fff4e5}.inline-nudge .who{color:var(--warn);font-weight:600}
.inline-kudos{background:#eaf7ee}.inline-kudos .who{color:var(--kudos);font-weight:600}
.inline-nudge q,.inline-kudos q{color:var(--muted)}
.inline-distress{background:#f5eefa}.inline-distress .who{color:var(--distress);font-weight:600}
.transcript .untranscribed{color:var(--muted);font-style:italic}
.warnings{border-left:4px solid var(--alert);background:#fdeeed;padding:.2rem 1rem .6rem;margin-top:1rem}
.warnings h2{margin-top:.6rem}.warnings ul{margin:.2rem 0;padding-left:1.2rem}
:root{--distress:#7b3fa0}
table[data-testid=metrics]{max-width:32rem}
pre{background:#fff;border:1px solid var(--line);padding:.6rem;overflow:auto;font-size:.8rem}
"""

_SCRIPT = """
(function(){
  var root=document.querySelector('[data-testid=timeline]');
  var panel=document.getElementById('evidence'), span=document.getElementById('evspan');
  var markers=root.querySelectorAll('.marker');
  function field(name,value){var el=panel.querySelector('[data-field='+name+']');el.textContent=value;el.hidden=!value;}
  function show(m){
    var d=m.dataset, total=parseFloat(root.dataset.duration);
    field('title',d.label+' at '+d.clock);
    field('message',d.message||'');
    field('span','Evidence: '+d.evSpan);
    field('text',d.evText||'');
    var start=parseFloat(d.evStart), end=parseFloat(d.evEnd);
    span.style.left=(100*start/total)+'%';
    span.style.width=Math.max(0.2,100*(end-start)/total)+'%';
    span.hidden=false;
    markers.forEach(function(x){x.setAttribute('aria-pressed',x===m?'true':'false');});
  }
  markers.forEach(function(m){m.addEventListener('click',function(){show(m);});});
})();
"""


# Marker geometry (rem), matching the .row and .marker rules of _CSS.
_ROW_REM, _MARKER_TOP_REM, _STACK_REM = 1.9, 0.2, 1.4


class _Scale:
    """Call time -> percentage of the timeline width."""

    def __init__(self, duration: float) -> None:
        self.duration = duration

    def left(self, t: float) -> str:
        return f"left:{100 * min(max(t, 0.0), self.duration) / self.duration:.3f}%"

    def box(self, start: float, end: float) -> str:
        width = 100 * max(0.0, min(end, self.duration) - max(start, 0.0)) / self.duration
        return f"{self.left(start)};width:{width:.3f}%"


def _spans(report: dict, party: str) -> list[Span]:
    return sorted((float(a), float(b)) for a, b in report.get("speech", {}).get(party, []))


def _who(speaker: str) -> str:
    return _SPEAKER_LABELS.get(speaker, speaker)


def _span_text(start: float, end: float) -> str:
    return f"{format_seconds(start)} \u2013 {format_seconds(end)}"


def _marker(event: dict, cls: str, scale: _Scale, label: str, level: int) -> str:
    ev = event.get("evidence") or {}
    t = float(event["t"])
    start, end = float(ev.get("start", t)), float(ev.get("end", t))
    message = event.get("message", "")
    title = f"{label} at {format_seconds(t)}" + (f": {message}" if message else "")
    return (f'<button type="button" class="marker {cls}" aria-pressed="false"'
            + attrs(data_kind=event["kind"], data_t=t, data_severity=event.get("severity"), data_label=label,
                    data_clock=format_seconds(t), data_message=message, data_ev_start=start, data_ev_end=end,
                    data_ev_span=_span_text(start, end), data_ev_text=ev.get("text", ""), title=title,
                    aria_label=title, style=f"{scale.left(t)};top:{_MARKER_TOP_REM + level * _STACK_REM:g}rem")
            + "></button>")


def _stacked_markers(events: list[dict], cls: str, scale: _Scale, label: Callable[[dict], str],
                     settings: ReportSettings) -> tuple[str, float]:
    """Markers for ``events``, those close in time stacked, and the height (rem) of the row that holds them."""
    events = sorted(events, key=lambda e: float(e["t"]))
    levels = _stack_levels([float(e["t"]) for e in events], settings.timeline_marker_stack_s)
    markers = "".join(_marker(e, cls, scale, label(e), level) for e, level in zip(events, levels))
    return markers, _ROW_REM + max(levels, default=0) * _STACK_REM


def _marker_row(events: list[dict], cls: str, scale: _Scale, name: str, settings: ReportSettings) -> str:
    prefix = "Kudos: " if cls == "kudos" else ""
    markers, height = _stacked_markers(events, cls, scale, lambda e: prefix + kind_label(e["kind"]), settings)
    return (f'<div class="row markers" style="height:{height:g}rem" aria-label="{name}">'
            f'<span class="name">{name}</span>{markers}</div>')


def _boxes(spans: list[Span], cls: str, scale: _Scale, what: str) -> str:
    return "".join(f'<div class="{cls}"' + attrs(data_start=a, data_end=b, style=scale.box(a, b),
                                                 title=f"{what} {_span_text(a, b)}") + "></div>" for a, b in spans)


def _lane(party: str, spans: list[Span], scale: _Scale, distress: list[dict], settings: ReportSettings) -> str:
    """A party's speech and the raised-voice markers on it (the lane is then a group, so they stay reachable buttons)."""
    name = _SPEAKER_LABELS[party]
    label, role, markers, height = f"{name} speech: {len(spans)} segments", "img", "", None
    if distress:
        markers, rem = _stacked_markers(distress, "distress", scale, lambda e: DISTRESS_LABEL, settings)
        label, role, height = f"{label}; {len(distress)} raised voice", "group", f"height:{rem:g}rem"
    return (f'<div class="row lane"{attrs(data_party=party, role=role, aria_label=label, style=height)}>'
            f'<span class="name" aria-hidden="true">{name}</span>{_boxes(spans, "seg", scale, "speech")}{markers}</div>')


def _timeline(report: dict, settings: ReportSettings) -> str:
    agent, customer = _spans(report, "agent"), _spans(report, "customer")
    distress = distress_events(report)
    events = [float(e["t"]) for e in report["nudges"] + report["kudos"] + distress]
    duration = max([float(report["duration"]), 1e-3, *events, *(b for _, b in agent + customer)])
    scale = _Scale(duration)
    threshold = settings.silence_min_s or float(report["settings"]["dynamics"]["dead_air_s"])
    overlaps, silences = _overlaps(agent, customer), _silences([agent, customer], threshold)
    step = _tick_step(duration, settings)
    ticks = "".join(f'<span class="tick" style="{scale.left(k * step)}">{esc(format_seconds(k * step))}</span>'
                    for k in range(int(duration // step) + 1))
    lanes = "".join(_lane(party, spans, scale, [d for d in distress if d["speaker"] == party], settings)
                    for party, spans in (("agent", agent), ("customer", customer)))
    raised = ('<span><i style="background:var(--distress)"></i>Raised voice (against their own calm voice)</span>'
              if distress else "")
    width = f"min-width:{duration * settings.timeline_min_px_per_s:.0f}px"
    return f"""<section aria-labelledby="h-timeline">
<h2 id="h-timeline">Timeline</h2>
<div class="legend" aria-hidden="true"><span><i style="background:var(--agent)"></i>Agent speech</span>
<span><i style="background:var(--customer)"></i>Customer speech</span><span><i style="background:var(--overlap)"></i>Overlap</span>
<span><i style="background:var(--silence)"></i>Silence \u2265 {esc(f"{threshold:g}")} s</span>
<span><i style="background:var(--warn);border-radius:50%"></i>Nudge</span><span><i style="background:var(--kudos)"></i>Kudos</span>{raised}</div>
<div class="timeline" data-testid="timeline" role="group" aria-label="Call timeline; select a marker to see its evidence"{attrs(data_duration=duration)}>
<div class="track" style="{width}">
{_marker_row(report["nudges"], "nudge", scale, "Nudges", settings)}
<div class="talk">{lanes}{_boxes(overlaps, "overlap", scale, "overlap")}{_boxes(silences, "silence", scale, "silence")}
<div class="evspan" id="evspan" hidden></div></div>
{_marker_row(report["kudos"], "kudos", scale, "Kudos", settings)}
<div class="axis" aria-hidden="true">{ticks}</div>
</div></div>
<div id="evidence" role="status" aria-live="polite" data-testid="evidence">
<strong data-field="title">Select a marker to see why it was raised.</strong>
<div data-field="message" hidden></div><div data-field="span" hidden></div>
<blockquote data-field="text" data-testid="evidence-text" hidden></blockquote></div>
</section>"""


def _inline(event: dict, cls: str, label: str, lang: str) -> str:
    ev = event.get("evidence") or {}
    quote = f' <q>{esc(ev["text"])}</q>' if ev.get("text") else ""
    message = event.get("message") or ""
    return (f'<li class="{cls}"{attrs(data_kind=event["kind"], data_t=event["t"])}>'
            f'<time>{esc(format_seconds(event["t"]))}</time><span class="who">{esc(label)}</span>'
            f'<span><span lang="{esc(lang)}">{esc(message)}</span>{quote}</span></li>')


def _untranscribed_row(skipped: dict) -> str:
    """Where the transcript has no words because the live decoder skipped the utterance."""
    speaker = skipped["speaker"]
    return (f'<li class="untranscribed {esc(speaker)}"'
            f'{attrs(data_start=skipped["start"], data_end=skipped["end"], data_reason=skipped["reason"])}>'
            f'<time>{esc(format_seconds(skipped["start"]))}</time>'
            f'<span class="who">{esc(_who(speaker))}</span>'
            f'<span>Not transcribed live ({esc(_span_text(skipped["start"], skipped["end"]))}: '
            f'{esc(untranscribed_reason(skipped["reason"]))})</span></li>')


def _transcript(report: dict) -> str:
    display = report.get("settings", {}).get("display_language", "")
    rows: list[tuple[float, int, str]] = []
    for seg in report["transcript"]:
        speaker = seg["speaker"]
        rows.append((float(seg["start"]), 0, (
                     f'<li class="turn {esc(speaker)}"{attrs(data_start=seg["start"], data_end=seg["end"])}>'
                     f'<time>{esc(format_seconds(seg["start"]))}</time>'
                     f'<span class="who">{esc(_who(speaker))}</span>'
                     f'<span lang="{esc(seg.get("language") or report["language"])}">{esc(seg["text"])}</span></li>')))
    rows += [(float(n["t"]), 1, _inline(n, "inline-nudge", "Nudge: " + kind_label(n["kind"]), display))
             for n in report["nudges"]]
    rows += [(float(k["t"]), 1, _inline(k, "inline-kudos", "Kudos: " + kind_label(k["kind"]), display))
             for k in report["kudos"]]
    rows += [(float(d["t"]), 1, _inline(d, "inline-distress", f"{_who(d['speaker'])}: raised voice", _LANGUAGE))
             for d in distress_events(report)]
    rows += [(float(u["start"]), 0, _untranscribed_row(u)) for u in report.get("untranscribed") or []]
    items = "\n".join(html for _, _, html in sorted(rows, key=lambda r: (r[0], r[1])))
    empty = "" if report["transcript"] else "<p>No transcript (transcription was off or nothing was said).</p>"
    return (f'<section aria-labelledby="h-transcript"><h2 id="h-transcript">Transcript</h2>{empty}'
            f'<ol class="transcript" data-testid="transcript">\n{items}\n</ol></section>')


def _metrics(report: dict) -> str:
    metrics = report["metrics"]
    rows = "".join(f'<tr><th scope="row">{esc(label)}</th><td class="num"{attrs(data_value=metrics[key])}>'
                   f"{esc(format_metric(key, metrics[key]))}</td></tr>"
                   for key, (label, _) in METRICS.items() if key in metrics)
    return (f'<section aria-labelledby="h-metrics"><h2 id="h-metrics">Metrics</h2><table data-testid="metrics">'
            f'<caption class="meta">Talk, silence and pace over the whole call</caption>'
            f'<thead><tr><th scope="col">Metric</th><th scope="col" class="num">Value</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></section>")


def scorecard_rows(report: dict) -> list[dict]:
    """Per principle: nudges shown, nudges held back by cooldown/cap, kudos, and the status."""
    shown: dict[str, int] = {}
    for n in report["nudges"]:
        shown[n["kind"]] = shown.get(n["kind"], 0) + 1
    held = {k: int(v) for k, v in report.get("suppressed", {}).items()}
    praised: dict[str, int] = {}
    for k in report["kudos"]:
        praised[k["kind"]] = praised.get(k["kind"], 0) + 1
    claimed = {k for p in PRINCIPLES for k in p.nudge_kinds}
    other = tuple(sorted((set(shown) | set(held)) - claimed))
    principles = PRINCIPLES + ((Principle(_OTHER, other),) if other else ())
    rows = []
    for p in principles:
        nudges = sum(shown.get(k, 0) for k in p.nudge_kinds)
        held_back = sum(held.get(k, 0) for k in p.nudge_kinds)
        rows.append({"principle": p.title, "text": p.text, "kinds": p.nudge_kinds, "nudges": nudges,
                     "held_back": held_back, "kudos": sum(praised.get(k, 0) for k in p.kudos_kinds),
                     "status": "attention" if nudges + held_back else "pass"})
    return rows


def _kind_name(kind: str, echo: dict) -> str:
    """``Blame (alert)``: the kind's label and the severity the report's settings gave it."""
    severity = catalogue.configured_severity(kind, echo)
    shown = kind_label(kind) + (f" ({severity})" if severity else "")
    return f"<span{attrs(data_kind=kind, data_severity=severity)}>{esc(shown)}</span>"


def _scorecard_row(row: dict, echo: dict) -> str:
    text = f'<div class="meta">{esc(row["text"])}</div>' if row["text"] else ""
    kinds = ", ".join(_kind_name(kind, echo) for kind in row["kinds"])
    return (f'<tr{attrs(data_principle=row["principle"], data_status=row["status"])}>'
            f'<th scope="row">{esc(row["principle"])}{text}</th><td>{kinds}</td>'
            f'<td class="num">{row["nudges"]}</td><td class="num">{row["held_back"]}</td>'
            f'<td class="num">{row["kudos"]}</td><td class="status-{row["status"]}">{esc(row["status"])}</td></tr>')


def _scorecard(report: dict) -> str:
    echo = report.get("settings", {})
    body = "".join(_scorecard_row(row, echo) for row in scorecard_rows(report))
    kudos_kinds: dict[str, int] = {}
    for k in report["kudos"]:
        kudos_kinds[k["kind"]] = kudos_kinds.get(k["kind"], 0) + 1
    praise = ", ".join(f"{kind_label(k)} \u00d7{n}" for k, n in sorted(kudos_kinds.items())) or "none"
    return (f'<section aria-labelledby="h-scorecard"><h2 id="h-scorecard">Scorecard</h2>'
            f'<table data-testid="scorecard"><caption class="meta">Coaching principles, what each asks of the '
            f"agent and the nudge kinds (with their severity) that measure it; "
            f"held back = raised but not shown (cooldown or per-minute cap)</caption>"
            f'<thead><tr><th scope="col">Principle</th><th scope="col">Nudge kinds</th>'
            f'<th scope="col" class="num">Nudges</th><th scope="col" class="num">Held back</th>'
            f'<th scope="col" class="num">Kudos</th><th scope="col">Status</th></tr></thead><tbody>{body}</tbody></table>'
            f'<p data-testid="kudos-summary">Kudos: {esc(praise)}</p></section>')


def _header(report: dict) -> str:
    channels = channels_fact(report)
    facts: list[tuple[str, object, str | None]] = [
        ("Agent", report.get("agent_id") or "unknown", None), ("Source", report["source"], None),
        ("Duration", format_seconds(report["duration"]), None),
        ("Language", language_fact(report), language_votes(report)),
        *([("Channels", channels, None)] if channels else []),
        ("Nudges", len(report["nudges"]), None), ("Kudos", len(report["kudos"]), None)]
    facts += [(str(k), v, None) for k, v in sorted((report.get("metadata") or {}).items())]
    meta = "".join(f"<span{attrs(title=tip)}>{esc(k)}: {esc(v)}</span>" for k, v, tip in facts)
    return f'<header><h1>Call {esc(report["call_id"])}</h1><p class="meta">{meta}</p></header>'


def _warnings(report: dict) -> str:
    """What to know before trusting the rest of the page; nothing when the report has no warnings."""
    items = []
    for w in report_warnings(report):
        listed = ""
        if w.kind == "untranscribed":
            listed = "".join(f'<li{attrs(data_start=u["start"], data_end=u["end"], data_reason=u["reason"])}>'
                             f'{esc(_who(u["speaker"]))} {esc(_span_text(u["start"], u["end"]))}: '
                             f'{esc(untranscribed_reason(u["reason"]))}</li>' for u in report["untranscribed"])
            listed = f'<ul data-testid="untranscribed">{listed}</ul>'
        items.append(f'<li{attrs(data_kind=w.kind, data_party=w.party)}><strong>{esc(w.title)}</strong>. '
                     f'{esc(w.text)}{listed}</li>')
    if not items:
        return ""
    return (f'<section class="warnings" aria-labelledby="h-warnings" data-testid="warnings">'
            f'<h2 id="h-warnings">Warnings</h2><ul>{"".join(items)}</ul></section>\n')


def render_html_report(report: dict, settings: ReportSettings | None = None) -> str:
    """The complete, self-contained HTML page for one ``callcoach.report/1`` dict."""
    settings = settings or ReportSettings.shipped()
    echo = esc(json.dumps(report.get("settings", {}), indent=2, ensure_ascii=False))
    body = (f"{_header(report)}\n<main>\n{_warnings(report)}{_timeline(report, settings)}\n"
            f"{_scorecard(report)}\n{_metrics(report)}\n{_transcript(report)}\n"
            f'<details><summary>Settings this report was made with</summary><pre>{echo}</pre></details>\n</main>')
    return render_page(f"callcoach report: {report['call_id']}", body, css=_CSS, script=_SCRIPT)


def write_html_report(report: dict, out_dir: Path, stem: str, settings: ReportSettings | None = None) -> Path:
    """Write ``<out_dir>/<stem>.html`` atomically; returns its path."""
    return write_atomic(render_html_report(report, settings), Path(out_dir) / f"{stem}.html")
