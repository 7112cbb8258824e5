"""Nudge and kudos messages, and each kind's label, in the agent's display language.

The texts live in ``config/messages.yaml`` so a deployment can reword or
translate them without code; the engine raises kinds, the edge fills messages.
A label names a kind in a word or two (the display's fallback, the HTML
report's markers); it sits beside the kind's messages so a new kind or a new
language is written in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .loader import read_yaml, resolve

__all__ = ["MessageCatalog"]

_DEFAULT_FILE = "messages.yaml"
_FALLBACK_LANGUAGE = "en"
_SECTIONS = ("nudges", "kudos")


def _by_language(raw: dict) -> dict[str, str]:
    return {str(k): str(v) for k, v in raw.items()}


def _pick(by_lang: dict[str, str] | None, lang: str) -> str:
    """The text in ``lang``, else in English, else ''."""
    by_lang = by_lang or {}
    return by_lang.get(lang) or by_lang.get(_FALLBACK_LANGUAGE, "")


@dataclass(frozen=True, slots=True)
class MessageCatalog:
    """``(kind, variant) -> {language: text}`` for nudges and kudos alike, and ``kind -> {language: label}``."""

    texts: dict[tuple[str, str], dict[str, str]]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: dict) -> "MessageCatalog":
        """Build from the YAML structure: ``{nudges|kudos: {kind: {lang: text, label: {lang: text},
        variants: {name: {lang: text}}}}}``."""
        texts: dict[tuple[str, str], dict[str, str]] = {}
        labels: dict[str, dict[str, str]] = {}
        for section in _SECTIONS:
            for kind, entry in (raw.get(section) or {}).items():
                entry = dict(entry)
                labels[kind] = _by_language(entry.pop("label", None) or {})
                for variant, by_lang in (entry.pop("variants", None) or {}).items():
                    texts[(kind, variant)] = _by_language(by_lang)
                texts[(kind, "")] = _by_language(entry)
        return cls(texts, labels)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "MessageCatalog":
        """Read ``config/messages.yaml`` (or ``path``, absolute or relative to the config folder)."""
        return cls.from_dict(read_yaml(resolve(str(path or _DEFAULT_FILE))))

    def message(self, kind: str, lang: str, variant: str = "") -> str:
        """The message for ``kind`` in ``lang``; falls back to the plain variant, then English, then ''."""
        for key in ((kind, variant), (kind, "")):
            if self.texts.get(key):
                return _pick(self.texts[key], lang)
        return ""

    def label(self, kind: str, lang: str) -> str:
        """The label of ``kind`` in ``lang``; falls back to English, then ''."""
        return _pick(self.labels.get(kind), lang)
