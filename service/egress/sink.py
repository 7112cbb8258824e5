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
per call, fixed when the message is built, so a consumer can drop the
duplicates a broker crash may cause.

Supervisors: each call whose agent has a team (``CallInfo.team``) is watched
for attention (an alert-severity nudge in the last ``alert_window_s``, the
customer distressed for ``distress_s``, a silence of ``dead_air_s``: see
:class:`AttentionSettings`); whenever the set of the team's calls needing
attention, or why, changes, the retained digest ``<root>/teams/T/attention``
is republished with every such call. At start the sink publishes each
configured team's roster (``<root>/teams/T/roster``) and an empty digest, so a
digest left by an earlier process never shows calls long gone.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .publisher import Publisher
from .settings import MqttSettings
from .topics import Topics

__all__ = ["AttentionSettings", "CallInfoLike", "MqttCallSink"]


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


@dataclass(frozen=True, slots=True)
class AttentionSettings:
    """When a call needs a supervisor's attention (``attention_*`` keys of ``[mqtt]``, config/mqtt.toml)."""

    alert_window_s: float = 180.0  # an alert-severity nudge flags the call this long (wall seconds)
    distress_s: float = 30.0  # the customer distressed at least this long
    dead_air_s: float = 20.0  # a silence at least this long
    last_nudges: int = 3  # nudges and kudos of the call carried in its digest entry

    @classmethod
    def from_config(cls, mqtt: Mapping[str, Any]) -> AttentionSettings:
        defaults = cls()
        values = {name: mqtt.get(f"attention_{name}", getattr(defaults, name)) for name in cls.__slots__}
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"mqtt.attention_{name} must be a positive number, not {value!r}")
        return cls(**{**values, "last_nudges": int(values["last_nudges"])})


# Why a call needs attention, most urgent first (the digest names the first that holds).
REASONS = ("alert_nudge", "dead_air", "customer_distress")


