"""Asterisk AudioSocket (TCP, one leg per party) and FreeSWITCH mod_audio_fork through a real `coach serve`.

The clients are the independent ones of ``service.testing.clients``, written
from the protocols' documents. A call that arrives as two legs has no shared
media clock, so its nudges are compared with `coach replay` of the same audio
within a few VAD frames (the legs' join and arrival jitter); a stereo fork
carries both parties on one clock and must match to one frame.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import urllib.error
import urllib.request
import uuid

import pytest

from service.testing.clients import load_stereo
from service.testing.clients.audio_fork import stream_audio_fork, stream_audio_fork_legs
from service.testing.clients.audiosocket import (
    Kind,
    call_uuid,
    open_leg,
    register_call,
    stream_audiosocket,
)

from .conftest import VAD_FRAME_S, assert_same_nudges, start_server

TOKEN = "pbx-secret"
LEGS_TOLERANCE_S = 3 * VAD_FRAME_S
CLOSE_POLLS, CLOSE_POLL_S = 100, 0.05  # a bad leg is closed within 5 s or never
LEG_SPEED = 4.0  # paced like a live call (faster than real time), so the two legs stay in step


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`coach serve` with AudioSocket enabled and tokens on AudioSocket and /audio_fork, ASR off."""
    served = start_server(tmp_path_factory.mktemp("pbx"), {
        "endpoints": ["audiosocket", "audio_fork"], "audiosocket_token": TOKEN, "audio_fork_token": TOKEN,
        "audiosocket_customer_port": 0, "audiosocket_agent_port": 0})
    yield served
    assert served.stop() == 0


def ports(server) -> tuple[int, int]:
    return server.tcp_ports[("audiosocket", "customer")], server.tcp_ports[("audiosocket", "agent")]


def busy_call(synth_calls, call_id: str):
    return dataclasses.replace(load_stereo(synth_calls["busy"]), call_id=call_id, agent_id="agent-42")


def report(server, call_id: str) -> dict:
    return json.loads(server.report(call_id).read_text())


def test_audiosocket_legs_make_one_call_with_the_registered_agent_and_language(server, synth_calls, replayed):
    call = busy_call(synth_calls, "as-busy")
    customer_port, agent_port = ports(server)
    result = asyncio.run(stream_audiosocket("127.0.0.1", customer_port, agent_port, call, http_url=server.http,
                                            token=TOKEN, language="el", rate=16000, speed=LEG_SPEED))
    assert result.registration.status == 201
    live = report(server, str(call_uuid(call.call_id)))
    assert (live["agent_id"], live["language"], live["source"]) == ("agent-42", "el", "audiosocket")
    assert {n["kind"] for n in live["nudges"]} >= {"interruption", "dead_air"}
    assert_same_nudges(live, replayed["busy"], LEGS_TOLERANCE_S)
    assert live["metrics"]["agent_talk_s"] > 0 and live["metrics"]["customer_talk_s"] > 0


def test_an_eight_khz_leg_pair_is_coached_too(server, synth_calls):
    call = busy_call(synth_calls, "as-busy-8k")
    result = asyncio.run(stream_audiosocket("127.0.0.1", *ports(server), call, http_url=server.http, token=TOKEN,
                                            rate=8000, speed=LEG_SPEED))
    assert not result.customer.server_closed_first and not result.agent.server_closed_first
    live = report(server, str(call_uuid(call.call_id)))
    assert {n["kind"] for n in live["nudges"]} >= {"interruption", "dead_air"}


