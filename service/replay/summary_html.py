"""``summary.html``: a batch of replayed calls at a glance, per call, per agent, per team and per kind.

Why these tables: a QA lead asks "which calls need a listen" (per call, linked
to each ``<stem>.html``), "who needs coaching on what" (per agent), "which team
needs its lead's attention" (per team, shown when any call has a team: see
:func:`.totals.call_team`) and "which habits are common across the floor" (per
kind). When any call has them, the calls table adds the customer's raised-voice
verdicts and the warnings that say a report must be read with care (a silent
leg, speech the live decoder skipped; :mod:`.findings`). Every column sorts on a click,
in the page itself, so the file works offline like the per-call reports.
Each call links to its page by the output name ``coach replay`` gave it
(``a/call1`` for ``a/call1.html``; by default the stem of its source).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from urllib.parse import quote

from ..call import write_atomic
from .html_page import attrs, esc, format_metric, format_seconds, render_page
from .findings import report_warnings
from .html_report import kind_label, principle_of
from .totals import Totals, call_team, kind_counts, totals_by

__all__ = ["agent_totals", "render_summary_html", "write_summary_html"]

UNKNOWN_AGENT = "(unknown)"
NO_TEAM = "(no team)"

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


def agent_totals(reports: list[dict]) -> list[Totals]:
    """One :class:`~.totals.Totals` per agent (named by agent id, or ``(unknown)``), in order of agent id."""
    return totals_by(reports, lambda r: r.get("agent_id") or UNKNOWN_AGENT)


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


def _calls_table(reports: list[dict], names: Sequence[str], kinds: list[str], teams: list[str] | None) -> str:
    """``teams``: each call's team, for a Team column (None: no call has a team, no column).

    The Raised voice and Warnings columns appear only when some call has either.
    """
    flagged = any(r.get("voice_distress") or report_warnings(r) for r in reports)
    columns = [_Column("call", "Call"), _Column("agent", "Agent"), *([_Column("team", "Team")] if teams else []),
               _Column("duration", "Duration", True),
               _Column("language", "Language"), _Column("nudges", "Nudges", True), _Column("kudos", "Kudos", True),
               _Column("talk_ratio", "Agent talk", True), _Column("interruptions", "Interruptions", True),
               _Column("dead_air", "Dead air", True),
               *([_Column("raised_voice", "Raised voice", True), _Column("warnings", "Warnings")] if flagged else []),
               *(_Column(f"kind_{k}", kind_label(k), True, "Nudges per kind") for k in kinds)]
    rows = []
    for i, (r, name) in enumerate(zip(reports, names, strict=True)):
        m, counts = r["metrics"], kind_counts(r["nudges"])
        link = f'<a href="{esc(quote(name) + ".html")}">{esc(r["call_id"])}</a>'
        team = [(teams[i] or NO_TEAM, esc(teams[i] or NO_TEAM))] if teams else []
        warned = "; ".join(w.title for w in report_warnings(r))
        flags = [_num(len(r.get("voice_distress") or [])), (warned, esc(warned))] if flagged else []
        rows.append([(r["call_id"], link), (r.get("agent_id") or UNKNOWN_AGENT, esc(r.get("agent_id") or UNKNOWN_AGENT)),
                     *team, _num(r["duration"], format_seconds(r["duration"])), (r["language"], esc(r["language"])),
                     _num(len(r["nudges"])), _num(len(r["kudos"])),
                     _num(m["talk_ratio_agent"], format_metric("talk_ratio_agent", m["talk_ratio_agent"])),
                     _num(m["interruptions_by_agent"]), _num(m["dead_air_s"], format_metric("dead_air_s", m["dead_air_s"])),
                     *flags, *(_num(counts.get(k, 0)) for k in kinds)])
    return _table("calls", "One row per call; the call links to its report", columns, rows)


def _totals_table(test_id: str, caption: str, group: _Column, totals: list[Totals], kinds: list[str],
                  count_agents: bool = False) -> str:
    """Calls added up per ``group`` (an agent, a team); ``count_agents`` adds how many agents each had."""
    columns = [group, _Column("calls", "Calls", True), *([_Column("agents", "Agents", True)] if count_agents else []),
               _Column("duration", "Total duration", True),
               _Column("nudges", "Nudges", True), _Column("talk_ratio", "Mean agent talk", True),
               _Column("interruptions", "Interruptions", True), _Column("dead_air", "Dead air", True),
               *(_Column(f"kind_{k}", kind_label(k), True, "Nudges per kind") for k in kinds)]
    rows = [[(a.name, esc(a.name)), _num(a.calls), *([_num(len(a.agents))] if count_agents else []),
             _num(round(a.duration_s, 3), format_seconds(a.duration_s)),
             _num(sum(a.nudges.values())),
             _num(round(a.mean_talk_ratio, 3), format_metric("talk_ratio_agent", a.mean_talk_ratio)),
             _num(a.interruptions), _num(round(a.dead_air_s, 3), format_metric("dead_air_s", a.dead_air_s)),
             *(_num(a.nudges.get(k, 0)) for k in kinds)] for a in totals]
    return _table(test_id, caption, columns, rows)


def _kinds_table(reports: list[dict], kinds: list[str]) -> str:
    columns = [_Column("kind", "Kind"), _Column("principle", "Principle"), _Column("nudges", "Nudges", True),
               _Column("held_back", "Held back", True), _Column("calls", "Calls", True),
               _Column("agents", "Agents", True)]
    rows = []
    for k in kinds:
        hit = [r for r in reports if any(n["kind"] == k for n in r["nudges"])]
        rows.append([(k, esc(kind_label(k))), (principle_of(k), esc(principle_of(k))),
                     _num(sum(kind_counts(r["nudges"]).get(k, 0) for r in reports)),
                     _num(sum(int(r.get("suppressed", {}).get(k, 0)) for r in reports)), _num(len(hit)),
                     _num(len({r.get("agent_id") or UNKNOWN_AGENT for r in hit}))])
    return _table("kinds", "Nudges per kind across all calls; held back = raised but not shown "
                           "(cooldown or per-minute cap)", columns, rows)


def render_summary_html(reports: list[dict], names: Sequence[str] | None = None,
                        teams: Mapping[str, Iterable[str]] | None = None) -> str:
    """The complete, self-contained ``summary.html`` page for a batch of report dicts.

    ``names``: each report's output name, its page being ``<name>.html`` beside the summary.
    ``teams``: ``[mqtt.teams]``, for calls whose report and sidecar name no team.
    """
    kinds = sorted({n["kind"] for r in reports for n in r["nudges"]} |
                   {k for r in reports for k, v in r.get("suppressed", {}).items() if v})
    total = sum(float(r["duration"]) for r in reports)
    agents = len({r.get("agent_id") or UNKNOWN_AGENT for r in reports})
    call_teams = [call_team(r, teams) for r in reports]
    known = any(call_teams)
    calls = _calls_table(reports, _names(reports, names), kinds, call_teams if known else None)
    agents_table = _totals_table("agents", "Calls added up per agent (interruptions are the agent's own)",
                                 _Column("agent", "Agent"), agent_totals(reports), kinds)
    teams_section = ""
    if known:
        by_team = totals_by(reports, lambda r: call_team(r, teams) or NO_TEAM)
        teams_section = ('<section aria-labelledby="h-teams"><h2 id="h-teams">Teams</h2>'
                         + _totals_table("teams", "Calls added up per team (as in summary-teams.csv)",
                                         _Column("team", "Team"), by_team, kinds, count_agents=True)
                         + "</section>\n")
    body = (f'<header><h1>Replay summary</h1><p class="meta"><span>{len(reports)} calls</span>'
            f"<span>{agents} agents</span><span>{esc(format_seconds(total))} of audio</span>"
            f'<span>{sum(len(r["nudges"]) for r in reports)} nudges</span></p>'
            f"<p>Select a column header to sort by it; select it again to reverse.</p></header>\n<main>\n"
            f'<section aria-labelledby="h-calls"><h2 id="h-calls">Calls</h2>{calls}</section>\n'
            f'<section aria-labelledby="h-agents"><h2 id="h-agents">Agents</h2>{agents_table}</section>\n'
            f"{teams_section}"
            f'<section aria-labelledby="h-kinds"><h2 id="h-kinds">Nudge kinds</h2>{_kinds_table(reports, kinds)}'
            f"</section>\n</main>")
    return render_page("callcoach replay summary", body, css=_CSS, script=_SCRIPT)


def write_summary_html(reports: list[dict], out_dir: Path, names: Sequence[str] | None = None,
                       teams: Mapping[str, Iterable[str]] | None = None) -> Path:
    """Write ``<out_dir>/summary.html`` atomically; returns its path."""
    return write_atomic(render_summary_html(reports, names, teams), Path(out_dir) / "summary.html")
