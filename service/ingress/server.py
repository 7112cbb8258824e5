"""``coach serve``: the WebSocket ingress, its plain HTTP endpoints and call lifecycle.

The only async code of the ingress. One connection = one adapter (sans-I/O,
per protocol) = at most one :class:`CallPipeline`. The loop here reads
messages with an idle timeout, hands them to the adapter, and acts on the
events it returns: open a pipeline, feed audio, send replies, close with the
adapter's code. Whatever way a connection ends (stop, error, vanished client,
shutdown), an open call is finalised and its report saved, in an executor so
the final decodes never stall other calls.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from pathlib import Path
from typing import Any, Self

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from service.display import asset
from service.egress import MqttSettings, is_valid_id
from service.pipeline import CallInfo, CallPipeline, CallSink
from service.replay.report import write_report

from .adapter import Adapter, AudioOut
from .audiohook import AudioHookAdapter
from .auth import authenticate
from .events import Audio, CallStart, CallStop, CloseCode, ProtocolError, Reply
from .generic import GenericAdapter
from .metrics import CONTENT_TYPE, Metrics
from .settings import ServerSettings
from .twilio import TwilioAdapter

__all__ = ["ADAPTERS", "IngressServer"]

log = logging.getLogger(__name__)

ADAPTERS: dict[str, type[Adapter]] = {"twilio": TwilioAdapter, "audiohook": AudioHookAdapter, "stream": GenericAdapter}
_STEM_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class _CountingSink:
    """Forwards to the configured sink (if any) and counts what goes out."""

    def __init__(self, inner: CallSink | None, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    def call_started(self, info: CallInfo) -> None:
        if self._inner:
            self._inner.call_started(info)

    def nudge(self, info: CallInfo, nudge: dict) -> None:
        self._metrics.inc("callcoach_nudges_out_total", kind=str(nudge.get("kind", "")))
        if self._inner:
            self._inner.nudge(info, nudge)

    def kudos(self, info: CallInfo, kudos: dict) -> None:
        if self._inner:
            self._inner.kudos(info, kudos)

    def transcript(self, info: CallInfo, segment: dict) -> None:
        if self._inner:
            self._inner.transcript(info, segment)

    def state(self, info: CallInfo, state: dict) -> None:
        if self._inner:
            self._inner.state(info, state)

    def call_ended(self, info: CallInfo, report: dict) -> None:
        if self._inner:
            self._inner.call_ended(info, report)


class _Connection:
    """One WebSocket's adapter, pipeline and close decision."""

    def __init__(self, endpoint: str, adapter: Adapter, peer: str) -> None:
        self.endpoint = endpoint
        self.adapter = adapter
        self.peer = peer
        self.pipeline: CallPipeline | None = None
        self.close_code = CloseCode.NORMAL
        self.close_reason = ""
        self.end_reason = "disconnect"
        self.finishing = False  # set once the pipeline is handed to the executor

    @property
    def label(self) -> str:
        call = self.pipeline.info.call_id if self.pipeline else "-"
        return f"{self.endpoint} call={call} peer={self.peer}"


def _open_asr(config: dict) -> Any:
    """One decode scheduler shared by every call, or None when ASR is off."""
    if config["asr"]["engine"] == "none":
        return None
    from service.asr import AsrSettings, DecodeScheduler, load_transcriber

    settings = AsrSettings.from_config(config["asr"])
    transcriber = load_transcriber(settings)
    return DecodeScheduler(transcriber, settings) if transcriber is not None else None


