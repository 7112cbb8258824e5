"""Typed view of the ``[asr]`` configuration section.

Why a frozen dataclass per sub-section: the engine, the guards, the language
tracker and the scheduler each read only their part, defaults live only in
``config/asr.toml``, and a missing or misspelt key fails here, at start-up,
with the key's name, instead of deep inside a decode.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal, TypeVar

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

ENGINES = ("whisper", "fake", "none")
WINDOWS = ("trimmed", "full")

T = TypeVar("T")


class SettingsError(ValueError):
    """The ``[asr]`` section has a missing key or a value out of range."""


def _build(cls: type[T], section: dict[str, Any], where: str) -> T:
    """Instantiate ``cls`` from exactly its fields in ``section`` (tuples for lists)."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    missing = sorted(names - section.keys())
    if missing:
        raise SettingsError(f"[{where}] is missing {', '.join(missing)} (see config/asr.toml)")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in section.items() if k in names}
    return cls(**values)


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

    engine: Literal["whisper", "fake", "none"]
    model: str
    cache_dir: str
    allow_download: bool
    device: str
    compute_type: str
    threads: int
    window: Literal["trimmed", "full"]
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
        """Build from ``load_config()["asr"]``; raises ``SettingsError`` on a bad value."""
        subs = {
            "guards": _build(GuardSettings, section.get("guards", {}), "asr.guards"),
            "language": _build(LanguageSettings, section.get("language", {}), "asr.language"),
            "scheduler": _build(SchedulerSettings, section.get("scheduler", {}), "asr.scheduler"),
            "fake": _build(FakeSettings, section.get("fake", {}), "asr.fake"),
        }
        flat = {k: v for k, v in section.items() if k not in subs}
        settings = _build(cls, {**flat, **subs}, "asr")
        settings._validate()
        return settings

    def _validate(self) -> None:
        checks = [
            (self.engine in ENGINES, f"asr.engine must be one of {ENGINES}, not {self.engine!r}"),
            (self.window in WINDOWS, f"asr.window must be one of {WINDOWS}, not {self.window!r}"),
            (self.bucket_s > 0, "asr.bucket_s must be > 0"),
            (self.padding_s >= 0, "asr.padding_s must be >= 0"),
            (0 < self.min_window_s <= 30, "asr.min_window_s must be in (0, 30]"),
            (0 < self.max_chunk_s + self.padding_s <= 30, "asr.max_chunk_s + asr.padding_s must be in (0, 30]"),
            (self.beam_size >= 1 and self.partial_beam_size >= 1, "asr beam sizes must be >= 1"),
            (self.threads >= 0, "asr.threads must be >= 0 (0 = automatic)"),
            (self.scheduler.workers >= 1, "asr.scheduler.workers must be >= 1"),
            (self.scheduler.max_queue >= 1, "asr.scheduler.max_queue must be >= 1"),
            (self.guards.vad_frame_ms in (10, 20, 30), "asr.guards.vad_frame_ms must be 10, 20 or 30"),
            (0 <= self.guards.vad_aggressiveness <= 3, "asr.guards.vad_aggressiveness must be 0..3"),
            (self.language.agreeing_utterances >= 1, "asr.language.agreeing_utterances must be >= 1"),
            (self.fake.seconds_per_word > 0, "asr.fake.seconds_per_word must be > 0"),
        ]
        for ok, message in checks:
            if not ok:
                raise SettingsError(message)
