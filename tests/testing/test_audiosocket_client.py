"""AudioSocket client: message encoding, and what goes on the wire.

No callcoach server here: the wire tests listen with plain sockets and record
the bytes, so they check the client's framing against the protocol document,
not against the server that is being tested with it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from service.testing.clients.audiosocket import (
    AUDIO_KINDS, AudioSocketError, Dtmf, Frame, Kind, call_uuid, decode_frames, encode_frame, encode_header,
    open_leg, register_call, stream_audiosocket,
)
from service.testing.clients.common import Call

UUID = uuid.UUID("40325ec2-5efd-4bd3-805f-53576e581d13")


def test_header_is_type_then_big_endian_length():
    assert encode_frame(Kind.HANGUP) == b"\x00\x00\x00"
    assert encode_frame(Kind.SLIN, bytes(320))[:3] == b"\x10\x01\x40"
    assert encode_frame(Kind.UUID, UUID.bytes) == b"\x01\x00\x10" + UUID.bytes
    assert encode_frame(Kind.DTMF, b"5") == b"\x03\x00\x015"
    assert encode_header(Kind.SLIN, 0xFFFF) == b"\x10\xff\xff"


def test_types_are_the_published_table():
    assert {rate: int(kind) for rate, kind in AUDIO_KINDS.items()} == {
        8000: 0x10, 12000: 0x11, 16000: 0x12, 24000: 0x13, 32000: 0x14, 44100: 0x15, 48000: 0x16,
        96000: 0x17, 192000: 0x18}
    assert (Kind.HANGUP, Kind.UUID, Kind.DTMF, Kind.ERROR) == (0x00, 0x01, 0x03, 0xFF)


def test_a_payload_over_the_16_bit_length_is_refused():
    with pytest.raises(ValueError):
        encode_frame(Kind.SLIN, bytes(0x10000))


def test_decoding_keeps_unknown_types_and_returns_a_cut_off_message():
    data = encode_frame(Kind.ERROR, b"\x02") + encode_frame(0x42, b"ab") + encode_frame(Kind.HANGUP)
    assert decode_frames(data) == ([Frame(0xFF, b"\x02"), Frame(0x42, b"ab"), Frame(0x00)], b"")
    assert decode_frames(data + b"\x10\x00\x04ab") == ([Frame(0xFF, b"\x02"), Frame(0x42, b"ab"), Frame(0x00)],
                                                        b"\x10\x00\x04ab")
    assert decode_frames(b"\x10\x00") == ([], b"\x10\x00")


def test_call_uuid_is_the_call_id_or_derived_from_it():
    assert call_uuid(str(UUID)) == UUID
    assert call_uuid("sim-abc") == call_uuid("sim-abc") != call_uuid("sim-abd")


class _Recorder:
    """A TCP listener that keeps every byte a connection sent, then closes when the client does."""

    def __init__(self, reply: bytes = b"") -> None:
        self.received: list[bytes] = []
        self._reply = reply

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._reply:
            writer.write(self._reply)
            writer.close()  # the server hangs up first
            self.received.append(b"")
            return
        self.received.append(await reader.read())  # until the client's half-close
        writer.close()

    async def __aenter__(self) -> int:
        self._server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def __aexit__(self, *exc) -> None:
        self._server.close()
        await self._server.wait_closed()


def _call(seconds: float = 0.1, rate: int = 8000) -> Call:
    n = int(seconds * rate)
    ramp = np.arange(n, dtype=np.int16)
    return Call(agent=ramp, customer=-ramp, rate=rate, call_id=str(UUID), agent_id="agent-7")


def test_each_leg_sends_uuid_then_20_ms_slin_frames_then_hangup():
    async def run():
        customer, agent = _Recorder(), _Recorder()
        async with customer as c_port, agent as a_port:
            result = await stream_audiosocket("127.0.0.1", c_port, a_port, _call(), register=False, speed=None,
                                              dtmf=[Dtmf(0.04, "7")])
        return customer.received[0], agent.received[0], result

    customer_bytes, agent_bytes, result = asyncio.run(run())
    for wire, samples, extra in ((customer_bytes, -np.arange(800, dtype=np.int16), [Frame(0x03, b"7")]),
                                 (agent_bytes, np.arange(800, dtype=np.int16), [])):
        frames, trailing = decode_frames(wire)
        assert trailing == b"" and frames[0] == Frame(0x01, UUID.bytes) and frames[-1] == Frame(0x00)
        audio = [f for f in frames if f.kind == 0x10]
        assert [len(f.payload) for f in audio] == [320] * 5
        assert np.array_equal(np.frombuffer(b"".join(f.payload for f in audio), "<i2"), samples)
        assert [f for f in frames if f.kind not in (0x01, 0x10, 0x00)] == extra
    assert (result.customer.frames_sent, result.agent.frames_sent) == (5, 5)
    assert not result.customer.server_closed_first and result.customer.received == []


def test_higher_rates_use_their_own_type_and_frame_size():
    async def run():
        customer, agent = _Recorder(), _Recorder()
        async with customer as c_port, agent as a_port:
            await stream_audiosocket("127.0.0.1", c_port, a_port, _call(rate=16000), register=False, speed=None,
                                     rate=16000)
        return customer.received[0]

    frames, _ = decode_frames(asyncio.run(run()))
    assert {(f.kind, len(f.payload)) for f in frames[1:-1]} == {(0x12, 640)}


def test_a_rate_without_a_type_is_refused():
    with pytest.raises(AudioSocketError):
        asyncio.run(stream_audiosocket("127.0.0.1", 1, 2, _call(), register=False, rate=22050))


def test_what_the_server_sends_back_and_that_it_closed_first_are_reported():
    async def run():
        async with _Recorder(reply=encode_frame(Kind.ERROR, b"\x02") + encode_frame(Kind.HANGUP)) as port:
            leg = await open_leg("127.0.0.1", port, "agent")
            await asyncio.sleep(0.1)
            assert leg.server_closed and not await leg.send_frame(Kind.SLIN, bytes(320))
            return await leg.finish()

    result = asyncio.run(run())
    assert result.kinds == [0xFF, 0x00] and result.received[0].payload == b"\x02"
    assert result.server_closed_first and result.frames_sent == 0


def test_raw_bytes_go_out_as_given():
    async def run():
        recorder = _Recorder()
        async with recorder as port:
            leg = await open_leg("127.0.0.1", port)
            await leg.send_raw(encode_header(Kind.SLIN, 0xFFFF) + bytes(10))  # claims more than it sends
            await leg.finish(hangup=False)
        return recorder.received[0]

    assert asyncio.run(run()) == b"\x10\xff\xff" + bytes(10)


class _Registrations(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        self.seen.append({"method": self.command, "path": self.path, "auth": self.headers.get("Authorization"),
                          "body": self.rfile.read(length).decode() if length else None})
        reply = json.dumps({"uuid": "x"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def http_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Registrations)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Registrations.seen.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_registration_is_a_get_with_the_token_in_a_header_or_the_query(http_url):
    async def run():
        first = await register_call(http_url, UUID, "agent-7", language="el", token="s3cret")
        await register_call(http_url, UUID, "agent-7", token="s e", token_in_query=True)
        return first

    reply = asyncio.run(run())
    assert reply.status == 201 and reply.json() == {"uuid": "x"}
    in_header, in_query = _Registrations.seen
    assert in_header["method"] == "GET" and in_header["body"] is None and in_header["auth"] == "Bearer s3cret"
    assert in_header["path"] == f"/audiosocket/calls?uuid={UUID}&agent_id=agent-7&language=el"
    assert in_query["auth"] is None
    assert in_query["path"] == f"/audiosocket/calls?uuid={UUID}&agent_id=agent-7&token=s%20e"


def test_registering_needs_the_http_url():
    with pytest.raises(AudioSocketError, match="http_url"):
        asyncio.run(stream_audiosocket("127.0.0.1", 1, 2, _call()))
