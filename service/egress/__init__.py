"""Egress: nudges, live state and call events out over MQTT.

``MqttSettings.from_config(config["mqtt"])`` reads the settings;
``EmbeddedBroker`` runs amqtt in-process when no broker is configured, under
the ``AccessPolicy`` (who logs in, who reads what) with the signed display
tokens of ``tokens``;
``Publisher`` owns the connection and the bounded outbox; ``MqttCallSink``
maps the pipeline's ``CallSink`` callbacks onto the topics of docs/contracts.md.
"""

from .access import AccessPolicy, Login, LoginRefused
from .broker import EmbeddedBroker
from .outbox import Backoff, Outbox, Outgoing
from .publisher import STATUS_OFFLINE, STATUS_ONLINE, Publisher, PublisherStats
from .settings import BrokerAddress, MqttSettings, Team
from .sink import MqttCallSink
from .tokens import Identity, TokenError, broker_password, sign_token, verify_token
from .topics import Topics, is_valid_id

__all__ = [
    "STATUS_OFFLINE",
    "STATUS_ONLINE",
    "AccessPolicy",
    "Backoff",
    "BrokerAddress",
    "EmbeddedBroker",
    "Identity",
    "Login",
    "LoginRefused",
    "MqttCallSink",
    "MqttSettings",
    "Outbox",
    "Outgoing",
    "Publisher",
    "PublisherStats",
    "Team",
    "TokenError",
    "Topics",
    "broker_password",
    "is_valid_id",
    "sign_token",
    "verify_token",
]
