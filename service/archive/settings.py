"""The ``[archive]`` config section as a typed, validated value.

Why validate here: the group and the client id name things on the broker (the
shared subscription and the persistent session), so a bad value is refused at
start-up with a message naming the key, not by the broker later.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

from ..config import require, typed
from ..egress import is_valid_id

__all__ = ["ArchiveSettings"]

_MAX_SESSION_EXPIRY_S = 2**32 - 1  # MQTT 5: a four-byte integer; this value means "never expires"


@dataclass(frozen=True, slots=True)
class ArchiveSettings:
    """Effective archive settings; every field is documented in ``config/archive.toml``."""

    out_dir: str
    group: str
    client_id: str
    session_expiry_s: int

    def __post_init__(self) -> None:
        require(bool(self.out_dir), "archive.out_dir", "must name a folder")
        require(is_valid_id(self.group), "archive.group",
                f"{self.group!r} cannot name a shared subscription (empty, too long, or holds / + # or control "
                "characters)")
        require(1 <= self.session_expiry_s <= _MAX_SESSION_EXPIRY_S, "archive.session_expiry_s",
                f"must be from 1 to {_MAX_SESSION_EXPIRY_S} seconds, not {self.session_expiry_s!r}")

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> ArchiveSettings:
        """Build from the ``[archive]`` section of :func:`service.config.load_config`; a bad value names its key."""
        return typed(cls, section, "archive")

    @property
    def identity(self) -> str:
        """The MQTT client id: configured, else one per host and group, stable across restarts."""
        return self.client_id or f"{self.group}-{socket.gethostname()}"

    def shared_filter(self, topic_root: str) -> str:
        """The shared subscription to every call's events under ``topic_root``."""
        return f"$share/{self.group}/{topic_root}/calls/+/events"
