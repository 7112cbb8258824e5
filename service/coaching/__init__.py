"""Multilingual coaching rules: phrase packs, language normalisation, stateful rules.

Pure: no sockets, no clock, no asyncio; only ``loader`` reads the shipped
phrase packs and messages. Every nudge and kudos kind is declared once, in
``kinds``. See docs/coaching.md for every kind and its tuning.
"""

from .engine import CoachingEngine
from .kinds import KINDS, KUDOS_KINDS, NUDGE_KINDS, TIMING_KINDS, Kind, Principle, coaching_settings, display_labels
from .messages import MessageCatalog
from .phrases import CATEGORIES, Match, PhraseError, PhrasePack, pack_from_dict
from .settings import CoachingSettings
from .text import Token, fold, tokenize

__all__ = [
    "CoachingEngine",
    "CoachingSettings",
    "MessageCatalog",
    "KINDS",
    "Kind",
    "Principle",
    "NUDGE_KINDS",
    "KUDOS_KINDS",
    "TIMING_KINDS",
    "coaching_settings",
    "display_labels",
    "CATEGORIES",
    "Match",
    "PhraseError",
    "PhrasePack",
    "pack_from_dict",
    "Token",
    "fold",
    "tokenize",
]
