"""How a call was heard, worded for a QA reader: language source, channel check, warnings, raised voice.

Why a module of its own: the report's additive fields about the input and the
live pipeline (``language_source``, ``language_detection``, ``channels``,
``warnings``, ``untranscribed``, ``voice_distress``; docs/contracts.md) change
how a reader should trust the rest of the report (a silent leg means no
customer at all, an untranscribed utterance means words the rules never saw).
The per-call page and the summary page both say so, in the same words, so the
wording lives here once, as plain text; the pages escape and lay it out.

Every function accepts reports written before these fields existed and then
returns what the pages showed before (the bare language, nothing else).
"""

from __future__ import annotations

from dataclasses import dataclass

from .html_page import format_seconds

__all__ = [
    "DISTRESS_KIND",
    "DISTRESS_LABEL",
    "ReportWarning",
    "channels_fact",
    "distress_events",
    "language_fact",
    "language_votes",
    "report_warnings",
    "untranscribed_reason",
    "warning_tags",
]

DISTRESS_KIND = "voice_distress"  # the report field, used as the markers' data-kind
DISTRESS_LABEL = "Raised voice"

_WARNING_TITLES = {"silent_channel": "Silent channel", "same_content": "Same audio on both channels"}
_UNTRANSCRIBED_REASONS = {"shed": "waited too long for the decoder", "queue_full": "the decoder's queue was full"}


@dataclass(frozen=True, slots=True)
class ReportWarning:
    """One thing the reader must know before trusting the report: a short ``title`` and the ``text`` saying why."""

    kind: str
    title: str
    text: str
    party: str | None = None


def language_fact(report: dict) -> str:
    """``el (from telephony)``, ``en (detected at 0:42.0)``...; the bare language for reports without a source."""
    language, source = report["language"], report.get("language_source")
    if source is None or (source == "unknown" and not language):
        return language or "unknown"
    if source == "telephony":
        return f"{language} (from telephony)"
    if source == "configured":
        return f"{language} (configured)"
    if source == "detected":
        return f"{language} ({_detection(report.get('language_detection') or {})})"
    if source == "unknown":
        return f"{language} (never fixed: the last utterance's)"
    return f"{language} ({source})"


def _detection(evidence: dict) -> str:
    """``detected at 0:42.0``, or with re-checks ``detected; switched from en at 1:10.0; fixed at 1:14.2``."""
    fixed = evidence.get("fixed_at")
    fixed_at = f" at {format_seconds(fixed)}" if fixed is not None else ""
    switches = [_switch(s) for s in evidence.get("switches", [])]
    if not switches:
        return f"detected{fixed_at}"
    return "; ".join(["detected", *switches, *([f"fixed{fixed_at}"] if fixed_at else [])])


def _switch(switch: dict) -> str:
    at, was, now = format_seconds(switch["at"]), switch["from"], switch["to"]
    if now is None:
        return f"re-checked from {at}, undecided at the end"
    if now == was:
        return f"re-checked at {at}, kept {was}"
    return f"switched from {was} at {at}"


def language_votes(report: dict) -> str | None:
    """``Detection votes: el 12, en 1``: what the detector heard, also when the language was given; None if nothing."""
    votes = (report.get("language_detection") or {}).get("votes") or {}
    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
    return "Detection votes: " + ", ".join(f"{code} {n}" for code, n in ranked) if ranked else None


def channels_fact(report: dict) -> str | None:
    """The two-channel check in a few words (None for reports without one: transcripts, older reports)."""
    channels = report.get("channels")
    if not channels:
        return None
    similarity, silent = channels.get("similarity"), channels.get("silent") or []
    if silent:
        return f"{' and '.join(silent)} silent throughout"
    if channels.get("same_content"):
        return f"same audio on both (similarity {similarity:.2f})" if similarity is not None else "same audio on both"
    if similarity is None:
        return "two parties (never both heard at once, so not compared)"
    return f"two parties (similarity {similarity:.2f} over {float(channels.get('judged_s', 0.0)):.0f} s)"


def report_warnings(report: dict) -> list[ReportWarning]:
    """The report's ``warnings`` and, when the live decoder skipped utterances, one for ``untranscribed``."""
    found = []
    for w in report.get("warnings") or []:
        kind, party = w["kind"], w.get("party")
        title = _WARNING_TITLES.get(kind) or kind.replace("_", " ").capitalize()
        message = w.get("message") or ""
        found.append(ReportWarning(kind, f"{title}: {party}" if party else title,
                                   message[:1].upper() + message[1:], party))
    skipped = report.get("untranscribed") or []
    if skipped:
        seconds = sum(float(u["end"]) - float(u["start"]) for u in skipped)
        many = len(skipped) != 1
        found.append(ReportWarning(
            "untranscribed", "Not transcribed live",
            f"{len(skipped)} utterance{'s' if many else ''} ({seconds:.1f} s) {'were' if many else 'was'} not "
            "transcribed live: decoder overloaded. Their words are missing from the transcript, "
            "and the coaching rules never saw them."))
    return found


def warning_tags(report: dict) -> str:
    """The report's warnings as ``kind[:party]`` joined by ``;`` (``silent_channel:customer``), for summary.csv."""
    return ";".join(w["kind"] + (f":{w['party']}" if w.get("party") else "") for w in report.get("warnings") or [])


def untranscribed_reason(reason: str) -> str:
    """Why the live decoder skipped an utterance, in words (unknown reasons as given)."""
    return _UNTRANSCRIBED_REASONS.get(reason, reason)


def distress_events(report: dict) -> list[dict]:
    """Each ``voice_distress`` verdict as a marker event (``kind``, ``t``, ``message``, ``evidence``), like a nudge.

    The message carries the evidence a reader weighs: how far the raised
    stretches were from the customer's own calm voice (medians, in semitones,
    dB and syllable rate), that calm voice, and when each stretch was.
    """
    return [{"kind": DISTRESS_KIND, "t": v["t"], "speaker": v.get("speaker", "customer"),
             "message": _distress_message(v), "evidence": {"start": v["start"], "end": v["end"]}}
            for v in report.get("voice_distress") or []]


def _distress_message(v: dict) -> str:
    base = v.get("baseline") or {}
    stretches = ", ".join(f"{format_seconds(s['start'])}\u2013{format_seconds(s['end'])}" for s in v.get("stretches", []))
    calm = (f" ({base['pitch_hz']:.0f} Hz, {base['loudness_dbfs']:.1f} dBFS, {base['rate_syl_s']:.1f} syllables/s)"
            if {"pitch_hz", "loudness_dbfs", "rate_syl_s"} <= base.keys() else "")
    return (f"Pitch {v['pitch_delta_st']:+.1f} semitones, loudness {v['loudness_delta_db']:+.1f} dB, "
            f"syllable rate \u00d7{v['rate_ratio']:.2f} against the customer's own calm voice{calm}"
            + (f"; raised {stretches}" if stretches else ""))
