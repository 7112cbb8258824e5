"""Client ids on the embedded broker: each login keeps to its namespace, so nobody takes another's session over.

The rules are pure (``AccessPolicy.admit``); the broker test uses real clients
and checks that the victim, a display or the service's publisher, keeps its
connection and still receives.
"""

from __future__ import annotations

import asyncio

import aiomqtt
import pytest

from service.egress import EmbeddedBroker, Identity, MqttCallSink, Publisher
from service.egress.access import AccessPolicy, ClientIdRefused

from .helpers import WAIT_S, Info
from .logins import QA_PASSWORD, SERVICE_PASSWORD, embedded_settings, token_login

ROOT = "callcoach/v1"
IDENTIFIER_REJECTED = 133  # MQTT 3.1.1's 0x02, as paho reports it
NUDGE = {"kind": "jargon", "t": 3.0, "speaker": "agent", "severity": "info", "message": "Plain words",
         "evidence": {"start": 2.0, "end": 3.0}}
A, A_B, BOSS = Identity("agent", "a"), Identity("agent", "a-b"), Identity("supervisor", "boss", "billing")


@pytest.mark.parametrize(("identity", "client_id", "admitted"), [
    (A, "display-a-0123456789abcdef", True),  # what the display page uses
    (A, "display-a-b-1", False),  # agent a-b's namespace, not a's
    (A_B, "display-a-b-1", True),
    (A, "display-a-", False), (A, "display-a", False), (A, "", False), (A, "callcoach-test", False),
    (BOSS, "supervisor-boss-0123456789ab", True),  # what the supervisor page uses
    (BOSS, "display-a-1", False),
])
def test_a_display_link_admits_only_its_own_client_ids(settings, identity, client_id, admitted):
    policy = AccessPolicy(embedded_settings(settings), clock=lambda: 0.0)
    login = token_login(identity)
    if admitted:
        assert policy.admit(login["username"], login["password"], client_id, will=False).name == identity.username
    else:
        with pytest.raises(ClientIdRefused, match=f"display-{identity.id}-|supervisor-{identity.id}-"):
            policy.admit(login["username"], login["password"], client_id, will=False)


def test_qa_keeps_to_qa_and_the_service_takes_any_id(settings):
    policy = AccessPolicy(embedded_settings(settings), clock=lambda: 0.0)
    assert policy.admit("qa", QA_PASSWORD, "qa-dashboard", will=False).name == "qa"
    with pytest.raises(ClientIdRefused):
        policy.admit("qa", QA_PASSWORD, "callcoach-test", will=False)
    for client_id in ("callcoach-test", "archive-host", "", "display-a-1"):
        assert policy.admit("callcoach", SERVICE_PASSWORD, client_id, will=True).writes


@pytest.mark.parametrize("websockets", [False, True], ids=["tcp", "ws"])
def test_nobody_disconnects_a_display_or_the_publisher_by_reusing_its_client_id(settings, websockets):
    settings = embedded_settings(settings, instance_id="test")
    port = settings.embedded_ws_port if websockets else settings.embedded_tcp_port
    extra = {"transport": "websockets", "websocket_path": "/"} if websockets else {}
    victim_id = "display-agent-2-0123456789abcdef"
    attempts = [  # (client id, login): another agent's display, qa, anonymous
        (victim_id, token_login(Identity("agent", "agent-1"))),
        ("callcoach-test", token_login(Identity("agent", "agent-1"))),  # the publisher's id
        (victim_id, {"username": "qa", "password": QA_PASSWORD}),
        ("callcoach-test", {}),
        (victim_id, {}),
    ]

    async def scenario():
        codes = []
        async with EmbeddedBroker(settings), Publisher(settings) as publisher, \
                aiomqtt.Client("127.0.0.1", settings.embedded_tcp_port, identifier=victim_id, clean_session=False,
                               **token_login(Identity("agent", "agent-2"))) as victim:
            await victim.subscribe(f"{ROOT}/agents/agent-2/#", qos=1)
            for client_id, login in attempts:
                try:
                    async with aiomqtt.Client("127.0.0.1", port, identifier=client_id, **extra, **login):
                        codes.append("admitted")
                except aiomqtt.MqttCodeError as exc:
                    codes.append(exc.rc if isinstance(exc.rc, int) else exc.rc.value)
            sink = MqttCallSink(publisher, settings)
            sink.nudge(Info(call_id="c2", agent_id="agent-2"), NUDGE)
            assert await publisher.flush(WAIT_S)  # the publisher kept its connection
            async with asyncio.timeout(WAIT_S):
                async for message in victim.messages:  # so did the display, with its subscription
                    return codes, str(message.topic), publisher.stats()

    codes, topic, stats = asyncio.run(scenario())
    assert codes[:3] == [IDENTIFIER_REJECTED] * 3 and "admitted" not in codes
    assert topic == f"{ROOT}/agents/agent-2/nudges" and (stats.connects, stats.connection_errors) == (1, 0)