class _CallState:
    __slots__ = ("agent_id", "alert", "alert_at", "attention", "distress_since", "distress_source", "last_state_at",
                 "recent", "sequence", "silence_s", "team")

    def __init__(self, last_nudges: int = 3) -> None:
        self.sequence = 0
        self.last_state_at: float | None = None
        self.team = ""
        self.agent_id = ""
        self.alert: dict | None = None  # the latest alert-severity nudge
        self.alert_at: float | None = None
        self.distress_since: float | None = None
        self.distress_source = ""  # what shows the distress now: "words" or "voice"
        self.silence_s = 0.0
        self.recent: deque[dict] = deque(maxlen=last_nudges)
        self.attention: dict | None = None  # this call's digest entry, None when it needs none


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
        attention: AttentionSettings | None = None,
    ) -> None:
        self._publisher = publisher
        self._settings = settings
        self._topics = Topics(settings.topic_root)
        self._wall = wall
        self._clock = clock
        self._attention = attention or AttentionSettings()
        self._calls: dict[str, _CallState] = {}
        self._lock = threading.Lock()
        for team in getattr(settings, "teams", ()):
            roster = {"team": team.name, "agents": sorted(team.agents), "issued_at": round(self._wall(), 3)}
            self._publisher.submit(self._topics.roster(team.name), _json(roster), qos=self._settings.qos_state,
                                   retain=True, user_properties=(("kind", "roster"),))
            self._publish_digest(team.name)

    def _call(self, call_id: str) -> _CallState:
        with self._lock:
            return self._calls.setdefault(call_id, _CallState(self._attention.last_nudges))

    def _base(self, info: CallInfoLike) -> dict[str, Any]:
        return {"call_id": info.call_id, "agent_id": info.agent_id, "issued_at": round(self._wall(), 3)}

    def _user_properties(self, info: CallInfoLike, kind: str) -> tuple[tuple[str, str], ...]:
        return (("call_id", info.call_id), ("agent_id", info.agent_id), ("kind", kind))

    # -- CallSink ----------------------------------------------------------
    def call_started(self, info: CallInfoLike) -> None:
        """Raises ValueError when an id cannot be a topic level (see ``topics.is_valid_id``)."""
        events = self._topics.events(info.call_id)
        self._topics.nudges(info.agent_id)  # refuse a bad agent id before anything is queued
        call = self._call(info.call_id)
        team = getattr(info, "team", "") or ""
        if team:
            self._topics.attention(team)  # a bad team: refused like a bad agent id
        with self._lock:
            call.team, call.agent_id = team, info.agent_id
        started = {"event": "started", **self._base(info), "source": info.source,
                   "language": info.language, "metadata": dict(info.metadata), **({"team": team} if team else {})}
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
        self._watch_coaching(info, call, payload)
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
        self._watch_state(info, call, state, now)
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
            call = self._calls.pop(info.call_id, None)
            if call is not None and call.team and call.attention is not None:
                self._publish_digest(call.team)

    # -- attention (supervisors) ---------------------------------------------
    def _watch_coaching(self, info: CallInfoLike, call: _CallState, payload: dict) -> None:
        if not call.team:
            return
        keys = ("id", "type", "kind", "severity", "message", "t", "evidence", "issued_at")
        entry = {key: payload[key] for key in keys if key in payload}
        with self._lock:
            call.recent.append(entry)
            if payload.get("type") == "nudge" and payload.get("severity") == "alert":
                call.alert, call.alert_at = entry, self._clock()
            self._reassess(call, info.call_id, self._clock(), force=call.attention is not None)

    def _watch_state(self, info: CallInfoLike, call: _CallState, state: dict, now: float) -> None:
        if not call.team:
            return
        with self._lock:
            distressed = bool(state.get("customer_distress"))
            call.distress_source = str(state.get("customer_distress_source") or "words") if distressed else ""
            if not distressed:
                call.distress_since = None
            elif call.distress_since is None:
                call.distress_since = now
            silence = state.get("silence_s")
            call.silence_s = float(silence) if isinstance(silence, (int, float)) else 0.0
            self._reassess(call, info.call_id, now)

    def _reassess(self, call: _CallState, call_id: str, now: float, *, force: bool = False) -> None:
        """Recompute the call's attention (under the lock); republish the digest when it changed."""
        limits = self._attention
        reason = None
        if call.alert_at is not None and now - call.alert_at < limits.alert_window_s:
            reason = {"reason": "alert_nudge", "severity": "alert", "kind": call.alert.get("kind", "")}
        elif call.silence_s >= limits.dead_air_s:
            reason = {"reason": "dead_air", "severity": "warn", "silence_s": round(call.silence_s, 1)}
        elif call.distress_since is not None and now - call.distress_since >= limits.distress_s:
            reason = {"reason": "customer_distress", "severity": "warn", "source": call.distress_source}
        before = call.attention
        if reason is None:
            call.attention = None
        else:
            key = (reason["reason"], reason.get("kind"))
            same = before is not None and (before["reason"], before.get("kind")) == key
            since = before["since"] if same else round(self._wall(), 3)
            call.attention = {"call_id": call_id, "agent_id": call.agent_id, **reason, "since": since,
                              "last_nudges": list(call.recent)}
        changed = (before is None) != (call.attention is None) or (
            before is not None and (before["reason"], before.get("kind")) != (reason["reason"], reason.get("kind")))
        if changed or (force and call.attention is not None):
            self._publish_digest(call.team)

    def _publish_digest(self, team: str) -> None:
        """The retained digest of ``team``: every call of it needing attention, most urgent first."""
        entries = [c.attention for c in self._calls.values() if c.team == team and c.attention is not None]
        entries.sort(key=lambda e: (REASONS.index(e["reason"]), -e["since"]))
        digest = {"team": team, "issued_at": round(self._wall(), 3), "calls": entries}
        self._publisher.submit(self._topics.attention(team), _json(digest), qos=self._settings.qos_state, retain=True,
                               coalesce=True, user_properties=(("team", team), ("kind", "attention")))

    def _publish_state(self, info: CallInfoLike, state: dict) -> None:
        payload = {**state, **self._base(info)}
        self._publisher.submit(self._topics.state(info.agent_id), _json(payload), qos=self._settings.qos_state,
                               retain=True, coalesce=True, user_properties=self._user_properties(info, "state"))
