"""Every rule, fed segments in call time; nudge times are exact."""

from __future__ import annotations

import dataclasses

from service.coaching import CoachingEngine
from service.core.events import HoldAnnounced, Interruption, Kudos, Nudge, SpeechEnded, SpeechStarted



def kinds(items) -> list[tuple[str, float]]:
    """(kind, t) of nudges and kudos; HoldAnnounced as ("hold", t)."""
    return [(getattr(i, "kind", "hold"), i.t) for i in items]


DISTRESS = "I'm really fed up, this is the third time I've called."
_EMPATHY_KINDS = ("missing_empathy", "policy_before_empathy", "empathy")


def empathy(items) -> list[tuple[str, float]]:
    """Only what the empathy rule raises (other rules may fire on the same words)."""
    return [k for k in kinds(items) if k[0] in _EMPATHY_KINDS]


# policy_before_empathy ----------------------------------------------------


def test_policy_before_empathy_fires_at_the_end_of_the_agent_turn_quoting_the_policy(call):
    c = call()
    assert c.customer(0.0, 4.0, DISTRESS) == []
    out = c.agent(4.5, 8.2, "Our policy is that refunds take ten business days.")
    assert kinds(out) == [("policy_before_empathy", 8.2)]
    nudge = out[0]
    assert (nudge.severity, nudge.speaker, nudge.evidence.start, nudge.evidence.end) == ("warn", "agent", 4.5, 8.2)
    assert nudge.evidence.text == "policy"


def test_empathy_after_the_policy_in_the_same_turn_still_counts_as_policy_first(call):
    c = call()
    c.customer(0.0, 4.0, DISTRESS)
    out = c.agent(4.5, 9.0, "According to our terms and conditions we can't. I'm so sorry.")
    assert kinds(out) == [("policy_before_empathy", 9.0)]


def test_acknowledgement_then_policy_earns_empathy_kudos_only(call):
    c = call()
    c.customer(0.0, 4.0, DISTRESS)
    out = c.agent(4.5, 9.0, "I'm so sorry to hear that. Our policy allows a refund, let me do it.")
    assert kinds(out) == [("empathy", 9.0)]
    assert isinstance(out[0], Kudos) and out[0].evidence.text.startswith("I'm so sorry")


def test_policy_without_distress_is_just_an_answer(call):
    c = call()
    c.customer(0.0, 3.0, "What is your returns policy?")
    assert c.agent(3.5, 6.0, "Our policy is thirty days for a full refund.") == []


def test_interrupting_the_distressed_customer_escalates_to_alert(call):
    c = call()
    c.engine.on_interruption(Interruption(t=2.8, by="agent", overlap_start=2.0))
    c.customer(0.0, 4.0, DISTRESS)
    out = c.agent(2.0, 7.0, "As per the terms, nothing can be refunded.")
    assert [(n.kind, n.severity) for n in out] == [("policy_before_empathy", "alert")]


# missing_empathy ----------------------------------------------------------


def test_missing_empathy_fires_when_the_customer_speaks_after_a_first_reply_without_acknowledgement(call):
    c = call()
    c.talk("customer", 0.0, 4.0, DISTRESS)
    assert c.talk("agent", 4.5, 6.0, "What's the date of the payment?") == []
    out = c.talk("customer", 6.5, 7.5, "The fourth.")
    assert kinds(out) == [("missing_empathy", 6.5)]
    assert (out[0].evidence.start, out[0].evidence.end) == (0.0, 6.0)
    assert out[0].evidence.text == "fed up"


def test_a_short_okay_and_more_words_after_it_are_one_reply(call):
    c = call()
    c.talk("customer", 0.0, 4.0, "I'm furious, the boiler broke again.")
    assert empathy(c.talk("agent", 4.5, 5.0, "Okay.")) == []
    assert empathy(c.talk("agent", 6.0, 9.0, "What is the postcode of the property?")) == []
    assert kinds(c.engine.advance(9.0 + 2.99)) == []
    assert kinds(c.engine.advance(20.0)) == [("missing_empathy", 12.0)]
    assert c.engine.advance(30.0) == []


