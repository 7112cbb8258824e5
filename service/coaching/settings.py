"""Typed view of the ``[coaching]`` section of the configuration.

Defaults live only in ``config/coaching.toml`` (documented there); this class
just gives them names and types so the rules never read a raw dict.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import get_args

from ..core.events import Severity

__all__ = ["CoachingSettings"]

_SEVERITIES = get_args(Severity)


@dataclass(frozen=True, slots=True)
class CoachingSettings:
    """Windows, thresholds and severities of the coaching rules (see config/coaching.toml)."""

    phrases_dirs: tuple[str, ...]
    fallback_language: str
    max_gap_words: int
    negation_window_words: int
    distress_memory_s: float
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
        """Build from ``config["coaching"]``; a missing key or a bad severity is a KeyError/ValueError.

        ``[coaching.severity]`` must name exactly ``nudge_kinds``, the rule
        nudges of the kind catalogue (see :func:`service.coaching.kinds.coaching_settings`,
        which passes them; the catalogue imports these settings, not the other way): a kind without a severity could not be raised, and one the
        catalogue does not know is a typo or a rule that was removed.
        """
        severity = {str(k): str(v) for k, v in section["severity"].items()}
        missing = [k for k in nudge_kinds if k not in severity]
        unknown = sorted(set(severity) - set(nudge_kinds))
        bad = {k: v for k, v in severity.items() if v not in _SEVERITIES}
        escalated = str(section["escalated_severity"])
        if missing or unknown or bad or escalated not in _SEVERITIES:
            raise ValueError(f"[coaching.severity]: missing {missing}, unknown {unknown}, "
                             f"invalid {bad or escalated}; use {_SEVERITIES}")
        return cls(
            phrases_dirs=tuple(str(d) for d in section["phrases_dirs"]),
            fallback_language=str(section["fallback_language"]),
            max_gap_words=int(section["max_gap_words"]),
            negation_window_words=int(section["negation_window_words"]),
            distress_memory_s=float(section["distress_memory_s"]),
            reply_gap_s=float(section["reply_gap_s"]),
            opening_turns=int(section["opening_turns"]),
            timeframe_grace_s=float(section["timeframe_grace_s"]),
            pace_window_s=float(section["pace_window_s"]),
            pace_ratio=float(section["pace_ratio"]),
            pace_min_agent_words=int(section["pace_min_agent_words"]),
            pace_min_customer_words=int(section["pace_min_customer_words"]),
            pace_min_agent_speech_s=float(section["pace_min_agent_speech_s"]),
            pace_dictation_share=float(section["pace_dictation_share"]),
            pace_min_turn_words=int(section["pace_min_turn_words"]),
            resume_min_words=int(section["resume_min_words"]),
            jargon_common=tuple(str(t) for t in section["jargon_common"]),
            severity=severity,  # type: ignore[arg-type]
            escalated_severity=escalated,  # type: ignore[arg-type]
        )
