"""`pip install .` alone gives a working `coach`: defaults, phrase packs, messages,
model registry and the display page travel inside the wheel.

Builds the real wheel, installs it (without dependencies, which the venv has)
into a folder, and runs a transcript replay from outside the source tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_carries_the_runtime_files_and_replays_a_transcript(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = wheels.glob("callcoach-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("service/defaults/default.toml", "service/defaults/asr.toml", "service/defaults/messages.yaml",
                   "service/defaults/phrases/el.yaml", "service/defaults/demo_call.yaml",
                   "service/registry/registry.toml", "service/registry/measurements.toml",
                   "service/display/index.html", "service/display/display.js"):
        assert needed in names, needed

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    transcript = tmp_path / "call.json"
    transcript.write_text(json.dumps({"language": "en", "turns": [
        {"speaker": "customer", "start": 0.0, "end": 3.0, "text": "I am so frustrated, this is the third time!"},
        {"speaker": "agent", "start": 3.5, "end": 6.0, "text": "Our policy says refunds take thirty days."},
    ]}))
    env = {**os.environ, "PYTHONPATH": str(target)}
    proc = subprocess.run(
        [sys.executable, "-c", "import sys, service; print(service.__file__); "
                               "from service.cli import main; sys.exit(main(sys.argv[1:]))",
         "replay", str(transcript), "--out", str(tmp_path / "out")],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith(str(target))  # the installed copy ran, not the checkout
    report = json.loads((tmp_path / "out" / "call.coach.json").read_text())
    assert [n["kind"] for n in report["nudges"]] == ["policy_before_empathy"]
