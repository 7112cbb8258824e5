"""FreeSWITCH ``mod_audio_fork`` client, written from the module's documentation and source.

Facts used, and where they were read (drachtio/drachtio-freeswitch-modules,
commit 88e1465, ``modules/mod_audio_fork/``; FreeSWITCH signalwire/freeswitch
``src/switch_core_media_bug.c``):

- ``uuid_audio_fork <uuid> start <wss-url> <mix-type> <sampling-rate> <metadata>``
  (README.md). ``mix-type``: ``mono`` = one channel with the caller's audio,
  ``mixed`` = one channel with caller and callee mixed, ``stereo`` = two
  channels, caller in one and callee in the other (README.md).
- ``sampling-rate``: ``8k`` or ``16k`` (README.md); the code also takes a number
  that is a multiple of 8000 (mod_audio_fork.c, ``FORK_API_SYNTAX``
  ``[8000 | 16000 | 24000 | 32000 | 64000]``).
- Audio is L16: 16-bit linear PCM, little-endian host order, interleaved when
  stereo (README.md "streamed in linear 16 format"). In stereo the media bug
  puts the read stream (what the channel receives: the caller on an inbound
  leg) in channel 0 and the write stream in channel 1 unless
  ``SMBF_STEREO_SWAP`` (switch_core_media_bug.c, ``switch_core_media_bug_read``);
  ``mixed`` adds the two streams sample by sample.
- The metadata is one text frame sent right after connecting; after it, audio
  goes in binary frames (README.md; audio_pipe.cpp ``LWS_CALLBACK_CLIENT_WRITEABLE``
  sends pending text before audio).
- ``uuid_audio_fork <uuid> stop [text]`` closes the WebSocket, optionally after
  a final text frame; the close carries ``LWS_CLOSE_STATUS_NORMAL`` (1000)
  (README.md; audio_pipe.cpp). ``graceful-shutdown`` first sends a zero-length
  binary frame (audio_pipe.cpp); this client does not.
- WebSocket sub-protocol ``audio.drachtio.org`` unless the environment variable
  ``MOD_AUDIO_FORK_SUBPROTOCOL_NAME`` says otherwise (README.md, lws_glue.cpp).
- HTTP Basic authentication on the upgrade request (``Authorization: Basic
  base64(user:password)``, audio_pipe.cpp ``dch_lws_http_basic_auth_gen``) when
  the channel variables ``MOD_AUDIO_BASIC_AUTH_USERNAME`` and
  ``MOD_AUDIO_BASIC_AUTH_PASSWORD`` are both set (lws_glue.cpp
  ``fork_data_init``, audio_pipe.hpp ``hasBasicAuth``). audio_pipe.cpp also
  reads the environment variables ``MOD_AUDIO_FORK_HTTP_AUTH_USER`` /
  ``_PASSWORD``. The README does not document authentication.

callcoach's side of the convention (not FreeSWITCH's): endpoint ``/audio_fork``;
the token is accepted as the Basic password, as ``Authorization: Bearer`` or as
``?token=``; the metadata is ``{"call_id", "agent_id", "language",
"sample_rate", "mix", "agent_channel" (stereo: "right" = callee is the agent),
"party" (mono: "agent" or "customer")}``; a call streamed as two ``mono``
forks shares one ``call_id``.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from urllib.parse import quote

import numpy as np
from websockets.exceptions import ConnectionClosed

from .common import Call, Exchange, StreamResult, endpoint, interleave, resample, run_exchange

__all__ = ["AUTH_MODES", "MIXES", "MonoLegs", "fork_metadata", "stream_audio_fork", "stream_audio_fork_legs"]

PATH = "/audio_fork"
SUBPROTOCOL = "audio.drachtio.org"
MIXES = ("stereo", "mono", "mixed")
PARTIES = ("customer", "agent")  # mono legs; the caller (FreeSWITCH's read stream) first
AGENT_CHANNELS = ("right", "left")
AUTH_MODES = ("basic", "bearer", "query")
BASIC_USER = "freeswitch"  # callcoach checks only the password
_PCM16_MIN, _PCM16_MAX = -32768, 32767


@dataclass(frozen=True)
class MonoLegs:
    """The two ``mono`` forks of one call, as FreeSWITCH runs them on the two channels."""

    customer: StreamResult
    agent: StreamResult


def fork_metadata(call: Call, *, mix: str, rate: int, agent_channel: str = "right", party: str = "customer",
                  language: str | None = None) -> dict:
    """The JSON a dialplan passes as ``<metadata>``, in callcoach's convention."""
    meta: dict = {"call_id": call.call_id, "agent_id": call.agent_id, "sample_rate": rate, "mix": mix}
    if language:
        meta["language"] = language
    if mix == "stereo":
        meta["agent_channel"] = agent_channel
    elif mix == "mono":
        meta["party"] = party
    return meta


