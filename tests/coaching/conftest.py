"""An engine on the shipped settings and packs, and a terse way to feed it."""

from __future__ import annotations

import pytest

from service.coaching import CoachingEngine, CoachingSettings, coaching_settings
from service.core.events import SpeechEnded, SpeechStarted, TranscriptSegment


@pytest.fixture(scope="session")
def settings(config) -> CoachingSettings:
    return coaching_settings(config["coaching"])


class Call:
    """Feeds final segments at their end time; ``say`` returns what the engine raised."""

    def __init__(self, engine: CoachingEngine) -> None:
        self.engine = engine
        self.ids = 0

    def say(self, speaker, start, end, text, *, final=True, utterance_id=None, now=None, language=""):
        if utterance_id is None:
            self.ids += 1
            utterance_id = self.ids
        seg = TranscriptSegment(speaker, start, end, text, language, final, utterance_id)
        return self.engine.on_transcript(seg, end if now is None else now)

    def talk(self, speaker, start, end, text, **kw):
        """A whole turn with its voice activity: speech starts, the words arrive at the end, speech ends."""
        out = self.engine.on_speech(SpeechStarted(speaker, start), start)
        out += self.say(speaker, start, end, text, **kw)
        return out + self.engine.on_speech(SpeechEnded(speaker, start, end), end)

    def agent(self, start, end, text, **kw):
        return self.say("agent", start, end, text, **kw)

    def customer(self, start, end, text, **kw):
        return self.say("customer", start, end, text, **kw)


@pytest.fixture
def call(settings):
    def make(language="en") -> Call:
        return Call(CoachingEngine(settings, language=language))

    return make

