"""Stopping a replica: readiness, drain on the first signal, a second signal stops at once.

A load balancer takes a replica out on ``/readyz``; a draining replica
refuses new calls (HTTP 503 before the upgrade) and lets the open ones end
by themselves, so no call is cut short within the drain timeout.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import signal

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from service.testing.clients import PROTOCOLS, load_stereo, stream_call

from .conftest import start_server
from .test_server_hardening import http_get

SIGTERM = signal.SIGTERM


async def wait_for(predicate, polls: int = 200, every_s: float = 0.05) -> bool:
    for _ in range(polls):
        if predicate():
            return True
        await asyncio.sleep(every_s)
    return predicate()


def test_readyz_is_ready_and_healthz_is_liveness_only(tmp_path):
    served = start_server(tmp_path)
    try:
        assert http_get(served.http + "/readyz")[::2] == (200, "ready\n")
        assert http_get(served.http + "/healthz")[::2] == (200, "ok\n")
        metrics = http_get(served.http + "/metrics")[2]
        assert "callcoach_ready 1" in metrics and "callcoach_instance_info{" in metrics
    finally:
        assert served.stop() == 0


def test_readyz_is_not_ready_at_the_call_limit(tmp_path, synth_calls):
    served = start_server(tmp_path, {"max_calls": 1})
    call = dataclasses.replace(load_stereo(synth_calls["short"]), call_id="only-one")

    async def run():
        task = asyncio.create_task(stream_call(served.url, "stream", call, speed=1.0))
        full = await wait_for(lambda: http_get(served.http + "/readyz")[0] == 503)
        body = http_get(served.http + "/readyz")[2]
        await task
        ready_again = await wait_for(lambda: http_get(served.http + "/readyz")[0] == 200)
        return full, body, ready_again

    try:
        full, body, ready_again = asyncio.run(run())
    finally:
        served.stop()
    assert full and body == "not ready: too many calls\n" and ready_again


def test_drain_lets_open_calls_finish_and_refuses_new_ones(tmp_path, synth_calls):
    served = start_server(tmp_path)
    base = load_stereo(synth_calls["short"])
    calls = [dataclasses.replace(base, call_id=f"drain-{i}") for i in range(6)]

    async def run():
        tasks = [asyncio.create_task(stream_call(served.url, PROTOCOLS[i % 3], c, speed=1.0))
                 for i, c in enumerate(calls)]
        await asyncio.sleep(1.5)
        served.proc.send_signal(SIGTERM)
        draining = await wait_for(lambda: http_get(served.http + "/readyz")[2] == "not ready: draining\n")
        with pytest.raises(InvalidStatus) as refused:
            async with connect(served.url + "/stream"):
                pass
        results = await asyncio.gather(*tasks)
        return draining, refused.value.response.status_code, results

    draining, status, results = asyncio.run(run())
    assert served.proc.wait(timeout=60) == 0
    assert draining and status == 503
    assert [r.close_code for r in results] == [1000] * len(calls)
    duration = len(base.agent) / base.rate
    for call in calls:  # none cut short
        report = json.loads(served.report(call.call_id).read_text())
        assert report["duration"] == pytest.approx(duration, abs=0.03)
        assert report["instance"]
    assert "drained: every call ended" in served.log.read_text()


def test_a_second_signal_closes_open_calls_at_once_and_keeps_their_reports(tmp_path, synth_calls):
    served = start_server(tmp_path)
    call = dataclasses.replace(load_stereo(synth_calls["short"]), call_id="cut-short")

    async def run():
        task = asyncio.create_task(stream_call(served.url, "twilio", call, speed=1.0))
        await asyncio.sleep(1.5)
        served.proc.send_signal(SIGTERM)
        await wait_for(lambda: "draining:" in served.log.read_text())
        served.proc.send_signal(SIGTERM)
        return await task

    result = asyncio.run(run())
    assert result.close_code == 1001
    assert served.proc.wait(timeout=60) == 0
    report = json.loads(served.report("cut-short").read_text())
    assert 0.5 < report["duration"] < len(call.agent) / call.rate - 0.5
    assert "no twilio_auth_token configured" in served.log.read_text()


def test_a_drain_timeout_closes_the_calls_still_open(tmp_path, synth_calls):
    served = start_server(tmp_path, {"drain_timeout_s": 1.0})
    call = dataclasses.replace(load_stereo(synth_calls["busy"]), call_id="too-long")

    async def run():
        task = asyncio.create_task(stream_call(served.url, "stream", call, speed=1.0))
        await asyncio.sleep(1.0)
        served.proc.send_signal(SIGTERM)
        return await task

    result = asyncio.run(run())
    assert result.close_code == 1001
    assert served.proc.wait(timeout=60) == 0
    assert json.loads(served.report("too-long").read_text())["duration"] < len(call.agent) / call.rate
    assert "drain timeout: closing 1 call(s)" in served.log.read_text()
