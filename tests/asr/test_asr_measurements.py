"""The measurements file and the start-up warning about poorly recognised languages (service.asr.measurements)."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from service.asr import AsrSettings

from service.asr.measurements import (
    UNMEASURED,
    Measurement,
    MeasurementError,
    load_measurements,
    measurements_path,
    recognition_warnings,
    start_warnings,
)
from service.asr.models import load_hub_models, load_registry
from service.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_file_loads_and_names_only_known_models_and_devices():
    measured = load_measurements()
    known = set(load_registry()) | set(load_hub_models())
    assert {model for model, _ in measured} <= known
    assert {device for _, device in measured} <= {"cpu", "cuda"}
    base = measured[("base", "cpu")]
    assert base.date and base.machine and base.command and set(base.rtf) == {1, 2}
    assert set(base.wer) >= {"en", "lv"} and set(base.wer_words) == set(base.wer)


def write(tmp_path, text: str):
    path = tmp_path / "measurements.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unmeasured_figures_are_left_out_and_shown_as_unmeasured(tmp_path):
    path = write(tmp_path, '[m.cpu]\ndate = "2026-01-01"\nrtf = {"1" = 0.1, "2" = "unmeasured"}\n'
                           'wer = {en = 0.1, el = "unmeasured"}\n[m.cuda]\nrtf = "unmeasured"\n')
    measured = load_measurements(path)
    assert measured[("m", "cpu")].rtf == {1: 0.1} and measured[("m", "cpu")].wer == {"en": 0.1}
    assert measured[("m", "cuda")].as_json(["en"])["rtf"] == UNMEASURED
    assert measured[("m", "cpu")].as_json(["en", "tr"])["wer"] == {"en": 0.1, "tr": UNMEASURED}


@pytest.mark.parametrize(("text", "where"), [
    ('[m.cpu]\nwer = {en = "bad"}\n', "[m.cpu] wer.en"),
    ('[m.cpu]\nrtf = {one = 0.1}\n', "[m.cpu] rtf.one"),
    ('[m.cpu]\nwer = {en = -0.1}\n', "[m.cpu] wer.en"),
    ('[m.cpu]\nspeed = 3\n', "[m.cpu]"),
    ('m = 1\n', "[m]"),
    ('[m.cpu\n', "unreadable"),
])
def test_a_malformed_file_is_one_clear_error_naming_the_figure(tmp_path, text, where):
    path = write(tmp_path, text)
    with pytest.raises(MeasurementError, match="^" + re.escape(f"{path}: ")) as refused:
        load_measurements(path)
    assert where in str(refused.value)


def measured(model="base", device="cpu", **wer) -> dict:
    return {(model, device): Measurement(model, device, date="2026-01-01", wer=wer,
                                         wer_words={lang: 40 for lang in wer})}


def test_a_language_above_the_threshold_warns_citing_the_figure_and_the_file(settings, tmp_path):
    source = tmp_path / "m.toml"
    s = dataclasses.replace(settings, model="base", warn_wer_above=0.5)
    s = dataclasses.replace(s, language=dataclasses.replace(s.language, languages=("en", "lv")))
    lines = recognition_warnings(s, measurements=measured(en=0.07, lv=0.85), source=source)
    assert len(lines) == 1
    assert "'lv' poorly" in lines[0] and "85%" in lines[0] and "40 words" in lines[0]
    assert str(source) in lines[0] and "asr.warn_wer_above = 0.5" in lines[0]
    higher = dataclasses.replace(s, warn_wer_above=0.9)
    assert recognition_warnings(higher, measurements=measured(en=0.07, lv=0.85), source=source) == []


def test_unmeasured_languages_are_named_in_one_line(settings):
    s = dataclasses.replace(settings, model="base")
    s = dataclasses.replace(s, language=dataclasses.replace(s.language, languages=("en", "el")))
    lines = recognition_warnings(s, ["tr"], measurements=measured(en=0.07))
    assert len(lines) == 1 and "no word-error measurement for el, tr" in lines[0]
    other_model = dataclasses.replace(s, model="small")
    assert "for en, el, tr" in recognition_warnings(other_model, ["tr"], measurements=measured(en=0.07))[0]


def test_the_configured_device_is_preferred_and_another_device_fills_in(settings):
    s = dataclasses.replace(settings, model="base", device="cuda")
    s = dataclasses.replace(s, language=dataclasses.replace(s.language, languages=("lv",)))
    both = {**measured(device="cpu", lv=0.9), **measured(device="cuda", lv=0.6)}
    assert "60%" in recognition_warnings(s, measurements=both)[0]
    only_cpu = measured(device="cpu", lv=0.9)
    assert "90%" in recognition_warnings(s, measurements=only_cpu)[0]


def test_engines_without_whisper_never_warn(settings):
    assert recognition_warnings(dataclasses.replace(settings, engine="fake"), ["lv"], measurements={}) == []


def test_start_warnings_read_the_shipped_file_for_the_shipped_configuration():
    lines = start_warnings(load_config())
    base = load_measurements()[("base", "cpu")]
    threshold = load_config()["asr"]["warn_wer_above"]
    poor = [lang for lang, wer in base.wer.items() if wer > threshold]
    for lang in poor:
        assert any(f"{lang!r} poorly" in line and str(measurements_path()) in line for line in lines)
    assert len(lines) == len(poor) + (1 if set(load_config()["asr"]["language"]["languages"]) - set(base.wer) else 0)


def _warning_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "asr.model 'base'" in line]


def test_replay_warns_once_at_start_when_it_has_recordings_to_recognise(tmp_path):
    transcript = tmp_path / "call.json"
    transcript.write_text(json.dumps({"language": "en", "turns": [
        {"speaker": "customer", "start": 0.0, "end": 2.0, "text": "Hello, I need help."}]}), encoding="utf-8")
    recordings = [tmp_path / f"quiet{n}.wav" for n in range(2)]  # two calls, one warning
    for path in recordings:
        with wave.open(str(path), "wb") as out:  # 2 s of near-silent stereo: nothing to decode
            out.setnchannels(2)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(bytes(4 * 8000 * 2))

    def replay(*inputs: Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "service.cli", "replay", *map(str, inputs), "--language", "sw",
                               "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=300, cwd=ROOT)

    expected = start_warnings(load_config(), ["sw"])
    assert any("no word-error measurement for" in line and "sw" in line for line in expected)
    proc = replay(transcript, *recordings)
    assert _warning_lines(proc.stderr) == [f"coach replay: warning: {line}" for line in expected], proc.stderr
    transcripts_only = replay(transcript)
    assert transcripts_only.returncode == 0 and _warning_lines(transcripts_only.stderr) == []


def test_serve_logs_the_warning_before_it_starts_listening(tmp_path):
    config = tmp_path / "site.toml"
    config.write_text('[asr.language]\nlanguages = ["lv", "el"]\n', encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--no-mqtt", "--port", "0",
                             "--config", str(config)], stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        seen = [proc.stderr.readline() for _ in range(2)]  # the first lines it writes
    finally:
        proc.kill()
        proc.communicate(timeout=60)
    lines = [line.split(": ", 1)[1].strip() for line in seen]  # after "<time> WARNING <logger>"
    assert all(" WARNING service.ingress.command" in line for line in seen), seen
    settings = AsrSettings.from_config(load_config(config)["asr"])
    assert lines == recognition_warnings(settings)
