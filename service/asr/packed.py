"""Offline packed decoding: a channel's utterances decoded together, words mapped back by timestamps.

Why: replaying a recording at max speed has no latency limit, yet the
per-utterance path pays for a minimum encoder window (``asr.min_window_s``,
8 s) around every 2-4 s utterance, and for partial decodes that only matter
live. Here each channel's final utterances are laid end to end (each one's
audio as the session cut it, ``gap_s`` of silence between) into windows of at
most ``pack_s`` seconds of audio, every window is encoded and decoded once
(greedy, no timestamps, as live), its words are timed by Whisper's
cross-attention alignment (``align``: one teacher-forced decoder pass), and
each word goes back to the utterance its midpoint falls in.

Per utterance, after mapping back, the same rules as the live engine apply:
``guards.cut_loop``, then ``guards.judge`` with the guards of the decoded
language (``GuardSettings.for_language``) on the utterance's own text and mean
token log-probability, the ``no_voice`` check before any decode, and the call's
:class:`LanguageTracker` fed utterance by utterance. An utterance that is
voiced but gets no word from its window (Whisper skipped it, or a loop ate the
token budget) is decoded alone by the per-utterance engine instead, so packing
can lose no turn outright.

Partial requests are never decoded: :meth:`PackedTranscripts.transcribe_request`
answers one with the words of its utterance's final decode that end inside
the partial's audio, so text rules can still fire mid-turn at the same call
time, for free.

Use: :class:`PackedDecoder` collects the session's requests of a whole call
(``add``), decoding windows as they fill; ``finish`` returns the
:class:`PackedTranscripts`, which a :class:`~service.call.CallPipeline` then
uses as its transcriber while the call is replayed a second time (see
``service/replay/recording.py``). Deterministic: the same call gives the same
windows, the same batches and the same text.
"""

from __future__ import annotations

import math
import string
import time
from dataclasses import dataclass, field

import ctranslate2
import numpy as np
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens

from ..core.events import Speaker
from ..core.session import TranscriptionRequest
from . import guards
from .codes import centre_choice
from .language import LanguageTracker
from .settings import AsrSettings
from .transcriber import SAMPLE_RATE, TranscriptionResult
from .whisper import SUPPRESS_DEFAULT, WhisperTranscriber
from .window import FRAMES_PER_SECOND, fit_window, window_frames

__all__ = ["BATCH", "GAP_S", "PACK_S", "PackStats", "PackedDecoder", "PackedTranscripts", "supports_packing"]

# Audio per window (seconds). Not Whisper's 30 s: on CPU the encoder's attention
# and the decoder's cross-attention grow with the window, so a full 30 s window
# cost more per second of speech than the 8 s minimum window it replaces
# (docs/asr.md, "Offline packed decoding"); windows of ~7-11 s of audio were cheapest.
PACK_S = 11.0
# Silence between two utterances in a window (seconds): enough for Whisper to
# hear a break and for the alignment to put the boundary words on the right side.
GAP_S = 0.4
# Windows decoded together (one batched greedy search); see PackedDecoder.
BATCH = 4
# Closed windows waiting for a decode: enough for windows of the same length to fill batches.
HELD_WINDOWS = 16
_MAX_TOKENS = 448  # Whisper's decoder context
_PUNCTUATION = set(string.punctuation + "¿¡«»“”‘’…。，、！？;·")


def supports_packing(transcriber: object) -> bool:
    """True for the faster-whisper engine (the fake and "none" have nothing to pack)."""
    return isinstance(transcriber, WhisperTranscriber)


@dataclass(slots=True)
class _Utterance:
    """One final request; its audio is let go once decoded (a long call is not held in memory)."""

    speaker: Speaker
    utterance_id: int
    start: float
    end: float
    audio: np.ndarray | None
    duration: float  # seconds of audio
    offset: float = 0.0  # seconds into its window
    words: list[tuple[str, list[float], float]] = field(default_factory=list)  # (text, token probs, end s in audio)

    @classmethod
    def of(cls, request: TranscriptionRequest) -> _Utterance:
        audio = np.asarray(request.audio, dtype=np.float32).reshape(-1)
        return cls(request.speaker, request.utterance_id, request.start, request.end, audio, audio.size / SAMPLE_RATE)


