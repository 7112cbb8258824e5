"""Speech recognition: Transcriber interface, faster-whisper engine, shared scheduler.

Public surface (everything else is private to the sub-package)::

    settings = AsrSettings.from_config(config["asr"])
    transcriber = load_transcriber(settings)      # None when engine = "none"
    scheduler = DecodeScheduler(transcriber, settings)
    scheduler.submit(DecodeJob(...), on_done)
    tracker = LanguageTracker(settings, configured=None)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .errors import ModelError
from .fake import FakeTranscriber
from .language import LanguageTracker
from .scheduler import DecodeJob, DecodeScheduler, OnDone
from .settings import AsrSettings, SettingsError
from .transcriber import Transcriber, TranscriptionResult

__all__ = [
    "AsrSettings",
    "DecodeJob",
    "DecodeScheduler",
    "FakeTranscriber",
    "LanguageTracker",
    "ModelError",
    "OnDone",
    "SettingsError",
    "Transcriber",
    "TranscriptionResult",
    "load_transcriber",
]


def load_transcriber(settings: AsrSettings,
                     vocabulary: Mapping[str, Sequence[str]] | None = None) -> Transcriber | None:
    """The engine named by ``settings.engine``; None for "none" (no transcription).

    ``vocabulary`` (language -> phrase-pack terms, see ``coaching.bias.bias_vocabulary``)
    is what decoder biasing prompts with, in the languages ``[asr.bias]`` names.

    Raises ``ModelError`` (with a how-to-fix message) when the model cannot be
    found, assembled or loaded. faster-whisper is imported only here, so the
    fake engine and everything above ASR work without it.
    """
    if settings.engine == "none":
        return None
    if settings.engine == "fake":
        return FakeTranscriber(settings)
    from .whisper import WhisperTranscriber

    return WhisperTranscriber.load(settings, vocabulary)
