"""Bad clients get a clear error and the right close code while a healthy call carries on."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import urllib.error
import urllib.request
import uuid

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from service.protocols.twilio import twilio_signature
from service.testing.clients import load_stereo, stream_call

from .conftest import TOKENS

START = {"type": "start", "call_id": "x", "agent_id": "a", "encoding": "pcm16", "sample_rate": 16000,
         "channels": 2, "agent_channel": "left"}


def http_get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def stream_headers() -> dict:
    return {"Authorization": f"Bearer {TOKENS['stream']}"}


def twilio_headers(url: str) -> dict:
    return {"X-Twilio-Signature": twilio_signature(TOKENS["twilio"], url.replace("ws://", "wss://") + "/twilio")}


async def exchange(url: str, headers: dict, messages: list) -> tuple[int | None, list[str]]:
    """Send ``messages``, read until the server closes; (close code, text replies)."""
    replies: list[str] = []
    async with connect(url, additional_headers=headers) as ws:
        try:
            for m in messages:
                await ws.send(m)
            await ws.send(json.dumps({"type": "stop", "event": "stop"}))
            async for reply in ws:
                replies.append(reply)
        except ConnectionClosed:
            pass
    return ws.close_code, replies


def twilio_start(call_id: str) -> str:
    return json.dumps({"event": "start", "sequenceNumber": "1", "start": {
        "callSid": call_id, "streamSid": "MZ", "tracks": ["inbound", "outbound"], "customParameters": {},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}})


def twilio_media(seq: int, payload: str) -> str:
    return json.dumps({"event": "media", "sequenceNumber": str(seq),
                       "media": {"track": "inbound", "timestamp": str(20 * seq), "payload": payload}})


def audiohook(kind: str, seq: int, parameters: dict) -> str:
    return json.dumps({"version": "2", "id": "s-1", "type": kind, "seq": seq, "serverseq": 0, "position": "PT0S",
                       "parameters": parameters})


async def bad_clients(url: str) -> dict[str, object]:
    s, t = url + "/stream", url + "/twilio"
    silence = base64.b64encode(b"\xff" * 160).decode()
    opened = audiohook("open", 1, {"conversationId": str(uuid.uuid4()), "organizationId": "o", "media": [
        {"type": "audio", "format": "PCMU", "channels": ["external", "internal"], "rate": 8000}]})
    out: dict[str, object] = {
        "malformed_json": await exchange(s, stream_headers(), ["{nope"]),
        "binary_before_start": await exchange(s, stream_headers(), [b"\x00" * 64]),
        "wrong_media": await exchange(s, stream_headers(), [json.dumps({**START, "encoding": "opus"})]),
        "too_big": await exchange(s, stream_headers(), [json.dumps({**START, "call_id": "big"}), b"\x00" * 20000]),
        "bad_base64": await exchange(t, twilio_headers(url), [twilio_start("b64"), twilio_media(2, "###")]),
        "unknown_and_duplicate": await exchange(t, twilio_headers(url), [
            twilio_start("dup"), json.dumps({"event": "hologram"}), twilio_media(2, silence),
            twilio_media(2, silence), twilio_media(3, silence)]),
        "audiohook_bad_seq": await exchange(url + "/audiohook", {"X-API-KEY": TOKENS["audiohook"]},
                                            [opened, audiohook("ping", 5, {})]),
    }
    # a client that vanishes mid-call: TCP gone, no close frame
    ws = await connect(s, additional_headers=stream_headers())
    await ws.send(json.dumps({**START, "call_id": "vanished"}))
    await ws.recv()
    await ws.send(b"\x00" * 6400)  # 0.1 s of stereo pcm16 at 16 kHz
    await asyncio.sleep(0.3)  # delivered before the plug is pulled
    ws.transport.abort()
    for name, url_, headers in (("stream_auth", s, {"Authorization": "Bearer wrong"}),
                                ("twilio_auth", t, {}),
                                ("audiohook_auth", url + "/audiohook", {"X-API-KEY": "nope"})):
        try:
            async with connect(url_, additional_headers=headers):
                out[name] = "connected"
        except InvalidStatus as exc:
            out[name] = exc.response.status_code
    return out


def test_bad_inputs_are_refused_while_a_healthy_call_carries_on(server, synth_calls):
    healthy = dataclasses.replace(load_stereo(synth_calls["short"]), call_id="healthy")

    async def scenario():
        call = asyncio.create_task(stream_call(server.url, "stream", healthy, speed=2.0, token=TOKENS["stream"]))
        await asyncio.sleep(0.5)
        bad = await bad_clients(server.url)
        return await call, bad

    result, bad = asyncio.run(scenario())
    assert result.close_code == 1000
    report = json.loads(server.report("healthy").read_text())
    assert abs(report["duration"] - len(healthy.agent) / healthy.rate) < 0.05

    assert bad["malformed_json"][0] == 1007 and json.loads(bad["malformed_json"][1][-1])["error"] == "malformed_json"
    assert bad["binary_before_start"][0] == 1002
    assert bad["wrong_media"][0] == 1003
    assert bad["too_big"][0] == 1009
    assert bad["bad_base64"][0] == 1007
    assert bad["unknown_and_duplicate"][0] == 1000  # tolerated: counted, call goes on
    code, replies = bad["audiohook_bad_seq"]
    assert code == 1002 and json.loads(replies[-1])["type"] == "disconnect"
    assert (bad["stream_auth"], bad["twilio_auth"], bad["audiohook_auth"]) == (401, 401, 401)

    # the vanished call and the oversized one were still finalised and saved
    assert json.loads(server.report("vanished").read_text())["duration"] == pytest.approx(0.1, abs=0.03)
    assert server.report("big").exists()

    status, kind, body = http_get(server.http + "/metrics")
    assert status == 200 and kind.startswith("text/plain")
    for error in ("malformed_json", "audio_before_start", "unsupported_media", "bad_base64", "unknown_event", "too_big",
                  "duplicate_sequence", "sequence", "client_vanished", "auth"):
        assert f'type="{error}"' in body, error
    assert 'callcoach_calls_total{ended="stop",endpoint="stream"}' in body
    assert "callcoach_active_calls 0" in body
    assert http_get(server.http + "/healthz")[:1] == (200,)
    assert http_get(server.http + "/nowhere")[0] == 404
