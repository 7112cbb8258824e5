"""robotic_opening: asking for an account number before any human word.

A call that opens with a demand for a number feels like a machine: the first
request of the call should not be for an account, phone or reference number
unless the agent has first greeted the customer, made a personal touch or
acknowledged their feelings ("I'm so sorry to hear that... may I have your
order number?" is fine). Only the agent's first ``opening_turns`` turns
count; the rule decides once per call.
"""

from __future__ import annotations

from .base import Output, Rule, Utterance

__all__ = ["OpeningRule"]


class OpeningRule(Rule):
    def __init__(self, settings) -> None:
        super().__init__(settings)
        self._turns = 0
        self._done = False

    def on_utterance(self, utt: Utterance) -> list[Output]:
        if self._done or not (utt.by_agent and utt.final) or utt.is_backchannel():
            return []
        self._turns += 1
        self._done = self._turns >= self.settings.opening_turns
        request = utt.first("identity_request")
        human = [m for m in (utt.first("greeting", negatable=False), utt.first("acknowledgement")) if m is not None]
        if human and (request is None or min(m.first for m in human) < request.first):
            self._done = True
            return []
        if request is None:
            return []
        self._done = True
        return [self.nudge("robotic_opening", utt.now, utt.evidence(request))]
