"""Measured decode cost and word error per model and device (``models/measurements.toml``).

Why a committed file: what a model costs here and how well it hears each
language are facts of a measurement run (``scripts/bench_asr_rtf.py`` on the
real speech of ``tests/data/speech``), not something to re-measure at every
start. ``coach models`` shows them, and :func:`recognition_warnings` turns
them into the start-up warning that a centre's language is known to be poorly
recognised by the configured model, citing the figure and the file. A figure
that was not measured is "unmeasured", in the file or by its absence.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import ConfigError, registry_dir
from .settings import AsrSettings

__all__ = [
    "MEASUREMENTS_FILE",
    "UNMEASURED",
    "Measurement",
    "MeasurementError",
    "load_measurements",
    "measurements_path",
    "recognition_warnings",
    "start_warnings",
]

MEASUREMENTS_FILE = "measurements.toml"
# The word a figure that was not measured is written as.
UNMEASURED = "unmeasured"
_TEXT_KEYS = ("date", "machine", "command", "compute_type", "note")


class MeasurementError(ConfigError):
    """``measurements.toml`` is unreadable or a figure in it is not a number or "unmeasured"."""


@dataclass(frozen=True, slots=True)
class Measurement:
    """One model on one device. Empty tables mean unmeasured.

    ``rtf``/``rtf_p95``: decode time over audio length per 10 s utterance of
    real speech (median, 95th percentile), by number of decode workers;
    ``throughput_rtf``: wall time over audio decoded with every worker busy;
    ``wer``: word error rate (a fraction) per language code, ``wer_words`` the
    reference words behind it.
    """

    model: str
    device: str
    date: str = ""
    machine: str = ""
    command: str = ""
    compute_type: str = ""
    note: str = ""
    rtf: Mapping[int, float] = field(default_factory=dict)
    rtf_p95: Mapping[int, float] = field(default_factory=dict)
    throughput_rtf: Mapping[int, float] = field(default_factory=dict)
    wer: Mapping[str, float] = field(default_factory=dict)
    wer_words: Mapping[str, int] = field(default_factory=dict)

    def as_json(self, languages: Iterable[str] = ()) -> dict[str, Any]:
        """Plain JSON, with "unmeasured" for an empty table and for each of ``languages`` without a WER."""
        def table(values: Mapping) -> dict | str:
            return {str(k): v for k, v in values.items()} if values else UNMEASURED

        wer = {**dict(self.wer), **{lang: UNMEASURED for lang in languages if lang not in self.wer}}
        return {**{key: getattr(self, key) for key in _TEXT_KEYS}, "rtf": table(self.rtf),
                "rtf_p95": table(self.rtf_p95), "throughput_rtf": table(self.throughput_rtf),
                "wer": wer or UNMEASURED, "wer_words": table(self.wer_words)}


def measurements_path() -> Path:
    """The shipped file, beside the model registry."""
    return registry_dir() / MEASUREMENTS_FILE


def load_measurements(path: Path | None = None) -> dict[tuple[str, str], Measurement]:
    """(model, device) -> :class:`Measurement` from ``path`` (the shipped file by default)."""
    path = path or measurements_path()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MeasurementError(f"{path}: unreadable: {exc}") from None
    out = {}
    for model, devices in data.items():
        _expect(isinstance(devices, dict), path, f"[{model}]", "must be a table of devices ([<model>.<device>])")
        for device, entry in devices.items():
            where = f"[{model}.{device}]"
            _expect(isinstance(entry, dict), path, where, "must be a table")
            unknown = set(entry) - {*_TEXT_KEYS, "rtf", "rtf_p95", "throughput_rtf", "wer", "wer_words"}
            _expect(not unknown, path, where, f"unknown keys {sorted(unknown)}")
            text = {key: str(entry.get(key, "")) for key in _TEXT_KEYS}
            per_workers = {key: {int(k): v for k, v in _figures(entry, key, path, where).items()}
                           for key in ("rtf", "rtf_p95", "throughput_rtf")}
            wer_words = {k: int(v) for k, v in _figures(entry, "wer_words", path, where).items()}
            out[(model, device)] = Measurement(model, device, **text, **per_workers,
                                               wer=_figures(entry, "wer", path, where), wer_words=wer_words)
    return out


def _figures(entry: dict, key: str, path: Path, where: str) -> dict[str, float]:
    """A table of numbers, each one (or the whole table) possibly "unmeasured", without the unmeasured ones."""
    value = entry.get(key, UNMEASURED)
    if value == UNMEASURED:
        return {}
    _expect(isinstance(value, dict), path, f"{where} {key}", f'must be a table or "{UNMEASURED}"')
    for name, figure in value.items():
        ok = figure == UNMEASURED or (isinstance(figure, (int, float)) and not isinstance(figure, bool) and figure >= 0)
        _expect(ok, path, f"{where} {key}.{name}", f'must be a number >= 0 or "{UNMEASURED}", not {figure!r}')
        if key in ("rtf", "rtf_p95", "throughput_rtf"):
            _expect(name.isdigit() and int(name) > 0, path, f"{where} {key}.{name}", "must be keyed by worker count")
    return {name: figure for name, figure in value.items() if figure != UNMEASURED}


def _expect(ok: bool, path: Path, where: str, reason: str) -> None:
    if not ok:
        raise MeasurementError(f"{path}: {where}: {reason}")


def _device(settings: AsrSettings) -> str:
    return "cuda" if settings.device == "cuda" else "cpu"  # "auto": the figures of the CPU, the cautious ones


def recognition_warnings(settings: AsrSettings, languages: Iterable[str] = (),
                         measurements: Mapping[tuple[str, str], Measurement] | None = None,
                         source: Path | None = None) -> list[str]:
    """Start-up warnings for the centre's languages (``asr.language.languages``) and ``languages``.

    One line per language whose measured word error rate with the configured
    model is above ``asr.warn_wer_above`` (the configured device's figure
    first, else another device's: the words a model hears barely depend on
    where it runs), and one line naming the languages never measured with it.
    None for the engines that load no Whisper model.
    """
    if settings.engine != "whisper":
        return []
    source = source or measurements_path()
    measurements = load_measurements(source) if measurements is None else measurements
    wanted = list(dict.fromkeys([*settings.language.languages, *(lang for lang in languages if lang)]))
    mine = [m for (model, _), m in measurements.items() if model == settings.model]
    mine.sort(key=lambda m: m.device != _device(settings))
    lines, unmeasured = [], []
    for language in wanted:
        found = next((m for m in mine if language in m.wer), None)
        if found is None:
            unmeasured.append(language)
        elif found.wer[language] > settings.warn_wer_above:
            words = found.wer_words.get(language)
            lines.append(
                f"asr.model {settings.model!r} recognises {language!r} poorly: word error rate "
                f"{found.wer[language]:.0%} on real speech ({f'{words} words, ' if words else ''}{found.device}, "
                f"{found.date or 'undated'}; {source}), above asr.warn_wer_above = {settings.warn_wer_above:g}: "
                f"coaching rules will miss most words said in {language!r}; a larger model may help "
                f"(coach models; docs/asr.md, \"Model tiers\")")
    if unmeasured:
        lines.append(f"asr.model {settings.model!r} has no word-error measurement for {', '.join(unmeasured)} in "
                     f"{source}: how well it recognises them is unknown (measure with scripts/bench_asr_rtf.py "
                     f"--model {settings.model})")
    return lines


def start_warnings(config: Mapping[str, Any], languages: Iterable[str] = ()) -> list[str]:
    """:func:`recognition_warnings` for a checked configuration: what ``coach serve`` and ``coach replay``
    log once when they start (``languages``: the calls' configured language, when one is given)."""
    return recognition_warnings(AsrSettings.from_config(config["asr"]), languages)
