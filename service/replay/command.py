"""`coach replay`: recorded calls and transcripts through the live engine, to reports.

One bad input never stops a batch: it gets a one-line error naming the file and
why, the others still run, and the exit status is non-zero at the end.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from ..config import ConfigError, load_config
from .audio import AudioFileError
from .recording import ReplayError, replay_recording
from .report import write_report
from .summary import write_summary
from .transcript import TranscriptError, replay_transcript

__all__ = ["register", "expand_inputs"]

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", ".wma", ".webm", ".mka", ".au", ".aiff"}
_OUTPUT_SUFFIXES = (".coach.json", ".labels.json")


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
    p.add_argument("--publish", action="store_true", help="publish nudges over MQTT as if live (with --speed 1)")
    p.set_defaults(func=run)


def expand_inputs(inputs: list[str]) -> list[Path]:
    """Files named, plus the replayable files inside named directories (sorted, recursive)."""
    out: list[Path] = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and _replayable(p)))
        else:
            out.append(path)
    return out


def _replayable(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith(_OUTPUT_SUFFIXES):
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


def run(args: argparse.Namespace) -> int:
    try:
        overrides = {"audio": {"agent_channel": args.agent_channel}} if args.agent_channel else {}
        config = load_config(args.config, overrides)
        speed = _parse_speed(args.speed)
    except ConfigError as exc:
        print(f"coach replay: {exc}", file=sys.stderr)
        return 2
    language = None if args.language == "auto" else args.language
    out_dir = Path(args.out or config["replay"]["out_dir"])
    files = expand_inputs(args.inputs)
    if not files:
        print("coach replay: no replayable files found", file=sys.stderr)
        return 2
    engine = _Engine(config, speed, publish=args.publish)
    reports, failures = [], 0
    try:
        for i, path in enumerate(files, 1):
            started = time.monotonic()
            try:
                report = _replay_one(path, config, language, speed, engine)
            except (AudioFileError, ReplayError, TranscriptError, OSError, json.JSONDecodeError) as exc:
                failures += 1
                print(f"[{i}/{len(files)}] error: {_one_line(path, exc)}", file=sys.stderr)
                continue
            target = write_report(report, out_dir, path.stem)
            reports.append(report)
            took = time.monotonic() - started
            print(f"[{i}/{len(files)}] {path.name}: {report['duration']:.1f} s, {len(report['nudges'])} nudges, "
                  f"{len(report['kudos'])} kudos -> {target} ({report['duration'] / max(took, 1e-9):.0f}x real time)",
                  file=sys.stderr)
    finally:
        engine.close()
    if len(files) > 1:
        write_summary(reports, out_dir / "summary.csv")
    print(f"replayed {len(reports)} of {len(files)} inputs, {failures} failed; reports in {out_dir}", file=sys.stderr)
    return 1 if failures else 0


def _one_line(path: Path, exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if str(path) in text else f"{path}: {text}"


def _replay_one(path: Path, config: dict, language: str | None, speed: float | None, engine: "_Engine") -> dict:
    if path.suffix.lower() == ".json":
        with path.open(encoding="utf-8") as fh:
            doc = json.load(fh)
        return replay_transcript(doc, config, source=path.name, call_id=path.stem, language=language,
                                 sink=engine.sink)
    return replay_recording(path, config, language=language, speed=speed, sink=engine.sink,
                            **engine.transcription())


class _Engine:
    """Transcription (and optional MQTT publishing) shared by every file of a batch, made on first use."""

    def __init__(self, config: dict, speed: float | None, *, publish: bool) -> None:
        self._config = config
        self._speed = speed
        self._transcriber = None
        self._scheduler = None
        self._loaded = False
        self.sink = None
        if publish:
            raise ConfigError("--publish needs the MQTT publisher, which is not part of this build yet")

    def transcription(self) -> dict:
        from ..asr import AsrSettings, DecodeScheduler, load_transcriber

        if not self._loaded:
            settings = AsrSettings.from_config(self._config["asr"])
            self._transcriber = load_transcriber(settings)
            if self._transcriber is not None and self._speed is not None:
                self._scheduler = DecodeScheduler(self._transcriber, settings)
            self._loaded = True
        if self._scheduler is not None:
            return {"asr": self._scheduler}
        return {"transcriber": self._transcriber}

    def close(self) -> None:
        if self._scheduler is not None:
            self._scheduler.close(wait=True)
