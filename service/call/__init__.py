"""The call layer: one call end to end, whatever feeds it, and the report it leaves.

Live protocols (:mod:`service.ingress`) and recordings or transcripts
(:mod:`service.replay`) are two sources on top of this layer; they never
import each other. :class:`CallPipeline` runs the engine for one call and
hands its outputs to a :class:`CallSink`; :class:`CallReport` is the typed
``callcoach.report/1`` contract and :func:`write_report` its atomic JSON file.
"""

from .files import write_atomic
from .info import CallInfo, CallSink, LanguageSource
from .pipeline import CallPipeline
from .report import SCHEMA, CallReport, settings_echo, write_report

__all__ = ["SCHEMA", "CallInfo", "CallPipeline", "CallReport", "CallSink", "LanguageSource", "settings_echo", "write_atomic",
           "write_report"]
