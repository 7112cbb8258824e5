import dataclasses

import numpy as np

from service.asr.window import FULL_WINDOW_FRAMES, fit_window, split_chunks, window_frames


def test_trimmed_window_is_utterance_plus_padding_in_buckets(settings):
    s = dataclasses.replace(settings, bucket_s=1.0, padding_s=1.0, min_window_s=2.0)
    assert window_frames(50, s) == 200  # 0.5 s + 1 s padding -> min window 2 s
    assert window_frames(430, s) == 600  # 4.3 + 1 = 5.3 -> 6 s bucket
    assert window_frames(500, s) == 600  # exactly 6 s
    assert window_frames(2950, s) == FULL_WINDOW_FRAMES  # capped at 30 s


def test_window_frames_are_even_for_the_strided_encoder(settings):
    s = dataclasses.replace(settings, bucket_s=0.25, padding_s=0.0, min_window_s=0.25)
    assert all(window_frames(n, s) % 2 == 0 for n in range(1, 3000, 7))


def test_full_window_is_always_30_s(settings):
    s = dataclasses.replace(settings, window="full")
    assert window_frames(10, s) == window_frames(2000, s) == FULL_WINDOW_FRAMES


def test_fit_window_pads_with_zeros_and_cuts():
    features = np.ones((80, 150), dtype=np.float32)
    padded = fit_window(features, 300)
    assert padded.shape == (80, 300) and padded[:, :150].all() and not padded[:, 150:].any()
    assert fit_window(features, 100).shape == (80, 100)


def test_split_chunks_covers_the_audio_in_order():
    audio = np.arange(16000 * 5, dtype=np.float32)
    chunks = split_chunks(audio, 2.0)
    assert [len(c) for c in chunks] == [32000, 32000, 16000]
    assert np.array_equal(np.concatenate(chunks), audio)
