"""Multilingual coaching rules: phrase packs, language normalisation, stateful rules.

Pure: no sockets, no clock, no asyncio; only ``loader`` reads the shipped
phrase packs and messages. See docs/coaching.md for every kind and its tuning.
"""

from .engine import CoachingEngine
from .messages import MessageCatalog
from .phrases import CATEGORIES, Match, PhraseError, PhrasePack, pack_from_dict
from .settings import KUDOS_KINDS, NUDGE_KINDS, CoachingSettings
from .text import Token, fold, tokenize

__all__ = [
    "CoachingEngine",
    "CoachingSettings",
    "MessageCatalog",
    "NUDGE_KINDS",
    "KUDOS_KINDS",
    "CATEGORIES",
    "Match",
    "PhraseError",
    "PhrasePack",
    "pack_from_dict",
    "Token",
    "fold",
    "tokenize",
]
