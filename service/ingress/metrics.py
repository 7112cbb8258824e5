"""A tiny metrics registry written out in the Prometheus text format (0.0.4).

Why not prometheus_client: we need five series, and a dependency for them
would outweigh the fifty lines here. Counters and gauges only, with labels;
single-threaded use from the event loop (gauges may be read from callbacks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


@dataclass
class _Family:
    name: str
    kind: str  # "counter" | "gauge"
    help: str
    values: dict[tuple[tuple[str, str], ...], float] = field(default_factory=dict)
    reader: Callable[[], float] | None = None

    def lines(self) -> list[str]:
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]
        values = {(): self.reader()} if self.reader else self.values
        for labels, value in sorted(values.items()):
            tag = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
            out.append(f"{self.name}{{{tag}}} {value:g}" if tag else f"{self.name} {value:g}")
        return out


class Metrics:
    """Named counters and gauges; :meth:`render` gives the /metrics body."""

    def __init__(self) -> None:
        self._families: dict[str, _Family] = {}

    def counter(self, name: str, help: str) -> None:
        self._families[name] = _Family(name, "counter", help)

    def gauge(self, name: str, help: str, reader: Callable[[], float] | None = None) -> None:
        self._families[name] = _Family(name, "gauge", help, reader=reader)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        family = self._families[name]
        key = tuple(sorted(labels.items()))
        family.values[key] = family.values.get(key, 0.0) + amount

    def set(self, name: str, value: float, **labels: str) -> None:
        self._families[name].values[tuple(sorted(labels.items()))] = value

    def value(self, name: str, **labels: str) -> float:
        family = self._families[name]
        if family.reader:
            return family.reader()
        return family.values.get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> str:
        return "\n".join(line for f in self._families.values() for line in f.lines()) + "\n"
