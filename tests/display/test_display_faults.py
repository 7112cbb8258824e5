"""The display under faults, in a real headless Chromium, against a real `coach serve` and its embedded broker.

The page reaches the broker through a TCP proxy run by the test
(``mqtt.display_ws_url`` points at it), which the test cuts and restores. What
must hold: a network cut loses no nudge that is still fresh when the network
is back, shows none that expired meanwhile, and shows a redelivered nudge once;
a desktop clock that is off (20 s, or days) neither hides fresh nudges nor
shows stale ones, and cards leave when their nudge expires on the server's
clock; a reload resumes the page's broker session, and a second tab for the
same agent gets a session of its own.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Callable

import aiomqtt
import pytest
from egress.helpers import WAIT_S, Info
from egress.mosquitto import free_port
from links.serve import CoachServe

from service.egress import MqttCallSink, Publisher

from .netcut import CuttableProxy
from .page import Browser
from .test_display import NUDGE
from .test_display_links import SERVICE_PASSWORD, link_for, service_settings

SECRET = "link-secret-of-the-display-fault-tests-0123"
EXPIRY_S = 8.0   # mqtt.nudge_expiry_s: short, so a nudge goes stale within the test
CARD_S = 60.0    # mqtt.display_card_s: longer than any test, so a card leaves only when its nudge expires
FADE_S = 1.0     # display.js FADE_MS: a card is removed this long after it starts to fade
ROOT = "callcoach/v1"
CONNECTED = 'document.body.dataset.connection === "connected"'
DISCONNECTED = 'document.body.dataset.connection !== "connected"'
# What reached the page's MQTT client, before the page judged it: ids of the nudges topic, in order.
RECORD_RECEIVED = """window.__received = [];
window.callcoachClient.on("message", (topic, payload) => {
  if (topic.endsWith("/nudges")) window.__received.push(JSON.parse(new TextDecoder().decode(payload)).id);
}); true"""


@pytest.fixture(scope="module")
def proxy_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def served(tmp_path_factory, proxy_port):
    mqtt = {"link_secret": SECRET, "password": SERVICE_PASSWORD, "nudge_expiry_s": EXPIRY_S,
            "display_card_s": CARD_S, "display_ws_url": f"ws://127.0.0.1:{proxy_port}"}
    with CoachServe(tmp_path_factory.mktemp("serve"), mqtt) as serve:
        yield serve


@pytest.fixture(scope="module")
def service(served, config):
    return service_settings(served, config, instance_id="display-fault-test", nudge_expiry_s=EXPIRY_S)


def nudge(message: str) -> dict:
    return {**NUDGE, "message": message}


def shown(card_id: str) -> str:
    """A page expression: true once a card with this id was added (even if it has gone since)."""
    return f"window.__cardLog.some((c) => c.event === 'added' && c.id === {json.dumps(card_id)})"


def removed(card_id: str) -> str:
    return f"window.__cardLog.some((c) => c.event === 'removed' && c.id === {json.dumps(card_id)})"


def times_added(log: list[dict], card_id: str) -> int:
    return sum(1 for c in log if c["event"] == "added" and c["id"] == card_id)


def at(log: list[dict], event: str, card_id: str) -> float:
    """When (the machine's real clock, Unix seconds) the card with this id was added or removed."""
    return next(c["wall"] for c in log if c["event"] == event and c["id"] == card_id) / 1000


class Tap:
    """The service's own MQTT login on the agent's nudges topic: sees what the page is sent, and sends it again."""

    def __init__(self, served: CoachServe, agent: str) -> None:
        self.topic = f"{ROOT}/agents/{agent}/nudges"
        self.client = aiomqtt.Client("127.0.0.1", served.tcp_port, identifier="fault-test-tap",
                                     username="callcoach", password=SERVICE_PASSWORD)
        self.payloads: dict[str, bytes] = {}
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> Tap:
        await self.client.__aenter__()
        await self.client.subscribe(self.topic, qos=1)
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self.client.__aexit__(None, None, None)

    async def _read(self) -> None:
        async for message in self.client.messages:
            self.payloads.setdefault(json.loads(message.payload)["id"], bytes(message.payload))

    async def sent(self, nudge_id: str) -> dict:
        """The nudge as the broker got it (waits until it did)."""
        async with asyncio.timeout(WAIT_S):
            while nudge_id not in self.payloads:
                await asyncio.sleep(0.02)
        return json.loads(self.payloads[nudge_id])

    async def send_again(self, nudge_id: str) -> None:
        """The same bytes, once more: what a QoS 1 redelivery looks like to the page."""
        await self.client.publish(self.topic, self.payloads[nudge_id], qos=1)


async def until_wall(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.time()))