def test_an_acknowledgement_anywhere_in_the_first_reply_counts(call):
    c = call()
    c.talk("customer", 0.0, 4.0, DISTRESS)
    assert empathy(c.talk("agent", 4.5, 6.0, "Right, let me see.")) == []
    assert kinds(c.talk("agent", 7.0, 9.5, "I'm so sorry you've had to call again.")) == [("empathy", 9.5)]
    assert c.engine.advance(30.0) == []


def test_a_customer_talking_over_the_end_of_the_reply_ends_it_when_the_agent_stops(call):
    c = call()
    c.talk("customer", 0.0, 4.0, DISTRESS)
    c.engine.on_speech(SpeechStarted("agent", 4.5), 4.5)
    assert empathy(c.say("agent", 4.5, 8.0, "Can you give me the account number?")) == []
    assert c.engine.on_speech(SpeechStarted("customer", 7.5), 7.5) == []
    assert kinds(c.engine.on_speech(SpeechEnded("agent", 4.5, 8.0), 8.2)) == [("missing_empathy", 8.2)]


def test_the_reply_waits_while_the_agent_is_still_talking(call, settings):
    c = call()
    c.talk("customer", 0.0, 4.0, DISTRESS)
    c.talk("agent", 4.5, 6.0, "What time was the appointment?")
    c.engine.on_speech(SpeechStarted("agent", 8.0), 8.0)
    assert c.engine.advance(6.0 + settings.reply_gap_s + 5.0) == []


def test_no_reply_no_nudge(call):
    c = call()
    c.talk("customer", 0.0, 4.0, DISTRESS)
    assert c.engine.advance(60.0) == []
    assert c.engine.finish(60.0) == []


def test_apology_for_something_else_is_not_an_acknowledgement(call):
    c = call()
    c.talk("customer", 0.0, 4.0, DISTRESS)
    assert empathy(c.talk("agent", 4.5, 6.0, "Sorry, could you repeat that?")) == []
    assert empathy(c.talk("agent", 7.0, 9.0, "The order shipped on Monday.")) == []
    assert empathy(c.talk("customer", 9.5, 10.0, "And?")) == [("missing_empathy", 9.5)]


def test_negated_apology_is_not_an_acknowledgement(call):
    c = call()
    c.talk("customer", 0.0, 4.0, DISTRESS)
    assert empathy(c.talk("agent", 4.5, 6.0, "I'm not sorry, that's how it works.")) == []
    assert empathy(c.engine.finish(7.0)) == [("missing_empathy", 7.0)]


def test_distress_never_acknowledged_is_reported_at_the_end_of_the_call(call):
    c = call()
    c.customer(0.0, 4.0, DISTRESS)
    c.agent(4.5, 6.0, "Right, give me your postcode.")
    assert kinds(c.engine.finish(7.0)) == [("missing_empathy", 7.0)]


def test_customer_distress_state(call, settings):
    c = call()
    assert not c.engine.customer_distressed(1.0)
    c.customer(0.0, 4.0, DISTRESS, final=False, now=3.0)
    assert c.engine.customer_distressed(3.0)  # a partial is enough to escalate an interruption
    c.customer(0.0, 4.0, DISTRESS)
    c.agent(4.5, 6.0, "I'm so sorry, let's fix this.")
    assert c.engine.customer_distressed(6.0 + settings.distress_memory_s - 3.0)
    assert not c.engine.customer_distressed(4.0 + settings.distress_memory_s + 0.1)


def test_calm_negated_feelings_are_not_distress(call):
    c = call()
    c.customer(0.0, 3.0, "I'm not upset, I just want to know the price.")
    assert not c.engine.customer_distressed(3.0)


# single-utterance rules ---------------------------------------------------


def test_runaround_brush_off_blame_contradiction_fire_at_the_utterance_end(call):
    c = call()
    assert kinds(c.agent(0.0, 2.0, "You'll need to go to our website.")) == [("runaround", 2.0)]
    assert kinds(c.agent(3.0, 5.0, "That's another department.")) == [("brush_off", 5.0)]
    assert kinds(c.agent(6.0, 8.0, "That's your fault.")) == [("blame", 8.0)]
    assert kinds(c.agent(9.0, 11.0, "You're wrong.")) == [("contradiction", 11.0)]
    assert [n.severity for n in c.agent(12.0, 13.0, "You're wrong.")] == ["alert"]


