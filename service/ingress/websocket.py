"""The WebSocket shell: bytes in and out of one connection, faults to close codes.

It reads messages with an idle timeout and hands each to the connection's
:class:`~service.ingress.link.Link`; whatever way the connection ends (the
protocol's stop, an error, a vanished client, shutdown), the link is ended
(which finalises the call when it was its last connection) before the socket
is closed with the RFC 6455 code of the link's :class:`Fault`.
"""

from __future__ import annotations

import asyncio
from enum import IntEnum

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from service.protocols import Fault, ProtocolError

from .link import Link

__all__ = ["CLOSE_CODES", "CloseCode", "run_websocket"]


class CloseCode(IntEnum):
    """WebSocket close codes (RFC 6455 section 7.4.1) the server uses, by cause."""

    NORMAL = 1000  # call ended cleanly
    GOING_AWAY = 1001  # server shutting down
    PROTOCOL = 1002  # message out of place: binary before start, bad sequence
    UNSUPPORTED = 1003  # media format or encoding we do not take
    INVALID = 1007  # malformed JSON, bad base64, wrong field types
    POLICY = 1008  # idle timeout, call too long, authentication
    TOO_BIG = 1009  # message over the size limit
    INTERNAL = 1011  # a bug on our side
    TRY_AGAIN = 1013  # at capacity: too many calls


CLOSE_CODES: dict[Fault, CloseCode] = {fault: CloseCode[fault.name] for fault in Fault}


def sender(ws: ServerConnection):
    """A send that never raises for a client that already went away."""

    async def send(message: str | bytes) -> None:
        try:
            await ws.send(message)
        except ConnectionClosed:
            pass

    return send


async def run_websocket(ws: ServerConnection, link: Link, idle_timeout_s: float, max_message_bytes: int) -> None:
    try:
        await _receive(ws, link, idle_timeout_s, max_message_bytes)
    finally:
        await link.end()
        await ws.close(CLOSE_CODES[link.fault], link.reason)


async def _receive(ws: ServerConnection, link: Link, idle_timeout_s: float, max_message_bytes: int) -> None:
    while not link.adapter.stopped:
        try:
            async with asyncio.timeout(idle_timeout_s):
                message = await ws.recv()
        except TimeoutError:
            link.fail(ProtocolError("idle_timeout", f"no message for {idle_timeout_s:g} s", Fault.POLICY))
            return
        except ConnectionClosed as exc:
            _note_closed(link, exc, max_message_bytes)
            return
        if not await link.receive(message):
            return


def _note_closed(link: Link, exc: ConnectionClosed, max_message_bytes: int) -> None:
    """Count an oversized message, or a call that ended without its protocol's stop (not our shutdown)."""
    if exc.sent is not None and exc.sent.code == CloseCode.TOO_BIG:
        link.error("too_big", f"{link.label}: message over {max_message_bytes} bytes")
        link.fault = Fault.TOO_BIG
    elif not link.runner or link.adapter.stopped:
        return
    elif exc.sent is not None and exc.sent.code == CloseCode.GOING_AWAY:
        link.runner.end_reason = "shutdown"
    elif link.adapter.ends_on_close and exc.rcvd is not None and exc.rcvd.code == CloseCode.NORMAL:
        link.runner.end_reason = "hangup"  # this protocol's way to end a call is a clean close
    elif exc.rcvd is None:
        link.error("client_vanished", f"{link.label}: connection lost mid-call")
    else:
        link.error("closed_mid_call", f"{link.label}: closed ({exc.rcvd.code}) mid-call")
