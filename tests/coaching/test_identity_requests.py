"""Robotic opening: asking for an identity detail first fires; mentioning one in a statement does not."""

from service.core.events import Kudos, Nudge


def kinds(events):
    return [e.kind for e in events if isinstance(e, (Nudge, Kudos))]


def test_a_statement_about_card_and_pin_is_no_identity_request(call):
    c = call("en")
    assert kinds(c.agent(0.0, 4.0, "Let me look. The payment was made with your card and PIN.")) == []
    assert kinds(call("en").agent(0.0, 3.0, "Can you confirm your PIN?")) == ["robotic_opening"]
