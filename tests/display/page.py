"""Drive the agent display in headless Chromium through check_display.js (protocol in that script)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

from service.display import DISPLAY_DIR

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("check_display.js")
WAIT_S = 60.0


async def show(url: str, screenshot: Path, profile: Path, when_ready: Callable[[], Awaitable[None]]) -> dict:
    """Open ``url``; once the page is live (and shows the retained state) run ``when_ready``, then
    return what the page shows when the first nudge card is there."""
    node = await asyncio.create_subprocess_exec(
        shutil.which("node"), str(SCRIPT), url, str(screenshot), str(profile),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT)
    try:
        ready = await asyncio.wait_for(node.stdout.readline(), WAIT_S)
        assert ready.strip() == b"READY", (ready, await node.stderr.read())
        await when_ready()
        result = await asyncio.wait_for(node.stdout.readline(), WAIT_S)
        assert await asyncio.wait_for(node.wait(), WAIT_S) == 0, await node.stderr.read()
    finally:
        if node.returncode is None:
            node.kill()
            await node.wait()
    return json.loads(result)


def problem(url: str, profile: Path) -> dict:
    """Open ``url`` and return the page's problem banner and what else it shows (it must show one)."""
    run = subprocess.run([shutil.which("node"), str(SCRIPT), url, "-", str(profile), "problem"],
                         check=False, capture_output=True, cwd=ROOT, timeout=WAIT_S)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def page_strings() -> dict[str, dict[str, str]]:
    """The page's interface strings per language (i18n.js), read by node as the browser would."""
    loader = f"global.window = {{}}; require({json.dumps(str(DISPLAY_DIR / 'i18n.js'))}); " \
             "console.log(JSON.stringify(window.CALLCOACH_I18N));"
    return json.loads(subprocess.run([shutil.which("node"), "-e", loader], capture_output=True, check=True).stdout)
