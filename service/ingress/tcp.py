"""The TCP shell: a byte stream in, the adapter frames it; faults end in a plain close.

TCP has no close codes: an adapter that needs to say why (AudioSocket's error
frame) does so in its error replies before the close, and the cause is logged
and counted like on every transport. One listener per (protocol, party) port:
the port a leg connects to says whose audio it carries.
"""

from __future__ import annotations

import asyncio
import logging

from service.protocols import Fault, ProtocolError

from .link import Link

__all__ = ["TcpLinkHandler", "writer_sender"]

log = logging.getLogger(__name__)

_READ_BYTES = 65536


def writer_sender(writer: asyncio.StreamWriter):
    """A send that never raises for a peer that already went away."""

    async def send(message: str | bytes) -> None:
        if writer.is_closing():
            return
        writer.write(message.encode() if isinstance(message, str) else message)
        try:
            await writer.drain()
        except (ConnectionError, OSError):
            pass

    return send


class TcpLinkHandler:
    """Runs one TCP connection's link until it ends; ``shutdown()`` ends every open one as 'shutdown'."""

    def __init__(self, idle_timeout_s: float) -> None:
        self._idle_timeout_s = idle_timeout_s
        self._open: dict[Link, asyncio.StreamWriter] = {}
        self._stopping = False

    async def run(self, link: Link, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open[link] = writer
        try:
            await self._receive(link, reader)
        finally:
            if self._stopping and link.runner is not None and not link.adapter.stopped:
                link.runner.end_reason = "shutdown"
            await link.end()
            self._open.pop(link, None)
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass

    async def _receive(self, link: Link, reader: asyncio.StreamReader) -> None:
        while not link.adapter.stopped:
            try:
                async with asyncio.timeout(self._idle_timeout_s):
                    data = await reader.read(_READ_BYTES)
            except TimeoutError:
                link.fail(ProtocolError("idle_timeout", f"no data for {self._idle_timeout_s:g} s", Fault.POLICY))
                return
            except (ConnectionError, OSError):
                data = b""
            if not data:
                if link.runner is not None and not link.adapter.stopped and not self._stopping:
                    link.error("client_vanished", f"{link.label}: connection lost mid-call")
                return
            if not await link.receive(data):
                return

    def shutdown(self) -> None:
        """Stop reading every open connection: each finalises its call as a shutdown."""
        self._stopping = True
        for writer in list(self._open.values()):
            transport = writer.transport
            if transport is not None:
                transport.pause_reading()
            writer.close()
