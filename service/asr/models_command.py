"""``coach models``: the Whisper models this deployment could run, what each costs here and how well it hears.

Why a command: choosing a model tier is a deployment decision (size, which
machine, which languages), and the facts for it are scattered: the registry
(what assembles offline), the cache folders (what is already here), and the
measurements file (decode cost and word error per language on real speech).
This lists them side by side without loading, assembling or downloading
anything; figures come from ``models/measurements.toml``, never measured here.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import ConfigError, read_config
from .errors import ModelError
from .measurements import UNMEASURED, Measurement, load_measurements, measurements_path
from .models import REQUIRED_LOCAL_FILES, folder_size, load_hub_models, load_registry, locate

__all__ = ["ModelRow", "model_rows", "register"]

# Devices always shown, measured or not: the CPU everyone has, and the GPU step up.
DEVICES = ("cpu", "cuda")
# The larger tiers ship float16 weights: a download is about this many bytes per parameter.
HUB_BYTES_PER_PARAMETER = 2


@dataclass(frozen=True, slots=True)
class ModelRow:
    """One model as ``coach models`` shows it."""

    name: str
    kind: str  # "registry" (assembled offline), "hub" (a larger tier), "folder" or "hub name" (configured)
    description: str
    parameters: int  # 0 = not known
    configured: bool
    offline: bool
    here: str  # where it is on this machine, or what it takes to get it
    folder: Path | None
    size_bytes: int  # on disk here; 0 when not here
    download_bytes: int  # estimated download of a hub tier not here; 0 otherwise
    measurements: dict[str, Measurement]  # device -> figures (absent: unmeasured)

    def as_json(self, languages: list[str]) -> dict[str, Any]:
        devices = dict.fromkeys([*DEVICES, *self.measurements])
        return {
            "name": self.name, "kind": self.kind, "description": self.description,
            "parameters": self.parameters or None, "configured": self.configured, "offline": self.offline,
            "here": self.here, "folder": str(self.folder) if self.folder else None,
            "size_bytes": self.size_bytes or None, "download_bytes_estimate": self.download_bytes or None,
            "measurements": {d: self.measurements[d].as_json(languages) if d in self.measurements else UNMEASURED
                             for d in devices},
        }


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("models", help="list the Whisper models: size, offline here, decode cost, word error",
                              description="List the Whisper models this deployment can use (the registry, the "
                                          "larger tiers and the configured asr.model) with their size, whether "
                                          "they load offline here, and their measured decode cost and word error "
                                          "rate per language (models/measurements.toml).")
    p.add_argument("name", nargs="?", metavar="MODEL", help="show only this model (as asr.model would name it)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--config", metavar="FILE", help="TOML file overriding config/*.toml (for asr.model)")
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    from ..settings import check_config  # the full settings stack: only when the command runs

    try:
        asr = check_config(read_config(args.config)).asr
        measurements = load_measurements()
        if args.name and not _known(args.name):
            raise ModelError(_unknown(args.name))
        names = [args.name] if args.name else None
        rows = model_rows(asr.model, asr.cache_dir, measurements, names)
    except (ConfigError, ModelError) as exc:
        print(f"coach models: {exc}", file=sys.stderr)
        return 2
    languages = list(dict.fromkeys([*asr.language.languages,
                                    *(lang for row in rows for m in row.measurements.values() for lang in m.wer)]))
    if args.json:
        print(json.dumps({
            "configured": {"model": asr.model, "device": asr.device, "compute_type": asr.compute_type,
                           "warn_wer_above": asr.warn_wer_above},
            "measurements_file": str(measurements_path()), "languages": languages,
            "models": [row.as_json(languages) for row in rows]}, indent=1, ensure_ascii=False))
    else:
        print(render(rows, languages, f"asr.model = {asr.model} (device {asr.device}, compute_type "
                                      f"{asr.compute_type}); figures from {measurements_path()}"))
    return 0


def model_rows(configured: str, cache_dir: str, measurements: dict[tuple[str, str], Measurement],
               names: list[str] | None = None) -> list[ModelRow]:
    """The registry models, the larger tiers and the configured model (or only ``names``), in that order."""
    registry, hub = load_registry(), load_hub_models()
    listed = names or list(dict.fromkeys([*registry, *hub, configured]))
    rows = []
    for name in listed:
        copy = locate(name, cache_dir)
        if name in registry:
            kind, description, parameters = "registry", registry[name].description, registry[name].parameters
        elif name in hub:
            kind, description, parameters = "hub", f"{hub[name].description} ({hub[name].repo})", hub[name].parameters
        else:
            kind, description, parameters = ("folder" if copy.folder else "hub name"), "", 0
        size = folder_size(copy.folder) if copy.folder and copy.offline else 0
        download = parameters * HUB_BYTES_PER_PARAMETER if kind == "hub" and not size else 0
        rows.append(ModelRow(name, kind, description, parameters, name == configured, copy.offline, copy.how,
                             copy.folder, size, download,
                             {device: m for (model, device), m in measurements.items() if model == name}))
    return rows


def _known(name: str) -> bool:
    if name in load_registry() or name in load_hub_models() or Path(name).expanduser().is_dir():
        return True
    if "/" in name and not name.startswith((".", "~", "/")):
        return True  # a hub repository id ("org/model")
    from faster_whisper import available_models  # the names faster-whisper maps to hub repositories

    return name in available_models()


def _unknown(name: str) -> str:
    names = ", ".join([*load_registry(), *load_hub_models()])
    if name.startswith((".", "~", "/")):
        return f"model folder {name} does not exist (a CTranslate2 Whisper folder holds " \
               f"{', '.join(REQUIRED_LOCAL_FILES)})"
    return f"unknown model {name!r}: not a registry or hub tier name ({names}), a faster-whisper model name, " \
           "a hub repository id (org/name) or a folder"


def _size(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def _params(n: int) -> str:
    return f"{n / 1e9:.2f}B" if n >= 1e9 else f"{n / 1e6:.0f}M"


def _workers(n: int) -> str:
    return f"{n} worker{'s' if n > 1 else ''}"


def _cost(m: Measurement | None) -> str:
    if m is None or not m.rtf:
        return UNMEASURED
    per = ", ".join(f"{m.rtf[w]:.3f}" + (f" (p95 {m.rtf_p95[w]:.3f})" if w in m.rtf_p95 else "")
                    + f" with {_workers(w)}" for w in sorted(m.rtf))
    sustained = ", ".join(f"{m.throughput_rtf[w]:.3f} ({_workers(w)})" for w in sorted(m.throughput_rtf))
    when = ", ".join(x for x in (m.compute_type, m.date, m.machine) if x)
    return f"RTF {per}" + (f"; throughput RTF {sustained}" if sustained else "") + (f" [{when}]" if when else "")


def _wer(m: Measurement | None, language: str) -> str:
    if m is None or language not in m.wer:
        return UNMEASURED
    words = m.wer_words.get(language)
    return f"{m.wer[language]:.1%}" + (f" ({words} words)" if words else "")


def render(rows: list[ModelRow], languages: list[str], heading: str) -> str:
    """The text listing: one block per model, then the word-error table."""
    lines = [heading, ""]
    for row in rows:
        size = (f", {_size(row.size_bytes)} on disk" if row.size_bytes
                else f", ~{_size(row.download_bytes)} download" if row.download_bytes else "")
        facts = (f"{_params(row.parameters)} parameters" if row.parameters else row.kind) + size
        marker, configured = ("*", ", configured") if row.configured else (" ", "")
        lines.append(f"{marker} {row.name}  ({facts}{configured})")
        if row.description:
            lines.append(f"    {row.description}")
        lines.append(f"    here: {row.here}{' (loads offline)' if row.offline else ''}")
        for device in dict.fromkeys([*DEVICES, *row.measurements]):
            lines.append(f"    decode cost per 10 s utterance, {device}: {_cost(row.measurements.get(device))}")
    lines += ["", "Word error rate on real speech (tests/data/speech, 16 kHz, language given):"]
    table = [["model", *languages]]
    for row in rows:
        measured = [m for m in row.measurements.values() if m.wer]
        for m in measured or [None]:
            label = f"{row.name} ({m.device})" if m else row.name
            table.append([label, *(_wer(m, lang) for lang in languages)])
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in table]
    return "\n".join(lines)
