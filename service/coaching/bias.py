"""What the decoder is prompted with for a configuration (``[asr.bias]``): the packs' words per language.

Its own module because it needs both the compiled packs (``loader``) and the
catalogue's settings builder (``kinds``), which itself imports the loader.
"""

from __future__ import annotations

from .kinds import coaching_settings
from .loader import load_packs
from .settings import CoachingSettings
from .vocabulary import pack_vocabulary

__all__ = ["bias_vocabulary", "decoder_vocabulary"]


def bias_vocabulary(settings: CoachingSettings, categories: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Each pack language's ``categories`` phrases as plain terms: what decoder biasing prompts with."""
    return {language: pack_vocabulary(pack, categories) for language, pack in load_packs(settings).items()}


def decoder_vocabulary(config: dict) -> dict[str, tuple[str, ...]]:
    """What ``load_transcriber`` prompts with for ``config``'s [asr.bias]; empty when biasing is off."""
    bias = config["asr"]["bias"]
    if not bias["languages"]:
        return {}
    return bias_vocabulary(coaching_settings(config["coaching"]), tuple(bias["categories"]))
