"""The agent display in a real headless Chromium, fed by the real publisher through Mosquitto."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

from egress.helpers import WAIT_S, Info
from egress.mosquitto import Mosquitto

from service.coaching.kinds import display_labels
from service.coaching.loader import pack_languages
from service.display import asset
from service.egress import MqttCallSink, MqttSettings, Publisher
from service.links import mint_display_link

from .page import ROOT, page_strings, problem, show

ARTIFACTS = ROOT / "tests" / "artifacts"
SECRET = "link-secret-of-the-display-tests-0123456789"
NUDGE = {"kind": "interruption", "t": 9.9, "speaker": "agent", "severity": "warn",
         "message": "Let the customer finish", "evidence": {"start": 9.1, "end": 9.9, "text": "but I already told you"}}
# Published before NUDGE without a message: the page must fall back to the kind's label from config.json.
UNWORDED_KUDOS = {"kind": "customer_name", "t": 9.5, "evidence": {"start": 9.0, "end": 9.5, "text": "Thanks, Maria"}}


class DisplayServer:
    """Serves the display as ``coach serve`` must: /display, /display/<file>, /display/config.json (with the labels
    and the server's clock)."""

    def __init__(self, settings: MqttSettings, language: str, missing: tuple[str, ...] = ()) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/display/config.json":
                    host = self.headers.get("Host", "127.0.0.1").rsplit(":", 1)[0]
                    served = {**settings.display_config(host, language), "labels": display_labels(),
                              "server_time_ms": round(time.time() * 1000)}
                    body, kind = json.dumps(served).encode(), "application/json"
                else:
                    name = path.removeprefix("/display").lstrip("/")
                    found = asset(name) if path.startswith("/display") and name not in missing else None
                    if found is None:
                        self.send_error(404)
                        return
                    body, kind = found.body, found.content_type
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=outer.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_asset_serves_only_page_files():
    assert asset("").content_type.startswith("text/html")
    assert asset("display.js") is not None and asset("mqtt.min.js") is not None
    for hidden in ("__init__.py", "vendor.py", ".gitignore", "../display/index.html", "nope.css"):
        assert asset(hidden) is None


def test_display_shows_a_published_nudge(tmp_path, config):
    (tmp_path / "broker").mkdir()
    broker = Mosquitto(tmp_path / "broker", ws=True)
    base = MqttSettings.from_config(config["mqtt"])
    settings = dataclasses.replace(base, instance_id="display-test", display_ws_url=broker.ws_url,
                                   broker_url=broker.url, link_secret=SECRET)
    info = Info(agent_id="agent-42")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "display.png"
    screenshot.unlink(missing_ok=True)

    async def scenario(url: str) -> dict:
        async with Publisher(settings) as publisher:
            sink = MqttCallSink(publisher, settings)
            sink.call_started(info)
            sink.state(info, {"status": "active", "t": 9.0,
                              "metrics": {"talk_ratio_agent": 0.62, "interruptions_by_agent": 2}})
            assert await publisher.flush(WAIT_S)

            async def publish() -> None:
                sink.kudos(info, UNWORDED_KUDOS)
                sink.nudge(info, NUDGE)

            return await show(url, screenshot, tmp_path / "profile", publish)

    broker.start()
    try:
        with DisplayServer(settings, "en") as server:
            # an external broker: the link carries the agent's broker password (this Mosquitto takes any)
            link = mint_display_link(settings, "agent-42", default_base_url=f"http://127.0.0.1:{server.port}",
                                     now=time.time())
            shown = asyncio.run(scenario(link.url))
    finally:
        broker.stop()

    assert shown["errors"] == []
    assert shown["kind"] == "interruption" and shown["severity"] == "warn"
    assert shown["message"] == "Let the customer finish" and shown["id"].startswith("call-1#")
    label = display_labels()["en"]["customer_name"]
    assert shown["shown"] == {"interruption": NUDGE["message"], "customer_name": label}
    assert shown["evidenceShown"] and shown["expanded"] == "true"
    assert "but I already told you" in shown["evidence"] and "0:09" in shown["evidence"]
    assert shown["liveRegion"] == "polite" and shown["focusUntouched"]
    assert shown["ratio"] == "62" and shown["interruptions"] == "2"
    assert shown["connection"] == "Live" and shown["lang"] == "en" and shown["title"] == "Coach"
    assert shown["cards"] == 2 and shown["cardsAfterEscape"] == 1
    assert screenshot.stat().st_size > 0


def test_every_pack_language_has_every_interface_string(config):
    """One table of interface strings per language of the phrase packs, each complete; kind labels are served."""
    strings = page_strings()
    assert sorted(strings) == list(pack_languages(tuple(config["coaching"]["phrases_dirs"])))
    english = strings["en"]
    for language, table in strings.items():
        assert set(table) == set(english), language
        assert all(isinstance(v, str) and v for v in table.values()), language
    assert strings["el"]["title"] != english["title"] and strings["tr"]["why"] != english["why"]


def test_page_explains_a_missing_mqtt_library(tmp_path, config):
    """Setup skipped `python -m service.display.vendor`: the page says what to run."""
    settings = dataclasses.replace(MqttSettings.from_config(config["mqtt"]), link_secret=SECRET)
    with DisplayServer(settings, "en", missing=("mqtt.min.js",)) as server:
        link = mint_display_link(settings, "agent-1", default_base_url=f"http://127.0.0.1:{server.port}",
                                 now=time.time())
        shown = problem(link.url, tmp_path / "profile")
    assert "python -m service.display.vendor" in shown["problem"] and "npm ci" in shown["problem"]
    assert shown["role"] == "alert" and shown["connection"] == "offline"
