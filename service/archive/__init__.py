"""Archive: finished calls' reports from MQTT into a folder, off the live replicas (``coach archive``).

``ArchiveSettings.from_config(config["archive"])`` reads the settings;
``parse_event`` reads one message of ``<root>/calls/{call_id}/events``;
``ReportStore`` writes a report and its page durably and idempotently;
``Archiver`` holds the shared subscription and its persistent session.
"""

from .archiver import Archiver, ArchiverStats, CannotArchive
from .events import EndedEvent, MalformedEvent, parse_event
from .settings import ArchiveSettings
from .store import ReportStore, Saved, UnarchivableReport

__all__ = [
    "ArchiveSettings",
    "Archiver",
    "ArchiverStats",
    "CannotArchive",
    "EndedEvent",
    "MalformedEvent",
    "ReportStore",
    "Saved",
    "UnarchivableReport",
    "parse_event",
]
