"""Copy the browser MQTT client from npm into the display folder: a setup step.

Why a copy: the page must not fetch code from a CDN at run time (agent
desktops are often offline from the internet), and ``node_modules/`` is not
shipped. ``npm ci`` installs the pinned ``mqtt`` package; this step copies its
``dist/mqtt.min.js`` next to the page (git-ignored), where ``coach serve``
serves it as ``/display/mqtt.min.js``.

Run from the repository root: ``python -m service.display.vendor``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from . import DISPLAY_DIR

__all__ = ["LIBRARY", "vendor"]

LIBRARY = Path("mqtt") / "dist" / "mqtt.min.js"


def vendor(node_modules: Path) -> Path:
    """Copy ``mqtt.min.js`` out of ``node_modules``; returns the copy's path."""
    source = node_modules / LIBRARY
    if not source.is_file():
        raise FileNotFoundError(f"{source} not found: run `npm ci` in the repository root first")
    target = DISPLAY_DIR / LIBRARY.name
    shutil.copyfile(source, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.display.vendor", description=__doc__.splitlines()[0])
    parser.add_argument("--node-modules", type=Path, default=Path("node_modules"), help="npm's install folder")
    args = parser.parse_args(argv)
    try:
        print(vendor(args.node_modules))
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
