"""Fixtures of the display tests."""

from __future__ import annotations

import pytest

from service.display import DISPLAY_DIR
from service.display.vendor import LIBRARY, vendor

from .page import ROOT


@pytest.fixture(scope="package", autouse=True)
def vendored_library():
    """The setup step `python -m service.display.vendor` (after `npm ci`)."""
    if not (DISPLAY_DIR / LIBRARY.name).exists():
        vendor(ROOT / "node_modules")
