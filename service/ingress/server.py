"""``coach serve``: the live server. Listeners, shared state and lifecycle; no protocol code.

One WebSocket port serves every WebSocket protocol of the registry and the
plain HTTP endpoints (:mod:`~service.ingress.http`); every TCP protocol gets
one listener per party port (:mod:`~service.ingress.tcp`). Each connection is
a :class:`~service.ingress.link.Link` around its protocol's adapter; calls
(one or two connections each) live in the :class:`~service.ingress.runner.CallBook`.
On stop, every connection is closed and every open call finalised.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.typing import Subprotocol

from service.asr import AsrSettings, DecodeScheduler, load_transcriber
from service.asr.codes import whisper_language
from service.asr.scheduler import QUEUE_FULL, SHED
from service.call import CallInfo, CallSink
from service.coaching.bias import decoder_vocabulary
from service.coaching.kinds import display_labels
from service.egress import MqttSettings
from service.protocols import PROTOCOLS, AudioOut, Fault

from .http import HttpRoutes
from .link import Link
from .memory import release_freed_memory
from .metrics import Metrics
from .runner import CallBook, Registration
from .settings import ServerSettings
from .tcp import TcpLinkHandler, writer_sender
from .websocket import CLOSE_CODES, run_websocket, sender

__all__ = ["IngressServer"]

log = logging.getLogger(__name__)


class _CountingSink:
    """Forwards to the configured sink (if any) and counts the nudges that go out."""

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


def _select_subprotocol(ws: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
    """The endpoint's own subprotocol when its client offers it; a client offering none is served too."""
    spec = PROTOCOLS.get(ws.request.path.split("?", 1)[0].strip("/"))
    wanted = spec.subprotocol if spec is not None else None
    return Subprotocol(wanted) if wanted in offered else None