def test_a_network_cut_loses_no_fresh_nudge_and_shows_no_stale_one(served, service, proxy_port, tmp_path):
    agent, info = "agent-f", Info(call_id="call-f", agent_id="agent-f")
    url = link_for(served, agent)

    async def scenario() -> tuple[list[dict], list[str], list[str], dict]:
        async with CuttableProxy(served.ws_port, proxy_port) as proxy, Publisher(service) as publisher, \
                Tap(served, agent) as tap, Browser(tmp_path / "profile") as browser:
            sink = MqttCallSink(publisher, service)
            page = await browser.open(url)
            await browser.wait(page, CONNECTED)
            await browser.eval(page, RECORD_RECEIVED)
            session = await browser.eval(page, "window.callcoachClient.options.clientId")
            sink.call_started(info)
            sink.nudge(info, nudge("Before the cut"))                       # call-f#1
            await browser.wait(page, shown("call-f#1"))

            await proxy.cut()
            await browser.wait(page, DISCONNECTED)
            sink.nudge(info, nudge("Stale by the time the network is back"))  # call-f#2
            stale = await tap.sent("call-f#2")
            await until_wall(stale["issued_at"] + EXPIRY_S + 0.5)           # its expiry passes while cut
            sink.nudge(info, nudge("Still fresh"))                          # call-f#3
            fresh = await tap.sent("call-f#3")
            await tap.send_again("call-f#3")                                # a duplicate, queued with it
            assert await browser.eval(page, "window.__received") == ["call-f#1"]  # nothing got through the cut

            await proxy.restore()
            await browser.wait(page, shown("call-f#3"))
            assert time.time() - fresh["issued_at"] < EXPIRY_S             # it arrived fresh (else the test proves nothing)
            await tap.send_again("call-f#3")                                # and again, live, after it was shown
            sink.nudge(info, nudge("After the restore"))                    # call-f#4
            await browser.wait(page, shown("call-f#4"))
            await asyncio.sleep(0.5)                                        # anything still on its way arrives
            facts = {"session_after": await browser.eval(page, "window.callcoachClient.options.clientId"),
                     "session": session, "connections": proxy.connections,
                     "messages": {c["id"]: c["message"] for c in await browser.card_log(page)}}
            return await browser.card_log(page), await browser.eval(page, "window.__received"), \
                await browser.errors(page), facts

    log, received, errors, facts = asyncio.run(scenario())
    assert errors == []
    assert facts["connections"] >= 2 and facts["session_after"] == facts["session"]  # reconnected, same session
    # The broker queued everything for the page's session, duplicates included; the page judged each.
    assert received.count("call-f#2") == 1 and received.count("call-f#3") >= 2
    assert times_added(log, "call-f#2") == 0                                 # stale: never shown, not even briefly
    assert times_added(log, "call-f#3") == 1 and facts["messages"]["call-f#3"] == "Still fresh"
    assert times_added(log, "call-f#1") == 1 and times_added(log, "call-f#4") == 1


