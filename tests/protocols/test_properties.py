"""Property tests: no input escapes an adapter as an exception; chunking never matters.

Random bytes, random JSON, and valid sessions with one message mutated are fed
to every adapter; each must answer with events (possibly a clean
ProtocolError), never raise, and keep both parties' audio equal at the end.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.protocols import CallStop, ProtocolError

from .helpers import (
    AudioHookClient,
    audio_totals,
    concat,
    make_adapter,
    tone,
    twilio_media,
    twilio_start,
    ulaw,
)

ADAPTERS = ("twilio", "audiohook", "stream")
PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
messages = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=200),
    json_values.map(json.dumps),
    st.fixed_dictionaries({"event": st.sampled_from(["start", "media", "stop", "mark", "x"])},
                          optional={"media": json_values, "start": json_values, "sequenceNumber": json_values}
                          ).map(json.dumps),
    st.fixed_dictionaries({"version": st.just("2"), "id": st.text(max_size=5), "type": st.sampled_from(
        ["open", "ping", "close", "paused", "resumed", "discarded", "update", "error"]), "seq": st.integers(-2, 5)},
        optional={"parameters": json_values}).map(json.dumps),
    st.fixed_dictionaries({"type": st.sampled_from(["start", "stop"])},
                          optional={"encoding": json_values, "sample_rate": json_values, "channels": json_values,
                                    "call_id": json_values, "agent_id": json_values}).map(json.dumps),
)


def feed(adapter, message) -> list:
    return adapter.receive_bytes(message) if isinstance(message, bytes) else adapter.receive_text(message)


@PROFILE
@given(st.sampled_from(ADAPTERS), st.lists(messages, max_size=12))
def test_random_messages_give_events_or_clean_errors(name, stream):
    adapter = make_adapter(name)
    events = [e for m in stream for e in feed(adapter, m)] + adapter.connection_lost()
    fatal = [e for e in events if isinstance(e, ProtocolError) and e.fatal]
    assert len(fatal) <= 1 and all(e.reason for e in fatal)
    if adapter.started:  # whatever happened, the call's audio ends level
        assert audio_totals(events)["agent"] == audio_totals(events)["customer"]
        assert isinstance(events[-1], CallStop) or fatal


def twilio_session() -> list:
    msgs = [twilio_start()]
    for i in range(10):
        for track in ("inbound", "outbound"):
            msgs.append(twilio_media(track, ulaw(tone(160)), 20 * i, len(msgs) + 1))
    return msgs + [json.dumps({"event": "stop", "sequenceNumber": str(len(msgs) + 1)})]


def audiohook_session() -> list:
    c = AudioHookClient()
    frame = np.stack([np.frombuffer(ulaw(tone(160)), np.uint8)] * 2, 1).tobytes()
    return [c.open(), *[frame] * 10, c.msg("ping"), c.msg("close", {"reason": "end"})]


def stream_session() -> list:
    start = {"type": "start", "call_id": "c", "agent_id": "a", "encoding": "pcm16", "sample_rate": 8000,
             "channels": 2}
    return [json.dumps(start), *[np.repeat(tone(160), 2).tobytes()] * 10, json.dumps({"type": "stop"})]


SESSIONS = {"twilio": twilio_session(), "audiohook": audiohook_session(), "stream": stream_session()}


def mutate(message, data) -> str | bytes:
    raw = message.encode() if isinstance(message, str) else message
    if not raw:
        return message
    i = data.draw(st.integers(0, len(raw) - 1))
    op = data.draw(st.sampled_from(["flip", "cut", "dup"]))
    if op == "flip":
        raw = raw[:i] + bytes([raw[i] ^ data.draw(st.integers(1, 255))]) + raw[i + 1:]
    elif op == "cut":
        raw = raw[:i]
    else:
        raw = raw[:i] + raw[i:] * 2
    return raw.decode("utf-8", "replace") if isinstance(message, str) else raw


@PROFILE
@given(st.sampled_from(ADAPTERS), st.data())
def test_one_mutated_message_in_a_valid_session_never_raises(name, data):
    session = list(SESSIONS[name])
    i = data.draw(st.integers(0, len(session) - 1))
    session[i] = mutate(session[i], data)
    if data.draw(st.booleans()):  # also duplicate or reorder a neighbour
        j = data.draw(st.integers(0, len(session) - 1))
        session.insert(j, session[data.draw(st.integers(0, len(session) - 1))])
    adapter = make_adapter(name)
    events = [e for m in session for e in feed(adapter, m)] + adapter.connection_lost()
    if adapter.started:
        assert audio_totals(events)["agent"] == audio_totals(events)["customer"]


@PROFILE
@given(st.lists(st.integers(1, 400), min_size=1, max_size=20))
def test_rechunking_stream_audio_gives_identical_output(sizes):
    audio = np.stack([tone(4000, freq=300), tone(4000, freq=500)], 1).astype("<i2").tobytes()
    cuts = np.cumsum([s * 4 for s in sizes])  # whole stereo pcm16 frames
    cuts = [0, *[c for c in cuts if c < len(audio)], len(audio)]
    outputs = []
    for pieces in ([audio], [audio[a:b] for a, b in itertools.pairwise(cuts)]):
        adapter = make_adapter("stream")
        events = feed(adapter, stream_session()[0])
        for piece in pieces:
            events += feed(adapter, piece)
        events += feed(adapter, json.dumps({"type": "stop"}))
        outputs.append([concat(events, s) for s in ("agent", "customer")])
    for whole, chunked in zip(*outputs):
        assert np.array_equal(whole, chunked)


@PROFILE
@given(st.permutations(range(40)), st.integers(0, 10))
def test_twilio_jitter_between_tracks_within_skew_never_changes_audio(order, lag):
    media = [(track, 20 * i) for i in range(20) for track in ("inbound", "outbound")]
    # each frame arrives up to 100 ms late (random), the outbound track a further `lag`
    # frames late (within the 1 s skew bound); a WebSocket keeps each track in order,
    # so only the interleaving of the two tracks changes: timestamps alone place audio
    arrival, last = {}, {"inbound": 0, "outbound": 0}
    for k, (track, ms) in enumerate(media):
        t = ms + order[k] * 100 // 40 + (20 * lag if track == "outbound" else 0)
        arrival[(track, ms)] = last[track] = max(t, last[track])
    jittered = sorted(media, key=lambda m: (arrival[m], m[0]))
    outs = []
    for frames in (media, jittered):
        adapter = make_adapter("twilio")
        events = feed(adapter, twilio_start())
        for seq, (track, ms) in enumerate(frames, start=2):
            events += feed(adapter, twilio_media(track, ulaw(tone(160, freq=ms + 200)), ms, seq))
        events += feed(adapter, json.dumps({"event": "stop"}))
        assert not any(isinstance(e, ProtocolError) for e in events)
        outs.append([concat(events, s) for s in ("agent", "customer")])
    for a, b in zip(*outs):
        assert len(a) == 20 * 320 and np.abs(a).max() > 1000
        assert np.array_equal(a, b)
