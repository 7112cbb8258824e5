"""`coach replay --cluster ADDRESS`: a batch's calls on the workers of a Ray cluster.

Only where calls run changes. The batch (:func:`.batch.run_batch`) still
names the outputs, skips fresh reports, records per-file errors, retries a
lost call once, writes every report and summary and shows the progress, all
on the machine that runs ``coach replay`` (the driver); this module supplies
its workers (:class:`ActorWorkers`, a :class:`.batch.Workers`).

Why actors: a worker actor is a long-lived process on some node that loads
the transcriber once (:func:`.batch.replay_task` keeps it per process, as in
a local worker process) and replays one call at a time; each call is a
method call on it. One actor per CPU of the cluster by default.

A node lost mid-batch costs only the calls its actors were running: Ray fails
those calls, the batch retries each once on another worker, and a fresh actor
is started wherever a CPU is free.

Nodes read the inputs themselves, at the path the driver names: inputs must
be on a filesystem every node mounts at the same place. :meth:`Cluster.check_shared`
refuses a batch before it starts when a node cannot see an input or sees a
different file there. Reports are written by the driver only.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import ray
from ray.exceptions import (GetTimeoutError, NodeDiedError, ObjectLostError, RayActorError, RayError, RayTaskError,
                            TaskUnschedulableError, WorkerCrashedError)
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from .batch import Task, TaskResult, WorkerLost, replay_task, worker_init
from .identity import sidecar_path

__all__ = ["ActorWorkers", "Cluster", "ClusterError", "ReplayWorker", "connect"]

_LOST = (RayActorError, ObjectLostError, NodeDiedError, WorkerCrashedError)  # the worker, its node or its result
_NODE_GONE = (TaskUnschedulableError, NodeDiedError)  # a task pinned to a node that is no more
_CONNECT_TIMEOUT_S = 10.0  # a head that accepts no connection by then is not there (Ray would retry for minutes)
_CHECK_TIMEOUT_S = 120.0  # every node answers the shared-input check by then (it starts a worker process on each)
_START_TIMEOUT_S = 300.0  # with no call running, a worker must start by then, or no node has a CPU for it
_THREADS = 1  # CTranslate2 threads of a worker actor, which holds as many CPUs


class ClusterError(Exception):
    """The cluster cannot run this batch; ``str()`` says why, for the command line."""


@dataclass(frozen=True, slots=True)
class _Seen:
    """An input file as the driver sees it; a node that has the same file at ``path`` sees the same size and time."""

    path: str
    size: int
    mtime_ns: int


@ray.remote(max_restarts=0)
class ReplayWorker:
    """One worker: a process on a node that keeps its transcriber across the calls it replays."""

    def __init__(self, threads: int) -> None:
        worker_init(threads)

    def ready(self) -> None:
        """Answers once the actor runs: a started worker, not one still waiting for a CPU."""

    def replay(self, task: Task) -> TaskResult:
        return replay_task(task)


@ray.remote(num_cpus=0)  # a check, not work: it runs even where every CPU is taken
def _unseen(expected: list[_Seen]) -> list[str]:
    """The inputs this node does not see as the driver does, one line each."""
    problems = []
    for seen in expected:
        try:
            stat = os.stat(seen.path)
        except OSError as exc:
            problems.append(f"{seen.path}: {exc.strerror}")
            continue
        if (stat.st_size, stat.st_mtime_ns) != (seen.size, seen.mtime_ns):
            problems.append(f"{seen.path}: another file than the driver's (size or modification time differ)")
    return problems


@dataclass(frozen=True, slots=True)
class Cluster:
    """The Ray cluster this process joined: the CPUs of its nodes when the batch started."""

    cpus: int

    def check_shared(self, files: list[Path], config: dict) -> None:
        """Refuse (:class:`ClusterError`) unless every node sees each input and sidecar as this machine does.

        Each node with CPUs runs a check task that stats every file at its
        absolute path here and compares size and modification time: a path
        missing on a node, or a node-local copy that differs, is found before
        any call runs rather than as a failed call per file.
        """
        expected = ray.put(_as_seen(files, config["reports"]["sidecar_suffix"]))
        checks = {_node_name(node): _unseen.options(scheduling_strategy=NodeAffinitySchedulingStrategy(
            node["NodeID"], soft=False)).remote(expected) for node in ray.nodes()
            if node["Alive"] and node["Resources"].get("CPU", 0) > 0}
        deadline = time.monotonic() + _CHECK_TIMEOUT_S
        problems = []
        for node, check in checks.items():
            try:
                unseen = ray.get(check, timeout=max(0.0, deadline - time.monotonic()))
            except GetTimeoutError:
                raise ClusterError(f"{node} did not answer the shared-input check within {_CHECK_TIMEOUT_S:.0f} s")
            except _NODE_GONE:  # it died since it was listed: it runs no call either
                continue
            except RayError as exc:
                raise ClusterError(f"{node} could not run the shared-input check (callcoach[ray] installed "
                                   f"there?): {_first_line(exc)}") from None
            if unseen:
                more = f" (and {len(unseen) - 1} more)" if len(unseen) > 1 else ""
                problems.append(f"{node}: {unseen[0]}{more}")
        if problems:
            raise ClusterError("the inputs must be on a filesystem every node mounts at the same path; "
                               + "; ".join(problems))

    def workers(self, count: int) -> ActorWorkers:
        return ActorWorkers(count)


@contextmanager
def connect(address: str) -> Iterator[Cluster]:
    """Join the Ray cluster at ``address`` (its head's ``host:port``) as the batch's driver; leave it after."""
    _probe(address)
    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterError(f"cannot join the Ray cluster at {address}: {_first_line(exc)}") from None
    try:
        cpus = int(ray.cluster_resources().get("CPU", 0))
        if not cpus:
            raise ClusterError(f"the Ray cluster at {address} has no CPU to replay on")
        yield Cluster(cpus)
    finally:
        ray.shutdown()


class ActorWorkers:
    """:class:`.batch.Workers` as :class:`ReplayWorker` actors; a lost one is replaced where a CPU is free.

    A worker is *starting* (placed or waiting for a CPU), *idle* or *busy*.
    Only a started worker is handed a call, so a replacement that no node has
    room for (its node is gone) holds no call up: the others finish the batch.
    """

    noun = "cluster worker"
    causes = "its node lost, killed, out of memory, or a crash in a decoder"

    def __init__(self, count: int) -> None:
        self.threads = _THREADS
        self._starting: dict[ray.ObjectRef, ray.actor.ActorHandle] = {}  # by the reference of its ready()
        self._idle: list[ray.actor.ActorHandle] = []
        self._busy: dict[ray.ObjectRef, ray.actor.ActorHandle] = {}  # by the reference of its call
        self._start_error = "none was asked for"
        for _ in range(count):
            self._start()

    def _start(self) -> None:
        actor = ReplayWorker.options(num_cpus=self.threads).remote(self.threads)
        self._starting[actor.ready.remote()] = actor

    def idle(self) -> bool:
        return bool(self._idle)

    def submit(self, task: Task) -> ray.ObjectRef:
        """``task`` on an idle worker, with the path made absolute: a worker's current folder is not ours."""
        actor = self._idle.pop()
        call = actor.replay.remote(replace(task, path=Path(os.path.abspath(task.path))))
        self._busy[call] = actor
        return call

    def wait(self, running: Collection[ray.ObjectRef]) -> list[tuple[ray.ObjectRef, TaskResult | BaseException]]:
        waiting = [*running, *self._starting]
        if not waiting:
            raise ClusterError(f"no worker could start on the cluster: {self._start_error}")
        first, _ = ray.wait(waiting, num_returns=1, timeout=None if running else _START_TIMEOUT_S)
        if not first:
            raise ClusterError(f"no worker started on the cluster within {_START_TIMEOUT_S:.0f} s: no node has a "
                               f"free CPU (nodes lost?); rerun to replay the calls left")
        ready, _ = ray.wait(waiting, num_returns=len(waiting), timeout=0)
        finished = []
        for ref in ready:
            if ref in self._starting:
                self._started(ref)
            else:
                finished.append((ref, self._finished(ref)))
        return finished

    def _started(self, ready: ray.ObjectRef) -> None:
        """A worker is up, or could not start (its node lost meanwhile, callcoach missing there): not retried."""
        actor = self._starting.pop(ready)
        try:
            ray.get(ready)
        except RayError as exc:
            self._start_error = _first_line(exc)
        else:
            self._idle.append(actor)

    def _finished(self, call: ray.ObjectRef) -> TaskResult | BaseException:
        actor = self._busy.pop(call)
        try:
            result = ray.get(call)
        except _LOST:
            ray.kill(actor)  # it may only look lost (unreachable): no call may run on it unseen
            self._start()
            return WorkerLost()
        except RayTaskError as exc:  # the replay raised something unexpected: this call only
            result = exc.cause or exc
        self._idle.append(actor)
        return result

    def close(self) -> None:
        for actor in [*self._idle, *self._busy.values(), *self._starting.values()]:
            ray.kill(actor)


def _probe(address: str) -> None:
    """Fail fast when nothing listens at ``host:port`` (other forms, e.g. ``auto``, are Ray's to resolve)."""
    host, _, port = address.rpartition(":")
    if "://" in address or not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=_CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise ClusterError(f"nothing answers at {address} (the head's address, as `ray start --address` takes): "
                           f"{exc.strerror or exc}") from None


def _as_seen(files: list[Path], sidecar_suffix: str) -> list[_Seen]:
    """Each input and existing sidecar at its absolute path, with size and time; ones unreadable here are left out
    (they fail as a call of their own)."""
    seen = []
    for path in files:
        for candidate in (path, sidecar_path(path, sidecar_suffix)):
            try:
                stat = os.stat(candidate)
            except OSError:
                continue
            seen.append(_Seen(os.path.abspath(candidate), stat.st_size, stat.st_mtime_ns))
    return seen


def _node_name(node: dict) -> str:
    return f"node {node['NodeManagerAddress']} ({node['NodeID'][:8]})"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
