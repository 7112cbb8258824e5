"""Typed view of the ``[asr]`` configuration section.

Why a frozen dataclass per sub-section: the engine, the guards, the language
tracker and the scheduler each read only their part, defaults live only in
``config/asr.toml``, and a missing or misspelt key fails here, at start-up,
with the key's name, instead of deep inside a decode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from ..config import SettingError, between, non_negative, positive, require, typed
from ..core.vad import AGGRESSIVENESS, FRAME_MS

__all__ = [
    "ENGINES",
    "WINDOWS",
    "AsrSettings",
    "FakeSettings",
    "GuardSettings",
    "LanguageSettings",
    "SchedulerSettings",
    "SettingsError",
]

Engine = Literal["whisper", "fake", "none"]
Window = Literal["trimmed", "full"]
ENGINES = get_args(Engine)
WINDOWS = get_args(Window)
# Whisper's window (seconds): no encoder input may be longer.
_WHISPER_WINDOW_S = 30.0

# The name this package has always raised; every section's settings now share one error type.
SettingsError = SettingError


@dataclass(frozen=True, slots=True)
class GuardSettings:
    """Thresholds that reject Whisper's known failure modes (see ``guards``)."""

    no_speech_threshold: float
    logprob_threshold: float
    compression_ratio_threshold: float
    loop_max_repeats: int
    loop_max_ngram: int
    min_avg_logprob: float
    min_voiced_fraction: float
    vad_aggressiveness: int
    vad_frame_ms: int
    hallucination_phrases: tuple[str, ...]
    hallucination_no_speech_prob: float
    hallucination_min_logprob: float


@dataclass(frozen=True, slots=True)
class LanguageSettings:
    """How a call's language is detected and then held (see ``LanguageTracker``)."""

    languages: tuple[str, ...]
    min_probability: float
    min_utterance_s: float
    agreeing_utterances: int


@dataclass(frozen=True, slots=True)
class SchedulerSettings:
    """Size and policy of the shared decode queue (see ``DecodeScheduler``)."""

    workers: int
    max_queue: int
    partial_max_age_s: float
    metrics_window: int


@dataclass(frozen=True, slots=True)
class FakeSettings:
    """Behaviour of the deterministic fake engine."""

    seconds_per_word: float
    language: str


@dataclass(frozen=True, slots=True)
class AsrSettings:
    """Everything the ASR sub-package reads from configuration."""

    engine: Engine
    model: str
    cache_dir: str
    allow_download: bool
    device: str
    compute_type: str
    threads: int
    window: Window
    bucket_s: float
    padding_s: float
    min_window_s: float
    max_chunk_s: float
    beam_size: int
    partial_beam_size: int
    patience: float
    length_penalty: float
    max_tokens_per_s: float
    min_tokens: int
    retry_no_repeat_ngram_size: int
    retry_repetition_penalty: float
    guards: GuardSettings
    language: LanguageSettings
    scheduler: SchedulerSettings
    fake: FakeSettings

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> AsrSettings:
        """Build from ``load_config()["asr"]``; raises ``SettingsError`` naming the key on a bad value."""
        settings = typed(cls, section, "asr",
                         guards=typed(GuardSettings, section.get("guards", {}), "asr.guards"),
                         language=typed(LanguageSettings, section.get("language", {}), "asr.language"),
                         scheduler=typed(SchedulerSettings, section.get("scheduler", {}), "asr.scheduler"),
                         fake=typed(FakeSettings, section.get("fake", {}), "asr.fake"))
        settings._validate()
        return settings

    def _validate(self) -> None:
        positive(self, "asr", "bucket_s", "min_window_s", "beam_size", "partial_beam_size", "patience",
                 "max_tokens_per_s", "min_tokens", "retry_repetition_penalty")
        non_negative(self, "asr", "padding_s", "threads", "retry_no_repeat_ngram_size")
        require(self.min_window_s <= _WHISPER_WINDOW_S, "asr.min_window_s", f"must be <= {_WHISPER_WINDOW_S:g}")
        require(0 < self.max_chunk_s + self.padding_s <= _WHISPER_WINDOW_S, "asr.max_chunk_s",
                f"plus asr.padding_s must be in (0, {_WHISPER_WINDOW_S:g}]")
        g = self.guards
        between(g, "asr.guards", 0.0, 1.0, "no_speech_threshold", "min_voiced_fraction",
                "hallucination_no_speech_prob")
        positive(g, "asr.guards", "compression_ratio_threshold", "loop_max_repeats", "loop_max_ngram")
        require(g.vad_frame_ms in FRAME_MS, "asr.guards.vad_frame_ms",
                f"must be one of {FRAME_MS}, not {g.vad_frame_ms}")
        require(g.vad_aggressiveness in AGGRESSIVENESS, "asr.guards.vad_aggressiveness",
                f"must be one of {AGGRESSIVENESS}, not {g.vad_aggressiveness}")
        between(self.language, "asr.language", 0.0, 1.0, "min_probability")
        non_negative(self.language, "asr.language", "min_utterance_s")
        positive(self.language, "asr.language", "agreeing_utterances")
        positive(self.scheduler, "asr.scheduler", "workers", "max_queue", "partial_max_age_s", "metrics_window")
        positive(self.fake, "asr.fake", "seconds_per_word")
