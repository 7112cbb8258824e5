"""The deployment example, run: HAProxy (deploy/haproxy.cfg) in front of three replicas and one Mosquitto.

Everything is real and on loopback: the Debian HAProxy with the shipped config
(addresses from its environment variables), three `coach serve` processes
with their own instance ids, Mosquitto with a password file and the shipped
ACL, and two `coach archive` processes sharing the reports through an MQTT 5
shared subscription, each into its own folder. Calls are streamed through the
balancer by the test clients.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiomqtt
import pytest

from service.testing.clients import load_stereo, stream_call

from egress.mosquitto import Mosquitto, free_port
from ingress.conftest import ROOT, assert_same_nudges, start_server

HAPROXY = "/usr/sbin/haproxy"
SERVICE_PASSWORD, READER_PASSWORD = "svc-secret", "qa-secret"
REPLICAS = ("r1", "r2", "r3")
ARCHIVERS = ("a1", "a2")
SPEED = 2.0  # calls paced at twice real time: long enough to kill a replica mid-call
WAIT_S = 60.0
POLL_S = 0.1


def wait_until(predicate, what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(POLL_S)
    raise AssertionError(f"timed out waiting for {what}")


class Cluster:
    """Mosquitto, three replicas and HAProxy, started in that order and torn down in reverse."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        passwd = tmp / "passwd"
        for user, password in (("callcoach", SERVICE_PASSWORD), ("qa", READER_PASSWORD)):
            subprocess.run(["mosquitto_passwd", "-b", *(["-c"] if user == "callcoach" else []), str(passwd), user,
                            password], check=True)
        (tmp / "mqtt").mkdir()
        self.broker = Mosquitto(tmp / "mqtt", acl_file=ROOT / "config" / "mosquitto.acl", password_file=passwd)
        self.broker.start()
        self.service_url = f"mqtt://callcoach:{SERVICE_PASSWORD}@127.0.0.1:{self.broker.port}"
        reader_url = f"mqtt://qa:{READER_PASSWORD}@127.0.0.1:{self.broker.port}"
        self.archivers = {name: subprocess.Popen(
            [sys.executable, "-m", "service.cli", "archive", "--out", str(tmp / "archive" / name), "--broker",
             reader_url, "--group", "deploy-test", "--client-id", name], cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=(tmp / f"{name}.log").open("w")) for name in ARCHIVERS}
        self.ports = {name: free_port() for name in REPLICAS}
        self.replicas = {name: self.start_replica(name) for name in REPLICAS}
        self.lb_port, self.stats_port = free_port(), free_port()
        env = {**os.environ, "CALLCOACH_LB_BIND": f"127.0.0.1:{self.lb_port}",
               "CALLCOACH_LB_STATS": f"127.0.0.1:{self.stats_port}",
               **{f"CALLCOACH_REPLICA{i + 1}": f"127.0.0.1:{self.ports[n]}" for i, n in enumerate(REPLICAS)}}
        self.haproxy = subprocess.Popen([HAPROXY, "-db", "-f", str(ROOT / "deploy" / "haproxy.cfg")], env=env,
                                        stdout=(tmp / "haproxy.log").open("w"), stderr=subprocess.STDOUT)
        wait_until(lambda: self.up() == set(REPLICAS), "HAProxy to see every replica up")

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.lb_port}"

    def start_replica(self, name: str):
        return start_server(self.tmp / name, {"port": self.ports[name], "max_calls": 8}, mqtt=self.service_url,
                            args=("--instance", name))

    def up(self) -> set[str]:
        """Replicas HAProxy routes to now (its stats CSV), by instance name."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.stats_port}/stats;csv", timeout=5) as response:
                rows = csv.DictReader(io.StringIO(response.read().decode().lstrip("# ")))
                servers = {row["svname"]: row["status"] for row in rows if row["pxname"] == "replicas"}
        except OSError:
            return set()
        return {REPLICAS[int(sv[-1]) - 1] for sv, status in servers.items() if sv.startswith("replica")
                and status == "UP"}

    def archived(self, call_id: str) -> list[Path]:
        """Where the archivers wrote ``call_id``'s report (exactly one place when all is well)."""
        return [path for name in ARCHIVERS if (path := self.tmp / "archive" / name / f"{call_id}.coach.json").exists()]

    def report(self, call_id: str) -> dict | None:
        for name in REPLICAS:
            path = self.tmp / name / "reports" / f"{call_id}.coach.json"
            if path.exists():
                return json.loads(path.read_text())
        return None

    def close(self) -> None:
        self.haproxy.terminate()
        self.haproxy.wait(timeout=30)
        for process in [served.proc for served in self.replicas.values()] + list(self.archivers.values()):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
        self.broker.stop()


@pytest.fixture()
def cluster(tmp_path):
    made = Cluster(tmp_path)
    yield made
    made.close()


