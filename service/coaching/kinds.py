"""The catalogue of nudge and kudos kinds: every kind is declared here, once.

Why one table: a kind used to be spelt out again in the engine, the settings,
the evaluation, the HTML report and the display, and only its messages were
checked. Now they all read this catalogue, and ``tests/coaching/test_kinds.py``
checks that the rules raise exactly these kinds and that each has a message
and a label in every language of the phrase packs.

A kind names the principle it stands for (shown to QA in the report), the
rule that raises it (``None``: the turn-taking dynamics of ``service.core``
raise it from voice activity), the setting that holds its severity (kudos have
none) and the settings that tune it, as ``"section.key"`` paths of the
configuration. Values stay in ``config/*.toml`` and texts in
``config/messages.yaml``: this module holds neither.

Order matters: the engine builds its rules in the order their kinds first
appear, and the report lists principles in that order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

from ..config import load_config
from .loader import pack_languages
from .messages import MessageCatalog
from .rules import (
    ClosingRule,
    EmpathyRule,
    HoldRule,
    JargonRule,
    KudosRule,
    OpeningRule,
    PaceRule,
    PhraseRule,
    Rule,
    TimeframeRule,
)

from .settings import CoachingSettings

__all__ = [
    "Principle",
    "Kind",
    "RuleFactory",
    "KINDS",
    "BY_NAME",
    "PRINCIPLES",
    "NUDGE_KINDS",
    "TIMING_KINDS",
    "KUDOS_KINDS",
    "SIGNAL_RULES",
    "PACK_SETTINGS",
    "build_rules",
    "coaching_settings",
    "setting",
    "configured_severity",
    "label",
    "display_labels",
]

RuleFactory = Callable[["CoachingSettings"], Rule]


@dataclass(frozen=True, slots=True)
class Principle:
    """A coaching principle: a short title and what it asks of the agent, in words QA can pass on."""

    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Kind:
    """One nudge or kudos kind (see the module docstring for the fields)."""

    name: str
    principle: Principle
    rule: RuleFactory | None
    severity: str | None
    settings: tuple[str, ...] = ()

    @property
    def is_kudos(self) -> bool:
        """Kudos praise a move; they carry no severity."""
        return self.severity is None


def _nudge(name: str, principle: Principle, rule: RuleFactory, *settings: str) -> Kind:
    """A nudge a coaching rule raises; its severity is ``[coaching.severity] <name>``."""
    return Kind(name, principle, rule, f"coaching.severity.{name}", settings)


def _phrase(name: str, principle: Principle, unless: str = "") -> Kind:
    """A nudge raised by one agent utterance matching the pack category of the same name."""
    return _nudge(name, principle, partial(PhraseRule, kind=name, category=name, unless=unless))


def _timing(name: str, principle: Principle, *settings: str) -> Kind:
    """A nudge the turn-taking dynamics raise; its severity is ``[nudges] <name>_severity``."""
    return Kind(name, principle, None, f"nudges.{name}_severity", settings)


def _kudos(name: str, principle: Principle, rule: RuleFactory) -> Kind:
    return Kind(name, principle, rule, None)


_LISTEN = Principle("Listen, don't interrupt",
                    "Let the customer finish; talking over them tells them they are not being heard.")
_RESPOND = Principle("Respond quickly",
                     "Keep the line alive: say what you are doing rather than leave a silence, and check back "
                     "in during a hold.")
_FEELINGS = Principle("Acknowledge feelings first",
                      "When the customer is upset, acknowledge how they feel before facts, policy or procedure.")
_OWN = Principle("Own the problem",
                 "Solve it on this call instead of sending the customer elsewhere, and take responsibility "
                 "instead of blaming.")
_AGREE = Principle("Don't yuck their yum",
                   "Don't tell the customer they are wrong; start from what you can agree on.")
_HUMAN = Principle("Human opening",
                   "Greet the customer as a person before asking for numbers; thank them and use their name.")
_PLAIN = Principle("Plain language, mirror the pace",
                   "Use the customer's words, not internal jargon, and speak at their pace.")
_WHEN = Principle("Say when they'll hear back",
                  "Give every follow-up promise a time or a date, and check the problem is solved.")

_PACE_SETTINGS = ("pace_window_s", "pace_ratio", "pace_min_agent_words", "pace_min_customer_words",
                  "pace_min_agent_speech_s", "pace_dictation_share", "pace_min_turn_words")

KINDS: tuple[Kind, ...] = (
    _timing("interruption", _LISTEN,
            "dynamics.min_overlap_s", "coaching.distress_memory_s", "coaching.resume_min_words"),
    _timing("dead_air", _RESPOND,
            "dynamics.dead_air_s", "dynamics.dead_air_after_agent_s", "dynamics.short_hold_dead_air_s",
            "dynamics.hold_dead_air_s", "coaching.resume_min_words"),
    _nudge("policy_before_empathy", _FEELINGS, EmpathyRule, "coaching.voice_opens_episode",
           "coaching.escalated_severity"),
    _nudge("missing_empathy", _FEELINGS, EmpathyRule, "coaching.reply_gap_s", "coaching.voice_opens_episode",
           "coaching.escalated_severity"),
    _phrase("runaround", _OWN, unless="ownership"),
    _phrase("brush_off", _OWN, unless="ownership"),
    _phrase("blame", _OWN),
    _phrase("contradiction", _AGREE),
    _nudge("robotic_opening", _HUMAN, OpeningRule, "coaching.opening_turns"),
    _nudge("jargon", _PLAIN, JargonRule, "coaching.jargon_common"),
    _nudge("no_timeframe", _WHEN, TimeframeRule, "coaching.timeframe_grace_s"),
    _nudge("pace", _PLAIN, PaceRule, *(f"coaching.{key}" for key in _PACE_SETTINGS)),
    _kudos("empathy", _FEELINGS, EmpathyRule),
    _kudos("thanks", _HUMAN, KudosRule),
    _kudos("confirmation", _WHEN, KudosRule),
    _kudos("customer_name", _HUMAN, KudosRule),
)

BY_NAME: Mapping[str, Kind] = {kind.name: kind for kind in KINDS}
PRINCIPLES: tuple[Principle, ...] = tuple(dict.fromkeys(kind.principle for kind in KINDS))
# Nudges the coaching rules raise from the transcript (their severity is in [coaching.severity]).
NUDGE_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS if k.rule is not None and not k.is_kudos)
# Nudges the turn-taking dynamics raise from voice activity.
TIMING_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS if k.rule is None)
KUDOS_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS if k.is_kudos)

# Rules that raise no kind: they tell the dynamics that a hold or a closing
# changes what the next silence or overlap means.
SIGNAL_RULES: tuple[RuleFactory, ...] = (HoldRule, ClosingRule)
# Settings every text kind uses through the phrase packs and the engine.
PACK_SETTINGS = ("coaching.phrases_dirs", "coaching.fallback_language", "coaching.max_gap_words",
                 "coaching.negation_window_words", "coaching.fuzzy_one_edit_chars", "coaching.fuzzy_two_edit_chars",
                 "coaching.fuzzy_exact_tail_chars")


def coaching_settings(section: dict) -> CoachingSettings:
    """``[coaching]`` checked against this catalogue: every rule nudge has a severity, and no other kind."""
    return CoachingSettings.from_config(section, NUDGE_KINDS)


def build_rules(settings: CoachingSettings) -> tuple[Rule, ...]:
    """One instance of each rule of the catalogue (once, whatever the kinds it raises), then the signal rules."""
    factories = dict.fromkeys([kind.rule for kind in KINDS if kind.rule is not None] + list(SIGNAL_RULES))
    return tuple(factory(settings) for factory in factories)


def setting(config: Mapping[str, Any], path: str) -> Any | None:
    """The value at ``"section.key"`` of ``config`` (or of a report's settings echo), None where absent."""
    value: Any = config
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def configured_severity(kind: str, config: Mapping[str, Any]) -> str | None:
    """The severity ``config`` gives ``kind``; None for kudos and for kinds the catalogue does not know."""
    found = BY_NAME.get(kind)
    return None if found is None or found.severity is None else setting(config, found.severity)


@lru_cache(maxsize=1)
def _messages() -> MessageCatalog:
    return MessageCatalog.load()


def label(kind: str, language: str) -> str:
    """The shipped label of ``kind`` in ``language`` (English where it has none; '' for unknown kinds)."""
    return _messages().label(kind, language)


def display_labels(phrases_dirs: tuple[str, ...] | None = None) -> dict[str, dict[str, str]]:
    """``{language: {kind: label}}`` for every kind and every language of the phrase packs.

    ``phrases_dirs`` defaults to the shipped ``[coaching] phrases_dirs``; pass
    the configured ones so a language added by a QA folder gets labels too
    (English ones until ``config/messages.yaml`` has its own).
    """
    folders = tuple(phrases_dirs if phrases_dirs is not None else load_config()["coaching"]["phrases_dirs"])
    return {language: {kind.name: label(kind.name, language) for kind in KINDS} for language in pack_languages(folders)}
