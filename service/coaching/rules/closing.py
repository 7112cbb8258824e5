"""The call's end: goodbyes stop the timing nudges.

Overlapping goodbyes are not interruptions, and the silence after them is not
dead air (the stream may go on after both parties are done). A closing is a
goodbye family phrase by either party (category ``closing``: "bye", "have a
nice day", "thanks for calling"), or the agent's closing question (category
``closing_question``: "anything else I can help you with") answered by the
customer with a decline (category ``decline``: "no that's all"). A later
substantive turn (``resume_min_words`` words, not part of the closing) means
the conversation went on.
"""

from __future__ import annotations

from ...core.events import ClosingSaid, ConversationResumed
from .base import Output, Rule, Utterance

__all__ = ["ClosingRule"]


class ClosingRule(Rule):
    def __init__(self, settings) -> None:
        super().__init__(settings)
        self._closing = False
        self._asked = False  # the agent's closing question awaits the customer's answer

    def on_utterance(self, utt: Utterance) -> list[Output]:
        if not utt.final or utt.is_backchannel():
            return []
        goodbye = utt.first("closing", negatable=False)
        if utt.by_agent:
            question = utt.first("closing_question", negatable=False)
            self._asked = question is not None
            if goodbye is not None:
                return self._close(utt, goodbye)
            return self._resume(utt, ignore=question is not None)
        declined = utt.first("decline", negatable=False) if self._asked else None
        self._asked = False
        if goodbye is not None or declined is not None:
            return self._close(utt, goodbye or declined)
        return self._resume(utt)

    def _close(self, utt: Utterance, match) -> list[Output]:
        if self._closing:
            return []
        self._closing = True
        return [ClosingSaid(t=utt.now, evidence=utt.evidence(match))]

    def _resume(self, utt: Utterance, *, ignore: bool = False) -> list[Output]:
        if not self._closing or ignore or len(utt.tokens) < self.settings.resume_min_words:
            return []
        self._closing = False
        return [ConversationResumed(t=utt.now)]
