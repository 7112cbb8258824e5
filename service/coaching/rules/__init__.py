"""The coaching rules: small state machines, wired to their kinds by ``service.coaching.kinds``."""

from .base import Output, Rule, Utterance
from .closing import ClosingRule
from .empathy import EmpathyRule
from .hold import HoldRule
from .kudos import KudosRule
from .opening import OpeningRule
from .pace import PaceRule
from .phrase_rules import JargonRule, PhraseRule
from .timeframe import TimeframeRule

__all__ = [
    "Output",
    "Rule",
    "Utterance",
    "EmpathyRule",
    "ClosingRule",
    "HoldRule",
    "KudosRule",
    "OpeningRule",
    "PaceRule",
    "JargonRule",
    "PhraseRule",
    "TimeframeRule",
]
