"""The real-speech set (tests/data/speech) keeps one exact format, so every benchmark reads every folder.

The guard calibration, the language-ID and word-error benchmarks pick up any
folder with a clips.json; a clip with a missing field, a re-drawn split or a
file that is not the documented encoding would silently skew their figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest

SPEECH = Path(__file__).resolve().parent.parent / "data" / "speech"
FOLDERS = sorted(p.parent.name for p in SPEECH.glob("*/clips.json"))
FIELDS = {"id", "file", "text", "language", "speaker", "source", "licence", "style", "duration_s", "split"}


def _index(language: str) -> dict:
    return json.loads((SPEECH / language / "clips.json").read_text(encoding="utf-8"))


def test_the_set_has_the_seed_languages_it_could_licence():
    # English and Latvian from the start; Greek from CSS10 (see LICENSE-NOTICE.md).
    assert {"en", "el", "lv"} <= set(FOLDERS)


@pytest.mark.parametrize("language", FOLDERS)
def test_every_clip_is_documented_and_the_split_is_the_fixed_alternation(language):
    index = _index(language)
    assert index["language"] == language and index["sample_rate"] == 16000
    clips = sorted(index["clips"], key=lambda c: c["id"])
    assert len({c["id"] for c in clips}) == len(clips)
    for position, clip in enumerate(clips):
        assert set(clip) == FIELDS, clip["id"]
        assert clip["language"] == language and clip["id"].startswith(f"{language}-")
        assert clip["text"].strip() and clip["source"] and clip["licence"] and clip["speaker"]
        assert clip["split"] == ("tune", "report")[position % 2], clip["id"]
    assert f"(`{language}/`" in (SPEECH / "LICENSE-NOTICE.md").read_text(encoding="utf-8"), "no licence section"


@pytest.mark.parametrize("language", FOLDERS)
def test_every_file_is_mono_opus_of_the_stated_length(language, real_speech):
    for clip in real_speech(language):
        with av.open(str(SPEECH / language / clip["file"])) as container:
            stream = container.streams.audio[0]
            assert (stream.codec_context.name, stream.channels) == ("opus", 1), clip["id"]
        seconds = len(clip["audio"]) / 16000
        assert seconds <= 15.0 and abs(seconds - clip["duration_s"]) < 0.1, (clip["id"], seconds)
