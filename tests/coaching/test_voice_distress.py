"""A raised customer voice as the second sign of distress: the episode it opens, the switch, the mood's source."""

from __future__ import annotations

import dataclasses

import pytest

from service.coaching import CoachingEngine
from service.core.voice import VoiceBaseline, VoiceDistress, VoiceStretch

from .conftest import Call

BASELINE = VoiceBaseline(-26.0, 180.0, 4.0)


def raised_voice(start: float, end: float) -> VoiceDistress:
    """The customer raised their voice over ``[start, end]`` (two raised stretches), known at ``end``."""
    half = (start + end) / 2
    stretches = tuple(VoiceStretch("customer", a, b, -20.0, 254.0, 4.5, 6.0, 6.0, 1.12, True)
                      for a, b in ((start, half), (half, end)))
    return VoiceDistress(end, "customer", start, end, stretches, BASELINE)


@pytest.fixture
def voice_call(settings):
    def make(opens: bool) -> Call:
        return Call(CoachingEngine(dataclasses.replace(settings, voice_opens_episode=opens)))

    return make


def kinds(items):
    return [(item.kind, item.t) for item in items]


def test_a_raised_voice_opens_an_episode_when_the_words_did_not_get_through(voice_call):
    c = voice_call(True)
    c.customer(0.0, 4.0, "σημομένος είμαι με το λογαριασμό")  # garbled words: no distress phrase
    assert c.engine.on_voice(raised_voice(0.0, 4.0), 4.0) == []
    [nudge] = c.agent(4.5, 7.0, "Our policy is that refunds take ten days.")
    assert nudge.kind == "policy_before_empathy" and nudge.t == 7.0
    assert nudge.evidence.text == "policy"


def test_a_raised_voice_then_an_acknowledgement_earns_kudos(voice_call):
    c = voice_call(True)
    c.engine.on_voice(raised_voice(0.0, 4.0), 4.0)
    assert kinds(c.agent(4.5, 6.0, "I'm so sorry about that, let me help.")) == [("empathy", 6.0)]


def test_a_reply_without_acknowledgement_is_missing_empathy_with_the_voice_as_evidence(voice_call):
    c = voice_call(True)
    c.engine.on_voice(raised_voice(1.0, 4.0), 4.0)
    c.agent(4.5, 6.0, "Right, give me your postcode.")
    [nudge] = c.engine.finish(7.0)
    assert nudge.kind == "missing_empathy"
    assert (nudge.evidence.start, nudge.evidence.end) == (1.0, 6.0)  # the raised voice to the end of the reply


def test_with_the_switch_off_the_voice_shows_in_the_mood_but_opens_nothing(voice_call, settings):
    c = voice_call(False)
    c.engine.on_voice(raised_voice(0.0, 4.0), 4.0)
    assert c.agent(4.5, 7.0, "Our policy is that refunds take ten days.") == []
    assert c.engine.customer_distress_source(7.0) == "voice"
    assert not c.engine.customer_distressed(7.0)  # interruptions are not escalated on the voice alone
    assert c.engine.customer_distress_source(4.0 + settings.distress_memory_s + 0.1) is None


def test_words_take_precedence_and_the_voice_does_not_reopen_a_handled_episode(voice_call, settings):
    c = voice_call(True)
    c.customer(0.0, 4.0, "I'm really frustrated, this is the third time I call.")
    c.engine.on_voice(raised_voice(0.0, 4.0), 4.0)  # the same turn, judged after its words
    assert c.engine.customer_distress_source(4.0) == "words"
    assert kinds(c.agent(4.5, 6.0, "I'm so sorry about that.")) == [("empathy", 6.0)]
    # still loud a little later: the customer is already known to be upset, so no new episode
    c.engine.on_voice(raised_voice(7.0, 10.0), 10.0)
    assert c.agent(10.5, 12.0, "Our policy is that refunds take ten days.") == []
    # after the distress memory, a raised voice is news again
    late = 10.0 + settings.distress_memory_s + 1.0
    c.engine.on_voice(raised_voice(late - 3.0, late), late)
    assert [n.kind for n in c.agent(late + 0.5, late + 2.0, "That is our policy.")] == ["policy_before_empathy"]
