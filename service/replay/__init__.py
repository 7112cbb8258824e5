"""Recorded calls and transcripts in, reports out (``coach replay``)."""
