"""The server's counters and gauges, exposed through ``prometheus_client``.

Why the library rather than hand-made text: it formats every value exactly
(a count of 1234567 never becomes ``1.23457e+06``), escapes label values and
keeps the exposition format right as Prometheus evolves. Why a thin wrapper:
the call code counts by name (``inc("callcoach_errors_total", endpoint=...)``)
without importing the library, and each server gets a registry of its own, so
several servers in one process (the tests) never share or collide on series.
Label names are declared with the metric, as Prometheus wants: an ``inc`` with
other labels is a programming error and raises. A count another object keeps
(the decode scheduler's shed finals) is exposed as a counter read at every
render (:meth:`Metrics.counter_from`) rather than copied into one, so the two
can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, disable_created_metrics, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import CounterMetricFamily
from prometheus_client.registry import Collector

__all__ = ["CONTENT_TYPE", "Metrics"]

# What generate_latest writes: the plain text format 0.0.4.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

# Counters would also export a `<name>_created` timestamp series; /metrics
# publishes the series of docs/contracts.md and no others.
disable_created_metrics()


class Metrics:
    """Named counters and gauges in a registry of their own; :meth:`render` gives the /metrics body."""

    def __init__(self) -> None:
        self._registry = CollectorRegistry()
        self._metrics: dict[str, Counter | Gauge] = {}

    def counter(self, name: str, help: str, labels: Sequence[str] = ()) -> None:
        """Declare a counter (``name`` ends in ``_total``) and the names of its labels."""
        self._metrics[name] = Counter(name, help, labels, registry=self._registry)

    def gauge(self, name: str, help: str, reader: Callable[[], float] | None = None,
              labels: Sequence[str] = ()) -> None:
        """Declare a gauge: read from ``reader`` at every render, or given by :meth:`set`."""
        gauge = Gauge(name, help, labels, registry=self._registry)
        if reader is not None:
            gauge.set_function(reader)
        self._metrics[name] = gauge

    def counter_from(self, name: str, help: str, reader: Callable[[], Mapping[tuple[str, ...], float]],
                     labels: Sequence[str] = ()) -> None:
        """Declare a counter whose values another object keeps: ``reader()`` maps label values to counts.

        The counts must only grow (a Prometheus counter); :meth:`inc` does not apply to it.
        """
        self._registry.register(_ReadCounter(name, help, reader, labels))

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        self._series(name, labels).inc(amount)

    def set(self, name: str, value: float, **labels: str) -> None:
        self._series(name, labels).set(value)

    def _series(self, name: str, labels: dict[str, str]) -> Counter | Gauge:
        metric = self._metrics[name]
        return metric.labels(**labels) if labels else metric

    def render(self) -> str:
        return generate_latest(self._registry).decode("utf-8")


class _ReadCounter(Collector):
    """A counter family read from ``reader`` at every render (see :meth:`Metrics.counter_from`)."""

    def __init__(self, name: str, help: str, reader: Callable[[], Mapping[tuple[str, ...], float]],
                 labels: Sequence[str]) -> None:
        self._name, self._help, self._reader, self._labels = name, help, reader, list(labels)

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(self._name, self._help, labels=self._labels)
        for values, count in self._reader().items():
            family.add_metric(list(values), count)
        yield family

    def describe(self) -> list[CounterMetricFamily]:
        """The family without reading: registering must not call ``reader`` (it may not be ready yet)."""
        return [CounterMetricFamily(self._name, self._help, labels=self._labels)]
