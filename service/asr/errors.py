"""The one exception of model loading, apart so that ``python -m service.asr.models``
runs without the package having imported that module first."""

from __future__ import annotations

__all__ = ["ModelError"]


class ModelError(RuntimeError):
    """A model cannot be found, assembled or loaded; the message says how to fix it."""
