"""``summary.html``: a batch of replayed calls at a glance, per call, per agent and per kind.

Why three tables: a QA lead asks "which calls need a listen" (per call, linked
to each ``<stem>.html``), "who needs coaching on what" (per agent) and "which
habits are common across the floor" (per kind). Every column sorts on a click,
in the page itself, so the file works offline like the per-call reports.
Each call links to its page by the output name ``coach replay`` gave it
(``a/call1`` for ``a/call1.html``; by default the stem of its source).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from urllib.parse import quote

from ..call import write_atomic
from .html_page import attrs, esc, format_metric, format_seconds, render_page
from .html_report import kind_label, principle_of

__all__ = ["AgentTotals", "agent_totals", "render_summary_html", "write_summary_html"]

UNKNOWN_AGENT = "(unknown)"

_CSS = """
section{overflow-x:auto}
th[data-key] button{all:unset;cursor:pointer;display:block;width:100%}
th[data-key] button:focus-visible{outline:2px solid var(--agent)}
th[aria-sort=ascending] button::after{content:" \\25b2"}th[aria-sort=descending] button::after{content:" \\25bc"}
td.zero{color:#b0b6bc}
"""

# Sort a table by the clicked column: numbers by value, text by locale order;
# a second click reverses. Cells carry the raw value in data-value.
_SCRIPT = """
(function(){
  document.querySelectorAll('table.sortable').forEach(function(table){
    var heads=table.querySelectorAll('thead th[data-key]');
    heads.forEach(function(th,col){
      th.querySelector('button').addEventListener('click',function(){
        var asc=th.getAttribute('aria-sort')!=='ascending', numeric=th.dataset.type==='num';
        heads.forEach(function(h){h.removeAttribute('aria-sort');});
        th.setAttribute('aria-sort',asc?'ascending':'descending');
        var body=table.tBodies[0], rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(a,b){
          var x=a.cells[col].dataset.value, y=b.cells[col].dataset.value;
          var d=numeric?parseFloat(x)-parseFloat(y):x.localeCompare(y);
          return asc?d:-d;
        });
        rows.forEach(function(r){body.appendChild(r);});
      });
    });
  });
})();
"""


@dataclass(slots=True)
class AgentTotals:
    """What one agent's calls add up to (built by :func:`agent_totals`)."""

    agent_id: str
    calls: int = 0
    duration_s: float = 0.0
    talk_ratio_sum: float = 0.0
    interruptions: int = 0
    dead_air_s: float = 0.0
    nudges: dict[str, int] = field(default_factory=dict)

    @property
    def mean_talk_ratio(self) -> float:
        return self.talk_ratio_sum / self.calls if self.calls else 0.0


