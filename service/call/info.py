"""Who a call is and where its outputs go: the two types every source shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

__all__ = ["CallInfo", "CallSink", "LanguageSource"]


class LanguageSource(StrEnum):
    """Where a call's language came from: the report's ``language_source``.

    QA reads a wrong-language report differently when the platform said so
    (fix the telephony parameter) than when the speech was misheard (fix
    ``asr.language``).
    """

    TELEPHONY = "telephony"  # the platform's call metadata (Twilio parameter, AudioHook open, /stream start, ...)
    CONFIGURED = "configured"  # [server] <endpoint>_language, `coach replay --language`, a transcript's language
    DETECTED = "detected"  # fixed by the call's LanguageTracker from its speech
    UNKNOWN = "unknown"  # never fixed


@dataclass(frozen=True, slots=True)
class CallInfo:
    """A call's identity, fixed when it opens.

    ``source`` names what fed the call (a protocol such as ``twilio``, or
    ``replay`` / ``transcript``); ``language`` is the configured call language
    (None: detect); ``metadata`` is echoed into the report verbatim;
    ``instance`` names the live replica, so a supervisor can tell which one
    served the call; ``team`` is the agent's team (from the telephony
    parameters, else ``[mqtt.teams]``; '' when none), for supervisors;
    ``language_source`` says who gave ``language`` (telephony or configured;
    meaningless while ``language`` is None).
    """

    call_id: str
    agent_id: str = ""
    source: str = "replay"
    language: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    instance: str = ""  # the replica that served a live call (mqtt.instance_id); '' for replays
    team: str = ""  # the agent's team (telephony ``team`` parameter, else [mqtt.teams]); '' when none
    language_source: LanguageSource = LanguageSource.CONFIGURED


class CallSink(Protocol):
    """Receives a call's outputs as JSON-ready dicts, on the pipeline's owner thread."""

    def call_started(self, info: CallInfo) -> None: ...

    def nudge(self, info: CallInfo, nudge: dict) -> None: ...

    def kudos(self, info: CallInfo, kudos: dict) -> None: ...

    def transcript(self, info: CallInfo, segment: dict) -> None: ...

    def state(self, info: CallInfo, state: dict) -> None: ...

    def call_ended(self, info: CallInfo, report: dict) -> None: ...