@pytest.mark.parametrize("shift_s", [20.0, -20.0, 2 * 86400.0], ids=["ahead-20s", "behind-20s", "ahead-2-days"])
def test_a_wrong_desktop_clock_neither_hides_fresh_nudges_nor_shows_stale_ones(served, service, proxy_port,
                                                                                tmp_path, shift_s):
    agent = f"agent-c{round(shift_s)}"
    info, old = Info(call_id=f"call-c{round(shift_s)}", agent_id=agent), Info(call_id=f"call-o{round(shift_s)}",
                                                                              agent_id=agent)
    url = link_for(served, agent)   # valid 12 h: a page trusting a clock 2 days ahead would call it expired
    issued: list[float] = []

    def stamp(wall: Callable[[], float]) -> Callable[[], float]:
        def now() -> float:
            issued.append(wall())
            return issued[-1]
        return now

    async def scenario() -> tuple[list[dict], list[str], list[str], float, dict]:
        async with CuttableProxy(served.ws_port, proxy_port), Publisher(service) as publisher, \
                Browser(tmp_path / "profile", clock_shift_s=shift_s) as browser:
            page = await browser.open(url)
            await browser.wait(page, CONNECTED)
            await browser.eval(page, RECORD_RECEIVED)
            desktop_off = await browser.eval(page, "Date.now() - window.__realNow()") / 1000
            served_config = await asyncio.to_thread(read_config, served.http)
            served_config["read_at"] = time.time()
            # issued EXPIRY_S + 2 s ago on the server's clock: stale on arrival, whatever the desktop thinks
            MqttCallSink(publisher, service, wall=lambda: time.time() - EXPIRY_S - 2).nudge(old, nudge("Too old"))
            MqttCallSink(publisher, service, wall=stamp(time.time)).nudge(info, nudge("Fresh"))
            fresh = f"{info.call_id}#1"
            await browser.wait(page, shown(fresh))
            await browser.wait(page, removed(fresh), EXPIRY_S + WAIT_S)
            return await browser.card_log(page), await browser.eval(page, "window.__received"), \
                await browser.errors(page), desktop_off, served_config

    log, received, errors, desktop_off, served_config = asyncio.run(scenario())
    assert abs(desktop_off - shift_s) < 1                                    # the page's Date really is off
    assert abs(served_config["server_time_ms"] / 1000 - served_config["read_at"]) < 5  # /display/config.json: server's clock
    assert errors == []
    fresh, stale = f"{info.call_id}#1", f"{old.call_id}#1"
    assert received == [stale, fresh]                                        # both reached the page, in order
    assert times_added(log, stale) == 0
    assert times_added(log, fresh) == 1
    assert at(log, "added", fresh) - issued[0] < EXPIRY_S / 2               # shown at once
    # gone when the nudge expires on the server's clock (not after card_s, nor 20 s early or late)
    lived = at(log, "removed", fresh) - issued[0]
    assert EXPIRY_S + FADE_S - 0.5 < lived < EXPIRY_S + FADE_S + 3, lived


def read_config(base_url: str) -> dict:
    with urllib.request.urlopen(f"{base_url}/display/config.json", timeout=WAIT_S) as reply:
        return json.load(reply)


def test_a_reload_resumes_its_session_and_a_second_tab_gets_its_own(served, service, proxy_port, tmp_path):
    agent, info = "agent-t", Info(call_id="call-t", agent_id="agent-t")
    url = link_for(served, agent)
    session = "window.callcoachClient.options.clientId"

    async def scenario() -> dict:
        async with CuttableProxy(served.ws_port, proxy_port) as proxy, Publisher(service) as publisher, \
                Browser(tmp_path / "profile") as browser:
            sink = MqttCallSink(publisher, service)
            first = await browser.open(url)
            await browser.wait(first, CONNECTED)
            second = await browser.open(url)
            await browser.wait(second, CONNECTED)
            before = await browser.eval(first, session), await browser.eval(second, session)
            await browser.reload(first)
            sink.nudge(info, nudge("Sent while the first tab reloads"))  # call-t#1
            await browser.wait(first, shown("call-t#1"))
            await browser.wait(second, shown("call-t#1"))
            await asyncio.sleep(3)  # two tabs on one client id would now be taking each other over
            return {"before": before, "after": await browser.eval(first, session), "connections": proxy.connections,
                    "connected": [await browser.eval(p, CONNECTED) for p in (first, second)],
                    "errors": [*await browser.errors(first), *await browser.errors(second)]}

    facts = asyncio.run(scenario())
    first, second = facts["before"]
    assert first.startswith(f"display-{agent}-") and second.startswith(f"display-{agent}-") and first != second
    assert facts["after"] == first                  # the reload resumed the first tab's session
    assert facts["connections"] == 3                # first, second, first again: nobody was taken over
    assert facts["connected"] == [True, True] and facts["errors"] == []
