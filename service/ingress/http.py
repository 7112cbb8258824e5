"""The plain HTTP endpoints that share the WebSocket port.

``/healthz`` (liveness), ``/readyz`` (readiness for a load balancer) and
``/metrics`` for operations, ``/display`` (the agent page)
and ``/display/config.json`` (where it finds the broker, and the kind labels),
``/display-link`` (signed display links, ``service.links.endpoint``),
and ``/<protocol>/calls`` for protocols whose legs carry no call metadata
(AudioSocket): the dialplan registers a call's agent and language there
before its legs connect. websockets answers only GET requests, which is what
Asterisk's ``CURL(url)`` sends, so registration is a GET with a query.
Anything else under a protocol's path is the WebSocket handshake, checked
here before it is upgraded.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from service.display import asset
from service.egress import MqttSettings
from service.links import endpoint as display_link
from service.protocols import PROTOCOLS, Handshake

from .metrics import CONTENT_TYPE, Metrics
from .settings import ServerSettings

__all__ = ["HttpRoutes", "json_response", "response", "text_response"]

log = logging.getLogger(__name__)

_REGISTER_SUFFIX = "/calls"
_MS_PER_S = 1000


def response(status: int, body: bytes, content_type: str) -> Response:
    headers = Headers({"Content-Type": content_type, "Content-Length": str(len(body)), "Cache-Control": "no-cache"})
    return Response(status, _REASONS.get(status, ""), headers, body)


def text_response(status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> Response:
    return response(status, text.encode(), content_type)


def json_response(status: int, value: object) -> Response:
    return text_response(status, json.dumps(value) + "\n", "application/json")


_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
            503: "Service Unavailable"}


@dataclass
class HttpRoutes:
    """Answers a request before any WebSocket upgrade; None lets the handshake go on."""

    config: dict
    settings: ServerSettings
    metrics: Metrics
    register: Callable[[str, dict[str, str]], str | None]  # (endpoint, fields) -> error or None
    unready: Callable[[], str | None]  # why this replica takes no new call now, or None
    refusing: Callable[[], str | None]  # why a new call is refused now (at capacity, draining), or None
    labels: dict[str, dict[str, str]]  # language -> kind -> label, for the display

    def __call__(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0].rstrip("/") or "/"
        if path == "/healthz":  # liveness only: the process answers
            return text_response(200, "ok\n")
        if path == "/readyz":  # for the load balancer: may this replica get new calls?
            reason = self.unready()
            return text_response(503, f"not ready: {reason}\n") if reason else text_response(200, "ready\n")
        if path == "/metrics":
            return text_response(200, self.metrics.render(), CONTENT_TYPE)
        if path == "/display/config.json":
            return self._display_config(request)
        if path == display_link.PATH:  # signed display links for the desktop integration
            mqtt = MqttSettings.from_config(self.config["mqtt"])
            return json_response(*display_link.display_link_reply(mqtt, request.path, request.headers))
        if path == "/supervisor":  # a team's supervisor view (its files are served under /display/)
            found = asset("supervisor.html")
            return text_response(404, "not found\n") if found is None else response(200, found.body, found.content_type)
        if path == "/display" or path.startswith("/display/"):
            found = asset(path.removeprefix("/display").lstrip("/"))
            return text_response(404, "not found\n") if found is None else response(200, found.body, found.content_type)
        endpoint = path.lstrip("/").removesuffix(_REGISTER_SUFFIX)
        if endpoint not in self.settings.endpoints:
            return text_response(404, "not found\n")
        refused = self._authenticate(endpoint, request)
        if refused:
            self._error(endpoint, "auth", f"{connection.remote_address}: {refused}")
            return text_response(401, refused + "\n")
        if path.endswith(_REGISTER_SUFFIX):
            return self._register(endpoint, request)
        if PROTOCOLS[endpoint].transport != "websocket":
            return text_response(404, "not found\n")
        busy = self.refusing()
        if busy:
            self._error(endpoint, "capacity", f"refused {connection.remote_address}: {busy}")
            return text_response(503, busy + "\n")
        return None

    def _authenticate(self, endpoint: str, request: Request) -> str | None:
        if not self.settings.credential(endpoint):
            return None
        return PROTOCOLS[endpoint].authenticate(self.settings.options(endpoint), Handshake(request.path,
                                                                                        request.headers))

    def _register(self, endpoint: str, request: Request) -> Response:
        handshake = Handshake(request.path, request.headers)
        fields = {name: value for name in ("uuid", "agent_id", "language") if (value := handshake.query(name))}
        problem = self.register(endpoint, fields)
        if problem:
            self._error(endpoint, "bad_registration", problem)
            return json_response(400, {"error": problem})
        return json_response(201, {"registered": fields["uuid"]})

    def _display_config(self, request: Request) -> Response:
        """Where the display finds the broker (the host the browser used, or mqtt.display_ws_url), labels, and
        this server's clock (Unix ms), by which the page judges a nudge's age instead of the desktop's clock."""
        host = request.headers.get("Host", "127.0.0.1")
        page_host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        settings = MqttSettings.from_config(self.config["mqtt"])
        body = settings.display_config(page_host, self.config["nudges"]["display_language"])
        body["labels"] = self.labels
        body["server_time_ms"] = round(time.time() * _MS_PER_S)
        return json_response(200, body)

    def _error(self, endpoint: str, kind: str, message: str) -> None:
        self.metrics.inc("callcoach_errors_total", endpoint=endpoint, type=kind)
        log.warning("%s: %s", kind, message)
