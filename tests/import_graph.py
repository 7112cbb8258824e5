"""The project's imports read from the source (nothing imported): for the layering tests."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "service"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_imports(path: Path, *, top_level_only: bool = False, modules: frozenset[str] = frozenset()) -> list[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved).

    ``from pkg import name`` yields both ``pkg`` and ``pkg.name`` (the name may
    be a submodule), or only the submodules when ``modules`` says every name is
    one (``from . import guards`` does not import the package's other modules).
    With ``top_level_only``, imports inside functions are left out.
    """
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    names: list[str] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = f"{base}.{node.module}" if node.level and node.module else (node.module or base)
            named = [f"{module}.{alias.name}" for alias in node.names]
            names += named if modules and all(n in modules for n in named) else [module, *named]
    return names


def source_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))
