"""Nudge and kudos messages in the agent's display language.

The texts live in ``config/messages.yaml`` so a deployment can reword or
translate them without code; the engine raises kinds, the edge fills messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .loader import read_yaml, resolve

__all__ = ["MessageCatalog"]

_DEFAULT_FILE = "messages.yaml"
_FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class MessageCatalog:
    """``(kind, variant) -> {language: text}`` for nudges and kudos alike."""

    texts: dict[tuple[str, str], dict[str, str]]

    @classmethod
    def from_dict(cls, raw: dict) -> "MessageCatalog":
        """Build from the YAML structure: ``{nudges|kudos: {kind: {lang: text, variants: {name: {lang: text}}}}}``."""
        texts: dict[tuple[str, str], dict[str, str]] = {}
        for section in ("nudges", "kudos"):
            for kind, entry in (raw.get(section) or {}).items():
                entry = dict(entry)
                for variant, by_lang in (entry.pop("variants", None) or {}).items():
                    texts[(kind, variant)] = {str(k): str(v) for k, v in by_lang.items()}
                texts[(kind, "")] = {str(k): str(v) for k, v in entry.items()}
        return cls(texts)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "MessageCatalog":
        """Read ``config/messages.yaml`` (or ``path``, absolute or relative to the config folder)."""
        return cls.from_dict(read_yaml(resolve(str(path or _DEFAULT_FILE))))

    def message(self, kind: str, lang: str, variant: str = "") -> str:
        """The message for ``kind`` in ``lang``; falls back to the plain variant, then English, then ''."""
        for key in ((kind, variant), (kind, "")):
            by_lang = self.texts.get(key)
            if by_lang:
                return by_lang.get(lang) or by_lang.get(_FALLBACK_LANGUAGE, "")
        return ""

    def kinds(self) -> set[tuple[str, str]]:
        """Every (kind, variant) with a message: lets tests check coverage."""
        return set(self.texts)