@dataclass(slots=True)
class PackStats:
    """What the packed decode did, for benchmarks and logs."""

    windows: int = 0
    utterances: int = 0
    window_s: float = 0.0  # encoder window seconds, all windows together
    fallbacks: int = 0  # voiced utterances with no word in their window, decoded alone
    retries: int = 0  # windows decoded again because they looked like a loop
    decode_s: float = 0.0  # wall time (metrics only)

    def to_dict(self) -> dict:
        return {name: round(getattr(self, name), 3) for name in self.__slots__}


@dataclass(slots=True)
class _Window:
    """One pack laid out for the encoder."""

    utterances: list[_Utterance]
    audio_s: float
    content: int  # feature frames of audio
    frames: int  # encoder window (frames)
    features: np.ndarray  # (n_mels, frames)
    language: str = ""
    probability: float = 1.0
    detected: tuple[str, float] = ("", 0.0)  # what the detector heard, even with a given language
    tokens: list[int] = field(default_factory=list)
    no_speech: float = 0.0


class PackedDecoder:
    """Collects one call's transcription requests and decodes them packed, channel by channel.

    Windows are decoded ``batch`` at a time (one encoder call and one batched
    greedy search for windows of the same length): on CPU the decoder's
    per-token cost is mostly reading the vocabulary projection, which a batch
    shares. Up to ``HELD_WINDOWS`` closed windows wait so that windows of one
    length fill batches (a long call is still never held in memory whole).
    The batches follow the order the windows close in, so the same call
    always gives the same batches and the same text.
    """

    def __init__(self, transcriber: WhisperTranscriber, settings: AsrSettings, *, language: str | None = None,
                 pack_s: float = PACK_S, gap_s: float = GAP_S, batch: int = BATCH) -> None:
        if not 0 < pack_s <= settings.max_chunk_s:
            raise ValueError(f"pack_s must be in (0, asr.max_chunk_s = {settings.max_chunk_s:g}], not {pack_s:g}")
        self._engine = transcriber
        self._model = transcriber.model
        self._settings = settings
        self._tracker = LanguageTracker(settings, configured=language)
        self._pack_s = pack_s
        self._gap = np.zeros(int(round(gap_s * SAMPLE_RATE)), dtype=np.float32)
        self._batch = max(1, batch)
        self._open: dict[Speaker, list[_Utterance]] = {}
        self._closed: list[list[_Utterance]] = []
        self._results: dict[tuple[Speaker, int], tuple[_Utterance, TranscriptionResult]] = {}
        self._tokenizers: dict[str, tuple[Tokenizer, list[int]]] = {}
        self.stats = PackStats()

    # -- collecting -----------------------------------------------------------------

    def add(self, request: TranscriptionRequest) -> None:
        """A request of the session; partials are ignored (answered later from the finals)."""
        if request.partial:
            return
        utt = _Utterance.of(request)
        self.stats.utterances += 1
        g = self._settings.guards
        if guards.voiced_fraction(utt.audio, g.vad_aggressiveness, g.vad_frame_ms) < g.min_voiced_fraction:
            language = self._tracker.hint() or ""
            self._keep(utt, TranscriptionResult("", language, 1.0 if language else 0.0, guards.NO_VOICE))
            return
        started = time.perf_counter()
        if utt.duration > self._settings.max_chunk_s:  # longer than any window: the engine splits it
            self._decode_alone(utt)
        else:
            pack = self._open.setdefault(utt.speaker, [])
            length = sum(u.duration for u in pack) + len(pack) * len(self._gap) / SAMPLE_RATE
            if pack and length + len(self._gap) / SAMPLE_RATE + utt.duration > self._pack_s:
                self._close(pack)
                pack = self._open[utt.speaker] = []
            pack.append(utt)
        self.stats.decode_s += time.perf_counter() - started

    def finish(self) -> PackedTranscripts:
        """Decode the windows still open; the answers for the second pass."""
        for pack in sorted((p for p in self._open.values() if p), key=lambda p: p[0].start):
            self._closed.append(pack)
        self._open.clear()
        started = time.perf_counter()
        self._flush()
        self.stats.decode_s += time.perf_counter() - started
        return PackedTranscripts(self._engine, self._results, self.stats)

    def _close(self, pack: list[_Utterance]) -> None:
        self._closed.append(pack)
        if len(self._closed) >= max(HELD_WINDOWS, self._batch):
            self._flush()

    def _flush(self) -> None:
        """Decode the closed packs, same-length windows together (in closing order)."""
        windows = [self._window(pack) for pack in self._closed]
        self._closed = []
        by_frames: dict[int, list[_Window]] = {}
        for window in windows:
            by_frames.setdefault(window.frames, []).append(window)
        for group in by_frames.values():
            for i in range(0, len(group), self._batch):
                self._decode(group[i : i + self._batch])

    # -- decoding -------------------------------------------------------------------

    def _keep(self, utt: _Utterance, result: TranscriptionResult) -> None:
        utt.audio = None
        self._results[(utt.speaker, utt.utterance_id)] = (utt, result)
        if result.accepted:
            self._tracker.observe(result, duration_s=utt.end - utt.start)

    def _decode_alone(self, utt: _Utterance) -> None:
        self._keep(utt, self._engine.transcribe(utt.audio, language=self._tracker.hint()))

    def _window(self, pack: list[_Utterance]) -> _Window:
        parts: list[np.ndarray] = []
        for i, utt in enumerate(pack):
            if i:
                parts.append(self._gap)
            utt.offset = sum(p.size for p in parts) / SAMPLE_RATE
            parts.append(utt.audio)
        audio = np.concatenate(parts)
        features = self._model.feature_extractor(audio)
        content = min(features.shape[-1] - 1, len(audio) // (SAMPLE_RATE // FRAMES_PER_SECOND))
        frames = window_frames(content, self._settings)
        return _Window(pack, audio.size / SAMPLE_RATE, content, frames, fit_window(features[:, :content], frames))

    def _decode(self, windows: list[_Window]) -> None:
        s = self._settings
        encoded = self._model.model.encode(ctranslate2.StorageView.from_array(np.stack([w.features for w in windows])),
                                           to_cpu=True)
        self.stats.windows += len(windows)
        self.stats.window_s += sum(w.frames for w in windows) / FRAMES_PER_SECOND
        hint = self._tracker.hint()
        for window, detected in zip(windows, self._detect(encoded)):  # also with a hint: trackers re-check
            window.detected = detected
            window.language, window.probability = (hint, 1.0) if hint else detected
        prompts = [self._prompt(w.language) for w in windows]
        suppressed = self._tokenizer(windows[0].language)[1]  # the non-speech tokens: the same in every language
        max_new = [min(s.min_tokens + math.ceil(w.audio_s * s.max_tokens_per_s), _MAX_TOKENS - len(p) - 1)
                   for w, p in zip(windows, prompts)]
        for window, (tokens, no_speech) in zip(windows, self._generate(encoded, prompts, suppressed, max_new, False)):
            window.tokens, window.no_speech = tokens, no_speech
        for i, window in enumerate(windows):
            tokenizer = self._tokenizer(window.language)[0]
            if guards.is_repetitive(tokenizer.decode(window.tokens), s.guards.for_language(window.language)):
                self.stats.retries += 1
                again = self._generate(_rows(encoded, [i]), [prompts[i]], suppressed, [max_new[i]], True)[0]
                window.tokens, window.no_speech = again
        self._align(windows, encoded)
        for window in windows:
            for utt in window.utterances:
                result = self._judge(utt, window)
                if result is None:  # voiced, yet no word came back for it: decode it on its own
                    self.stats.fallbacks += 1
                    self._decode_alone(utt)
                else:
                    self._keep(utt, result)

    def _generate(self, encoded: ctranslate2.StorageView, prompts: list[list[int]], suppressed: list[int],
                  max_new: list[int], retry: bool) -> list[tuple[list[int], float]]:
        s = self._settings
        results = self._model.model.generate(
            encoded, prompts, beam_size=s.beam_size, patience=s.patience, length_penalty=s.length_penalty,
            repetition_penalty=s.retry_repetition_penalty if retry else 1.0,
            no_repeat_ngram_size=s.retry_no_repeat_ngram_size if retry else 0,
            max_length=max(len(p) + n for p, n in zip(prompts, max_new)), return_scores=False,
            return_no_speech_prob=True, suppress_blank=True, suppress_tokens=suppressed,
        )
        eot = self._model.hf_tokenizer.token_to_id("<|endoftext|>")
        return [([t for t in result.sequences_ids[0] if t < eot][:limit], float(result.no_speech_prob))
                for result, limit in zip(results, max_new)]

    def _align(self, windows: list[_Window], encoded: ctranslate2.StorageView) -> None:
        """Time each window's words (cross-attention alignment, batched per language) and map them back."""
        by_language: dict[str, list[int]] = {}
        for i, window in enumerate(windows):
            if window.tokens:
                by_language.setdefault(window.language, []).append(i)
        for language, rows in by_language.items():
            tokenizer = self._tokenizer(language)[0]
            features = encoded if len(rows) == len(windows) else _rows(encoded, rows)
            aligned = self._model.model.align(features, tokenizer.sot_sequence, [windows[i].tokens for i in rows],
                                              [windows[i].content for i in rows])
            for i, alignment in zip(rows, aligned):
                self._map_words(windows[i], tokenizer, alignment)

    def _map_words(self, window: _Window, tokenizer: Tokenizer, aligned) -> None:
        """Give each word to the utterance its middle lies in (the nearest one when it is in a gap)."""
        tokens = window.tokens
        token_probs = np.asarray(aligned.text_token_probs, dtype=np.float64)
        text_indices = np.array([pair[0] for pair in aligned.alignments])
        time_indices = np.array([pair[1] for pair in aligned.alignments])
        _, word_tokens = tokenizer.split_to_word_tokens(tokens + [tokenizer.eot])
        bounds = np.pad(np.cumsum([len(t) for t in word_tokens[:-1]]), (1, 0))
        jumps = np.pad(np.diff(text_indices), (1, 0), constant_values=1).astype(bool)
        jump_times = time_indices[jumps] / self._model.tokens_per_second
        if len(bounds) < 2 or len(jump_times) <= bounds[-1]:
            return  # no usable alignment: the window's utterances stay wordless and are decoded alone
        words: list[tuple[str, list[float], float, float]] = []  # punctuation rides on the word before it
        for i, j in zip(bounds[:-1], bounds[1:]):
            text, probs = tokenizer.decode(tokens[i:j]), list(token_probs[i:j])
            start, end = float(jump_times[i]), float(jump_times[j])
            if words and text.strip() and set(text.strip()) <= _PUNCTUATION:
                prev = words[-1]
                words[-1] = (prev[0] + text, prev[1] + probs, prev[2], max(prev[3], end))
            else:
                words.append((text, probs, start, end))
        for text, probs, start, end in words:
            mid = (start + end) / 2
            utt = min(window.utterances, key=lambda u: _distance(mid, u.offset, u.offset + u.duration))
            utt.words.append((text, probs, end - utt.offset))

    def _judge(self, utt: _Utterance, window: _Window) -> TranscriptionResult | None:
        """The utterance's result from its words, through the same guards as a decode of its own."""
        if not utt.words:
            return None
        probs = np.array([p for _, word_probs, _ in utt.words for p in word_probs], dtype=np.float64)
        avg_logprob = float(np.mean(np.log(np.clip(probs, 1e-12, 1.0))))
        text = guards.cut_loop("".join(word for word, _, _ in utt.words).strip(), self._settings.guards)
        own = self._settings.guards.for_language(window.language)  # the decoded language's thresholds and phrases
        rejected = guards.judge(text, avg_logprob, window.no_speech, own)
        return TranscriptionResult(
            text="" if rejected else text,
            language=window.language,
            language_probability=window.probability,
            rejected=rejected,
            avg_logprob=avg_logprob,
            no_speech_prob=window.no_speech,
            compression_ratio=guards.compression_ratio(text),
            window_s=window.frames / FRAMES_PER_SECOND,
            detected_language=window.detected[0],
            detected_probability=window.detected[1],
        )

    def _detect(self, encoded: ctranslate2.StorageView) -> list[tuple[str, float]]:
        if not self._engine.multilingual:
            return [("en", 1.0)] * encoded.shape[0]
        allowed = self._settings.language.languages
        return [centre_choice(ranked, allowed) for ranked in self._model.model.detect_language(encoded)]

    def _prompt(self, language: str) -> list[int]:
        return self._model.get_prompt(self._tokenizer(language)[0], [], without_timestamps=True)

    def _tokenizer(self, language: str) -> tuple[Tokenizer, list[int]]:
        if language not in self._tokenizers:
            multilingual = self._engine.multilingual
            tokenizer = Tokenizer(self._model.hf_tokenizer, multilingual, task="transcribe",
                                  language=language if multilingual else None)
            self._tokenizers[language] = (tokenizer, get_suppressed_tokens(tokenizer, list(SUPPRESS_DEFAULT)))
        return self._tokenizers[language]


def _rows(encoded: ctranslate2.StorageView, rows: list[int]) -> ctranslate2.StorageView:
    """Some batch items of a (CPU) encoder output."""
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.asarray(encoded)[rows]))


