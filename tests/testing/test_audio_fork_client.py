"""mod_audio_fork client: metadata, channel layout, authentication, and what goes on the wire.

The wire tests listen with a plain ``websockets`` server that records what
arrives, so the client is checked against mod_audio_fork's documented
behaviour, not against the callcoach server it will test.
"""

from __future__ import annotations

import asyncio
import base64
import json

import numpy as np
import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from service.testing.clients import stream_call
from service.testing.clients.audio_fork import fork_metadata, stream_audio_fork, stream_audio_fork_legs
from service.testing.clients.common import Call

RATE = 8000
FRAME = RATE // 50  # 20 ms


def _call() -> Call:
    agent = np.full(RATE // 10, 1000, dtype=np.int16)  # 100 ms
    return Call(agent=agent, customer=-agent, rate=RATE, call_id="fork-1", agent_id="agent-9")


class _Recorder:
    """Accepts one or more forks; keeps each one's request, messages and how it ended."""

    def __init__(self) -> None:
        self.forks: list[dict] = []
        self._acks: set[asyncio.Task] = set()

    async def handle(self, ws: ServerConnection) -> None:
        fork = {"path": ws.request.path, "headers": ws.request.headers, "subprotocol": ws.subprotocol,
                "messages": []}
        self.forks.append(fork)
        async for message in ws:
            fork["messages"].append(message)
            if isinstance(message, str):
                ack = asyncio.create_task(self._ack(ws))  # never block reading: the client may be closing
                self._acks.add(ack)
                ack.add_done_callback(self._acks.discard)
        fork["close_code"] = ws.close_code

    @staticmethod
    async def _ack(ws: ServerConnection) -> None:
        try:
            await ws.send(json.dumps({"type": "ack"}))
        except ConnectionClosed:
            pass

    async def run(self, client) -> object:
        async with serve(self.handle, "127.0.0.1", 0, subprotocols=["audio.drachtio.org"]) as server:
            port = server.sockets[0].getsockname()[1]
            return await client(f"ws://127.0.0.1:{port}")


def test_metadata_follows_the_callcoach_convention():
    call = _call()
    assert fork_metadata(call, mix="stereo", rate=RATE, language="el") == {
        "call_id": "fork-1", "agent_id": "agent-9", "sample_rate": RATE, "mix": "stereo", "language": "el",
        "agent_channel": "right"}
    assert fork_metadata(call, mix="mono", rate=RATE, party="agent")["party"] == "agent"
    assert "party" not in fork_metadata(call, mix="mixed", rate=RATE)


def test_stereo_fork_sends_metadata_then_interleaved_l16_with_the_caller_first():
    recorder = _Recorder()
    result = asyncio.run(recorder.run(lambda url: stream_audio_fork(url, _call(), token="pw", language="el")))
    (fork,) = recorder.forks
    assert fork["path"] == "/audio_fork" and fork["subprotocol"] == "audio.drachtio.org"
    assert fork["headers"]["Authorization"] == "Basic " + base64.b64encode(b"freeswitch:pw").decode()
    first, *audio = fork["messages"]
    assert json.loads(first)["language"] == "el" and json.loads(first)["agent_channel"] == "right"
    assert [len(m) for m in audio] == [FRAME * 2 * 2] * 5
    pcm = np.frombuffer(b"".join(audio), "<i2").reshape(-1, 2)
    assert (pcm[:, 0] == -1000).all() and (pcm[:, 1] == 1000).all()  # caller (customer), then callee (agent)
    assert fork["close_code"] == 1000 and result.close_code == 1000
    assert result.frames_sent == 5 and result.json_replies() == [{"type": "ack"}]


def test_agent_on_the_left_swaps_the_channels_and_16k_doubles_the_frames():
    recorder = _Recorder()
    asyncio.run(recorder.run(lambda url: stream_audio_fork(url, _call(), agent_channel="left", rate=16000,
                                                           speed=None)))
    audio = recorder.forks[0]["messages"][1:]
    assert {len(m) for m in audio} == {2 * FRAME * 2 * 2}
    pcm = np.frombuffer(b"".join(audio), "<i2").reshape(-1, 2)
    assert pcm[:, 0].mean() > 900 and pcm[:, 1].mean() < -900  # resampled: the edges ring a little


@pytest.mark.parametrize(("auth", "header", "query"), [("bearer", "Bearer pw", ""), ("query", None, "?token=pw")])
def test_the_token_can_also_go_as_bearer_or_query(auth, header, query):
    recorder = _Recorder()
    asyncio.run(recorder.run(lambda url: stream_audio_fork(url, _call(), token="pw", auth=auth, speed=None)))
    fork = recorder.forks[0]
    assert fork["headers"].get("Authorization") == header and fork["path"] == "/audio_fork" + query


def test_mono_legs_are_two_forks_of_the_same_call():
    recorder = _Recorder()
    legs = asyncio.run(recorder.run(lambda url: stream_audio_fork_legs(url, _call(), speed=None)))
    assert legs.customer.close_code == legs.agent.close_code == 1000
    by_party = {json.loads(f["messages"][0])["party"]: f for f in recorder.forks}
    assert {json.loads(f["messages"][0])["call_id"] for f in recorder.forks} == {"fork-1"}
    for party, level in (("customer", -1000), ("agent", 1000)):
        audio = by_party[party]["messages"][1:]
        assert {len(m) for m in audio} == {FRAME * 2}
        assert (np.frombuffer(b"".join(audio), "<i2") == level).all()


def test_mixed_sums_both_parties_into_one_channel():
    recorder = _Recorder()
    asyncio.run(recorder.run(lambda url: stream_audio_fork(url, _call(), mix="mixed", speed=None)))
    audio = recorder.forks[0]["messages"][1:]
    assert (np.frombuffer(b"".join(audio), "<i2") == 0).all() and {len(m) for m in audio} == {FRAME * 2}


def test_stream_call_speaks_audio_fork_too():
    recorder = _Recorder()
    result = asyncio.run(recorder.run(lambda url: stream_call(url, "audio_fork", _call(), speed=None)))
    assert result.close_code == 1000 and "Authorization" not in recorder.forks[0]["headers"]


def test_bad_choices_are_refused():
    with pytest.raises(ValueError, match="mix"):
        asyncio.run(stream_audio_fork("ws://127.0.0.1:1", _call(), mix="quad"))
