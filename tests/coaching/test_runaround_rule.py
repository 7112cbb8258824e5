"""Runaround and brush-off: sending the customer elsewhere fires, doing the work for them does not.

Sending the customer to a form is a runaround, filling it in for them is
service. Each language's pack carries "on your behalf / I'll do it for you"
ownership phrases; a negated ownership ("I can't fill it in for you") does not
cancel. These tests check both directions on the shipped packs.
"""

import pytest

from service.core.events import Kudos, Nudge


def kinds(events):
    return [e.kind for e in events if isinstance(e, (Nudge, Kudos))]


# (language, the agent sends the customer to do it, the agent does it for them)
RUNAROUND_PAIRS = [
    ("en", "Please fill in the form on our website.", "I'll fill in the online form for you now, so you're all set."),
    ("en", "You can fill out the online form and we'll take it from there.",
     "I can fill it out for you right now while we're on the phone."),
    ("en", "I've emailed you a form, please fill it in and send it back to us.",
     "I've emailed you a form and I'll stay on the line while we fill it in together."),
    ("en", "You'll need to submit a form through the app.", "I'll submit the form through the app on your behalf."),
    ("el", "Θα πρέπει να συμπληρώσετε τη φόρμα στην ιστοσελίδα μας.",
     "Τη συμπλήρωσα εγώ τη φόρμα για λογαριασμό σας, δεν χρειάζεται κάτι άλλο."),
    ("el", "συμπληρωστε την αιτηση στο site μας", "θα το κανω εγω, θα συμπληρωσω εγω την αιτηση στο site"),
    ("tr", "Web sitemizdeki formu doldurmanız gerekiyor.", "Web sitemizdeki formu sizin adınıza ben doldurdum."),
    ("tr", "formu internet sitesinden doldurun", "formu sizin icin dolduruyorum, internet sitesine girmenize gerek kalmadi"),
    ("lv", "Jums jāaizpilda veidlapa mūsu mājaslapā.", "Veidlapu mūsu mājaslapā es aizpildīju jūsu vietā."),
    ("lv", "aizpildiet pieteikuma formu majaslapa", "es aizpildisu pieteikuma formu majaslapa jusu varda"),
    ("tl", "Kailangan niyo pong mag-fill out ng form sa website namin.",
     "Ako na po ang mag-fill out ng form sa website para sa inyo."),
    ("tl", "mag fill out po kayo ng form sa website", "pinunan ko na po yung form sa website sa ngalan ninyo"),
]


@pytest.mark.parametrize(("language", "sent_away", "owned"), RUNAROUND_PAIRS)
def test_runaround_fires_unless_the_agent_does_the_work(call, language, sent_away, owned):
    assert kinds(call(language).agent(0.0, 4.0, sent_away)) == ["runaround"]
    assert kinds(call(language).agent(0.0, 4.0, owned)) == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I can't fill it in for you, please use the online form."),
        ("el", "Δεν μπορώ να το κάνω εγώ, συμπληρώστε τη φόρμα στην ιστοσελίδα."),
        ("tl", "Hindi po ako ang mag-fill out, kayo po ang mag-fill out ng form sa website."),
        # Latvian negates inside the verb: "nevaru" (I can't) is a cue of its own.
        ("lv", "Es nevaru to aizpildīt jūsu vietā, aizpildiet formu mājaslapā."),
        # "fill you in" is telling, not filling in the form.
        ("en", "I'll fill you in: you need to complete the online form."),
    ],
)
def test_negated_ownership_does_not_cancel_the_runaround(call, language, text):
    assert kinds(call(language).agent(0.0, 5.0, text)) == ["runaround"]


def test_ownership_phrases_still_cancel_a_brush_off(call):
    c = call("en")
    assert kinds(c.agent(0.0, 4.0, "I'll contact the other department on your behalf.")) == []
    assert kinds(call("en").agent(0.0, 4.0, "You'll need to contact the other department.")) == ["brush_off"]
