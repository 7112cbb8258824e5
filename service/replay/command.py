"""`coach replay`: recorded calls and transcripts through the live engine, to reports.

One bad input never stops a batch: it gets a one-line error naming the file and
why, the others still run, and the exit status is non-zero at the end. With
``--cluster`` the calls run on a Ray cluster's workers (:mod:`.cluster`, an
optional extra) and everything else stays here: freshness, names, reports,
summaries and progress.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
from pathlib import Path

from ..asr.codes import whisper_language
from ..asr.measurements import start_warnings
from ..config import ConfigError
from .batch import BatchInput, BatchOptions, BatchResult, run_batch
from .html_report import ReportSettings, write_html_report
from .progress import Progress
from .publish import publishing_sink
from ..call import write_report
from ..settings import load_checked_config
from .summary import write_summary
from .summary_html import write_summary_html

__all__ = ["register", "expand_inputs"]

AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", ".wma", ".webm", ".mka", ".au", ".aiff"}
_OUTPUT_SUFFIXES = (".coach.json", ".labels.json", ".meta.json")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="replay recorded calls or transcripts and write reports",
                       description="Replay stereo call recordings (any format PyAV reads) or transcript JSON "
                                   "files through the coaching engine and write callcoach.report/1 JSON.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="audio file, transcript .json, or a directory of them")
    p.add_argument("--out", metavar="DIR", help="report folder (default: replay.out_dir of the config)")
    p.add_argument("--agent-channel", choices=("left", "right"), help="channel carrying the agent (default left)")
    p.add_argument("--language", default="auto", metavar="auto|CODE", help="call language (default: detect)")
    p.add_argument("--speed", default="max", metavar="max|1|N",
                   help="max = as fast as possible (default); 1 = paced like a live call; N = N times real time")
    p.add_argument("--config", metavar="FILE", help="TOML file overriding the defaults in config/")
    p.add_argument("--publish", action="store_true",
                   help="publish nudges over MQTT as if live (use with --speed 1; a running `coach serve` "
                        "shows them on /display)")
    p.add_argument("--agent-id", default="", metavar="ID",
                   help="agent id for reports and MQTT topics (default: sidecar file or filename pattern)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="parallel worker processes (default: replay.workers; 0 = one per CPU core, "
                        "with --cluster one per CPU of the cluster)")
    p.add_argument("--force", action="store_true",
                   help="replay even when a report made from the same input bytes and settings exists")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="run the calls on the Ray cluster at ADDRESS (host:port of its head; needs "
                        "callcoach[ray] on every node, inputs at the same path on every node)")
    p.add_argument("--json-progress", action="store_true",
                   help="progress as one JSON object per update on stderr, for schedulers")
    p.set_defaults(func=run)


def expand_inputs(inputs: list[str], sidecar_suffix: str) -> tuple[list[Path], list[Path]]:
    """Files named, plus the replayable files inside named directories (sorted, recursive).

    Also returns the named files passed over: sidecars (``<stem><sidecar_suffix>``,
    ``.meta.json``) and our own outputs are metadata, never calls, even when a
    shell glob such as ``calls/*.json`` names them.
    """
    not_inputs = tuple(s for s in (*_OUTPUT_SUFFIXES, sidecar_suffix.lower()) if s)
    out: list[Path] = []
    passed_over: list[Path] = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and _replayable(p, not_inputs)))
        elif path.name.lower().endswith(not_inputs):
            passed_over.append(path)
        else:
            out.append(path)
    return out, passed_over


def _replayable(path: Path, not_inputs: tuple[str, ...]) -> bool:
    if path.name.lower().endswith(not_inputs):
        return False
    return path.suffix.lower() in AUDIO_SUFFIXES or path.suffix.lower() == ".json"


def _parse_speed(text: str) -> float | None:
    if text == "max":
        return None
    try:
        speed = float(text)
    except ValueError:
        raise ConfigError(f"--speed must be 'max' or a positive number, got {text!r}") from None
    if speed <= 0:
        raise ConfigError(f"--speed must be positive, got {text!r}")
    return speed


def _parse_language(text: str) -> str | None:
    """``--language``: None for auto, else Whisper's code for the tag ("el", "el-GR")."""
    if text == "auto":
        return None
    code = whisper_language(text)
    if code is None:
        raise ConfigError(f"--language must be 'auto' or a language Whisper knows (e.g. 'el', 'tr-TR'), got {text!r}")
    return code


def run(args: argparse.Namespace) -> int:
    try:
        overrides = {"audio": {"agent_channel": args.agent_channel}} if args.agent_channel else {}
        config = load_checked_config(args.config, overrides)
        language = _parse_language(args.language)
        warnings = start_warnings(config, [language] if language else [])
        speed = _parse_speed(args.speed)
        if args.cluster and args.publish:
            raise ConfigError("--publish plays calls in this process, live; it cannot be used with --cluster")
    except ConfigError as exc:
        print(f"coach replay: {exc}", file=sys.stderr)
        return 2
    progress = Progress(as_json=args.json_progress)
    files, passed_over = expand_inputs(args.inputs, config["reports"]["sidecar_suffix"])
    if any(path.suffix.lower() != ".json" for path in files):  # recordings to recognise (transcripts need no model)
        for warning in warnings:
            progress.note(f"coach replay: warning: {warning}")
    if passed_over:
        progress.note(f"coach replay: passing over {len(passed_over)} sidecar or report file(s) named as inputs "
                      f"(e.g. {passed_over[0]}): metadata, not calls")
    if not files:
        print("coach replay: no replayable files found", file=sys.stderr)
        return 2
    out_dir = Path(args.out or config["replay"]["out_dir"])
    options = BatchOptions(
        out_dir=out_dir,
        language=language,
        speed=speed,
        workers=args.workers if args.workers is not None else int(config["replay"]["workers"]),
        force=args.force,
    )
    html_settings = ReportSettings.from_config(config["reports"])

    def save(item: BatchInput, report: dict) -> None:
        write_report(report, out_dir, item.name)
        write_html_report(report, out_dir, item.name, settings=html_settings)

    if args.cluster:
        result = _run_on_cluster(args.cluster, files, config, options, save, args.agent_id, progress)
        if result is None:
            return 2
    else:
        result = _run_here(files, config, options, save, args, progress)
    made = sorted(result.skipped + result.reports, key=lambda entry: entry[0].name)
    if len(made) + len(result.failures) > 1:
        teams = config["mqtt"]["teams"]  # the team of a call neither its report nor its sidecar names
        write_summary([report for _, report in made], out_dir / "summary.csv", teams)
        write_summary_html([report for _, report in made], out_dir, names=[item.name for item, _ in made], teams=teams)
    progress.end(out_dir)
    return 1 if result.failures else 0


def _run_here(files: list[Path], config: dict, options: BatchOptions, save, args: argparse.Namespace,
              progress: Progress) -> BatchResult:
    """The batch on this machine's cores (``--workers 0``: one process per core), publishing with ``--publish``."""
    options = dataclasses.replace(options, workers=options.workers or max(1, os.cpu_count() or 1))
    with publishing_sink(config) if args.publish else contextlib.nullcontext() as sink:
        return run_batch(files, config, options, on_report=save, sink=sink, agent_id=args.agent_id,
                         progress=progress)


def _run_on_cluster(address: str, files: list[Path], config: dict, options: BatchOptions, save,
                    agent_id: str, progress: Progress) -> BatchResult | None:
    """The batch on the Ray cluster at ``address``; ``None`` (said on stderr) when it cannot run there.

    Ray is imported here, not at the top: it is an optional extra that a
    machine replaying locally does not need.
    """
    try:
        from .cluster import ClusterError, connect
    except ModuleNotFoundError as exc:
        if exc.name != "ray":
            raise
        print("coach replay: --cluster needs Ray: pip install 'callcoach[ray]'", file=sys.stderr)
        return None
    try:
        with connect(address) as cluster:
            cluster.check_shared(files, config)
            options = dataclasses.replace(options, workers=options.workers or cluster.cpus)
            return run_batch(files, config, options, on_report=save, agent_id=agent_id, progress=progress,
                             workers=cluster.workers)
    except ClusterError as exc:
        print(f"coach replay: {exc}", file=sys.stderr)
        return None
