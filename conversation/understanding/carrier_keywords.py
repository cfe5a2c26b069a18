"""What a text message means before anything else reads it: the carrier keywords (CTIA rules,
the same words Twilio's opt-out handling uses) and Payline's own shortcuts.

A keyword counts only when it is the whole message ("STOP", " stop. "), never inside a
sentence: "stop my scheduled payment" and "cancel my payment" are requests for the bot, not
opt-outs. YES is both an opt-in word and the answer to a payment offer; which one it is
depends on the thread (an opted-out number opts back in), so it has its own kind. AGENT
(PERSON, HUMAN...) asks for a 311 agent; Payline answers it itself, bot up or down.
"""

from __future__ import annotations

import enum
import re
import unicodedata


class Keyword(enum.StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"  # START, UNSTOP (YES is Keyword.YES)
    HELP = "help"
    BALANCE = "balance"
    PAY = "pay"
    YES = "yes"
    NO = "no"
    LINK = "link"
    AGENT = "agent"  # talk to a person at 311


OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
                           "OPTOUT", "REVOKE"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
_WORDS: dict[str, Keyword] = {
    **{word: Keyword.OPT_OUT for word in OPT_OUT_WORDS},
    **{word: Keyword.OPT_IN for word in OPT_IN_WORDS},
    "HELP": Keyword.HELP, "INFO": Keyword.HELP,
    "BAL": Keyword.BALANCE, "BALANCE": Keyword.BALANCE,
    "PAY": Keyword.PAY,
    "YES": Keyword.YES, "Y": Keyword.YES,
    "NO": Keyword.NO, "N": Keyword.NO,
    "LINK": Keyword.LINK,
    **{word: Keyword.AGENT for word in ("AGENT", "PERSON", "HUMAN", "OPERATOR",
                                        "REPRESENTATIVE")},
}
# Punctuation and symbols around the word ("STOP!", "'yes'", "Pay.") do not change it.
_EDGES = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)


def keyword_of(text: str) -> Keyword | None:
    """The keyword the whole message is, or None for anything else."""
    word = unicodedata.normalize("NFKC", text or "").strip()
    word = _EDGES.sub("", word).upper()
    return _WORDS.get(word)