def _audio(call: Call, *, mix: str, rate: int, agent_channel: str, party: str) -> np.ndarray:
    """The fork's PCM at ``rate``: ``(n, 2)`` for stereo, ``(n, 1)`` otherwise."""
    agent, customer = resample(call.agent, call.rate, rate), resample(call.customer, call.rate, rate)
    if mix == "stereo":
        return interleave(customer, agent) if agent_channel == "right" else interleave(agent, customer)
    if mix == "mono":
        return (customer if party == "customer" else agent)[:, None]
    both = interleave(customer, agent).astype(np.int32).sum(axis=1)
    return np.clip(both, _PCM16_MIN, _PCM16_MAX).astype(np.int16)[:, None]


def _authenticate(url: str, token: str, auth: str) -> tuple[str, dict[str, str]]:
    """``url`` and headers carrying ``token`` the ``auth`` way (nothing when there is no token)."""
    if not token:
        return url, {}
    if auth == "basic":
        return url, {"Authorization": "Basic " + base64.b64encode(f"{BASIC_USER}:{token}".encode()).decode()}
    if auth == "bearer":
        return url, {"Authorization": f"Bearer {token}"}
    return f"{url}?token={quote(token, safe='')}", {}


def _check(choice: str, allowed: tuple[str, ...], what: str) -> None:
    if choice not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}, not {choice!r}")


async def stream_audio_fork(base_url: str, call: Call, *, token: str = "", mix: str = "stereo", rate: int = 8000,
                            agent_channel: str = "right", language: str | None = None,
                            speed: float | None = 1.0, frame_ms: int = 20, auth: str = "basic",
                            party: str = "customer") -> StreamResult:
    """Stream ``call`` as one ``uuid_audio_fork ... start`` would, then stop the fork.

    ``mix`` "mono" carries ``party`` only (see :func:`stream_audio_fork_legs`
    for both parties). ``rate`` is sent as is, even one FreeSWITCH would refuse,
    so tests can check the server's answer. The client closes normally (1000)
    after the audio, as ``uuid_audio_fork stop`` does; text the server sent is
    in ``replies``, its close code in ``close_code``.
    """
    _check(mix, MIXES, "mix")
    _check(agent_channel, AGENT_CHANNELS, "agent_channel")
    _check(party, PARTIES, "party")
    _check(auth, AUTH_MODES, "auth")
    url, headers = _authenticate(endpoint(base_url, PATH), token, auth)
    meta = fork_metadata(call, mix=mix, rate=rate, agent_channel=agent_channel, party=party, language=language)
    pcm = _audio(call, mix=mix, rate=rate, agent_channel=agent_channel, party=party).astype("<i2")
    step = rate * frame_ms // 1000

    async def body(ex: Exchange) -> None:
        await ex.ws.send(json.dumps(meta))
        reader = asyncio.create_task(ex.drain())
        try:
            try:
                async for _, offset in ex.pacer.frames(len(pcm), step):
                    await ex.send_frame(pcm[offset:offset + step].tobytes())
                await ex.ws.close()
            except ConnectionClosed:
                pass  # the server closed first: the reader has what it sent
            await reader
        finally:
            reader.cancel()  # only matters when the body itself is cancelled or fails

    return await run_exchange(url, body, headers=headers, speed=speed, frame_ms=frame_ms, subprotocols=[SUBPROTOCOL])


async def stream_audio_fork_legs(base_url: str, call: Call, **options) -> MonoLegs:
    """Stream the two parties as two concurrent ``mono`` forks with the same ``call_id``.

    ``options`` are :func:`stream_audio_fork`'s, except ``mix`` and ``party``.
    """
    customer, agent = await asyncio.gather(
        *(stream_audio_fork(base_url, call, mix="mono", party=party, **options) for party in PARTIES))
    return MonoLegs(customer=customer, agent=agent)
