"""A real ``coach serve`` with its embedded broker, for the link tests (and the display test).

Why its own launcher: these tests need the ``[mqtt]`` side configured (link
secret, admin token, the service's password, free broker ports), which the
ingress tests' launcher does not write.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from egress.mosquitto import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 60.0
LISTENING = "listening on"


def _toml(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_toml, value)) + "]"
    return repr(value)


def write_config(path: Path, tables: dict[str, dict[str, object]]) -> Path:
    """A ``--config`` file holding ``tables`` (table name, e.g. ``mqtt.teams``, -> keys)."""
    lines = []
    for table, keys in tables.items():
        lines += [f"[{table}]", *(f"{key} = {_toml(value)}" for key, value in keys.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_coach(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=START_TIMEOUT_S, check=False)


@dataclass
class CoachServe:
    """``coach serve`` with transcription off, on free ports; ``mqtt`` adds to its ``[mqtt]`` table.

    ``tables`` adds or replaces whole tables (``{"asr": {"engine": "whisper"}}`` turns transcription on).
    """

    folder: Path
    mqtt: dict[str, object]
    teams: dict[str, list[str]] | None = None
    tables: dict[str, dict[str, object]] | None = None

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.tcp_port, self.ws_port = free_port(), free_port()
        tables = {
            "asr": {"engine": "none"},
            "server": {"port": self.port, "reports_dir": str(self.folder / "reports")},
            "mqtt": {"embedded_tcp_port": self.tcp_port, "embedded_ws_port": self.ws_port, **self.mqtt},
            **({"mqtt.teams": self.teams} if self.teams else {}),
            **(self.tables or {}),
        }
        self.config = write_config(self.folder / "serve.toml", tables)
        self.log = self.folder / "serve.log"
        self.http = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Self:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with self.log.open("w") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--config", str(self.config)],
                                         cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, env=env)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if LISTENING in self.log.read_text():
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.__exit__()
        raise AssertionError(f"coach serve did not start:\n{self.log.read_text()[-3000:]}")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=STOP_TIMEOUT_S)
