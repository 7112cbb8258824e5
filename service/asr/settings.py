"""Typed view of the ``[asr]`` configuration section.

Why a frozen dataclass per sub-section: the engine, the guards, the language
tracker and the scheduler each read only their part, defaults live only in
``config/asr.toml``, and a missing or misspelt key fails here, at start-up,
with the key's name, instead of deep inside a decode.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from ..config import SettingError, between, check_value, non_negative, positive, require, typed
from ..core.vad import AGGRESSIVENESS, FRAME_MS
from .codes import whisper_language

__all__ = [
    "ENGINES",
    "GUARD_OVERRIDES",
    "WINDOWS",
    "AsrSettings",
    "BiasSettings",
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
# Whisper's budget for previous text (a prompt): half its 448-token context, less the start token.
_PROMPT_TOKENS = 223

# The name this package has always raised; every section's settings now share one error type.
SettingsError = SettingError


# The [asr.guards] thresholds a language may override (table [asr.guards.languages.<code>]).
# The loop and repetition settings stay global: they also steer the deterministic retry.
GUARD_OVERRIDES = (
    "no_speech_threshold",
    "logprob_threshold",
    "min_avg_logprob",
    "min_voiced_fraction",
    "hallucination_no_speech_prob",
    "hallucination_min_logprob",
)
# The key of [asr.guards.stock_phrases] whose phrases apply to every language.
ALL_LANGUAGES = "all"


@dataclass(frozen=True, slots=True)
class GuardSettings:
    """Thresholds that reject Whisper's known failure modes (see ``guards``).

    ``languages`` holds the per-language overrides of ``GUARD_OVERRIDES``
    (language code -> (name, value) pairs, kept as tuples so settings stay
    hashable); ``stock_phrases`` the stock hallucinations per language code,
    ``"all"`` for every language. ``language`` is "" for the base section and
    the code once resolved by ``for_language``: the base section uses the stock
    phrases of every language (the language of a decode is not known there).
    """

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
    languages: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()
    stock_phrases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    language: str = ""

    def overrides(self, language: str | None) -> dict[str, float]:
        """The thresholds ``language`` overrides (empty when it overrides none)."""
        return dict(dict(self.languages).get(language or "", ()))

    def for_language(self, language: str | None) -> GuardSettings:
        """These guards with ``language``'s overrides and stock phrases; unchanged for None or ""."""
        if not language or language == self.language:
            return self
        base = self if not self.language else self.base()
        return dataclasses.replace(base, **base.overrides(language), language=language)

    def base(self) -> GuardSettings:
        """The section's own thresholds, before any language's overrides."""
        if not self.language:
            return self
        own = {name: value for name, value in self._base_values}
        return dataclasses.replace(self, **own, language="")

    @property
    def _base_values(self) -> tuple[tuple[str, float], ...]:
        # A resolved copy remembers nothing else, so overrides are undone from the stored pairs:
        # the base values are kept under the reserved language code "".
        return dict(self.languages).get("", ())

    def stock_for(self, language: str | None) -> tuple[str, ...]:
        """Stock phrases that apply to ``language`` ("" or None: every language's)."""
        table = dict(self.stock_phrases)
        if not language:
            return tuple(p for phrases in table.values() for p in phrases)
        return table.get(ALL_LANGUAGES, ()) + table.get(language, ())


@dataclass(frozen=True, slots=True)
class LanguageSettings:
    """How a call's language is detected and then held (see ``LanguageTracker``)."""

    languages: tuple[str, ...]
    min_probability: float
    min_utterance_s: float
    agreeing_utterances: int
    recheck_utterances: int


@dataclass(frozen=True, slots=True)
class SchedulerSettings:
    """Size and policy of the shared decode queue (see ``DecodeScheduler``)."""

    workers: int
    max_queue: int
    partial_max_age_s: float
    final_max_wait_s: float
    metrics_window: int


