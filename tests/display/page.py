"""Drive the agent display in headless Chromium: check_display.js for a whole run, drive_display.js step by step
(``Browser``; protocol in each script)."""

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


DRIVER = Path(__file__).with_name("drive_display.js")


class DriverError(AssertionError):
    """A command the browser driver could not carry out (a wait that timed out, a script error)."""


class Browser:
    """Headless Chromium under test control, one command at a time (drive_display.js: protocol there).

    ``clock_shift_s`` sets the pages' desktop clock (Date) that far off the real one.
    Every page records the cards it added and removed in ``window.__cardLog``.
    """

    def __init__(self, profile: Path, clock_shift_s: float = 0.0) -> None:
        self.profile = profile
        self.clock_shift_s = clock_shift_s
        self._node: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Browser:
        self._node = await asyncio.create_subprocess_exec(
            shutil.which("node"), str(DRIVER), str(self.profile), str(round(self.clock_shift_s * 1000)),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT)
        return self

    async def __aexit__(self, *exc: object) -> None:
        node, self._node = self._node, None
        if node is None:
            return
        try:
            if node.returncode is None:
                node.stdin.write(b'{"op": "close"}\n')
                await node.stdin.drain()
                node.stdin.close()
                await asyncio.wait_for(node.wait(), WAIT_S)
        except (OSError, TimeoutError):
            pass
        finally:
            if node.returncode is None:
                node.kill()
                await node.wait()

    async def _command(self, timeout_s: float = WAIT_S, **command: object) -> object:
        self._node.stdin.write(json.dumps(command).encode() + b"\n")
        await self._node.stdin.drain()
        line = await asyncio.wait_for(self._node.stdout.readline(), timeout_s + WAIT_S)
        if not line:
            raise DriverError(f"the browser driver exited: {(await self._node.stderr.read()).decode()[-2000:]}")
        reply = json.loads(line)
        if not reply["ok"]:
            raise DriverError(f"{command}: {reply['error']}")
        return reply.get("page", reply.get("value"))

    async def open(self, url: str) -> int:
        """Open ``url`` in a new tab of the same browser profile; its page number."""
        return await self._command(op="open", url=url)

    async def eval(self, page: int, expr: str) -> object:
        return await self._command(op="eval", page=page, expr=expr)

    async def wait(self, page: int, expr: str, timeout_s: float = WAIT_S) -> object:
        """The value of ``expr`` once it is truthy; DriverError after ``timeout_s``."""
        return await self._command(timeout_s, op="wait", page=page, expr=expr, timeout_ms=round(timeout_s * 1000))

    async def reload(self, page: int) -> None:
        await self._command(op="reload", page=page)

    async def errors(self, page: int) -> list[str]:
        return await self._command(op="errors", page=page)

    async def card_log(self, page: int) -> list[dict]:
        return await self.eval(page, "window.__cardLog")
