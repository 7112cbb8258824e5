#!/usr/bin/env python3
"""Harper Valley Bank calls -> labelled transcript cases for `coach eval`.

Input, per call (tests/data/real/hvb/):
  source/<sid>.json  the corpus transcript, trimmed to the fields used here
                     (sid, start_time_ms, task, segments with index,
                     speaker_role, start_timestamp_ms, duration_ms,
                     human_transcript); the corpus' own files work as well
                     (a bare list of segments, with --start-from-first)
  labels/<sid>.yaml  a QA reviewer's labels, by segment index:
                       due:     [{kind, at: N | after: N | span: [A, B], why}]
                       allowed: [...]   (borderline: may fire, need not)
Output: cases/<sid>.json in the transcript input contract plus `expect`,
`allowed` and `timing: true`.

Why these choices:
- Times come from ``start_timestamp_ms``, the one wall clock both channels
  share; the per-channel ``offset_ms``/``start_ms`` differ by the channel's
  join delay (2 s and more), which would invent overlaps.
- Segments whose corrected text is only tags ("[noise]", "[laughter]") are
  not speech and are dropped; tags inside speech are removed.
- A label becomes a window of call time: ``at: N`` is segment N's span plus
  ``--grace`` seconds (text nudges fire at the end of the turn, a reply's end
  or a follow-up's grace period later); ``after: N`` is the silence after N,
  up to the next speech (plus a frame's slack); ``span: [A, B]`` runs from
  A's start to B's end plus the grace.

Usage: scripts/convert_hvb.py [--root tests/data/real/hvb] [--grace 5.0]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1] / "tests" / "data" / "real" / "hvb"
_TAG = re.compile(r"\[[^\]]*\]|<[^>]*>")
_SPACES = re.compile(r"\s+")
_ROLES = {"agent": "agent", "caller": "customer"}
_SILENCE_SLACK_S = 0.5  # the engine decides on 30 ms frames and a hang-over; a silence's end may be seen late


class ConvertError(ValueError):
    """A source or label file is malformed; the message names the file and the place."""


def clean_text(text: str) -> str:
    """Corrected text without transcriber tags; empty when the segment was only noise."""
    return _SPACES.sub(" ", _TAG.sub(" ", text)).strip()


def load_source(path: Path) -> dict:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(doc, list):  # the corpus' own transcript file
        doc = {"sid": path.stem, "segments": doc}
    if not isinstance(doc, dict) or not isinstance(doc.get("segments"), list):
        raise ConvertError(f"{path}: expected {{sid, segments: [...]}} or a list of segments")
    return doc


def turns_of(doc: dict, source: str) -> tuple[list[dict], dict[int, dict]]:
    """Turns in call time (sorted by start), and every segment's span by its corpus index."""
    segments = doc["segments"]
    try:
        starts = [int(s["start_timestamp_ms"]) for s in segments]
    except (KeyError, TypeError, ValueError) as exc:
        raise ConvertError(f"{source}: a segment lacks start_timestamp_ms ({exc})") from None
    origin = min(starts + ([int(doc["start_time_ms"])] if doc.get("start_time_ms") else []))
    spans: dict[int, dict] = {}
    turns = []
    for seg in segments:
        role = _ROLES.get(seg.get("speaker_role"))
        if role is None:
            raise ConvertError(f"{source}: segment {seg.get('index')} has speaker_role {seg.get('speaker_role')!r}")
        start = (int(seg["start_timestamp_ms"]) - origin) / 1000.0
        end = start + int(seg["duration_ms"]) / 1000.0
        text = clean_text(str(seg.get("human_transcript", "")))
        spans[int(seg["index"])] = {"start": start, "end": end, "speech": bool(text)}
        if text:
            turns.append({"speaker": role, "start": round(start, 3), "end": round(end, 3), "text": text})
    turns.sort(key=lambda t: (t["start"], t["speaker"]))
    return turns, spans


