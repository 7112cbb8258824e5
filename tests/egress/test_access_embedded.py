"""The embedded broker under its access rules, with the real publisher: who gets in, who reads what.

Every client here is a real MQTT client on loopback (TCP, or WebSockets like
the browser); the service publishes through ``Publisher`` and ``MqttCallSink``
exactly as ``coach serve`` does.
"""

from __future__ import annotations

import asyncio
import json

import aiomqtt
import pytest

from service.config import ConfigError
from service.egress import EmbeddedBroker, Identity, MqttCallSink, Publisher

from .helpers import WAIT_S, Info
from .logins import QA_PASSWORD, SERVICE_PASSWORD, embedded_settings, token_login

ROOT = "callcoach/v1"
NUDGE = {"kind": "jargon", "t": 3.0, "speaker": "agent", "severity": "info", "message": "Plain words",
         "evidence": {"start": 2.0, "end": 3.0}}
AGENT_1, AGENT_2 = Identity("agent", "agent-1"), Identity("agent", "agent-2")
SUPERVISOR = Identity("supervisor", "boss", "billing")  # billing = agent-1 (logins.embedded_settings)
SUBACK_FAILURE = 0x80


def granted(codes) -> list[bool]:
    return [getattr(code, "value", code) < SUBACK_FAILURE for code in codes]


def client(settings, identifier: str, *, websockets: bool = False, **login) -> aiomqtt.Client:
    port = settings.embedded_ws_port if websockets else settings.embedded_tcp_port
    extra = {"transport": "websockets", "websocket_path": "/"} if websockets else {}
    return aiomqtt.Client("127.0.0.1", port, identifier=identifier, **extra, **login)


async def until(messages, stop_topic: str) -> list[tuple[str, dict]]:
    """Every message up to and including the first on ``stop_topic``."""
    seen = []
    async with asyncio.timeout(WAIT_S):
        async for message in messages:
            seen.append((str(message.topic), json.loads(message.payload)))
            if str(message.topic) == stop_topic:
                return seen
    return seen


def test_each_login_reads_only_what_it_is_granted(settings):
    settings = embedded_settings(settings)

    async def scenario():
        async with EmbeddedBroker(settings), Publisher(settings) as publisher, \
                client(settings, "display-agent-1-ws", websockets=True, **token_login(AGENT_1)) as display, \
                client(settings, "supervisor-boss-1", **token_login(SUPERVISOR)) as supervisor, \
                client(settings, "qa-1", username="qa", password=QA_PASSWORD) as qa:
            sink = MqttCallSink(publisher, settings)
            sink.call_started(Info(call_id="c2", agent_id="agent-2"))  # retained state of agent-2 first
            assert await publisher.flush(WAIT_S)
            asked = {
                "#": await display.subscribe("#", qos=1),
                "agents/+": await display.subscribe(f"{ROOT}/agents/+/#", qos=1),
                "agent-2": await display.subscribe(f"{ROOT}/agents/agent-2/state", qos=1),
                "calls": await display.subscribe(f"{ROOT}/calls/#", qos=1),
                "own": await display.subscribe(f"{ROOT}/agents/agent-1/#", qos=1),
                "sup team agent": await supervisor.subscribe(f"{ROOT}/agents/agent-1/#", qos=1),
                "sup team": await supervisor.subscribe(f"{ROOT}/teams/billing/#", qos=1),
                "sup other": await supervisor.subscribe(f"{ROOT}/agents/agent-2/#", qos=1),
                "qa calls": await qa.subscribe(f"{ROOT}/calls/#", qos=1),
                "qa agents": await qa.subscribe(f"{ROOT}/agents/#", qos=1),
            }
            sink.nudge(Info(call_id="c2", agent_id="agent-2"), NUDGE)
            sink.transcript(Info(call_id="c2", agent_id="agent-2"), {"speaker": "agent", "start": 0.0, "end": 1.0,
                                                                      "text": "hello", "language": "en"})
            sink.call_started(Info(call_id="c1", agent_id="agent-1"))
            sink.nudge(Info(call_id="c1", agent_id="agent-1"), NUDGE)
            assert await publisher.flush(WAIT_S)
            own_nudge = f"{ROOT}/agents/agent-1/nudges"
            return (asked, await until(display.messages, own_nudge), await until(supervisor.messages, own_nudge),
                    await until(qa.messages, f"{ROOT}/calls/c1/events"))

    asked, display, supervisor, qa = asyncio.run(scenario())
    assert {name: granted(codes) for name, codes in asked.items()} == {
        "#": [False], "agents/+": [False], "agent-2": [False], "calls": [False], "own": [True],
        "sup team agent": [True], "sup team": [True], "sup other": [False], "qa calls": [True], "qa agents": [False]}
    # agent-2's retained state, nudge, call events and transcript came first: none reached agent-1's display
    assert [t for t, _ in display] == [f"{ROOT}/agents/agent-1/state", f"{ROOT}/agents/agent-1/nudges"]
    assert [t for t, _ in supervisor if "/teams/" not in t] == [t for t, _ in display]
    assert f"{ROOT}/teams/billing/roster" in [t for t, _ in supervisor]  # its own team's roster, retained
    assert [t for t, _ in qa] == [f"{ROOT}/calls/c2/transcript", f"{ROOT}/calls/c1/events"]  # after it subscribed