@pytest.fixture(scope="module")
def busy_reference(synth_calls, tmp_path_factory) -> dict:
    """`coach replay` of the call every client streams: what every replica must find."""
    out = tmp_path_factory.mktemp("reference")
    (out / "asr.toml").write_text('[asr]\nengine = "none"\n')
    done = subprocess.run([sys.executable, "-m", "service.cli", "replay", str(synth_calls["busy"]), "--out", str(out),
                           "--config", str(out / "asr.toml")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((out / "busy.coach.json").read_text())


async def stream_many(cluster: Cluster, call, prefix: str, count: int, speed: float | None = SPEED):
    calls = [dataclasses.replace(call, call_id=f"{prefix}-{i}") for i in range(count)]
    results = await asyncio.gather(*(stream_call(cluster.url, "stream", c, speed=speed) for c in calls),
                                   return_exceptions=True)
    return list(zip(calls, results))


async def statuses(cluster: Cluster, names: set[str], timeout_s: float = WAIT_S) -> dict[str, str]:
    """The retained status of each replica in ``names`` (read as the QA user the ACL lets read it)."""
    found: dict[str, str] = {}
    async with aiomqtt.Client("127.0.0.1", cluster.broker.port, username="qa", password=READER_PASSWORD) as client:
        await client.subscribe("callcoach/v1/service/+/status", qos=1)
        async with asyncio.timeout(timeout_s):
            async for message in client.messages:
                found[str(message.topic).split("/")[-2]] = message.payload.decode()
                if names <= set(found):
                    return found
    return found


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def assert_archived_once(cluster: Cluster, calls) -> None:
    """Every finished call's report reaches exactly one archiver, byte for byte what its replica wrote."""
    for call in calls:
        wait_until(lambda: cluster.archived(call.call_id), f"{call.call_id} to be archived")
        (path,) = cluster.archived(call.call_id)
        assert json.loads(path.read_text()) == cluster.report(call.call_id)
    shares = {name: list((cluster.tmp / "archive" / name).glob("*.coach.json")) for name in ARCHIVERS}
    assert all(shares.values()), "both archivers take a share"


def test_calls_survive_a_killed_replica_and_new_calls_avoid_it_until_it_is_back(cluster, synth_calls,
                                                                                busy_reference):
    busy = load_stereo(synth_calls["busy"])
    short = load_stereo(synth_calls["short"])

    async def first_wave():
        task = asyncio.create_task(stream_many(cluster, busy, "wave1", 12))
        await asyncio.sleep(2.0 / SPEED + 1.0)
        cluster.replicas["r2"].proc.kill()
        return await task

    wave1 = asyncio.run(first_wave())
    survived = [(c, r) for c, r in wave1 if not isinstance(r, BaseException) and r.close_code == 1000]
    cut = len(wave1) - len(survived)
    assert cut >= 1, "no call was on the killed replica"
    for call, _ in survived:
        report = cluster.report(call.call_id)
        assert report is not None and report["instance"] in {"r1", "r3"}
        assert_same_nudges(report, busy_reference)  # no call on a surviving replica missed a nudge
    assert_archived_once(cluster, [call for call, _ in survived])
    assert asyncio.run(statuses(cluster, {"r2"}))["r2"] == "offline"

    wait_until(lambda: "r2" not in cluster.up(), "HAProxy to take the dead replica out")
    wave2 = asyncio.run(stream_many(cluster, short, "wave2", 6, speed=None))
    assert all(r.close_code == 1000 for _, r in wave2)
    assert {cluster.report(c.call_id)["instance"] for c, _ in wave2} <= {"r1", "r3"}

    cluster.replicas["r2"] = cluster.start_replica("r2")
    wait_until(lambda: cluster.up() == set(REPLICAS), "HAProxy to take the restarted replica back")
    assert asyncio.run(statuses(cluster, {"r2"}))["r2"] == "online"
    wave3 = asyncio.run(stream_many(cluster, busy, "wave3", 6))
    assert all(r.close_code == 1000 for _, r in wave3)
    assert "r2" in {cluster.report(c.call_id)["instance"] for c, _ in wave3}
    assert_archived_once(cluster, [call for call, _ in wave2 + wave3])


def test_a_draining_replica_finishes_its_calls_while_new_ones_go_elsewhere(cluster, synth_calls, busy_reference):
    busy = load_stereo(synth_calls["busy"])
    short = load_stereo(synth_calls["short"])

    async def drain_during_calls():
        task = asyncio.create_task(stream_many(cluster, busy, "drain", 6))
        await asyncio.sleep(2.0)
        cluster.replicas["r1"].proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(wait_until, lambda: http_status(f"http://127.0.0.1:{cluster.ports['r1']}/readyz")
                                == 503, "the replica to drain")
        # HAProxy has not noticed yet: its retry-on 503 sends these calls elsewhere at once
        during = await stream_many(cluster, short, "during", 3, speed=None)
        return await task, during

    calls, during = asyncio.run(drain_during_calls())
    assert [r.close_code for _, r in calls] == [1000] * len(calls)
    instances = set()
    for call, _ in calls:  # every call finished with a complete report, none cut short by the drain
        report = cluster.report(call.call_id)
        assert_same_nudges(report, busy_reference)
        instances.add(report["instance"])
    assert "r1" in instances
    assert [r.close_code for _, r in during] == [1000] * len(during), during
    assert {cluster.report(c.call_id)["instance"] for c, _ in during} <= {"r2", "r3"}
    assert cluster.replicas["r1"].proc.wait(timeout=60) == 0
