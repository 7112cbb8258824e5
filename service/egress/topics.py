"""Topic names of the MQTT contract (docs/contracts.md, "MQTT"), built in one place.

Why validation here: an agent or call id is interpolated into a topic, and an
id holding ``/``, ``+`` or ``#`` would publish outside the agent's subtree
(past the per-agent ACL) or be refused by the broker; ``is_valid_id`` lets the
ingress refuse such a call up front with a clear error.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Topics", "is_valid_id"]

_FORBIDDEN = frozenset("/+#\0")
_MAX_ID = 128


def is_valid_id(value: str) -> bool:
    """True when ``value`` may be used as one topic level (agent, call or instance id)."""
    return bool(value) and len(value) <= _MAX_ID and not (_FORBIDDEN & set(value)) and value.isprintable()


def _level(kind: str, value: str) -> str:
    if not is_valid_id(value):
        raise ValueError(f"{kind} {value!r} cannot be used in an MQTT topic (empty, too long, or holds / + # or control characters)")
    return value


@dataclass(frozen=True, slots=True)
class Topics:
    """The topic layout under ``root`` (``mqtt.topic_root``, default ``callcoach/v1``)."""

    root: str

    def nudges(self, agent_id: str) -> str:
        return f"{self.root}/agents/{_level('agent id', agent_id)}/nudges"

    def state(self, agent_id: str) -> str:
        return f"{self.root}/agents/{_level('agent id', agent_id)}/state"

    def transcript(self, call_id: str) -> str:
        return f"{self.root}/calls/{_level('call id', call_id)}/transcript"

    def events(self, call_id: str) -> str:
        return f"{self.root}/calls/{_level('call id', call_id)}/events"

    def attention(self, team: str) -> str:
        """The team's digest of calls needing a supervisor's attention (retained)."""
        return f"{self.root}/teams/{_level('team', team)}/attention"

    def roster(self, team: str) -> str:
        """The team's agents (``[mqtt.teams]``), retained, for the supervisor page."""
        return f"{self.root}/teams/{_level('team', team)}/roster"

    def status(self, instance: str) -> str:
        return f"{self.root}/service/{_level('instance id', instance)}/status"