def test_customer_words_never_trigger_agent_rules(call):
    c = call()
    assert c.customer(0.0, 4.0, "Your colleague said it was my fault and to go to your website.") == []


def test_negations_and_ownership_cancel(call):
    c = call()
    assert c.agent(0.0, 2.0, "It's not your fault at all.") == []
    assert c.agent(3.0, 5.0, "You don't need to fill out any form.") == []
    assert c.agent(6.0, 9.0, "I'll stay on the line while I transfer you.") == []
    assert c.agent(10.0, 12.0, "I'm not saying you're wrong.") == []


def test_jargon_unless_the_customer_said_it_first(call):
    c = call()
    out = c.agent(0.0, 2.0, "It's stuck in provisioning.")
    assert kinds(out) == [("jargon", 2.0)] and out[0].evidence.text == "provisioning"
    c.customer(3.0, 5.0, "What's an RMA?")
    assert c.agent(5.5, 7.0, "An RMA is a return number.") == []
    assert kinds(c.agent(8.0, 9.0, "The SLA is two days.")) == [("jargon", 9.0)]


# robotic_opening ----------------------------------------------------------


def test_robotic_opening_when_the_first_request_is_a_number(call):
    c = call()
    assert kinds(c.agent(0.0, 2.0, "Account number?")) == [("robotic_opening", 2.0)]
    assert c.agent(5.0, 6.0, "And your account number again?") == []  # decided once per call


def test_greeting_or_acknowledgement_first_is_human(call):
    c = call()
    assert c.agent(0.0, 3.0, "Good morning! Could I take your account number?") == []
    d = call()
    d.customer(0.0, 3.0, DISTRESS)
    out = d.agent(3.5, 7.0, "I'm so sorry about that. Could I take your order number?")
    assert kinds(out) == [("empathy", 7.0)]


def test_only_the_opening_turns_count(call, settings):
    c = call()
    for k in range(settings.opening_turns):
        c.agent(k * 3.0, k * 3.0 + 2.0, "Let me see.")
    assert c.agent(20.0, 22.0, "What's your account number?") == []


# no_timeframe ---------------------------------------------------------------


def test_promise_without_time_fires_when_the_grace_period_ends(call, settings):
    c = call()
    assert c.agent(0.0, 2.0, "I'll look into it and get back to you.") == []
    deadline = 2.0 + settings.timeframe_grace_s
    assert c.engine.advance(deadline - 0.01) == []
    out = c.engine.advance(deadline + 1.0)
    assert kinds(out) == [("no_timeframe", deadline)]
    assert out[0].evidence.text == "I'll look into it"


def test_time_given_in_the_next_segment_within_grace_cancels(call, settings):
    c = call()
    c.agent(0.0, 2.0, "I'll get back to you.")
    assert c.agent(2.3, 3.5, "By Friday at the latest.") == []
    assert c.engine.advance(20.0) == []


def test_promise_with_a_time_is_fine(call):
    c = call()
    assert c.agent(0.0, 3.0, "I'll call you back within 24 hours.") == []
    assert c.engine.finish(10.0) == []


def test_a_late_segment_first_raises_the_expired_promise(call, settings):
    c = call()
    c.agent(0.0, 2.0, "We'll let you know.")
    out = c.customer(3.0, 9.0, "Okay then.")
    assert kinds(out) == [("no_timeframe", 2.0 + settings.timeframe_grace_s)]


def test_call_ending_inside_the_grace_period_fires_at_the_end(call):
    c = call()
    c.agent(0.0, 2.0, "Someone will contact you.")
    assert kinds(c.engine.finish(3.0)) == [("no_timeframe", 3.0)]


# pace -----------------------------------------------------------------------

FAST = " ".join(["word"] * 45)


def test_pace_fires_when_the_agent_is_much_faster_than_the_customer(call):
    c = call()
    c.customer(0.0, 4.5, "I wanted to ask about upgrading my phone please")  # 9 words, 120 wpm
    out = c.agent(6.5, 16.5, FAST)  # 45 words in 10 s, 270 wpm
    assert kinds(out) == [("pace", 16.5)]
    assert out[0].evidence.text == "agent 270 wpm, customer 120 wpm"
    assert (out[0].evidence.start, out[0].evidence.end) == (6.5, 16.5)


