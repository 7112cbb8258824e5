"""Links through a real `coach serve`: GET /display-link, `coach display-link`, and its embedded broker checking them."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import aiomqtt
import pytest

from .serve import CoachServe, run_coach, write_config

SECRET = "link-secret-of-the-serve-tests-0123456789"
ADMIN = "admin-token-of-the-serve-tests"
SERVICE_PASSWORD = "service-password-of-the-serve-tests"
ROOT = "callcoach/v1"
WAIT_S = 30.0
SUBACK_FAILURE = 0x80


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with CoachServe(tmp_path_factory.mktemp("serve"), {"link_secret": SECRET, "link_admin_token": ADMIN,
                                                       "password": SERVICE_PASSWORD}) as serve:
        yield serve


def get(url: str, **headers: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=WAIT_S) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def login_of(url: str) -> dict[str, str]:
    """The MQTT login a display opened at ``url`` uses with the embedded broker."""
    params = parse_qs(urlsplit(url).query)
    return {"username": f"agent:{params['agent'][0]}", "password": params["token"][0]}


def test_the_endpoint_answers_only_the_desktop_integration(served):
    assert get(f"{served.http}/display-link?agent=A17")[0] == 401
    assert get(f"{served.http}/display-link?agent=A17", Authorization="Bearer guess")[0] == 401
    status, body = get(f"{served.http}/display-link?agent=A17&ttl=120", Authorization=f"Bearer {ADMIN}")
    assert status == 200 and body["url"].startswith(f"{served.http}/display?agent=A17&token=v1.")
    assert get(f"{served.http}/display-link?agent=a%2Fb", Authorization=f"Bearer {ADMIN}")[0] == 400
    assert ADMIN not in served.log.read_text() and SECRET not in served.log.read_text()


def test_the_command_prints_a_link_the_broker_accepts_for_that_agent_only(served):
    made = run_coach("display-link", "agent-a", "--ttl", "300", "--config", str(served.config))
    assert made.returncode == 0, made.stderr
    url = made.stdout.strip()
    assert url.startswith(f"{served.http}/display?agent=agent-a&token=v1.") and "valid until" in made.stderr

    async def scenario():
        broker = {"hostname": "127.0.0.1", "port": served.tcp_port}
        async with aiomqtt.Client(**broker, identifier="display-agent-a-1", **login_of(url)) as display_a, \
                aiomqtt.Client(**broker, identifier="svc", username="callcoach", password=SERVICE_PASSWORD) as svc:
            asked = [await display_a.subscribe(f"{ROOT}/agents/{agent}/#", qos=1) for agent in ("agent-b", "agent-a")]
            asked.append(await display_a.subscribe(f"{ROOT}/calls/#", qos=1))
            for agent in ("agent-b", "agent-a"):
                await svc.publish(f"{ROOT}/agents/{agent}/nudges", json.dumps({"for": agent}), qos=1)
            async with asyncio.timeout(WAIT_S):
                async for message in display_a.messages:
                    return asked, str(message.topic), json.loads(message.payload)

    asked, topic, payload = asyncio.run(scenario())
    assert [getattr(codes[0], "value", codes[0]) < SUBACK_FAILURE for codes in asked] == [False, True, False]
    assert (topic, payload) == (f"{ROOT}/agents/agent-a/nudges", {"for": "agent-a"})  # agent-b's came first

    async def intruders():
        for login in ({}, {"username": "agent:agent-b", "password": login_of(url)["password"]}):
            with pytest.raises(aiomqtt.MqttError):
                async with aiomqtt.Client("127.0.0.1", served.tcp_port, **login):
                    pass

    asyncio.run(intruders())


def test_without_an_admin_token_there_is_no_endpoint(tmp_path):
    with CoachServe(tmp_path, {"link_secret": SECRET}) as serve:
        assert get(f"{serve.http}/display-link?agent=A17", Authorization="Bearer ")[0] == 404


def test_the_command_without_a_secret_says_what_to_set(tmp_path):
    made = run_coach("display-link", "A17", "--config", str(write_config(tmp_path / "c.toml", {"mqtt": {}})))
    assert made.returncode == 2 and "[mqtt] link_secret" in made.stderr and not made.stdout


def test_the_broker_password_is_printed_for_mosquitto_passwd(tmp_path):
    """Without rotation (broker_password_period_s = 0, the default): the agent's lasting password."""
    config = write_config(tmp_path / "c.toml", {"mqtt": {"link_secret": SECRET}})
    first, again = (run_coach("display-link", "A17", "--broker-password", "--config", str(config)) for _ in range(2))
    other = run_coach("display-link", "A18", "--broker-password", "--config", str(config))
    assert first.returncode == 0 and first.stdout == again.stdout != other.stdout and len(first.stdout.strip()) >= 40
    rotating = run_coach("display-link", "A17", "--broker-password", "--config",
                         str(write_config(tmp_path / "r.toml", {"mqtt": {"link_secret": SECRET,
                                                                          "broker_password_period_s": 3600}})))
    assert rotating.returncode == 2 and "coach broker-passwords" in rotating.stderr and not rotating.stdout


def test_serve_refuses_an_embedded_broker_off_loopback_without_a_link_secret(tmp_path):
    """Refused before anything listens (the bind address is never opened): one line, exit 2."""
    config = write_config(tmp_path / "c.toml", {"asr": {"engine": "none"},
                                                "mqtt": {"embedded_host": "0.0.0.0", "link_secret": ""}})
    refused = run_coach("serve", "--config", str(config))
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert refused.returncode == 2 and len(lines) == 1, refused.stderr
    assert "refusing to run the embedded MQTT broker on 0.0.0.0" in lines[0] and "link_secret" in lines[0]
