"""The package's layering, read from the imports: sources on the call layer, the engine pure, no cycles."""

from __future__ import annotations

import ast

import pytest

from import_graph import PACKAGE, module_imports, module_name, source_files

MODULES = {module_name(path): path for path in source_files()}
# What each layer may not import: the floors above it and the sibling source.
FORBIDDEN = {
    "service.core": ("service.coaching", "service.asr", "service.call", "service.protocols", "service.ingress",
                     "service.replay", "service.egress"),
    "service.coaching": ("service.asr", "service.call", "service.protocols", "service.ingress", "service.replay",
                         "service.egress"),
    "service.call": ("service.protocols", "service.ingress", "service.replay", "service.evaluation"),
    "service.protocols": ("service.call", "service.ingress", "service.replay", "service.egress"),
    "service.media": ("service.call", "service.protocols", "service.ingress", "service.replay"),
    "service.replay": ("service.ingress", "service.protocols"),
    "service.ingress": ("service.replay", "service.evaluation"),
}
# The sans-I/O floors: no sockets, no event loop, no clock, no threads.
IMPURE = ("asyncio", "socket", "time", "threading", "websockets", "aiomqtt")


def edges(path, **kwargs) -> set[str]:
    """The project modules ``path`` imports (``from pkg import name`` counts as pkg.name when that is a module)."""
    targets = set()
    for name in module_imports(path, modules=frozenset(MODULES), **kwargs):
        if name in MODULES:
            targets.add(name)
    return targets - {module_name(path)}


def test_no_module_import_cycles_not_even_through_imports_inside_functions():
    graph = {name: edges(path) for name, path in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    assert cycles == []


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_each_layer_imports_only_the_floors_below_it(layer):
    for name, path in MODULES.items():
        if name == layer or name.startswith(layer + "."):
            bad = [target for target in module_imports(path) if target.startswith(FORBIDDEN[layer])]
            assert bad == [], f"{name} imports {bad}"


@pytest.mark.parametrize("layer", ["service.core", "service.coaching", "service.protocols"])
def test_the_sans_io_floors_touch_no_socket_clock_or_event_loop(layer):
    folder = PACKAGE / layer.split(".")[1]
    for path in folder.rglob("*.py"):
        bad = [name for name in module_imports(path) if name.split(".")[0] in IMPURE]
        assert bad == [], f"{module_name(path)} imports {bad}"


def test_the_layer_test_would_see_a_violation():
    """The checks read real imports: the ingress imports the protocols, the call layer the engine."""
    assert "service.protocols" in module_imports(MODULES["service.ingress.server"])
    assert "service.core" in module_imports(MODULES["service.call.pipeline"]) or \
        "service.core" in {n.rsplit(".", 1)[0] for n in module_imports(MODULES["service.call.pipeline"])}


def test_no_test_imports_the_tests_folder_as_a_package():
    """``make test`` runs plain ``pytest``, which puts ``tests/`` (not the checkout) on sys.path: ``from tests.x``
    works only from a developer's ``python -m pytest`` and fails on a fresh clone, so helpers import as ``x``."""
    tests = PACKAGE.parent / "tests"
    bad = []
    for path in tests.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            bad += [f"{path.relative_to(tests)}: {n}" for n in names if n == "tests" or n.startswith("tests.")]
    assert bad == []
