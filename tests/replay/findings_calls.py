"""Reports from real speech that carry the additive findings (warnings, untranscribed, voice distress, language source).

Built by replaying real recordings (tests/data/speech, public domain and CC0;
see its LICENSE-NOTICE.md) with transcription off, as tests/replay/test_voice_distress.py
and test_channel_reality.py do:

* :func:`raised_voice_report`: one real speaker as the customer, calm takes
  first and later takes transformed louder and higher (sox), so the engine
  itself finds the voice-distress verdict. Two things only a live, loaded
  service produces are then edited in, minimally: two of the customer's own
  speech segments as ``untranscribed`` (the decoder shed them) and a detected
  language with one switch (detection needs Whisper, which these tests keep off).
* :func:`silent_leg_report`: a real conversation with the customer's channel
  zeroed, which the engine reports as a ``silent_channel`` warning.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from service.replay.recording import replay_recording
from service.testing.real_calls import RealCall, load_clips, realistic_call, write_call
from service.testing.voice_calls import sox_raised, voice_call

SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"
SEED = 18000  # the raised call of tests/replay/test_voice_distress.py
DETECTION = {"votes": {"en": 9, "lv": 2}, "fixed_at": 33.6, "switches": [{"at": 30.0, "from": "lv", "to": "en"}]}


def raised_voice_report(config: dict, folder: Path) -> dict:
    clips = load_clips(SPEECH, ("en", "lv"))
    lj = [c.audio for c in clips if c.id.startswith("en-lj")]
    agent = [c.audio for c in clips if c.language == "lv"]
    built = voice_call(agent, lj[:4], [sox_raised(a, 8.0, 6.0) for a in lj[4:7]], SEED)
    report = replay_recording(write_call(RealCall(built.agent, built.customer), folder / "raised.wav"), config)
    shed = [report["speech"]["customer"][i] for i in (1, 2)]
    return dict(report, language="en", language_source="detected", language_detection=DETECTION,
                untranscribed=[{"speaker": "customer", "start": a, "end": b, "reason": "shed"} for a, b in shed])


def silent_leg_report(config: dict, folder: Path) -> dict:
    call = realistic_call(load_clips(SPEECH, ("en", "lv")), seed=3)
    path = write_call(dataclasses.replace(call, customer=np.zeros_like(call.customer)), folder / "agent_only.wav",
                      telephone=True)
    return replay_recording(path, config)
