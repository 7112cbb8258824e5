"""Helpers shared by the adapters for reading JSON text messages safely.

Each returns a value or raises :class:`WireError` with a message a platform
engineer can act on; adapters turn that into a :class:`ProtocolError`. Having
one place for this keeps the three adapters from growing three dialects of
"field missing" errors.
"""

from __future__ import annotations

import json
from typing import Any

from .events import Fault, ProtocolError

__all__ = ["WireError", "as_error", "field", "parse_object"]


class WireError(ValueError):
    """A message does not have the shape the protocol requires."""

    def __init__(self, kind: str, reason: str, code: Fault = Fault.INVALID) -> None:
        super().__init__(reason)
        self.kind = kind
        self.code = code


def parse_object(text: str) -> dict[str, Any]:
    """A JSON text message that must be an object."""
    try:
        message = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise WireError("malformed_json", f"message is not valid JSON: {exc}") from None
    if not isinstance(message, dict):
        raise WireError("malformed_json", f"message must be a JSON object, got {type(message).__name__}")
    return message


def field(obj: Any, name: str, kind: type | tuple[type, ...], where: str = "message") -> Any:
    """``obj[name]`` checked to be of ``kind`` (bool never passes for int)."""
    if not isinstance(obj, dict) or name not in obj:
        raise WireError("missing_field", f"{where} lacks '{name}'")
    value = obj[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        names = "/".join(k.__name__ for k in kinds)
        raise WireError("bad_field", f"{where} field '{name}' must be {names}, got {type(value).__name__}")
    return value


def as_error(exc: WireError, fatal: bool = True) -> ProtocolError:
    return ProtocolError(exc.kind, str(exc), exc.code, fatal)
