"""G.711 and PCM decoding, de-interleaving, and the streaming resampler."""

from __future__ import annotations

import numpy as np
import pytest

from service.core.codecs import (
    ChannelConverter,
    CodecError,
    alaw_to_pcm16,
    decode_payload,
    deinterleave,
    pcm16_to_ulaw,
    ulaw_to_pcm16,
)


def test_ulaw_known_values():
    # ITU-T G.711: 0xFF and 0x7F are the two zeros, 0x00 / 0x80 the extremes
    decoded = ulaw_to_pcm16(bytes([0xFF, 0x7F, 0x00, 0x80]))
    assert decoded.tolist() == [0, 0, -32124, 32124]


def test_alaw_known_values():
    decoded = alaw_to_pcm16(bytes([0xD5, 0x55, 0x2A, 0xAA]))
    assert decoded.tolist() == [8, -8, -32256, 32256]


def test_ulaw_round_trip_within_quantisation():
    x = np.linspace(-30000, 30000, 2001).astype(np.int16)
    back = ulaw_to_pcm16(pcm16_to_ulaw(x)).astype(np.int32)
    # mu-law steps grow with amplitude; the error stays within half the largest step (512)
    assert np.max(np.abs(back - x)) <= 512
    small = np.arange(-100, 100, dtype=np.int16)
    assert np.max(np.abs(ulaw_to_pcm16(pcm16_to_ulaw(small)).astype(np.int32) - small)) <= 4


def test_pcm16_odd_length_is_refused():
    with pytest.raises(CodecError, match="whole number"):
        decode_payload(b"\x00\x01\x02", "pcm16")


def test_unknown_encoding_is_refused():
    with pytest.raises(CodecError, match="unknown encoding"):
        decode_payload(b"\x00", "opus")


def test_deinterleave_stereo_pcm16():
    frames = np.array([[1, -1], [2, -2], [3, -3]], dtype="<i2").tobytes()
    left, right = deinterleave(frames, 2, "pcm16")
    assert np.frombuffer(left, "<i2").tolist() == [1, 2, 3]
    assert np.frombuffer(right, "<i2").tolist() == [-1, -2, -3]
    with pytest.raises(CodecError):
        deinterleave(frames[:-1], 2, "pcm16")


def test_resampler_is_continuous_across_any_chunking():
    rate_in, rate_out = 8000, 16000
    t = np.arange(rate_in) / rate_in
    tone = (10000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    whole = ChannelConverter("pcm16", rate_in, rate_out)
    ref = np.concatenate([whole.resample(tone), whole.flush()])
    chunked = ChannelConverter("pcm16", rate_in, rate_out)
    pieces = [chunked.resample(tone[i : i + 160]) for i in range(0, tone.size, 160)]
    got = np.concatenate(pieces + [chunked.flush()])
    assert got.size == ref.size == 2 * tone.size
    assert np.array_equal(got, ref)
    # a proper (band-limited) resampler: the 440 Hz tone survives, no imaging at 8 kHz - 440 Hz
    spectrum = np.abs(np.fft.rfft(got.astype(np.float64)))
    freqs = np.fft.rfftfreq(got.size, 1 / rate_out)
    peak = freqs[np.argmax(spectrum)]
    assert abs(peak - 440) < 2
    image = spectrum[np.argmin(np.abs(freqs - (rate_in - 440)))]
    assert image < spectrum.max() * 1e-3