@pytest.mark.parametrize("login", [
    pytest.param({}, id="anonymous"),
    pytest.param(token_login(AGENT_1, ttl_s=-1), id="expired token"),
    pytest.param(token_login(AGENT_1, secret="a different secret of the same length!!!!!"), id="forged token"),
    pytest.param({**token_login(AGENT_1), "username": AGENT_2.username}, id="another agent's token"),
    pytest.param({"username": "agent-1", "password": "agent-1"}, id="bare id"),
    pytest.param({"username": "callcoach", "password": "guess"}, id="service without its password"),
    pytest.param({"username": "qa", "password": "guess"}, id="qa without its password"),
    pytest.param({**token_login(AGENT_1), "will": aiomqtt.Will(f"{ROOT}/agents/agent-2/nudges", b"{}")},
                 id="agent with a Will"),
])
@pytest.mark.parametrize("websockets", [False, True], ids=["tcp", "ws"])
def test_refused_at_connect(settings, login, websockets):
    settings = embedded_settings(settings)

    async def scenario():
        async with EmbeddedBroker(settings):
            with pytest.raises(aiomqtt.MqttError):
                async with client(settings, "display-agent-1-1", websockets=websockets, **login):
                    pass

    asyncio.run(scenario())


def test_only_the_service_publishes(settings):
    """A display's publish to another agent's topic is dropped; the service's goes through."""
    settings = embedded_settings(settings)
    topic = f"{ROOT}/agents/agent-2/nudges"

    async def scenario():
        async with EmbeddedBroker(settings), \
                client(settings, "svc", username="callcoach", password=SERVICE_PASSWORD) as service, \
                client(settings, "display-agent-1-1", **token_login(AGENT_1)) as display:
            await service.subscribe(topic, qos=1)
            await display.publish(topic, b'{"forged": true}', qos=1)
            await service.publish(topic, b'{"forged": false}', qos=1)
            return await until(service.messages, topic)

    assert [payload for _, payload in asyncio.run(scenario())] == [{"forged": False}]


def test_a_token_that_expires_while_connected_grants_nothing_more(settings):
    settings = embedded_settings(settings)
    now = [1_700_000_000.0]
    login = token_login(AGENT_1, ttl_s=60)  # signed against the real clock: far ahead of the broker's fake one

    async def scenario():
        async with EmbeddedBroker(settings, clock=lambda: now[0]), \
                client(settings, "display-agent-1-1", **login) as display:
            before = await display.subscribe(f"{ROOT}/agents/agent-1/nudges", qos=1)
            now[0] = 4_000_000_000.0  # the broker's clock passes the token's expiry
            after = await display.subscribe(f"{ROOT}/agents/agent-1/state", qos=1)
            return granted(before), granted(after)

    assert asyncio.run(scenario()) == ([True], [False])


def test_off_loopback_without_a_link_secret_the_broker_does_not_start(settings):
    settings = embedded_settings(settings, embedded_host="0.0.0.0", link_secret="")

    async def scenario():
        with pytest.raises(ConfigError, match="refusing to run the embedded MQTT broker on 0.0.0.0"):
            await EmbeddedBroker(settings).start()

    asyncio.run(scenario())


def test_another_agents_retained_state_never_reaches_a_display_on_connect(settings):
    """amqtt hands a new session retained messages for every client's filters; only readable ones may go out."""
    settings = embedded_settings(settings)

    async def scenario():
        async with EmbeddedBroker(settings), Publisher(settings) as publisher:
            sink = MqttCallSink(publisher, settings)
            sink.call_started(Info(call_id="c2", agent_id="agent-2"))  # agent-2's retained state
            assert await publisher.flush(WAIT_S)
            async with aiomqtt.Client("127.0.0.1", settings.embedded_tcp_port, identifier="display-agent-2-1",
                                      clean_session=False, **token_login(AGENT_2)) as other:
                await other.subscribe(f"{ROOT}/agents/agent-2/#", qos=1)  # a persistent session, then offline
            received: list[str] = []
            async with client(settings, "display-agent-1-1", **token_login(AGENT_1)) as display:
                await display.subscribe(f"{ROOT}/agents/agent-1/#", qos=1)
                sink.call_started(Info(call_id="c1", agent_id="agent-1"))
                assert await publisher.flush(WAIT_S)
                async with asyncio.timeout(WAIT_S):
                    async for message in display.messages:
                        received.append(str(message.topic))
                        if str(message.topic) == f"{ROOT}/agents/agent-1/state":
                            break
            return received

    assert asyncio.run(scenario()) == [f"{ROOT}/agents/agent-1/state"]
