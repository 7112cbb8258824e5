"""One transport connection of a call: its adapter, the call it feeds, and why it ended.

The WebSocket and TCP shells read messages and hand them here; a :class:`Link`
gives them to the protocol adapter and acts on the neutral events it returns:
open or join a call through the :class:`CallBook`, feed audio, send replies,
and record the :class:`Fault` the shell must close with. When the last link of
a call ends, the call is finalised in an executor so its final decodes never
stall other calls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from service.protocols import Adapter, Audio, CallStart, CallStop, Fault, ProtocolError, Reply

from .metrics import Metrics
from .runner import CallBook, CallRunner

__all__ = ["Link"]

log = logging.getLogger(__name__)

Send = Callable[[str | bytes], Awaitable[None]]
_REASON_MAX = 120  # a WebSocket close reason must fit in a control frame


class Link:
    def __init__(self, endpoint: str, adapter: Adapter, peer: str, book: CallBook, metrics: Metrics,
                 send: Send, *, reports_dir: Path, max_call_s: float, registration_required: bool = False) -> None:
        self.endpoint = endpoint
        self.adapter = adapter
        self.peer = peer
        self.runner: CallRunner | None = None
        self.fault = Fault.NORMAL
        self.reason = ""
        self._parties: tuple = ()
        self._book = book
        self._metrics = metrics
        self._send = send
        self._reports_dir = reports_dir
        self._max_call_s = max_call_s
        self._registration_required = registration_required

    @property
    def label(self) -> str:
        call = self.runner.info.call_id if self.runner else "-"
        return f"{self.endpoint} call={call} peer={self.peer}"

    # -- input ----------------------------------------------------------------------------
    async def receive(self, message: str | bytes) -> bool:
        """One message from the client; False once the connection must close."""
        self._metrics.inc("callcoach_frames_in_total", endpoint=self.endpoint)
        events = self.adapter.receive_text(message) if isinstance(message, str) else self.adapter.receive_bytes(message)
        try:
            if not await self._apply(events):
                return False
        except Exception:  # a bug in the engine costs this call, never the server
            log.exception("engine failed on %s", self.label)
            self.fail(ProtocolError("internal", "internal error", Fault.INTERNAL))
            return False
        if self.runner and self.runner.pipeline.now > self._max_call_s:
            self.fail(ProtocolError("call_too_long", f"call exceeds {self._max_call_s:g} s", Fault.POLICY))
            return False
        refusal = self.runner.input_refusal() if self.runner else None
        if refusal is not None:
            await self._send_error_replies(refusal)
            self.fail(refusal)
            return False
        return True

    async def _apply(self, events: list) -> bool:
        for event in events:
            if isinstance(event, Audio):
                if self.runner:
                    self.runner.feed(event.speaker, event.pcm)
            elif isinstance(event, Reply):
                await self._send(event.text)
            elif isinstance(event, CallStart):
                opened = self._book.open(self.endpoint, event, registration_required=self._registration_required)
                if isinstance(opened, ProtocolError):
                    await self._send_error_replies(opened)
                    self.fail(opened)
                    return False
                self.runner, self._parties = opened, tuple(event.parties)
                log.info("call started: %s agent=%s parties=%s", self.label, opened.info.agent_id,
                         "+".join(self._parties))
            elif isinstance(event, CallStop):
                if self.runner and event.reason != "disconnect":
                    self.runner.end_reason = event.reason
                log.info("call stopped (%s): %s", event.reason, self.label)
            elif isinstance(event, ProtocolError):
                if event.fatal:
                    self.fail(event)
                    return False
                self.error(event.kind, f"{self.label}: {event.reason}", warn=False)
        return True

    async def _send_error_replies(self, error: ProtocolError) -> None:
        for reply in self.adapter.error_replies(error):
            await self._send(reply.text)

    # -- errors ----------------------------------------------------------------------------
    def fail(self, error: ProtocolError) -> None:
        self.error(error.kind, f"{self.label}: {error.reason} ({error.code.value})")
        self.fault = error.code
        self.reason = error.reason[:_REASON_MAX]
        if self.runner is not None:
            self.runner.failed = True

    def error(self, kind: str, message: str, warn: bool = True) -> None:
        self._metrics.inc("callcoach_errors_total", endpoint=self.endpoint, type=kind)
        log.log(logging.WARNING if warn else logging.INFO, "%s: %s", kind, message)

    # -- end -------------------------------------------------------------------------------
    async def end(self) -> None:
        """The connection is over: flush the adapter, leave the call, finalise it if this was its last leg."""
        runner = self.runner
        if runner is None:
            return
        if not self.adapter.stopped:
            try:
                await self._apply(self.adapter.connection_lost())
            except Exception:
                log.exception("engine failed flushing %s", self.label)
        if not runner.leave(self._parties):
            return
        runner.finishing = True
        self._book.close(runner)
        timeline = self.adapter.timeline
        if timeline is not None and timeline.late_samples:
            self._metrics.inc("callcoach_late_audio_seconds_total", timeline.late_samples / timeline.rate,
                              endpoint=self.endpoint)
        try:
            path = await asyncio.get_running_loop().run_in_executor(None, runner.finish_report, self._reports_dir)
        except Exception:
            log.exception("finalising %s failed", self.label)
            self._metrics.inc("callcoach_errors_total", endpoint=self.endpoint, type="finalise")
            return
        ended = "error" if runner.failed else runner.end_reason
        self._metrics.inc("callcoach_calls_total", endpoint=self.endpoint, ended=ended)
        log.info("call finalised: %s -> %s", self.label, path)
        for reply in self.adapter.call_finalised(path.name):
            await self._send(reply.text)
