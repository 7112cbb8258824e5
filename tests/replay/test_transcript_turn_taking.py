"""Turn-taking decisions that need both words and timing, through the full transcript replay.

Each case is a short call whose times put one decision exactly on a
threshold of config/default.toml ``[dynamics]`` or config/coaching.toml, so
the expected call time is computed from the configuration, not copied.
"""

from __future__ import annotations

import pytest

from service.replay.transcript import replay_transcript

FRAME = 0.03


def call(*turns):
    return {"language": "en", "turns": [{"speaker": s, "start": a, "end": b, "text": t} for s, a, b, t in turns]}


def times(report, kind):
    return [n["t"] for n in report["nudges"] + report["kudos"] if n["kind"] == kind]


@pytest.mark.parametrize("phrase, key", [
    ("Okay one second please.", "short_hold_dead_air_s"),
    ("Let me check with billing, it may take a minute.", "hold_dead_air_s"),
])
def test_a_hold_buys_the_silence_its_length_promises(config, phrase, key):
    allowance = config["dynamics"][key]
    end = 6.0
    just_under = call(("customer", 0.5, 3.0, "I need my last statement."), ("agent", 3.5, end, phrase),
                      ("agent", end + allowance - 0.5, end + allowance + 1.0, "Thanks for waiting, it's sent."))
    assert times(replay_transcript(just_under, config), "dead_air") == []
    over = call(("customer", 0.5, 3.0, "I need my last statement."), ("agent", 3.5, end, phrase),
                ("agent", end + allowance + 2.0, end + allowance + 3.0, "Thanks for waiting, it's sent."))
    [t] = times(replay_transcript(over, config), "dead_air")
    assert end + allowance - 1e-6 <= t < end + allowance + FRAME


def test_a_short_hold_is_not_a_long_one(config):
    short, long = config["dynamics"]["short_hold_dead_air_s"], config["dynamics"]["hold_dead_air_s"]
    assert short < long
    gap = (short + long) / 2
    doc = call(("customer", 0.5, 3.0, "I need my last statement."), ("agent", 3.5, 6.0, "One second please."),
               ("agent", 6.0 + gap, 7.0 + gap, "Thanks for waiting."))
    assert len(times(replay_transcript(doc, config), "dead_air")) == 1


def test_goodbyes_end_the_timing_nudges(config):
    dead_air = config["dynamics"]["dead_air_s"]
    goodbye = call(
        ("agent", 0.5, 3.0, "Your card is on its way. Is there anything else I can help you with?"),
        ("customer", 3.5, 5.0, "No that's all thank you."),
        ("agent", 5.3, 7.5, "Thank you for calling, have a great day."),
        ("customer", 6.0, 8.5, "You too, bye bye now, take care."),  # 1.5 s of overlapping goodbyes
        ("customer", 8.5 + dead_air + 5.0, 8.5 + dead_air + 5.5, "Bye."),  # the line stays open
    )
    report = replay_transcript(goodbye, config)
    assert times(report, "interruption") == [] and times(report, "dead_air") == []


def test_the_call_resumes_after_a_closing_when_someone_says_more(config):
    dead_air = config["dynamics"]["dead_air_s"]
    doc = call(
        ("agent", 0.5, 2.5, "Have a nice day."),
        ("customer", 3.0, 6.0, "Oh wait, one more thing about my card please."),
        ("agent", 6.0 + dead_air + 1.0, 8.0 + dead_air + 1.0, "Sure, what is it?"),
    )
    [t] = times(replay_transcript(doc, config), "dead_air")
    assert 6.0 + dead_air - 1e-6 <= t < 6.0 + dead_air + FRAME


def test_missing_empathy_lands_when_the_customer_answers_the_reply(config):
    min_speech = config["vad"]["min_speech_s"]
    doc = call(
        ("agent", 0.5, 2.5, "Hello, how can I help?"),
        ("customer", 3.0, 7.0, "I'm furious, the boiler broke again and nobody came."),
        ("agent", 7.5, 8.0, "Okay."),
        ("agent", 8.5, 11.0, "What is the postcode of the property?"),
        ("customer", 11.6, 13.0, "It's N one two."),
    )
    [t] = times(replay_transcript(doc, config), "missing_empathy")
    assert t == pytest.approx(11.6 + min_speech, abs=FRAME / 2)


def test_missing_empathy_lands_after_the_reply_gap_when_nobody_speaks(config):
    gap = config["coaching"]["reply_gap_s"]
    doc = call(
        ("customer", 0.5, 4.0, "I'm so frustrated, my payment failed three times."),
        ("agent", 4.5, 7.5, "Can you read me the card number?"),
        ("agent", 7.5 + gap + 2.0, 7.5 + gap + 3.0, "Hello?"),
    )
    [t] = times(replay_transcript(doc, config), "missing_empathy")
    assert t == pytest.approx(7.5 + gap, abs=FRAME / 2)


def test_dictating_a_card_number_is_no_reason_for_a_pace_nudge(config):
    fast = "so the card will be blocked now and a new one will be sent to the address we have on file for you " * 2
    digits = "four five five six seven eight nine one two three"
    turns = [("agent", 0.5, 8.5, fast.strip()), ("customer", 9.0, 19.0, digits), ("customer", 19.5, 29.5, digits),
             ("agent", 30.0, 38.0, fast.strip()), ("customer", 38.5, 41.0, "okay great that is all thanks")]
    assert times(replay_transcript(call(*turns), config), "pace") == []


def test_a_customer_who_goes_to_find_something_holds_the_line(config):
    dead_air = config["dynamics"]["dead_air_s"]
    gap = dead_air + 5.0
    doc = call(("agent", 0.5, 3.0, "Could you read me the meter please?"),
               ("customer", 3.5, 5.0, "Yeah hang on, it's by the front door."),
               ("customer", 5.0 + gap, 7.0 + gap, "Okay it says four one three zero two."))
    assert times(replay_transcript(doc, config), "dead_air") == []
