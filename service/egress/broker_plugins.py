"""amqtt plugins that put the embedded broker under :class:`~service.egress.access.AccessPolicy`.

Why two thin plugins: amqtt asks authentication plugins at CONNECT and topic
plugins at SUBSCRIBE, PUBLISH and before each delivery (RECEIVE); both only
ask the policy. The topic plugin logs in again from the session's credentials
each time instead of remembering the first answer, so a link that expires
while its display is connected stops delivering at once (the check is one
HMAC). A Will is refused at CONNECT unless its login may write: amqtt
publishes a Will without asking the topic plugins. A client id outside the
login's namespace is refused at CONNECT too (``AccessPolicy.admit``), so no
display can take another identity's session over; ``broker._Broker`` asks the
same :func:`admit` before amqtt touches an existing session, since amqtt takes
a session over before it calls this plugin.

The policy reaches the plugins through amqtt's plugin configuration (the
``policy`` key of each plugin's entry), which amqtt hands over unchanged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import Session

from .access import AccessPolicy, Login, LoginRefused

__all__ = ["AccessAuthPlugin", "AccessTopicPlugin", "admit", "plugin_config"]

log = logging.getLogger(__name__)


def plugin_config(policy: AccessPolicy) -> dict[str, dict[str, Any]]:
    """The ``plugins`` entry of an amqtt broker configuration enforcing ``policy``."""
    return {f"{__name__}.{plugin.__name__}": {"policy": policy} for plugin in (AccessAuthPlugin, AccessTopicPlugin)}


def _text(password: str | bytes | None) -> str | None:
    return password.decode() if isinstance(password, bytes) else password


def _login(policy: AccessPolicy, session: Session | None) -> Login:
    if session is None:
        raise LoginRefused("no session")
    return policy.login(session.username, _text(session.password))


def admit(policy: AccessPolicy, username: str | None, password: str | bytes | None, client_id: str | None,
          will: bool) -> Login:
    """A CONNECT's login (amqtt's values as they come); a refusal is logged with its reason, then raised."""
    try:
        return policy.admit(username, _text(password), client_id or "", will=will)
    except LoginRefused as exc:
        log.warning("embedded broker: refused login %r with client id %r: %s", username, client_id, exc)
        raise


class AccessAuthPlugin(BaseAuthPlugin):
    """CONNECT: only the service, ``qa`` and holders of a valid display link, each with a client id of its own."""

    @dataclass
    class Config:
        policy: Any = None  # an AccessPolicy; Any so amqtt's config check passes it through as it is

    async def authenticate(self, *, session: Session) -> bool:
        try:
            admit(self.config.policy, session.username, session.password, session.client_id, bool(session.will_flag))
        except LoginRefused:
            return False
        return True


class AccessTopicPlugin(BaseTopicPlugin):
    """SUBSCRIBE, RECEIVE: only what the login may read; PUBLISH: only the service."""

    @dataclass
    class Config:
        policy: Any = None  # an AccessPolicy, as for AccessAuthPlugin

    async def topic_filtering(self, *, session: Session | None = None, topic: str | None = None,
                              action: Action | None = None) -> bool:
        try:
            login = _login(self.config.policy, session)
        except LoginRefused:
            return False
        if not topic:
            return False
        return login.writes if action == Action.PUBLISH else login.may_read(topic)
