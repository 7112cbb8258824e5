"""Egress: nudges, live state and call events out over MQTT.

``MqttSettings.from_config(config["mqtt"])`` reads the settings;
``EmbeddedBroker`` runs amqtt in-process when no broker is configured;
``Publisher`` owns the connection and the bounded outbox; ``MqttCallSink``
maps the pipeline's ``CallSink`` callbacks onto the topics of docs/contracts.md.
"""

from .broker import EmbeddedBroker
from .outbox import Backoff, Outbox, Outgoing
from .publisher import STATUS_OFFLINE, STATUS_ONLINE, Publisher, PublisherStats
from .settings import BrokerAddress, MqttSettings
from .sink import MqttCallSink
from .topics import Topics, is_valid_id

__all__ = [
    "STATUS_OFFLINE",
    "STATUS_ONLINE",
    "Backoff",
    "BrokerAddress",
    "EmbeddedBroker",
    "MqttCallSink",
    "MqttSettings",
    "Outbox",
    "Outgoing",
    "Publisher",
    "PublisherStats",
    "Topics",
    "is_valid_id",
]
