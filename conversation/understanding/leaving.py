"""Does a message leave the task at hand? ("actually never mind, i'll do it later", "olvídalo")

Leaving a task changes nothing: no payment, no enrollment, no cancellation (issue 17). It
is not a farewell (farewell.py): the conversation, and its verification, go on.

Only phrases that cannot be an answer count, wherever they are in the message. Bare verbs do
not: "cancel" and "stop" are also what residents ask for ("cancel my payment", "yes, cancel
that payment", "stop getting paper bills"), so alone they leave a task only as the whole
message (the actions' STOP_WORDS). English and Spanish, accents and apostrophes optional.
"""

from __future__ import annotations

import re

from conversation.understanding.plain_words import ADDRESSES, NON_WORD, fold

_PHRASES = (
    # English
    r"never ?mind", r"nvm", r"forget (it|about it|that|this)",
    r"(ill|i will|ill just|i will just|i can|i ll) (do|pay|finish|handle) (it|this|that) "
    r"(later|another time|some other time|tomorrow|myself)",
    r"(do|pay) it later", r"maybe later", r"(some ?other|another) time", r"not (right )?now",
    r"(i )?changed my mind", r"(i )?(dont|do not) want to (do this|do that|continue|go on)"
    r"( anymore)?", r"(i )?(dont|do not) want (it|this|that) anymore", r"skip (it|this|that)",
    r"(lets|let us) (stop|forget it)", r"no thanks (ill|i will) (do it|pay) later",
    # Spanish
    r"olvid(a|e)lo", r"olvidate", r"olvidese", r"dej(a|e)lo", r"no importa", r"mejor no",
    r"(lo hago|lo pago|lo termino) (despues|luego|mas tarde|otro dia|manana)",
    r"(mejor )?(despues|luego|mas tarde) lo hago", r"en otro momento", r"otro dia",
    r"cambie de (opinion|idea)", r"ya no (quiero|deseo)", r"no quiero (seguir|continuar)",
)
_LEAVING_RE = re.compile(r"\b(" + "|".join(_PHRASES) + r")\b")


def wants_to_leave(text: str) -> bool:
    """True when the message leaves the task: "never mind", "i'll do it later", "déjalo"."""
    if not isinstance(text, str):
        return False
    words = " ".join(NON_WORD.sub(" ", fold(ADDRESSES.sub(" ", text))).split())
    return bool(_LEAVING_RE.search(words))