def _span(spans: dict[int, dict], index: object, where: str) -> dict:
    if not isinstance(index, int) or index not in spans:
        raise ConvertError(f"{where}: segment {index!r} is not in the source")
    return spans[index]


def window_of(label: dict, spans: dict[int, dict], grace: float, where: str) -> list[float]:
    """The call-time window a label covers (see the module docstring)."""
    if "at" in label:
        seg = _span(spans, label["at"], where)
        lo, hi = seg["start"], seg["end"] + grace
    elif "after" in label:
        seg = _span(spans, label["after"], where)
        later = [s["start"] for s in spans.values() if s["speech"] and s["start"] >= seg["end"]]
        lo = seg["end"]
        hi = (min(later) if later else max(s["end"] for s in spans.values())) + _SILENCE_SLACK_S
    elif "span" in label and isinstance(label["span"], list) and len(label["span"]) == 2:
        first, last = (_span(spans, i, where) for i in label["span"])
        lo, hi = first["start"], last["end"] + grace
    else:
        raise ConvertError(f"{where}: a label needs at: N, after: N or span: [A, B]")
    return [round(lo, 3), round(hi, 3)]


def labels_of(path: Path, spans: dict[int, dict], grace: float) -> tuple[list[dict], list[dict], str]:
    """(expect, allowed, summary line) from a reviewer's label file."""
    text = path.read_text(encoding="utf-8")
    doc = yaml.safe_load(text) or {}
    if not isinstance(doc, dict):
        raise ConvertError(f"{path}: expected a mapping with 'due' and 'allowed'")
    out = {}
    for key in ("due", "allowed"):
        items = doc.get(key) or []
        if not isinstance(items, list):
            raise ConvertError(f"{path}: '{key}' must be a list")
        out[key] = []
        for i, label in enumerate(items):
            where = f"{path}: {key}[{i}]"
            if not isinstance(label, dict) or not isinstance(label.get("kind"), str):
                raise ConvertError(f"{where}: needs a string 'kind'")
            item = {"kind": label["kind"], "window": window_of(label, spans, grace, where)}
            if label.get("why"):
                item["why"] = str(label["why"])
            out[key].append(item)
    summary = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), "")
    return out["due"], out["allowed"], summary


def convert(sid: str, root: Path, grace: float) -> dict:
    source = root / "source" / f"{sid}.json"
    doc = load_source(source)
    turns, spans = turns_of(doc, str(source))
    expect, allowed, summary = labels_of(root / "labels" / f"{sid}.yaml", spans, grace)
    task = doc.get("task", "")
    return {
        "id": f"hvb_{sid}",
        "description": summary or task,
        "tags": ["real", "hvb"] + ([f"task: {task}"] if task else []),
        "language": "en",
        "call_id": sid,
        "timing": True,
        "source": "Harper Valley Bank corpus (Gridspace-Stanford), Apache-2.0; see ../LICENSE-NOTICE.md",
        "turns": turns,
        "expect": expect,
        "allowed": allowed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="folder with source/ and labels/ (default: %(default)s)")
    parser.add_argument("--grace", type=float, default=5.0,
                        help="seconds after a labelled turn within which its nudge may fire (default: %(default)s)")
    args = parser.parse_args(argv)
    sids = sorted(p.stem for p in (args.root / "labels").glob("*.yaml"))
    if not sids:
        print(f"convert_hvb: no label files under {args.root / 'labels'}", file=sys.stderr)
        return 2
    out_dir = args.root / "cases"
    out_dir.mkdir(exist_ok=True)
    try:
        for sid in sids:
            case = convert(sid, args.root, args.grace)
            (out_dir / f"{sid}.json").write_text(json.dumps(case, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except (OSError, ConvertError, json.JSONDecodeError, yaml.YAMLError) as exc:
        print(f"convert_hvb: {exc}", file=sys.stderr)
        return 2
    print(f"convert_hvb: {len(sids)} calls -> {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