class IngressServer:
    """The live server. ``async with IngressServer(config) as server:`` or start()/stop().

    ``sink`` receives every call's nudges, transcripts and reports (the MQTT
    publisher in production; None runs without publishing). ``asr`` overrides
    the shared decode scheduler (default: built from ``[asr]``, closed on stop).
    """

    def __init__(self, config: dict, *, sink: CallSink | None = None, asr: Any = None) -> None:
        self.config = config
        self.settings = ServerSettings.from_config(config["server"])
        self.audio = AudioOut.from_config(config["audio"])
        self.metrics = self._make_metrics()
        self._sink = _CountingSink(sink, self.metrics)
        self._asr = asr
        self._own_asr = asr is None
        self._connections: set[_Connection] = set()
        self._server: Server | None = None
        self._poller: asyncio.Task | None = None

    def _make_metrics(self) -> Metrics:
        m = Metrics()
        m.gauge("callcoach_active_calls", "Calls in progress.", lambda: sum(1 for c in self._connections if c.pipeline))
        m.gauge("callcoach_decode_queue_depth", "Utterances waiting for ASR.", self._queue_depth)
        m.counter("callcoach_frames_in_total", "WebSocket messages received, by endpoint.")
        m.counter("callcoach_calls_total", "Calls finalised, by endpoint and how they ended.")
        m.counter("callcoach_nudges_out_total", "Nudges sent to agents, by kind.")
        m.counter("callcoach_errors_total", "Client and server errors, by endpoint and type.")
        m.counter("callcoach_late_audio_seconds_total", "Audio dropped as duplicate or later than the skew bound.")
        return m

    def _queue_depth(self) -> float:
        return float(self._asr.metrics()["queue_depth"]) if self._asr is not None else 0.0

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The bound port (useful with ``port = 0``)."""
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        s = self.settings
        s.check_bind()
        for key in s.missing_credentials():
            log.warning("no %s configured: that endpoint accepts any local client", key)
        if self._own_asr:
            self._asr = await asyncio.get_running_loop().run_in_executor(None, _open_asr, self.config)
        Path(s.reports_dir).mkdir(parents=True, exist_ok=True)
        self._server = await serve(
            self._handle,
            s.host,
            s.port,
            process_request=self._process_request,
            max_size=s.max_message_bytes,
            max_queue=s.max_queue,
            server_header="callcoach",
        )
        self._poller = asyncio.create_task(self._poll())
        log.info("listening on %s:%d (%s)", s.host, self.port, ", ".join(s.endpoints))

    async def stop(self) -> None:
        """Stop accepting, close every connection (1001), finalise every open call."""
        if self._server is None:
            return
        self._server.close(close_connections=True)
        try:
            await asyncio.wait_for(self._server.wait_closed(), self.settings.shutdown_grace_s)
        except TimeoutError:
            log.error("shutdown: calls still finalising after %.0f s, abandoned", self.settings.shutdown_grace_s)
        if self._poller:
            self._poller.cancel()
        if self._own_asr and self._asr is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._asr.close)
        self._server = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _poll(self) -> None:
        """Apply finished ASR results to every call, on the loop thread."""
        while True:
            await asyncio.sleep(self.settings.poll_interval_s)
            for conn in list(self._connections):
                if conn.pipeline is None or conn.finishing:
                    continue
                try:
                    conn.pipeline.poll()
                except Exception:  # this call's engine broke; the poller serves the others
                    log.exception("engine failed applying results on %s", conn.label)
                    self.metrics.inc("callcoach_errors_total", endpoint=conn.endpoint, type="internal")

    # -- HTTP -----------------------------------------------------------------------------
    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0].rstrip("/") or "/"
        if path == "/healthz":
            return connection.respond(200, "ok\n")
        if path == "/metrics":
            response = connection.respond(200, self.metrics.render())
            response.headers["Content-Type"] = CONTENT_TYPE
            return response
        if path == "/display/config.json":
            return self._display_config(connection, request)
        if path == "/display" or path.startswith("/display/"):
            return self._static(connection, path.removeprefix("/display").lstrip("/"))
        endpoint = path.lstrip("/")
        if endpoint not in self.settings.endpoints:
            return connection.respond(404, "not found\n")
        refused = authenticate(self.settings, endpoint, request.path, request.headers)
        if refused:
            self._error(endpoint, "auth", f"{connection.remote_address}: {refused}")
            return connection.respond(401, refused + "\n")
        if len(self._connections) >= self.settings.max_calls:
            self._error(endpoint, "capacity", f"refused {connection.remote_address}: {self.settings.max_calls} calls")
            return connection.respond(503, "too many calls\n")
        return None

    def _static(self, connection: ServerConnection, name: str) -> Response:
        """Only the display page's own files (never the package's code)."""
        found = asset(name)
        if found is None:
            return connection.respond(404, "not found\n")
        return _response(found.body, found.content_type)

    def _display_config(self, connection: ServerConnection, request: Request) -> Response:
        """Where the display finds the broker: the host the browser used, or mqtt.display_ws_url."""
        host = request.headers.get("Host", "127.0.0.1")
        page_host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        settings = MqttSettings.from_config(self.config["mqtt"])
        body = json.dumps(settings.display_config(page_host, self.config["nudges"]["display_language"]))
        return _response(body.encode(), "application/json")

    # -- WebSocket --------------------------------------------------------------------------
    async def _handle(self, ws: ServerConnection) -> None:
        endpoint = ws.request.path.split("?", 1)[0].strip("/")
        conn = _Connection(endpoint, ADAPTERS[endpoint](self.settings, self.audio), str(ws.remote_address))
        if len(self._connections) >= self.settings.max_calls:  # lost a race with process_request
            self._error(endpoint, "capacity", f"{conn.peer}: at capacity")
            await ws.close(CloseCode.TRY_AGAIN, "too many calls")
            return
        self._connections.add(conn)
        try:
            await self._receive(ws, conn)
        finally:
            if conn.pipeline and not conn.adapter.stopped:
                try:
                    await self._apply(ws, conn, conn.adapter.connection_lost())
                except Exception:
                    log.exception("engine failed flushing %s", conn.label)
            if conn.pipeline:
                await self._finalise(ws, conn)
            self._connections.discard(conn)
            await ws.close(conn.close_code, conn.close_reason)

    async def _receive(self, ws: ServerConnection, conn: _Connection) -> None:
        while not conn.adapter.stopped:
            try:
                async with asyncio.timeout(self.settings.idle_timeout_s):
                    message = await ws.recv()
            except TimeoutError:
                self._fail(conn, ProtocolError("idle_timeout", f"no message for {self.settings.idle_timeout_s:g} s",
                                               CloseCode.POLICY))
                return
            except ConnectionClosed as exc:
                self._note_closed(conn, exc)
                return
            self.metrics.inc("callcoach_frames_in_total", endpoint=conn.endpoint)
            if isinstance(message, str):
                events = conn.adapter.receive_text(message)
            else:
                events = conn.adapter.receive_bytes(message)
            try:
                if not await self._apply(ws, conn, events):
                    return
            except Exception:  # a bug in the engine costs this call, never the server
                log.exception("engine failed on %s", conn.label)
                self._fail(conn, ProtocolError("internal", "internal error", CloseCode.INTERNAL))
                return
            if conn.pipeline and conn.pipeline.now > self.settings.max_call_s:
                self._fail(conn, ProtocolError("call_too_long", f"call exceeds {self.settings.max_call_s:g} s",
                                               CloseCode.POLICY))
                return

    def _note_closed(self, conn: _Connection, exc: ConnectionClosed) -> None:
        """Count an oversized message, or a call that ended without its protocol's stop (not our shutdown)."""
        if exc.sent is not None and exc.sent.code == CloseCode.TOO_BIG:
            self._error(conn.endpoint, "too_big", f"{conn.label}: message over {self.settings.max_message_bytes} bytes")
            conn.close_code = CloseCode.TOO_BIG
        elif not conn.pipeline or conn.adapter.stopped:
            return
        elif exc.sent is not None and exc.sent.code == CloseCode.GOING_AWAY:
            conn.end_reason = "shutdown"
        elif exc.rcvd is None:
            self._error(conn.endpoint, "client_vanished", f"{conn.label}: connection lost mid-call")
        else:
            self._error(conn.endpoint, "closed_mid_call", f"{conn.label}: closed ({exc.rcvd.code}) mid-call")

    async def _apply(self, ws: ServerConnection, conn: _Connection, events: list) -> bool:
        """Act on adapter events; False once the connection must close."""
        for event in events:
            if isinstance(event, Audio):
                if conn.pipeline:
                    conn.pipeline.feed(event.speaker, event.pcm)
            elif isinstance(event, Reply):
                try:
                    await ws.send(event.text)
                except ConnectionClosed:
                    pass
            elif isinstance(event, CallStart):
                bad = [value for value in (event.call_id, event.agent_id) if value and not is_valid_id(value)]
                if bad:
                    self._fail(conn, ProtocolError("invalid_id", f"call or agent id {bad[0][:40]!r} cannot be used "
                                                   "(no '/', '+', '#', control characters; at most 128 characters)",
                                                   CloseCode.INVALID))
                    return False
                info = CallInfo(event.call_id, event.agent_id, conn.endpoint, event.language, dict(event.metadata))
                conn.pipeline = CallPipeline(self.config, info, asr=self._asr, sink=self._sink)
                log.info("call started: %s agent=%s", conn.label, event.agent_id)
            elif isinstance(event, CallStop):
                if event.reason != "disconnect":
                    conn.end_reason = event.reason
                log.info("call stopped (%s): %s", event.reason, conn.label)
            elif isinstance(event, ProtocolError):
                if event.fatal:
                    self._fail(conn, event)
                    return False
                self._error(conn.endpoint, event.kind, f"{conn.label}: {event.reason}", warn=False)
        return True

    def _fail(self, conn: _Connection, error: ProtocolError) -> None:
        self._error(conn.endpoint, error.kind, f"{conn.label}: {error.reason} (close {int(error.code)})")
        conn.close_code = error.code
        conn.close_reason = error.reason[:120]  # a close reason must fit in a control frame

    def _error(self, endpoint: str, kind: str, message: str, warn: bool = True) -> None:
        self.metrics.inc("callcoach_errors_total", endpoint=endpoint, type=kind)
        log.log(logging.WARNING if warn else logging.INFO, "%s: %s", kind, message)

    async def _finalise(self, ws: ServerConnection, conn: _Connection) -> None:
        conn.finishing = True
        pipeline = conn.pipeline
        timeline = conn.adapter.timeline
        if timeline is not None and timeline.late_samples:
            self.metrics.inc("callcoach_late_audio_seconds_total", timeline.late_samples / timeline.rate,
                             endpoint=conn.endpoint)
        stem = _STEM_UNSAFE.sub("_", pipeline.info.call_id)[:120] or "call"
        out_dir = Path(self.settings.reports_dir)

        def finish() -> Path:
            return write_report(pipeline.finish(), out_dir, stem)

        try:
            path = await asyncio.get_running_loop().run_in_executor(None, finish)
        except Exception:
            log.exception("finalising %s failed", conn.label)
            self.metrics.inc("callcoach_errors_total", endpoint=conn.endpoint, type="finalise")
            return
        ended = conn.end_reason if conn.close_code == CloseCode.NORMAL else "error"
        self.metrics.inc("callcoach_calls_total", endpoint=conn.endpoint, ended=ended)
        log.info("call finalised: %s -> %s", conn.label, path)
        for reply in conn.adapter.call_finalised(path.name):
            try:
                await ws.send(reply.text)
            except ConnectionClosed:
                break


def _response(body: bytes, content_type: str) -> Response:
    headers = Headers({"Content-Type": content_type, "Content-Length": str(len(body)), "Cache-Control": "no-cache"})
    return Response(200, "OK", headers, body)
