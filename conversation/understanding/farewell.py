"""Does a message end the conversation? ("bye", "thanks, bye", "that's all", "adiós")

Ending a conversation ends its verification (issue 14 §7): the next message must verify
again. The words decide, not one NLU guess: "thanks, bye" is a goodbye even when the NLU hears
a thank-you, "ok that's all" even when it hears a yes. Channel-neutral: the chatbot's actions
and the SMS thread's own keyword verification both use it.

Only clear farewells count. "That's it" can confirm an answer and "stop" or "never mind"
leave a task without leaving the conversation, so they are not farewells here.
"""

from __future__ import annotations

import re

from conversation.understanding.plain_words import ADDRESSES, NON_WORD, fold, has_question_mark

# Leave-taking words: a farewell wherever they are.
_LEAVING = (
    r"bye+", r"bye bye", r"good ?bye", r"good ?night", r"farewell", r"cya", r"see (ya|you)",
    r"ttyl", r"talk (to you )?(later|soon)", r"catch you later", r"later gator",
    r"have a (good|nice|great|wonderful|lovely|blessed) (day|night|one|evening|weekend|"
    r"morning|afternoon|rest of your day)",
    r"adios", r"hasta (luego|pronto|manana|la vista|la proxima|entonces)", r"nos vemos",
    r"chao", r"chau", r"cuidese", r"cuidate", r"que (le|te) vaya bien", r"me despido",
    r"(que )?(tenga|tengas|pase|pases)( usted)? (un )?(muy )?(buen|lindo|excelente|bonito|"
    r"feliz) (dia|fin de semana|tarde|noche|resto del dia)",
    r"(buen|feliz) fin de semana",
)
# "Nothing more": a farewell as a statement, not in a question ("that's all I owe?").
_DONE = (
    r"(thats|that is|thatll be|that will be|that was) (all|everything)",
    r"(thats|that is) it for (now|today|me|the day)",
    r"(im|i am|were|we are) (all )?(done|finished|through)( here| for (now|today|the day))?"
    r"( thanks| thank you)?$",
    r"nothing (else|more)( (for|today)| thanks| thank you|$)",
    r"(end|close|exit|quit|leave) (the |this )?(chat|conversation|session)",
    r"(sign|signing|log|logging) (off|out)", r"i (gotta|got to|have to|need to) (go|run)",
    r"(eso|esto) (es|seria|sera|fue) todo", r"(ya )?(es|seria|fue) todo( por (hoy|ahora))?"
    r"( gracias| muchas gracias)?$",
    r"nada mas( por (hoy|ahora))?( gracias| muchas gracias)?$",
    r"(ya )?no necesito (nada mas|mas nada|nada)( mas)?( gracias| muchas gracias|"
    r" por (hoy|ahora))?$",
    r"ya (termine|acabe)( gracias| muchas gracias)?$", r"me (tengo que ir|voy)$",
    r"(terminar|cerrar|salir de|salir del|finalizar) (el |la |este |esta )?(chat|conversacion|"
    r"sesion)",
)
_LEAVING_RE = re.compile(r"\b(" + "|".join(_LEAVING) + r")\b")
_DONE_RE = re.compile(r"\b(" + "|".join(_DONE) + r")\b")


def says_goodbye(text: str) -> bool:
    """True when the message takes leave ("ok thanks bye", "that's all for today")."""
    if not isinstance(text, str):
        return False
    text = ADDRESSES.sub(" ", text)
    words = _words(text)
    if _LEAVING_RE.search(words):
        return True
    return not has_question_mark(text) and bool(_DONE_RE.search(words))


def _words(text: str) -> str:
    """Lowercase words without accents or punctuation: "That's all!" -> "thats all"."""
    return " ".join(NON_WORD.sub(" ", fold(text)).split())