@dataclass(frozen=True, slots=True)
class BiasSettings:
    """Decoder biasing: which languages' decodes get their phrase-pack vocabulary as a prompt."""

    languages: tuple[str, ...]
    categories: tuple[str, ...]
    max_prompt_tokens: int


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
    warn_wer_above: float
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
    bias: BiasSettings

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> AsrSettings:
        """Build from ``load_config()["asr"]``; raises ``SettingsError`` naming the key on a bad value."""
        settings = typed(cls, section, "asr",
                         guards=_guards(section.get("guards", {})),
                         language=typed(LanguageSettings, section.get("language", {}), "asr.language"),
                         scheduler=typed(SchedulerSettings, section.get("scheduler", {}), "asr.scheduler"),
                         fake=typed(FakeSettings, section.get("fake", {}), "asr.fake"),
                         bias=typed(BiasSettings, section.get("bias", {}), "asr.bias"))
        settings._validate()
        return settings

    def _validate(self) -> None:
        positive(self, "asr", "warn_wer_above", "bucket_s", "min_window_s", "beam_size", "partial_beam_size",
                 "patience", "max_tokens_per_s", "min_tokens", "retry_repetition_penalty")
        non_negative(self, "asr", "padding_s", "threads", "retry_no_repeat_ngram_size")
        require(self.min_window_s <= _WHISPER_WINDOW_S, "asr.min_window_s", f"must be <= {_WHISPER_WINDOW_S:g}")
        require(0 < self.max_chunk_s + self.padding_s <= _WHISPER_WINDOW_S, "asr.max_chunk_s",
                f"plus asr.padding_s must be in (0, {_WHISPER_WINDOW_S:g}]")
        g = self.guards
        for language, _ in g.languages:
            where = f"asr.guards.languages.{language}" if language else "asr.guards"
            between(g.for_language(language), where, 0.0, 1.0, "no_speech_threshold", "min_voiced_fraction",
                    "hallucination_no_speech_prob")
        positive(g, "asr.guards", "compression_ratio_threshold", "loop_max_repeats", "loop_max_ngram")
        require(g.vad_frame_ms in FRAME_MS, "asr.guards.vad_frame_ms",
                f"must be one of {FRAME_MS}, not {g.vad_frame_ms}")
        require(g.vad_aggressiveness in AGGRESSIVENESS, "asr.guards.vad_aggressiveness",
                f"must be one of {AGGRESSIVENESS}, not {g.vad_aggressiveness}")
        between(self.language, "asr.language", 0.0, 1.0, "min_probability")
        non_negative(self.language, "asr.language", "min_utterance_s")
        positive(self.language, "asr.language", "agreeing_utterances")
        non_negative(self.language, "asr.language", "recheck_utterances")
        for code in self.language.languages:
            require(whisper_language(code) == code, "asr.language.languages",
                    f"{code!r} is not a language code Whisper knows (two letters, e.g. 'el', 'tl')")
        positive(self.scheduler, "asr.scheduler", "workers", "max_queue", "partial_max_age_s", "metrics_window")
        non_negative(self.scheduler, "asr.scheduler", "final_max_wait_s")
        positive(self.fake, "asr.fake", "seconds_per_word")
        require(0 < self.bias.max_prompt_tokens <= _PROMPT_TOKENS, "asr.bias.max_prompt_tokens",
                f"must be in 1..{_PROMPT_TOKENS} (Whisper's budget for previous text)")


def _guards(section: Mapping[str, Any]) -> GuardSettings:
    """[asr.guards] with its per-language overrides and stock phrases, every value checked."""
    for table in ("languages", "stock_phrases"):
        require(table in section, f"asr.guards.{table}", "is missing (see config/asr.toml)")
        require(isinstance(section[table], Mapping), f"asr.guards.{table}", "must be a table")
    languages: list[tuple[str, tuple[tuple[str, float], ...]]] = []
    for language, table in sorted(section["languages"].items()):
        where = f"asr.guards.languages.{language}"
        require(isinstance(table, Mapping), where, "must be a table of thresholds")
        for name in table:
            require(name in GUARD_OVERRIDES, f"{where}.{name}",
                    f"is not a per-language threshold (one of {', '.join(GUARD_OVERRIDES)})")
        languages.append((language, tuple((name, check_value(f"{where}.{name}", value, float))
                                          for name, value in sorted(table.items()))))
    stock = tuple((language, check_value(f"asr.guards.stock_phrases.{language}", phrases, tuple[str, ...]))
                  for language, phrases in sorted(section["stock_phrases"].items()))
    plain = {k: v for k, v in section.items() if k not in ("languages", "stock_phrases")}
    guards = typed(GuardSettings, plain, "asr.guards", languages=(), stock_phrases=stock, language="")
    # The base values are kept under the reserved code "", so a resolved copy can go back to them.
    own = ("", tuple((name, float(getattr(guards, name))) for name in GUARD_OVERRIDES))
    return dataclasses.replace(guards, languages=(own, *languages))