def _open_asr(config: dict) -> Any:
    """One decode scheduler shared by every call, or None when ASR is off."""
    if config["asr"]["engine"] == "none":
        return None
    settings = AsrSettings.from_config(config["asr"])
    transcriber = load_transcriber(settings, decoder_vocabulary(config))
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
        self.instance = MqttSettings.from_config(config["mqtt"]).instance
        self.metrics = self._make_metrics()
        self._asr = asr
        self._own_asr = asr is None
        self._links: set[Link] = set()
        self.book = CallBook(config, self.settings, self.audio, self.metrics, _CountingSink(sink, self.metrics), asr,
                             instance=self.instance)
        labels = display_labels(tuple(config["coaching"]["phrases_dirs"]))  # once: the packs do not change live
        self._routes = HttpRoutes(config, self.settings, self.metrics, self._register, self.unready, self.refusing,
                                  labels)
        self.draining = False
        self._tcp = TcpLinkHandler(self.settings.idle_timeout_s)
        self._server: Server | None = None
        self._tcp_servers: dict[tuple[str, str], asyncio.Server] = {}
        self._poller: asyncio.Task | None = None
        self._trimmer: asyncio.Task | None = None

    def _make_metrics(self) -> Metrics:
        m = Metrics()
        m.gauge("callcoach_active_calls", "Calls in progress.", lambda: len(self.book.calls))
        m.gauge("callcoach_ready", "1 while this replica takes new calls (see /readyz).",
                lambda: 0.0 if self.unready() else 1.0)
        m.gauge("callcoach_draining", "1 while this replica drains before stopping.", lambda: float(self.draining))
        m.gauge("callcoach_instance_info", "This replica's instance id (mqtt.instance_id), as a label.",
                labels=("instance",))
        m.set("callcoach_instance_info", 1.0, instance=self.instance)
        m.gauge("callcoach_decode_queue_depth", "Utterances waiting for ASR.", self._queue_depth)
        m.counter_from("callcoach_untranscribed_utterances_total",
                       "Utterances left untranscribed under decoder overload, by reason: shed (waited over "
                       "asr.scheduler.final_max_wait_s) or queue_full (asr.scheduler.max_queue).",
                       self._untranscribed, labels=("reason",))
        m.counter("callcoach_frames_in_total", "Messages received, by endpoint.", labels=("endpoint",))
        m.counter("callcoach_calls_total", "Calls finalised, by endpoint and how they ended.",
                  labels=("endpoint", "ended"))
        m.counter("callcoach_nudges_out_total", "Nudges sent to agents, by kind.", labels=("kind",))
        m.counter("callcoach_errors_total", "Client and server errors, by endpoint and type.",
                  labels=("endpoint", "type"))
        m.counter("callcoach_late_audio_seconds_total", "Audio dropped as duplicate or later than the skew bound.",
                  labels=("endpoint",))
        m.counter("callcoach_memory_trims_total", "Times freed memory was handed back to the OS (malloc_trim).")
        return m

    def _queue_depth(self) -> float:
        return float(self._asr.metrics()["queue_depth"]) if self._asr is not None else 0.0

    def _untranscribed(self) -> dict[tuple[str, ...], float]:
        counts = self._asr.metrics() if self._asr is not None else {}
        return {(SHED,): counts.get("shed_finals", 0), (QUEUE_FULL,): counts.get("rejected_finals", 0)}

    def _at_capacity(self) -> bool:
        """Open calls plus connections not yet in a call (a second leg counts until it joins)."""
        waiting = sum(1 for link in self._links if link.runner is None)
        return len(self.book.calls) + waiting >= self.settings.max_calls

    def refusing(self) -> str | None:
        """Why a new connection is refused now, or None."""
        if self.draining:
            return "draining"
        return "too many calls" if self._at_capacity() else None

    def unready(self) -> str | None:
        """Why a load balancer should send no new call here now, or None (``/readyz``)."""
        refused = self.refusing()
        if refused:
            return refused
        wait = self._asr.metrics()["oldest_final_wait_s"] if self._asr is not None else 0.0
        if wait > self.settings.ready_max_decode_wait_s:
            return f"decoder saturated (oldest utterance waited {wait:.1f} s)"
        return None

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The bound WebSocket/HTTP port (useful with ``port = 0``)."""
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    def tcp_port(self, endpoint: str, party: str) -> int:
        """The bound port of a TCP protocol's party listener."""
        return self._tcp_servers[(endpoint, party)].sockets[0].getsockname()[1]

    async def start(self) -> None:
        s = self.settings
        s.check_bind()
        for key in s.missing_credentials():
            log.warning("no %s configured: that endpoint accepts any local client", key)
        if self._own_asr:
            self._asr = await asyncio.get_running_loop().run_in_executor(None, _open_asr, self.config)
        self.book.asr = self._asr
        Path(s.reports_dir).mkdir(parents=True, exist_ok=True)
        self._server = await serve(self._handle_websocket, s.host, s.port, process_request=self._routes,
                                   select_subprotocol=_select_subprotocol, max_size=s.max_message_bytes,
                                   max_queue=s.max_queue, server_header="callcoach")
        for endpoint in s.endpoints:
            if PROTOCOLS[endpoint].transport == "tcp":
                for party, port in s.options(endpoint).ports.items():
                    self._tcp_servers[(endpoint, party)] = await asyncio.start_server(
                        lambda r, w, e=endpoint, p=party: self._handle_tcp(e, p, r, w), s.host, port)
        self._poller = asyncio.create_task(self._poll())
        self._trimmer = asyncio.create_task(self._trim()) if s.memory_trim_every_s > 0 else None
        tcp = ", ".join(f"{e}/{p} on {self.tcp_port(e, p)}" for e, p in self._tcp_servers)
        log.info("listening on %s:%d (%s)%s as instance %s", s.host, self.port, ", ".join(s.endpoints),
                 f"; {tcp}" if tcp else "", self.instance)

    async def drain(self) -> None:
        """Take no new call, let the open ones end by themselves (up to ``drain_timeout_s``), then stop.

        ``/readyz`` turns 503 at once, so the load balancer sends new calls
        elsewhere; calls still open at the timeout are closed (1001) and
        finalised by :meth:`stop`. Cancelling a drain (a second stop signal)
        goes straight to :meth:`stop`.
        """
        self.draining = True
        log.info("draining: %d call(s) open, up to %.0f s", len(self.book.calls), self.settings.drain_timeout_s)
        try:
            async with asyncio.timeout(self.settings.drain_timeout_s):
                while self._links:
                    await asyncio.sleep(self.settings.poll_interval_s)
            log.info("drained: every call ended")
        except TimeoutError:
            log.warning("drain timeout: closing %d call(s)", len(self.book.calls))
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Stop accepting, close every connection (1001 on WebSockets), finalise every open call."""
        if self._server is None:
            return
        for tcp_server in self._tcp_servers.values():
            tcp_server.close()
        self._tcp.shutdown()
        self._server.close(close_connections=True)
        try:
            await asyncio.wait_for(self._server.wait_closed(), self.settings.shutdown_grace_s)
            for tcp_server in self._tcp_servers.values():
                await asyncio.wait_for(tcp_server.wait_closed(), self.settings.shutdown_grace_s)
        except TimeoutError:
            log.error("shutdown: calls still finalising after %.0f s, abandoned", self.settings.shutdown_grace_s)
        if self._poller:
            self._poller.cancel()
        if self._trimmer:
            self._trimmer.cancel()
        if self._own_asr and self._asr is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._asr.close)
        self._server = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _trim(self) -> None:
        """Every ``memory_trim_every_s``, hand freed memory back to the OS (off the loop: it may take ms)."""
        while True:
            await asyncio.sleep(self.settings.memory_trim_every_s)
            if await asyncio.to_thread(release_freed_memory):
                self.metrics.inc("callcoach_memory_trims_total")

    async def _poll(self) -> None:
        """Apply finished ASR results to every call and expire stale registrations, on the loop thread."""
        while True:
            await asyncio.sleep(self.settings.poll_interval_s)
            self.book.poll()
            self.book.expire(time.monotonic())

    # -- registration (protocols whose legs carry no metadata) ----------------------------
    def _register(self, endpoint: str, fields: dict[str, str]) -> str | None:
        spec = PROTOCOLS[endpoint]
        if spec.registration is None:
            return f"{endpoint} does not take call registrations"
        try:
            call_id = spec.registration.call_id(fields.get("uuid", ""))
        except ValueError as exc:
            return str(exc)
        language = fields.get("language") or None
        if language is not None and whisper_language(language) is None:
            return f"language {language[:40]!r} is not one Whisper knows (e.g. 'el', 'tr-TR')"
        ttl = self.settings.options(endpoint).registration_ttl_s
        self.book.register(endpoint, call_id, Registration(
            fields.get("agent_id", ""), language, time.monotonic() + ttl))
        return None

    # -- connections ------------------------------------------------------------------------
    def _link(self, endpoint: str, peer: str, send, party: str | None = None) -> Link:
        spec, s = PROTOCOLS[endpoint], self.settings
        adapter = spec.adapter(s.media, self.audio, s.options(endpoint), party=party)
        required = bool(s.credential(endpoint)) and spec.registration is not None
        return Link(endpoint, adapter, peer, self.book, self.metrics, send, reports_dir=Path(s.reports_dir),
                    max_call_s=s.max_call_s, registration_required=required)

    async def _handle_websocket(self, ws: ServerConnection) -> None:
        endpoint = ws.request.path.split("?", 1)[0].strip("/")
        link = self._link(endpoint, str(ws.remote_address), sender(ws))
        busy = self.refusing()
        if busy:  # lost a race with the handshake check
            link.error("capacity", f"{link.peer}: {busy}")
            await ws.close(CLOSE_CODES[Fault.TRY_AGAIN], busy)
            return
        self._links.add(link)
        try:
            await run_websocket(ws, link, self.settings.idle_timeout_s, self.settings.max_message_bytes)
        finally:
            self._links.discard(link)

    async def _handle_tcp(self, endpoint: str, party: str, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        peer = str(writer.get_extra_info("peername"))
        link = self._link(endpoint, peer, writer_sender(writer), party=party)
        busy = self.refusing()
        if busy:
            link.error("capacity", f"{peer}: {busy}")
            writer.close()
            return
        self._links.add(link)
        try:
            await self._tcp.run(link, reader, writer)
        finally:
            self._links.discard(link)
