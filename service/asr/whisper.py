"""The faster-whisper engine with a trimmed encoder window.

Why not ``WhisperModel.transcribe``: it pads every input to a 30 s window,
searches timestamps and conditions on previous text, all of which a call coach
pays for on every utterance. We keep faster-whisper for what it does well
(feature extraction, tokenizer, loading CTranslate2 models) and drive the
CTranslate2 model directly: features of the utterance, cut to the window of
``window.py``, one encoder pass shared by language detection and decoding,
beam search without timestamps at temperature 0 (deterministic for replay),
decoding loops cut, one deterministic retry when the text is still
repetitive, then the ``guards``. Where ``[asr.bias]`` names the decode's
language, the phrase-pack vocabulary of that language is the "previous text"
prompt (decoder biasing; the words come from ``load_transcriber``'s caller).
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens

from . import guards
from .codes import centre_choice
from .errors import ModelError
from .models import resolve_model
from .settings import AsrSettings
from .transcriber import SAMPLE_RATE, TranscriptionResult
from .window import FRAMES_PER_SECOND, fit_window, split_chunks, window_frames
from ..coaching.vocabulary import bounded_prompt

__all__ = ["WhisperTranscriber", "auto_threads"]

log = logging.getLogger(__name__)
# Suppress Whisper's non-speech symbol tokens, as faster-whisper does by default.
SUPPRESS_DEFAULT = (-1,)


def auto_threads(settings: AsrSettings) -> int:
    """CTranslate2 threads per worker: configured, or the usable cores shared among workers."""
    if settings.threads:
        return settings.threads
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // settings.scheduler.workers)


@dataclass(frozen=True, slots=True)
class _Piece:
    """Decode of one window."""

    text: str
    language: str
    language_probability: float
    detected: tuple[str, float]  # what the detector heard, even with a given language
    avg_logprob: float
    no_speech_prob: float
    rejected: str
    window_s: float


class WhisperTranscriber:
    """``Transcriber`` backed by one shared faster-whisper model (thread-safe)."""

    def __init__(self, model: WhisperModel, settings: AsrSettings,
                 vocabulary: Mapping[str, Sequence[str]] | None = None) -> None:
        self._model = model
        self._settings = settings
        self._vocabulary = dict(vocabulary or {})  # language -> phrase-pack terms for the bias prompt
        # language -> (tokenizer, suppressed tokens, prompt tokens)
        self._tokenizers: dict[str, tuple[Tokenizer, list[int], list[int]]] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, settings: AsrSettings, vocabulary: Mapping[str, Sequence[str]] | None = None) -> WhisperTranscriber:
        """Resolve ``settings.model`` (assembling registry models) and load it."""
        resolved = resolve_model(settings.model, settings.cache_dir, settings.allow_download)
        try:
            model = WhisperModel(
                resolved.source,
                device=settings.device,
                compute_type=settings.compute_type,
                cpu_threads=auto_threads(settings),
                num_workers=settings.scheduler.workers,
                download_root=str(resolved.download_root) if resolved.download_root else None,
                local_files_only=resolved.local_only,
            )
        except Exception as exc:  # faster-whisper/huggingface/ctranslate2 raise many kinds
            hint = (
                "set asr.allow_download = true (needs a network) or point asr.model at a local CTranslate2 folder"
                if resolved.download_root and resolved.local_only
                else f"check asr.device ({settings.device}) and asr.compute_type ({settings.compute_type})"
            )
            raise ModelError(f"cannot load Whisper model '{resolved.source}': {exc}; fix: {hint}") from exc
        return cls(model, settings, vocabulary)

    def with_settings(self, settings: AsrSettings) -> WhisperTranscriber:
        """Another transcriber on the same loaded model (e.g. the full window, or biasing off, for comparison)."""
        return WhisperTranscriber(self._model, settings, self._vocabulary)

    @property
    def model(self) -> WhisperModel:
        """The underlying faster-whisper model (benchmarks compare against its ``transcribe``)."""
        return self._model

    @property
    def multilingual(self) -> bool:
        return self._model.model.is_multilingual

    def transcribe(self, audio: np.ndarray, *, language: str | None, partial: bool = False) -> TranscriptionResult:
        """Decode one utterance (see the module docstring for the pipeline)."""
        started = time.perf_counter()
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        g = self._settings.guards
        if guards.voiced_fraction(audio, g.vad_aggressiveness, g.vad_frame_ms) < g.min_voiced_fraction:
            return TranscriptionResult("", language or "", 1.0 if language else 0.0, guards.NO_VOICE,
                                       decode_s=time.perf_counter() - started)
        pieces: list[_Piece] = []
        for chunk in split_chunks(audio, self._settings.max_chunk_s):
            piece = self._decode(chunk, language, partial)
            language = language or piece.language  # one language per utterance
            pieces.append(piece)
        kept = [p for p in pieces if not p.rejected]
        text = " ".join(p.text for p in kept)
        basis = kept or pieces
        return TranscriptionResult(
            text=text,
            language=pieces[0].language,
            language_probability=pieces[0].language_probability,
            rejected="" if kept else pieces[0].rejected,
            avg_logprob=float(np.mean([p.avg_logprob for p in basis])),
            no_speech_prob=float(min(p.no_speech_prob for p in basis)),
            compression_ratio=guards.compression_ratio(text),
            decode_s=time.perf_counter() - started,
            window_s=sum(p.window_s for p in pieces),
            detected_language=pieces[0].detected[0],
            detected_probability=pieces[0].detected[1],
        )

    def _decode(self, audio: np.ndarray, language: str | None, partial: bool) -> _Piece:
        s = self._settings
        features = self._model.feature_extractor(audio)
        content = min(features.shape[-1] - 1, len(audio) // (SAMPLE_RATE // FRAMES_PER_SECOND))
        frames = window_frames(content, s)
        window = fit_window(features[:, :content], frames)
        encoded = self._model.model.encode(ctranslate2.StorageView.from_array(window[None]), to_cpu=False)
        detected = self._detect(encoded)  # also with a given language: the call's tracker re-checks detected ones
        language, probability = (language, 1.0) if language else detected
        tokenizer, suppressed, previous = self._tokenizer(language)
        prompt = self._model.get_prompt(tokenizer, previous, without_timestamps=True)
        max_new = s.min_tokens + math.ceil(len(audio) / SAMPLE_RATE * s.max_tokens_per_s)
        beam = s.partial_beam_size if partial else s.beam_size
        decode = (encoded, prompt, tokenizer, suppressed, beam, max_new)
        text, avg_logprob, no_speech = self._generate(*decode, retry=False)
        g = s.guards.for_language(language)  # the decoded language's thresholds and stock phrases
        if guards.is_repetitive(text, g):
            text, avg_logprob, no_speech = self._generate(*decode, retry=True)
        rejected = guards.judge(text, avg_logprob, no_speech, g)
        return _Piece("" if rejected else text, language, probability, detected, avg_logprob, no_speech, rejected,
                      frames / FRAMES_PER_SECOND)

    def _detect(self, encoded: ctranslate2.StorageView) -> tuple[str, float]:
        if not self.multilingual:
            return "en", 1.0
        return centre_choice(self._model.model.detect_language(encoded)[0], self._settings.language.languages)

    def _generate(self, encoded: ctranslate2.StorageView, prompt: list[int], tokenizer: Tokenizer,
                  suppressed: list[int], beam: int, max_new: int, retry: bool) -> tuple[str, float, float]:
        s = self._settings
        result = self._model.model.generate(
            encoded,
            [prompt],
            beam_size=beam,
            patience=s.patience,
            length_penalty=s.length_penalty,
            repetition_penalty=s.retry_repetition_penalty if retry else 1.0,
            no_repeat_ngram_size=s.retry_no_repeat_ngram_size if retry else 0,
            max_length=len(prompt) + max_new,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=suppressed,
        )[0]
        tokens = result.sequences_ids[0]
        # Mean log-probability per token, recovered from the length-penalised score as faster-whisper does.
        avg_logprob = result.scores[0] * (len(tokens) ** s.length_penalty) / (len(tokens) + 1)
        text = guards.cut_loop(tokenizer.decode(tokens).strip(), s.guards)
        return text, float(avg_logprob), float(result.no_speech_prob)

    def _tokenizer(self, language: str) -> tuple[Tokenizer, list[int], list[int]]:
        with self._lock:
            if language not in self._tokenizers:
                tokenizer = Tokenizer(
                    self._model.hf_tokenizer, self.multilingual, task="transcribe",
                    language=language if self.multilingual else None,
                )
                suppressed = get_suppressed_tokens(tokenizer, list(SUPPRESS_DEFAULT))
                self._tokenizers[language] = (tokenizer, suppressed, self._bias_tokens(tokenizer, language))
            return self._tokenizers[language]

    def _bias_tokens(self, tokenizer: Tokenizer, language: str) -> list[int]:
        """The bias prompt of ``language`` as tokens ([] where biasing is off), within the configured budget."""
        bias = self._settings.bias
        if language not in bias.languages or not self._vocabulary.get(language):
            return []
        def count(text: str) -> int:
            return len(tokenizer.encode(" " + text))
        text = bounded_prompt(self._vocabulary[language], count, bias.max_prompt_tokens)
        return tokenizer.encode(" " + text) if text else []
