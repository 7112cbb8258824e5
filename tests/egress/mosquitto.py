"""A real Mosquitto broker for tests: started on free ports, stopped, killed, restarted.

Mosquitto 2.0 has no default listener once a ``listener`` line exists, so the
TCP listener (and the optional WebSocket one) are declared explicitly.
Persistence is on, so a restart with the same store keeps retained messages
and persistent sessions with their queued QoS 1 messages. Mosquitto writes
that store on a graceful stop and on autosave only (default: every 1800 s), so
a SIGKILL loses everything since the last save; ``autosave_on_changes=True``
saves after every main-loop pass that queued a message for an offline
session, changed a subscription or a retained message (``autosave_interval 1``
with ``autosave_on_changes true``), what a broker must be set to survive
``kill -9`` (see tests/egress/test_broker_kill.py).
"""

from __future__ import annotations

import getpass
import signal
import socket
import subprocess
import time
from pathlib import Path

MOSQUITTO = "/usr/sbin/mosquitto"
START_TIMEOUT_S = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mosquitto:
    def __init__(self, folder: Path, *, port: int | None = None, ws: bool = False, acl_file: Path | None = None,
                 tls: tuple[Path, Path] | None = None, password_file: Path | None = None,
                 autosave_on_changes: bool = False) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.ws_port = free_port() if ws else None
        self.conf = folder / "mosquitto.conf"
        lines = [
            f"listener {self.port} 127.0.0.1",
            *([f"certfile {tls[0]}", f"keyfile {tls[1]}"] if tls else []),
            *([f"listener {self.ws_port} 127.0.0.1", "protocol websockets"] if ws else []),
            f"allow_anonymous {'false' if password_file else 'true'}",
            *([f"password_file {password_file}"] if password_file else []),
            # Started as root, Mosquitto drops to user "mosquitto", which cannot
            # write the test's folder (log, persistence store): stay who we are.
            f"user {getpass.getuser()}",
            "persistence true",
            f"persistence_location {folder}/",
            *(["autosave_interval 1", "autosave_on_changes true"] if autosave_on_changes else []),
            f"log_dest file {folder}/mosquitto.log",
            "log_type all",
            *([f"acl_file {acl_file}"] if acl_file else []),
        ]
        self.conf.write_text("\n".join(lines) + "\n")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}"

    def log(self) -> str:
        path = self.folder / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> Mosquitto:
        self.process = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.process.stderr.read().decode()} {self.log()}")
            try:  # every listener, the WebSocket one too: it opens after the TCP one
                for port in (self.port, self.ws_port):
                    if port:
                        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start listening")

    def stop(self) -> None:
        """Graceful stop (SIGTERM): Mosquitto saves its persistence store."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=15)
        self.process = None
