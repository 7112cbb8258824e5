"""Clients for the server's protocols: the other side of the adapters.

Used by ``scripts/simulate_call.py`` (the pre-go-live check a contact-centre
engineer runs against a deployed server) and by the integration tests. Each
module streams a two-party call the way its platform does and knows nothing
of the server's code, so the two sides check each other:

- :mod:`.twilio`: two mu-law tracks of base64 JSON with media timestamps;
- :mod:`.audiohook`: interleaved stereo PCMU after an open/opened exchange;
- :mod:`.stream`: callcoach's own interleaved pcm16;
- :mod:`.audio_fork`: FreeSWITCH mod_audio_fork, JSON metadata then L16;
- :mod:`.audiosocket`: Asterisk AudioSocket over TCP, one connection per party
  (its own entry point, :func:`~.audiosocket.stream_audiosocket`: it needs ports,
  not a WebSocket URL).
"""

from __future__ import annotations

from .audio_fork import stream_audio_fork
from .audiohook import stream_audiohook
from .common import Call, StreamResult, load_stereo
from .stream import stream_pcm
from .twilio import stream_twilio

__all__ = ["PROTOCOLS", "Call", "StreamResult", "load_stereo", "stream_call"]

_STREAMERS = {"twilio": stream_twilio, "audiohook": stream_audiohook, "stream": stream_pcm,
              "audio_fork": stream_audio_fork}
PROTOCOLS = tuple(_STREAMERS)


async def stream_call(
    base_url: str,
    protocol: str,
    call: Call,
    *,
    speed: float | None = 1.0,
    frame_ms: int = 20,
    token: str = "",
    twilio_skip_silent_track: str | None = None,
) -> StreamResult:
    """Stream ``call`` to ``base_url`` (``ws://host:port``) speaking ``protocol``.

    ``speed`` 1 paces in real time, N at N x, None as fast as possible. ``token``
    is the endpoint's credential (stream token, Twilio auth token, AudioHook
    API key or audio_fork password). ``twilio_skip_silent_track``
    ("inbound"/"outbound") leaves out that track's silent frames, as some
    Twilio setups do. Protocol-specific options are in each module's function.
    """
    if protocol not in _STREAMERS:
        raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}")
    extra = {"skip_silent_track": twilio_skip_silent_track} if protocol == "twilio" else {}
    return await _STREAMERS[protocol](base_url, call, speed=speed, frame_ms=frame_ms, token=token, **extra)
