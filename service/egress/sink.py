"""``MqttCallSink``: the pipeline's callbacks as MQTT messages (topics of docs/contracts.md).

Why a sink and not a publisher call inside the pipeline: the engine stays free
of I/O and reports what happened through the ``CallSink`` protocol of
``service.call``; this class only shapes payloads and picks topics, and
hands them to :class:`~service.egress.publisher.Publisher`, which never blocks.

Payloads are UTF-8 JSON objects. Every one carries ``call_id`` and ``agent_id``;
nudges, kudos, state and events carry ``issued_at``: the wall-clock time the
service raised them, in seconds since the Unix epoch (float, ms resolution),
so a consumer can measure delivery delay. A nudge or kudos has the report
fields plus ``type`` ("nudge" | "kudos") and ``id``: ``<call_id>#<n>``, unique
per call, fixed when the message is built, so a consumer can drop the one
duplicate a broker crash may cause.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from .publisher import Publisher
from .settings import MqttSettings
from .topics import Topics

__all__ = ["CallInfoLike", "MqttCallSink"]


class CallInfoLike(Protocol):
    """The fields of ``service.call.CallInfo`` this sink reads."""

    call_id: str
    agent_id: str
    source: str
    language: str | None
    metadata: dict


def _json(payload: dict[str, Any]) -> bytes:
    # default=str: call metadata comes from telephony parameters and may hold
    # values JSON cannot encode; a nudge must not fail for that.
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


class _CallState:
    __slots__ = ("last_state_at", "sequence")

    def __init__(self) -> None:
        self.sequence = 0
        self.last_state_at: float | None = None


class MqttCallSink:
    """Implements ``service.call.CallSink``; one instance serves every call.

    Thread-safe: pipelines may call it from their own threads. ``wall`` stamps
    ``issued_at``; ``clock`` (monotonic) paces the retained state topic.
    """

    def __init__(
        self,
        publisher: Publisher,
        settings: MqttSettings,
        *,
        wall: Callable[[], float] = time.time,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._publisher = publisher
        self._settings = settings
        self._topics = Topics(settings.topic_root)
        self._wall = wall
        self._clock = clock
        self._calls: dict[str, _CallState] = {}
        self._lock = threading.Lock()

    def _call(self, call_id: str) -> _CallState:
        with self._lock:
            return self._calls.setdefault(call_id, _CallState())

    def _base(self, info: CallInfoLike) -> dict[str, Any]:
        return {"call_id": info.call_id, "agent_id": info.agent_id, "issued_at": round(self._wall(), 3)}

    def _user_properties(self, info: CallInfoLike, kind: str) -> tuple[tuple[str, str], ...]:
        return (("call_id", info.call_id), ("agent_id", info.agent_id), ("kind", kind))

    # -- CallSink ----------------------------------------------------------
    def call_started(self, info: CallInfoLike) -> None:
        """Raises ValueError when an id cannot be a topic level (see ``topics.is_valid_id``)."""
        events = self._topics.events(info.call_id)
        self._topics.nudges(info.agent_id)  # refuse a bad agent id before anything is queued
        self._call(info.call_id)
        started = {"event": "started", **self._base(info), "source": info.source,
                   "language": info.language, "metadata": dict(info.metadata)}
        self._publisher.submit(events, _json(started), qos=self._settings.qos_events,
                               user_properties=self._user_properties(info, "started"))
        self._publish_state(info, {"status": "active", "metrics": {}})

    def nudge(self, info: CallInfoLike, nudge: dict) -> None:
        self._coaching(info, "nudge", nudge)

    def kudos(self, info: CallInfoLike, kudos: dict) -> None:
        self._coaching(info, "kudos", kudos)

    def _coaching(self, info: CallInfoLike, kind: str, fields: dict) -> None:
        call = self._call(info.call_id)
        with self._lock:
            call.sequence += 1
            number = call.sequence
        payload = {**fields, "type": kind, **self._base(info), "id": f"{info.call_id}#{number}"}
        self._publisher.submit(
            self._topics.nudges(info.agent_id),
            _json(payload),
            qos=self._settings.qos_nudges,
            expiry_s=self._settings.nudge_expiry_s,
            user_properties=self._user_properties(info, str(fields.get("kind", kind))),
        )

    def transcript(self, info: CallInfoLike, segment: dict) -> None:
        payload = {**segment, "call_id": info.call_id, "agent_id": info.agent_id}
        self._publisher.submit(self._topics.transcript(info.call_id), _json(payload), qos=self._settings.qos_transcript,
                               user_properties=self._user_properties(info, "transcript"))

    def state(self, info: CallInfoLike, state: dict) -> None:
        """Retained live state, at most one per ``state_interval_s`` per call (the latest wins)."""
        call = self._call(info.call_id)
        now = self._clock()
        with self._lock:
            if call.last_state_at is not None and now - call.last_state_at < self._settings.state_interval_s:
                return
            call.last_state_at = now
        self._publish_state(info, state)

    def call_ended(self, info: CallInfoLike, report: dict) -> None:
        ended = {"event": "ended", **self._base(info), "report": report}
        self._publisher.submit(self._topics.events(info.call_id), _json(ended), qos=self._settings.qos_events,
                               user_properties=self._user_properties(info, "ended"))
        self._publish_state(info, {"status": "ended", "metrics": report.get("metrics", {})})
        with self._lock:
            self._calls.pop(info.call_id, None)

    def _publish_state(self, info: CallInfoLike, state: dict) -> None:
        payload = {**state, **self._base(info)}
        self._publisher.submit(self._topics.state(info.agent_id), _json(payload), qos=self._settings.qos_state,
                               retain=True, coalesce=True, user_properties=self._user_properties(info, "state"))
