"""One live call through real faster-whisper: the saved report carries the words spoken."""

from __future__ import annotations

import asyncio
import dataclasses
import json

from service.testing.clients import load_stereo, stream_call

from .conftest import start_server


def test_live_call_is_transcribed(tmp_path, synth_calls):
    served = start_server(tmp_path, asr_engine="whisper")
    try:
        call = dataclasses.replace(load_stereo(synth_calls["short"]), call_id="asr-call")
        result = asyncio.run(stream_call(served.url, "twilio", call, speed=None))
        assert result.close_code == 1000
        report = json.loads(served.report("asr-call").read_text())
    finally:
        assert served.stop() == 0
    text = " ".join(seg["text"].lower() for seg in report["transcript"])
    speakers = {seg["speaker"] for seg in report["transcript"]}
    assert speakers == {"agent", "customer"}
    assert "help" in text and "order" in text, text