def _distance(t: float, start: float, end: float) -> float:
    return max(start - t, 0.0, t - end)


class PackedTranscripts:
    """The packed decode of one call, answering the second pass's requests (a ``Transcriber`` too).

    ``transcribe_request`` is the hook :class:`~service.call.CallPipeline`
    calls: a final gets its utterance's result, a partial the words of that
    result ending inside the partial's audio. A request that was not collected
    (it should not happen: both passes cut the same utterances) is decoded by
    the per-utterance engine, as is anything passed to ``transcribe``.
    """

    def __init__(self, engine: WhisperTranscriber,
                 results: dict[tuple[Speaker, int], tuple[_Utterance, TranscriptionResult]], stats: PackStats) -> None:
        self._engine = engine
        self._results = results
        self.stats = stats
        self.unmatched = 0

    def transcribe(self, audio: np.ndarray, *, language: str | None, partial: bool = False) -> TranscriptionResult:
        return self._engine.transcribe(audio, language=language, partial=partial)

    def transcribe_request(self, request: TranscriptionRequest, language: str | None) -> TranscriptionResult:
        found = self._results.get((request.speaker, request.utterance_id))
        if found is None or found[0].start != request.start:
            self.unmatched += 1
            return self._engine.transcribe(request.audio, language=language, partial=request.partial)
        utt, result = found
        if not request.partial:
            return result
        if result.rejected:
            return TranscriptionResult("", result.language, result.language_probability, result.rejected)
        heard_s = len(request.audio) / SAMPLE_RATE
        text = "".join(word for word, _, end in utt.words if end <= heard_s).strip()
        if not text:
            return TranscriptionResult("", result.language, result.language_probability, guards.NO_SPEECH)
        return TranscriptionResult(text, result.language, result.language_probability,
                                   avg_logprob=result.avg_logprob, no_speech_prob=result.no_speech_prob,
                                   compression_ratio=guards.compression_ratio(text), window_s=result.window_s)
