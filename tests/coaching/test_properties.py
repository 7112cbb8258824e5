"""Invariants over arbitrary calls: nothing precedes its evidence, times never run backwards."""

from __future__ import annotations

from hypothesis import given, settings as hyp_settings, strategies as st

from service.coaching import CoachingEngine
from service.core.events import Interruption, TranscriptSegment

# A vocabulary that reaches every rule in every shipped language.
LINES = {
    "customer": [
        "I'm really fed up with this", "My name is Ana", "Είμαι πολύ απογοητευμένος", "Çok sinirliyim",
        "Esmu ļoti dusmīga", "Nakakainis na talaga", "What's an SLA?", "Okay", "Hello",
    ],
    "agent": [
        "Our policy says ten business days", "I'm so sorry to hear that", "Go to our website", "I'll transfer you",
        "That's your fault", "You're wrong", "Account number?", "Good morning", "I'll get back to you",
        "By Friday", "One moment", "Thank you for your patience Ana", "Does that solve it?", "The SLA is two days",
        "Λυπάμαι πολύ", "Η πολιτική μας", "Kurallarımıza göre", "Man ļoti žēl", "Pasensya na po", "mm-hm",
        " ".join(["word"] * 40),
    ],
}

turn = st.tuples(
    st.sampled_from(["agent", "customer"]),
    st.floats(0.1, 8.0),  # gap before the turn
    st.floats(0.3, 12.0),  # duration
    st.integers(0, 1000),  # picks a line
    st.booleans(),  # preceded by a partial
    st.booleans(),  # an interruption inside it
)


@hyp_settings(max_examples=60, deadline=None)
@given(turns=st.lists(turn, max_size=25), language=st.sampled_from(["en", "el", "tr", "lv", "tl"]))
def test_no_output_precedes_its_evidence_and_times_never_go_back(settings, turns, language):
    engine = CoachingEngine(settings, language=language)
    t = 0.0
    out = []
    for uid, (speaker, gap, duration, pick, partial, interrupted) in enumerate(turns):
        start, end = t + gap, t + gap + duration
        text = LINES[speaker][pick % len(LINES[speaker])]
        if interrupted:
            engine.on_interruption(Interruption(t=start + duration / 2, by="agent", overlap_start=start))
        if partial:
            out += engine.on_transcript(TranscriptSegment(speaker, start, end - duration / 2, text, "", False, uid), end - duration / 3)
        out += engine.advance(end)
        out += engine.on_transcript(TranscriptSegment(speaker, start, end, text, "", True, uid), end)
        t = end
    out += engine.finish(t + 1.0)
    assert all(item.t >= item.evidence.end for item in out)
    by_kind: dict[str, list[float]] = {}
    for item in out:
        by_kind.setdefault(getattr(item, "kind", "hold"), []).append(item.t)
    assert all(times == sorted(times) for times in by_kind.values())
