"""`coach replay --cluster` on a real Ray cluster on this machine: a head and a worker node, from `ray start`.

The nodes listen on loopback addresses of their own (127.0.0.2 and .3: Ray
turns 127.0.0.1 into the machine's network address), with one CPU each, a
small object store, no dashboard, free ports and a temp folder of their own.
Each node is a `ray start --block` in a session of its own, so losing a node
is a SIGKILL of every process in its session (raylet, agents, its worker
actors), as a machine that dies would, and teardown kills both sessions.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from .test_batch_rerun import no_asr_config

pytest.importorskip("ray")
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="finds a node's processes in /proc")

HEAD_IP, WORKER_IP = "127.0.0.2", "127.0.0.3"
RAY = Path(sys.executable).with_name("ray")
OBJECT_STORE_BYTES = 80 * 1024 * 1024  # Ray's floor is 75 MiB; the reports are small
START_S = 90.0  # a node that has not started by then will not (2 busy cores start one in about 8 s)
BATCH_S = 180.0  # a batch that has not ended by then is stuck
REFUSED_S = 30.0  # an address where nothing answers is refused in seconds (Ray alone retries for minutes)
SPEED = "8"  # calls paced at 8x real time (~3 s each): long enough to lose a node mid-call
CALLS = 6
ENV = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}  # no usage report to send anywhere


def free_port(ip: str) -> int:
    with socket.socket() as sock:
        sock.bind((ip, 0))
        return sock.getsockname()[1]


def session_processes(sid: int) -> list[int]:
    """Processes of the session ``sid`` (a node's `ray start` and everything it started)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and int((proc / "stat").read_text().rsplit(")", 1)[1].split()[3]) == sid:
                found.append(int(proc.name))
        except (OSError, ValueError, IndexError):  # ended while we looked
            continue
    return found


@dataclass
class Node:
    """A `ray start --block` in a session of its own (its pid is the session id) and its log."""

    process: subprocess.Popen
    log: Path

    def wait_started(self) -> None:
        deadline = time.monotonic() + START_S
        while "Ray runtime started" not in self.log.read_text(errors="replace"):
            assert self.process.poll() is None and time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.2)

    def running(self, title: str) -> bool:
        """Whether a process of this node has the title ``title`` (Ray titles a worker by what it runs)."""
        for pid in session_processes(self.process.pid):
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(title.encode()):
                    return True
            except OSError:
                continue
        return False

    def kill(self) -> None:
        """SIGKILL every process of the node, until none is left."""
        deadline = time.monotonic() + START_S
        while (pids := session_processes(self.process.pid)) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.process.poll()  # reap our child, so it no longer counts
            time.sleep(0.1)
        self.process.wait(timeout=START_S)


def start_node(folder: Path, name: str, args: list[str]) -> Node:
    """`ray start --block ARGS` for one node, its current folder and log in ``folder``."""
    cwd = folder / name
    cwd.mkdir()
    log = folder / f"{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(RAY), "start", "--block", "--num-cpus", "1", "--object-store-memory", str(OBJECT_STORE_BYTES),
             "--dashboard-agent-listen-port", str(free_port(HEAD_IP)), "--disable-usage-stats", *args],
            cwd=cwd, env=ENV, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return Node(process, log)


@dataclass
class Cluster:
    address: str
    folder: Path
    nodes: list[Node]

    def add_worker(self) -> Node:
        node = start_node(self.folder, f"worker{len(self.nodes)}",
                          ["--address", self.address, "--node-ip-address", WORKER_IP])
        self.nodes.append(node)
        node.wait_started()
        return node


@pytest.fixture(scope="module")
def cluster():
    """A head node (one CPU); tests add worker nodes. Every node's processes are killed at the end."""
    # a short folder: Ray's Unix sockets live under it, and a socket path has at most 107 bytes
    folder = Path(tempfile.mkdtemp(prefix="cc-ray-", dir="/tmp"))
    port = free_port(HEAD_IP)
    head = start_node(folder, "head", [
        "--head", "--node-ip-address", HEAD_IP, "--port", str(port), "--temp-dir", str(folder / "ray"),
        "--include-dashboard=false", "--dashboard-port", str(free_port(HEAD_IP)),
        "--ray-client-server-port", str(free_port(HEAD_IP))])
    running = Cluster(f"{HEAD_IP}:{port}", folder, [head])
    try:
        head.wait_started()
        yield running
    finally:
        for node in reversed(running.nodes):
            node.kill()
        shutil.rmtree(folder, ignore_errors=True)


def replay(cluster: Cluster, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", "replay", *map(str, args), "--cluster", cluster.address,
         "--json-progress"], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def progress_events(stderr: str) -> list[dict]:
    """The JSON progress objects: every line on stderr is one."""
    return [json.loads(line) for line in stderr.splitlines()]


def test_a_node_lost_mid_batch_costs_only_its_calls(cluster, calls, tmp_path):
    worker = cluster.add_worker()
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    names = [f"call{i}" for i in range(CALLS)]
    for i, name in enumerate(names):
        shutil.copy(calls[("clean", "interruption_and_dead_air")[i % 2]][0], inbox / f"{name}.wav")
    started = time.monotonic()
    command = replay(cluster, inbox, "--out", out, "--config", no_asr_config(tmp_path), "--speed", SPEED)
    try:
        while not worker.running("ray::ReplayWorker.replay"):  # the worker node is replaying a call
            assert command.poll() is None and time.monotonic() - started < BATCH_S, command.stderr.read()
            time.sleep(0.05)
        worker.kill()
        _, err = command.communicate(timeout=BATCH_S)
    finally:
        command.kill()
    events = progress_events(err)
    assert command.returncode == 0, err
    assert Counter(e["call"] for e in events if e["event"] == "replayed") == Counter(names)
    (retry,) = [e for e in events if e["event"] == "retry"]
    assert retry["message"] == f"{retry['call']}: its cluster worker died; retrying it in a fresh one"
    assert {e["event"] for e in events} == {"replayed", "retry", "end"}
    end = events[-1]
    assert (end["event"], end["done"], end["replayed"], end["failed"], end["retries"]) == ("end", CALLS, CALLS, 0, 1)
    assert sorted(p.stem.removesuffix(".coach") for p in out.glob("*.coach.json")) == names
    assert len((out / "summary.csv").read_text().splitlines()) == CALLS + 1


def test_inputs_a_node_cannot_see_are_refused_before_any_call(cluster, calls, tmp_path):
    """``/proc/self/cwd/...`` names a different folder in each process: a path that means another file per node."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(calls["clean"][0], inbox / "call.wav")
    command = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "replay", "/proc/self/cwd/inbox", "--out", str(out), "--config",
         str(no_asr_config(tmp_path)), "--cluster", cluster.address], cwd=tmp_path, env=ENV,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, err = command.communicate(timeout=BATCH_S)
    assert command.returncode == 2, err
    assert "the inputs must be on a filesystem every node mounts at the same path" in err
    assert "/proc/self/cwd/inbox/call.wav: No such file or directory" in err
    assert not out.exists()


def test_an_address_where_nothing_answers_is_refused_at_once(calls, tmp_path):
    started = time.monotonic()
    command = subprocess.run(
        [sys.executable, "-m", "service.cli", "replay", str(calls["clean"][0]), "--out", str(tmp_path / "out"),
         "--cluster", f"{HEAD_IP}:{free_port(HEAD_IP)}"], env=ENV, capture_output=True, text=True, timeout=BATCH_S)
    assert command.returncode == 2
    assert f"coach replay: nothing answers at {HEAD_IP}:" in command.stderr
    assert time.monotonic() - started < REFUSED_S