def http_status(url: str, headers: dict | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_registration_needs_the_token_a_uuid_and_a_known_language(server):
    good = uuid.uuid4()
    assert http_status(f"{server.http}/audiosocket/calls?uuid={good}&agent_id=a1&token=wrong") == 401
    assert http_status(f"{server.http}/audiosocket/calls?uuid={good}&agent_id=a1") == 401
    assert http_status(f"{server.http}/audiosocket/calls?uuid=not-a-uuid&token={TOKEN}") == 400
    assert http_status(f"{server.http}/audiosocket/calls?uuid={good}&language=klingon&token={TOKEN}") == 400
    assert http_status(f"{server.http}/audiosocket/calls?agent_id=a1&token={TOKEN}") == 400
    assert http_status(f"{server.http}/audio_fork/calls?uuid={good}&token={TOKEN}") == 400  # takes none
    reply = asyncio.run(register_call(server.http, good, "a1", token=TOKEN))
    assert reply.status == 201 and reply.json() == {"registered": str(good)}


async def leg_exchange(port: int, frames: list[tuple[int, bytes]], raw: bytes = b"") -> bool:
    """Send a bad leg's bytes and keep the connection open: True when the server closes it."""
    leg = await open_leg("127.0.0.1", port)
    for kind, payload in frames:
        await leg.send_frame(kind, payload)
    if raw:
        await leg.send_raw(raw)
    for _ in range(CLOSE_POLLS):
        if leg.server_closed:
            break
        await asyncio.sleep(CLOSE_POLL_S)
    closed = leg.server_closed
    await leg.finish(hangup=False)
    return closed


def test_bad_legs_are_closed_while_a_healthy_call_carries_on(server, synth_calls):
    customer_port, agent_port = ports(server)
    healthy = busy_call(synth_calls, "as-healthy")
    unregistered = uuid.uuid4()

    async def scenario():
        good = asyncio.create_task(stream_audiosocket("127.0.0.1", customer_port, agent_port, healthy,
                                                      http_url=server.http, token=TOKEN, speed=LEG_SPEED))
        await asyncio.sleep(0.5)
        bad = await asyncio.gather(
            leg_exchange(customer_port, [(Kind.UUID, unregistered.bytes), (Kind.SLIN, bytes(320))]),
            leg_exchange(agent_port, [(Kind.SLIN, bytes(320))]),  # audio before the UUID
            leg_exchange(customer_port, [(Kind.UUID, b"short")]),
            leg_exchange(agent_port, [], raw=b"\x42\x00\x01x"),  # unknown kind, before any UUID
        )
        return await good, bad

    result, bad = asyncio.run(scenario())
    assert all(bad)
    assert report(server, str(call_uuid(healthy.call_id)))["nudges"]
    assert not (server.reports / f"{unregistered}.coach.json").exists()
    log = server.log.read_text()
    for kind in ("unregistered", "audio_before_start", "bad_field", "unknown_message"):
        assert f"{kind}: audiosocket" in log, kind


def test_a_stereo_fork_matches_replay_to_one_frame(server, synth_calls, replayed):
    call = busy_call(synth_calls, "fork-stereo")
    result = asyncio.run(stream_audio_fork(server.url, call, token=TOKEN, rate=16000, speed=None, language="tr"))
    assert result.close_code == 1000
    live = report(server, call.call_id)
    assert (live["source"], live["language"], live["agent_id"]) == ("audio_fork", "tr", "agent-42")
    assert_same_nudges(live, replayed["busy"])


def test_two_mono_forks_are_paired_into_one_call(server, synth_calls, replayed):
    call = busy_call(synth_calls, "fork-mono")
    legs = asyncio.run(stream_audio_fork_legs(server.url, call, token=TOKEN, rate=16000, speed=LEG_SPEED,
                                              auth="bearer"))
    assert legs.customer.close_code == legs.agent.close_code == 1000
    assert_same_nudges(report(server, call.call_id), replayed["busy"], LEGS_TOLERANCE_S)


@pytest.mark.parametrize("over, code, reason", [
    ({"mix": "mixed"}, 1003, "cannot be coached"),
    ({"rate": 4000}, 1003, "sample_rate"),
    ({"token": "wrong"}, None, "401"),
])
def test_a_bad_fork_is_refused_with_a_reason(server, synth_calls, over, code, reason):
    call = dataclasses.replace(load_stereo(synth_calls["short"]), call_id=f"fork-bad-{len(over)}-{code}")
    options = {"token": TOKEN, "speed": None, **over}
    if code is None:
        with pytest.raises(Exception, match=reason):
            asyncio.run(stream_audio_fork(server.url, call, **options))
        return
    result = asyncio.run(stream_audio_fork(server.url, call, **options))
    assert result.close_code == code and reason in result.close_reason


def test_fork_basic_auth_is_checked_before_the_upgrade(server):
    wrong = "Basic " + base64.b64encode(b"freeswitch:nope").decode()
    assert http_status(f"{server.http}/audio_fork", {"Authorization": wrong}) == 401