def test_pace_needs_a_fresh_window_after_firing(call):
    c = call()
    c.customer(0.0, 4.5, "I wanted to ask about upgrading my phone please")
    c.agent(6.5, 16.5, FAST)
    assert c.agent(17.0, 27.0, FAST) == []  # no customer speech in the new window yet


def test_pace_matched_or_too_little_speech_is_fine(call):
    c = call()
    c.customer(0.0, 4.5, "I wanted to ask about upgrading my phone please")
    assert c.agent(6.5, 24.5, FAST) == []  # 150 wpm: 1.25 times the customer's
    d = call()
    d.customer(0.0, 1.0, "Hi")
    assert d.agent(1.5, 11.5, FAST) == []  # one customer word is no rate


# kudos and holds --------------------------------------------------------------


def test_thanks_confirmation_and_name_once_per_call(call):
    c = call()
    c.customer(0.0, 3.0, "Hi, my name is Daniel.")
    out = c.agent(3.5, 8.0, "Thank you for your patience, Daniel. Does that solve it?")
    assert kinds(out) == [("thanks", 8.0), ("confirmation", 8.0), ("customer_name", 8.0)]
    assert all(isinstance(k, Kudos) for k in out)
    assert c.agent(9.0, 12.0, "Thanks so much, Daniel. Is that clear?") == []


def test_name_with_a_different_ending_still_counts(call):
    c = call("lv")
    c.customer(0.0, 3.0, "Mani sauc Jānis.")
    assert kinds(c.agent(3.5, 5.0, "Protams, Jāni.")) == [("customer_name", 5.0)]


def test_hold_announcement(call):
    c = call()
    out = c.agent(0.0, 1.5, "One moment, let me check.")
    assert len(out) == 1 and isinstance(out[0], HoldAnnounced)
    assert (out[0].t, out[0].evidence.text) == (1.5, "One moment")


# partials, languages, invariants -----------------------------------------------


def test_partial_fires_mid_turn_and_the_final_does_not_repeat(call):
    c = call()
    out = c.agent(0.0, 2.0, "That's your fault", final=False, utterance_id=7, now=2.1)
    assert kinds(out) == [("blame", 2.1)]
    assert c.agent(0.0, 4.0, "That's your fault, you should have read it.", utterance_id=7) == []
    assert kinds(c.agent(5.0, 6.0, "Your fault again.", utterance_id=8)) == [("blame", 6.0)]


def test_partials_do_not_count_as_turns(call):
    c = call()
    c.customer(0.0, 4.0, DISTRESS)
    for now in (5.0, 6.0, 7.0):
        assert c.agent(4.5, now, "So the payment", final=False, utterance_id=50, now=now) == []
    assert c.agent(4.5, 8.0, "So the payment was taken twice.", utterance_id=50) == []


def test_language_of_the_call_and_of_a_segment(call, settings):
    c = call("tr")
    assert c.engine.language == "tr"
    assert kinds(c.agent(0.0, 2.0, "Yanılıyorsunuz.")) == [("contradiction", 2.0)]
    assert kinds(c.agent(3.0, 5.0, "You're wrong.", language="en")) == [("contradiction", 5.0)]
    c.engine.set_language("de")
    assert c.engine.language == settings.fallback_language
    c.engine.set_language("el-GR")
    assert c.engine.language == "el"


def test_unknown_fallback_language_is_refused(settings):
    import pytest

    with pytest.raises(ValueError, match="fallback"):
        CoachingEngine(dataclasses.replace(settings, fallback_language="xx"))


def test_outputs_are_nudges_kudos_or_holds_and_never_precede_their_evidence(call):
    c = call()
    out = []
    out += c.customer(0.0, 4.0, DISTRESS)
    out += c.agent(4.5, 8.0, "Account number? Our policy says you should have read the terms.")
    out += c.agent(8.5, 10.0, "I'll get back to you.")
    out += c.engine.advance(30.0)
    assert {type(o) for o in out} <= {Nudge, Kudos, HoldAnnounced}
    assert all(o.t >= o.evidence.end for o in out)
    assert kinds(out) == [("policy_before_empathy", 8.0), ("blame", 8.0), ("robotic_opening", 8.0), ("no_timeframe", 14.0)]
