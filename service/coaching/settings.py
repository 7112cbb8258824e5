"""Typed view of the ``[coaching]`` section of the configuration.

Defaults live only in ``config/coaching.toml`` (documented there); this class
gives them names and types so the rules never read a raw dict, and refuses a
value the rules could not work with (a negative window) by its key.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from ..config import between, check_value, non_negative, positive, require, typed
from ..core.events import Severity

__all__ = ["CoachingSettings"]


@dataclass(frozen=True, slots=True)
class CoachingSettings:
    """Windows, thresholds and severities of the coaching rules (see config/coaching.toml)."""

    phrases_dirs: tuple[str, ...]
    fallback_language: str
    max_gap_words: int
    negation_window_words: int
    fuzzy_one_edit_chars: int
    fuzzy_two_edit_chars: int
    fuzzy_exact_tail_chars: int
    distress_memory_s: float
    voice_opens_episode: bool
    reply_gap_s: float
    opening_turns: int
    timeframe_grace_s: float
    pace_window_s: float
    pace_ratio: float
    pace_min_agent_words: int
    pace_min_customer_words: int
    pace_min_agent_speech_s: float
    pace_dictation_share: float
    pace_min_turn_words: int
    resume_min_words: int
    jargon_common: tuple[str, ...]
    severity: dict[str, Severity] = field(default_factory=dict)
    escalated_severity: Severity = "alert"

    @classmethod
    def from_config(cls, section: dict, nudge_kinds: Collection[str]) -> CoachingSettings:
        """Build from ``config["coaching"]``; a missing key or a bad value is a ``SettingError`` naming it.

        ``[coaching.severity]`` must name exactly ``nudge_kinds``, the rule
        nudges of the kind catalogue (see :func:`service.coaching.kinds.coaching_settings`,
        which passes them; the catalogue imports these settings, not the other way): a kind without a severity could not be raised, and one the
        catalogue does not know is a typo or a rule that was removed.
        """
        severity = {str(kind): check_value(f"coaching.severity.{kind}", value, Severity)
                    for kind, value in section["severity"].items()}
        missing = [k for k in nudge_kinds if k not in severity]
        unknown = sorted(set(severity) - set(nudge_kinds))
        require(not missing and not unknown, "coaching.severity",
                f"missing {missing}, unknown {unknown}; one key per kind of {sorted(nudge_kinds)}")
        settings = typed(cls, section, "coaching", severity=severity)
        settings._validate()
        return settings

    def _validate(self) -> None:
        require(bool(self.phrases_dirs), "coaching.phrases_dirs", "must name at least one folder")
        non_negative(self, "coaching", "max_gap_words", "negation_window_words", "distress_memory_s",
                     "timeframe_grace_s", "pace_min_agent_words", "pace_min_customer_words", "pace_min_agent_speech_s",
                     "pace_min_turn_words")
        non_negative(self, "coaching", "fuzzy_one_edit_chars", "fuzzy_two_edit_chars")
        positive(self, "coaching", "fuzzy_exact_tail_chars")
        require(not (self.fuzzy_one_edit_chars and self.fuzzy_two_edit_chars)
                or self.fuzzy_two_edit_chars > self.fuzzy_one_edit_chars, "coaching.fuzzy_two_edit_chars",
                f"must be above coaching.fuzzy_one_edit_chars ({self.fuzzy_one_edit_chars}) or 0 (off)")
        positive(self, "coaching", "reply_gap_s", "opening_turns", "pace_window_s", "pace_ratio", "resume_min_words")
        between(self, "coaching", 0.0, 1.0, "pace_dictation_share")
