"""Does a message leave the task at hand? ("actually never mind, i'll do it later", "olvídalo")

Leaving a task changes nothing: no payment, no enrollment, no cancellation (issue 17). It
is not a farewell (farewell.py): the conversation, and its verification, go on.

Only phrases that cannot be an answer count, wherever they are in the message. Bare verbs do
not: "cancel" and "stop" are also what residents ask for ("cancel my payment", "yes, cancel
that payment", "stop getting paper bills"), so alone they leave a task only as the whole
message (`is_stop_word`). English and Spanish, accents and apostrophes optional.
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
    r"olvid(a|e)lo( todo)?", r"olvidate", r"olvidese", r"olvid(e|a)nlo", r"olvidemoslo",
    r"olvid(a|e|emos) (eso|esto)", r"dej(a|e)lo", r"dejemoslo", r"no importa", r"mejor no",
    r"(lo hago|lo pago|lo termino|lo hare|lo pagare) (despues|luego|mas tarde|otro dia|"
    r"manana|yo|yo mismo|yo misma|por mi cuenta|en persona)",
    r"(mejor |ya )?(despues|luego|mas tarde) (lo hago|lo pago|lo termino|lo veo|regreso|"
    r"vuelvo)", r"en otro momento", r"otro dia", r"en otra ocasion", r"otro rato",
    r"lo dejo para (despues|luego|mas tarde|otro dia|manana)",
    r"(mejor|quizas|quiza|tal vez|a lo mejor) (despues|luego|mas tarde|otro dia)",
    r"(ahora|ahorita|por ahora|por el momento|en este momento) no( gracias| muchas gracias|"
    r" puedo| tengo tiempo)?$",
    r"no (por ahora|ahorita|en este momento|por el momento)( gracias| muchas gracias)?$",
    r"cambie de (opinion|idea|parecer)", r"me arrepenti",
    # "ya no quiero" alone, not "ya no quiero recibir facturas en papel" (a request).
    r"ya no (quiero|deseo)( (seguir|continuar|hacerlo|hacer (esto|eso)|pagar(lo)?|nada))?"
    r"( gracias)?$",
    r"(ya )?no quiero (seguir|continuar|hacerlo|hacer (esto|eso))",
)
_LEAVING_RE = re.compile(r"\b(" + "|".join(_PHRASES) + r")\b")


# A bare verb leaves a task only as the whole message: "cancel my payment" is a request.
STOP_WORDS = frozenset({
    "stop", "cancel", "quit", "exit", "never mind", "nevermind", "forget it", "forget about it",
    "start over", "cancel that", "stop that", "no stop", "abort",
    "cancelar", "cancela", "cancele", "cancelalo", "cancelar eso", "cancela eso", "parar",
    "para", "pare", "paren", "detener", "detente", "alto", "basta", "ya basta", "salir",
    "terminar", "empezar de nuevo", "volver a empezar", "empezar otra vez", "no para",
    "olvidalo",
})


def is_stop_word(text: str) -> bool:
    """True when the whole message is a bare stop word ("stop", "Cancel.", "cancelar",
    "basta", "empezar de nuevo"): it leaves the task alone, and is a request inside a
    sentence."""
    return isinstance(text, str) and _words(text) in STOP_WORDS


def wants_to_leave(text: str) -> bool:
    """True when the message leaves the task: "never mind", "i'll do it later", "déjalo"."""
    if not isinstance(text, str):
        return False
    return bool(_LEAVING_RE.search(_words(ADDRESSES.sub(" ", text))))


def _words(text: str) -> str:
    return " ".join(NON_WORD.sub(" ", fold(text)).split())
