"""The agent display: a static page (HTML, JS, CSS) served by ``coach serve`` under /display.

The supervisor view (``supervisor.html``, ``.js``, ``.css``) lives here too:
``coach serve`` answers /supervisor with ``supervisor.html``, whose scripts and
styles load from /display/ like the agent page's.

``asset(name)`` is what an HTTP handler needs: the bytes and content type of a
display file, or None, so only the page's own files are served (never this
module or the vendoring script). ``mqtt.min.js`` is copied in from npm by
``python -m service.display.vendor``; see that module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["DISPLAY_DIR", "Asset", "asset"]

DISPLAY_DIR = Path(__file__).resolve().parent
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str


def asset(name: str) -> Asset | None:
    """The display file ``name`` (``""`` = index.html), or None if there is no such page file."""
    name = name or "index.html"
    path = DISPLAY_DIR / name
    if "/" in name or "\\" in name or name.startswith(".") or path.suffix not in _TYPES or not path.is_file():
        return None
    return Asset(path.read_bytes(), _TYPES[path.suffix])
