"""The only module of ``service.coaching`` that reads files: phrase packs and messages.

Everything else in the package is pure; tests can build packs from dicts and
engines with explicit packs. Packs are cached per folder list and matching
settings, because every call of a live server shares them. The packs also
say which languages the service coaches in (``pack_languages``): adding a
language is adding a pack, and every other table follows from that.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import yaml

from ..config import ConfigError, defaults_dir
from .phrases import EditTolerance, PhrasePack, pack_from_dict

from .settings import CoachingSettings

__all__ = ["read_yaml", "resolve", "load_packs", "pack_languages"]


def resolve(path: str) -> Path:
    """A path from the config: absolute, or relative to the shipped config folder."""
    p = Path(path)
    return p if p.is_absolute() else defaults_dir() / p


def read_yaml(path: Path) -> dict:
    """A YAML mapping from ``path``, or a ConfigError naming the file and why."""
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except FileNotFoundError:
        raise ConfigError(f"file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def _extend(base: dict, extra: dict) -> dict:
    """Append the lists of ``extra`` to those of ``base`` (categories, negation, numbers, particles, joiners)."""
    out = dict(base)
    for key in ("numbers", "particles", "clause_joiners"):
        out[key] = list(base.get(key) or []) + list(extra.get(key) or [])
    for key in ("categories", "negation"):
        merged = {k: list(v or []) for k, v in (base.get(key) or {}).items()}
        for k, v in (extra.get(key) or {}).items():
            merged[k] = merged.get(k, []) + list(v or [])
        out[key] = merged
    return out


def _pack_files(folders: tuple[str, ...]) -> Iterator[tuple[str, Path, dict]]:
    """``(language, path, contents)`` of every pack file in ``folders``, in order."""
    for folder in folders:
        directory = resolve(folder)
        if not directory.is_dir():
            raise ConfigError(f"phrase pack folder not found: {directory}")
        for path in sorted(directory.glob("*.y*ml")):
            data = read_yaml(path)
            yield str(data.get("language", path.stem)), path, data


@lru_cache(maxsize=8)
def pack_languages(folders: tuple[str, ...]) -> tuple[str, ...]:
    """The language codes of the packs in ``folders``, sorted: the languages the service coaches in."""
    return tuple(sorted({language for language, _, _ in _pack_files(folders)}))


@lru_cache(maxsize=8)
def _load(folders: tuple[str, ...], jargon: tuple[str, ...], max_gap: int, window: int,
          tolerance: EditTolerance) -> dict[str, PhrasePack]:
    raw: dict[str, dict] = {}
    sources: dict[str, str] = {}
    for language, path, data in _pack_files(folders):
        raw[language] = _extend(raw.get(language, {"language": language}), data)
        sources[language] = str(path)
    packs = {}
    for language, data in raw.items():
        data["categories"]["jargon"] = data["categories"].get("jargon", []) + list(jargon)
        packs[language] = pack_from_dict(data, max_gap=max_gap, negation_window=window, source=sources[language],
                                         tolerance=tolerance)
    return packs


def load_packs(settings: CoachingSettings) -> dict[str, PhrasePack]:
    """All phrase packs of ``settings.phrases_dirs``, by language code (cached)."""
    tolerance = EditTolerance(settings.fuzzy_one_edit_chars, settings.fuzzy_two_edit_chars,
                              settings.fuzzy_exact_tail_chars)
    return _load(settings.phrases_dirs, settings.jargon_common, settings.max_gap_words, settings.negation_window_words,
                 tolerance)

