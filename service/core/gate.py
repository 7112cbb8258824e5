"""The nudge gate: few and timely.

Every nudge candidate, from the timing dynamics or the text rules, passes
through one gate so the agent's screen stays calm: kinds can be switched off,
each kind has a cooldown, and a sliding 60-second window caps the total.
Kudos have their own cooldown (praise is shown sparingly) and do not count
against the cap. Decisions use call time only.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..config import check_value, non_negative, require, typed
from .events import Kudos, Nudge

__all__ = ["GateSettings", "NudgeGate"]

_CAP_WINDOW_S = 60.0  # "per minute" is the unit of the cap, not a tunable


@dataclass(frozen=True, slots=True)
class GateSettings:
    default_cooldown_s: float
    cooldown_s: dict[str, float] = field(default_factory=dict)
    max_per_minute: int = 0
    disabled: frozenset[str] = frozenset()
    kudos_cooldown_s: float = 0.0

    @classmethod
    def from_config(cls, config: dict) -> "GateSettings":
        section = config["nudges"]
        cooldown_s = {kind: check_value(f"nudges.cooldown_s.{kind}", value, float)
                      for kind, value in section.get("cooldown_s", {}).items()}
        disabled = check_value("nudges.disabled", section.get("disabled", []), tuple[str, ...])
        settings = typed(cls, section, "nudges", cooldown_s=cooldown_s, disabled=frozenset(disabled))
        non_negative(settings, "nudges", "default_cooldown_s", "max_per_minute", "kudos_cooldown_s")
        for kind, value in cooldown_s.items():
            require(value >= 0, f"nudges.cooldown_s.{kind}", f"must be >= 0, not {value!r}")
        return settings

    def cooldown_for(self, kind: str) -> float:
        return self.cooldown_s.get(kind, self.default_cooldown_s)


class NudgeGate:
    """Decides which candidates reach the agent; counts the ones it holds back."""

    def __init__(self, settings: GateSettings) -> None:
        self._settings = settings
        self._last: dict[str, float] = {}
        self._last_kudos: float | None = None
        self._recent: deque[float] = deque()
        self.suppressed: dict[str, int] = {}

    def admit(self, item: Nudge | Kudos) -> bool:
        if isinstance(item, Kudos):
            return self._admit_kudos(item)
        kind, t = item.kind, item.t
        if kind in self._settings.disabled:
            return self._suppress(kind)
        last = self._last.get(kind)
        if last is not None and t - last < self._settings.cooldown_for(kind):
            return self._suppress(kind)
        while self._recent and t - self._recent[0] >= _CAP_WINDOW_S:
            self._recent.popleft()
        if self._settings.max_per_minute and len(self._recent) >= self._settings.max_per_minute:
            return self._suppress(kind)
        self._last[kind] = t
        self._recent.append(t)
        return True

    def _admit_kudos(self, kudos: Kudos) -> bool:
        if "kudos" in self._settings.disabled:
            return self._suppress("kudos")
        if self._last_kudos is not None and kudos.t - self._last_kudos < self._settings.kudos_cooldown_s:
            return self._suppress("kudos")
        self._last_kudos = kudos.t
        return True

    def _suppress(self, kind: str) -> bool:
        self.suppressed[kind] = self.suppressed.get(kind, 0) + 1
        return False