def _counts(events: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in events:
        out[e["kind"]] = out.get(e["kind"], 0) + 1
    return out


def agent_totals(reports: list[dict]) -> list[AgentTotals]:
    """One :class:`AgentTotals` per agent, in order of agent id."""
    by_agent: dict[str, AgentTotals] = {}
    for r in reports:
        agent = r.get("agent_id") or UNKNOWN_AGENT
        totals = by_agent.setdefault(agent, AgentTotals(agent))
        totals.calls += 1
        totals.duration_s += float(r["duration"])
        totals.talk_ratio_sum += float(r["metrics"]["talk_ratio_agent"])
        totals.interruptions += int(r["metrics"]["interruptions_by_agent"])
        totals.dead_air_s += float(r["metrics"]["dead_air_s"])
        for kind, n in _counts(r["nudges"]).items():
            totals.nudges[kind] = totals.nudges.get(kind, 0) + n
    return [by_agent[a] for a in sorted(by_agent)]


@dataclass(frozen=True, slots=True)
class _Column:
    key: str
    label: str
    numeric: bool = False
    group: str = ""


def _head_attrs(column: _Column) -> str:
    return attrs(scope="col", class_="num" if column.numeric else None, data_key=column.key,
                 data_type="num" if column.numeric else "text")


def _table(test_id: str, caption: str, columns: list[_Column], rows: list[list[tuple[object, str]]]) -> str:
    """A sortable table; each cell is ``(sort value, escaped display markup)``, the first a row header."""
    groups = ""
    if any(c.group for c in columns):
        runs = [(g, len(list(run))) for g, run in groupby(c.group for c in columns)]
        groups = "<tr>" + "".join(f'<th{attrs(colspan=n, scope="colgroup" if g else None)}>{esc(g)}</th>'
                                  for g, n in runs) + "</tr>"
    head = "".join(f"<th{_head_attrs(c)}><button type=\"button\">{esc(c.label)}</button></th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for i, ((value, shown), column) in enumerate(zip(row, columns)):
            tag = "th" if i == 0 else "td"
            classes = " ".join(c for c, on in (("num", column.numeric), ("zero", column.numeric and value == 0)) if on)
            cells.append(f"<{tag}{attrs(scope='row' if i == 0 else None, class_=classes or None, data_value=value)}>"
                         f"{shown}</{tag}>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<table class="sortable" data-testid="{test_id}"><caption class="meta">{esc(caption)}</caption>'
            f"<thead>{groups}<tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _num(value: float, shown: str | None = None) -> tuple[object, str]:
    return value, esc(shown if shown is not None else value)


def _names(reports: list[dict], names: Sequence[str] | None) -> Sequence[str]:
    """The output name of each report's page: as given, or the stem of its source (one flat folder)."""
    return [Path(r["source"]).stem for r in reports] if names is None else names


def _calls_table(reports: list[dict], names: Sequence[str], kinds: list[str]) -> str:
    columns = [_Column("call", "Call"), _Column("agent", "Agent"), _Column("duration", "Duration", True),
               _Column("language", "Language"), _Column("nudges", "Nudges", True), _Column("kudos", "Kudos", True),
               _Column("talk_ratio", "Agent talk", True), _Column("interruptions", "Interruptions", True),
               _Column("dead_air", "Dead air", True),
               *(_Column(f"kind_{k}", kind_label(k), True, "Nudges per kind") for k in kinds)]
    rows = []
    for r, name in zip(reports, names, strict=True):
        m, counts = r["metrics"], _counts(r["nudges"])
        link = f'<a href="{esc(quote(name) + ".html")}">{esc(r["call_id"])}</a>'
        rows.append([(r["call_id"], link), (r.get("agent_id") or UNKNOWN_AGENT, esc(r.get("agent_id") or UNKNOWN_AGENT)),
                     _num(r["duration"], format_seconds(r["duration"])), (r["language"], esc(r["language"])),
                     _num(len(r["nudges"])), _num(len(r["kudos"])),
                     _num(m["talk_ratio_agent"], format_metric("talk_ratio_agent", m["talk_ratio_agent"])),
                     _num(m["interruptions_by_agent"]), _num(m["dead_air_s"], format_metric("dead_air_s", m["dead_air_s"])),
                     *(_num(counts.get(k, 0)) for k in kinds)])
    return _table("calls", "One row per call; the call links to its report", columns, rows)


def _agents_table(reports: list[dict], kinds: list[str]) -> str:
    columns = [_Column("agent", "Agent"), _Column("calls", "Calls", True), _Column("duration", "Total duration", True),
               _Column("nudges", "Nudges", True), _Column("talk_ratio", "Mean agent talk", True),
               _Column("interruptions", "Interruptions", True), _Column("dead_air", "Dead air", True),
               *(_Column(f"kind_{k}", kind_label(k), True, "Nudges per kind") for k in kinds)]
    rows = [[(a.agent_id, esc(a.agent_id)), _num(a.calls), _num(round(a.duration_s, 3), format_seconds(a.duration_s)),
             _num(sum(a.nudges.values())),
             _num(round(a.mean_talk_ratio, 3), format_metric("talk_ratio_agent", a.mean_talk_ratio)),
             _num(a.interruptions), _num(round(a.dead_air_s, 3), format_metric("dead_air_s", a.dead_air_s)),
             *(_num(a.nudges.get(k, 0)) for k in kinds)] for a in agent_totals(reports)]
    return _table("agents", "Calls added up per agent (interruptions are the agent's own)", columns, rows)


def _kinds_table(reports: list[dict], kinds: list[str]) -> str:
    columns = [_Column("kind", "Kind"), _Column("principle", "Principle"), _Column("nudges", "Nudges", True),
               _Column("held_back", "Held back", True), _Column("calls", "Calls", True),
               _Column("agents", "Agents", True)]
    rows = []
    for k in kinds:
        hit = [r for r in reports if any(n["kind"] == k for n in r["nudges"])]
        rows.append([(k, esc(kind_label(k))), (principle_of(k), esc(principle_of(k))),
                     _num(sum(_counts(r["nudges"]).get(k, 0) for r in reports)),
                     _num(sum(int(r.get("suppressed", {}).get(k, 0)) for r in reports)), _num(len(hit)),
                     _num(len({r.get("agent_id") or UNKNOWN_AGENT for r in hit}))])
    return _table("kinds", "Nudges per kind across all calls; held back = raised but not shown "
                           "(cooldown or per-minute cap)", columns, rows)


def render_summary_html(reports: list[dict], names: Sequence[str] | None = None) -> str:
    """The complete, self-contained ``summary.html`` page for a batch of report dicts.

    ``names``: each report's output name, its page being ``<name>.html`` beside the summary.
    """
    kinds = sorted({n["kind"] for r in reports for n in r["nudges"]} |
                   {k for r in reports for k, v in r.get("suppressed", {}).items() if v})
    total = sum(float(r["duration"]) for r in reports)
    agents = len({r.get("agent_id") or UNKNOWN_AGENT for r in reports})
    calls = _calls_table(reports, _names(reports, names), kinds)
    body = (f'<header><h1>Replay summary</h1><p class="meta"><span>{len(reports)} calls</span>'
            f"<span>{agents} agents</span><span>{esc(format_seconds(total))} of audio</span>"
            f'<span>{sum(len(r["nudges"]) for r in reports)} nudges</span></p>'
            f"<p>Select a column header to sort by it; select it again to reverse.</p></header>\n<main>\n"
            f'<section aria-labelledby="h-calls"><h2 id="h-calls">Calls</h2>{calls}</section>\n'
            f'<section aria-labelledby="h-agents"><h2 id="h-agents">Agents</h2>{_agents_table(reports, kinds)}</section>\n'
            f'<section aria-labelledby="h-kinds"><h2 id="h-kinds">Nudge kinds</h2>{_kinds_table(reports, kinds)}'
            f"</section>\n</main>")
    return render_page("callcoach replay summary", body, css=_CSS, script=_SCRIPT)


def write_summary_html(reports: list[dict], out_dir: Path, names: Sequence[str] | None = None) -> Path:
    """Write ``<out_dir>/summary.html`` atomically; returns its path."""
    return write_atomic(render_summary_html(reports, names), Path(out_dir) / "summary.html")
