"""asr.device / asr.compute_type are checked against this machine at start-up (service.asr.device).

The machine "without CUDA" is made real for the commands by hiding every GPU
from the CUDA runtime (CUDA_VISIBLE_DEVICES=""), so these tests mean the same
on a GPU host.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.asr.device import check_device
from service.config import SettingError

ROOT = Path(__file__).resolve().parents[2]


def coach(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.run([sys.executable, "-m", "service.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env={**env, "PYTHONPATH": str(ROOT)})


def test_cuda_without_a_cuda_device_is_refused_naming_the_key_and_the_fix(settings):
    with pytest.raises(SettingError) as refused:
        check_device(dataclasses.replace(settings, device="cuda", compute_type="float16"), cuda_devices=0)
    assert refused.value.key == "asr.device"
    assert "no CUDA device" in refused.value.reason and 'asr.device = "cpu"' in refused.value.reason


def test_cpu_and_auto_pass_without_cuda(settings):
    assert check_device(settings, cuda_devices=0) is settings
    auto = dataclasses.replace(settings, device="auto")
    assert check_device(auto, cuda_devices=0) is auto


def test_a_compute_type_the_cpu_cannot_run_is_refused(settings):
    with pytest.raises(SettingError) as refused:
        check_device(dataclasses.replace(settings, compute_type="float16"), cuda_devices=0)
    assert refused.value.key == "asr.compute_type"
    assert "'float16' is not supported on cpu" in refused.value.reason and "int8" in refused.value.reason


def test_engines_without_a_model_are_not_checked(settings):
    fake = dataclasses.replace(settings, engine="fake", device="cuda")
    assert check_device(fake, cuda_devices=0) is fake


@pytest.mark.parametrize("command", [["serve", "--no-mqtt", "--port", "0"], ["replay", "call.wav"]])
def test_serve_and_replay_stop_at_start_with_one_line_when_cuda_is_configured_but_absent(tmp_path, command):
    config = tmp_path / "gpu.toml"
    config.write_text('[asr]\ndevice = "cuda"\ncompute_type = "int8_float16"\n', encoding="utf-8")
    proc = coach(*command, "--config", str(config), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"{config}: [asr] device: is 'cuda' but CTranslate2 finds no CUDA device" in lines[0]
