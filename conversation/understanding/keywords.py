"""The keyword fallback of the voice/SMS NLU: what a resident said, matched against ordered
English and Spanish patterns, for when the Rasa server is down, slow or unsure.

Text is normalized first the way speech recognition output varies: lowercase, accents folded
("cuánto" -> "cuanto", "sí" -> "si"), apostrophes dropped ("don't" -> "dont"), every other
punctuation mark turned into a space, "paper less" joined back into "paperless".

Order matters: the first matching rule wins, so the more specific ideas come first. "Cancel
my scheduled payment" must not read as scheduling, "no more paper bills" is enrolling in
paperless while "I want paper bills again" is leaving it, "how much do I have to pay" is a
balance question and not a payment, and "that's not correct" is a no.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

INTENTS: frozenset[str] = frozenset({
    "check_balance", "pay_bill", "schedule_payment", "cancel_scheduled_payment",
    "payment_status", "enroll_paperless", "unenroll_paperless", "request_agent", "help",
    "goodbye", "affirm", "deny",
})

_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november"
           "|december")
_DIAS = "lunes|martes|miercoles|jueves|viernes|sabado|domingo"
_MESES = "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre"

# (intent, pattern) in the order they are tried; patterns see normalized text.
_ENGLISH: tuple[tuple[str, str], ...] = (
    ("request_agent", r"\b(agent|representative|rep|operator|real person|a person|human|"
                      r"somebody|someone|customer service|live person|311)\b"),
    # No more paper is paperless; "stop paperless" is the opposite.
    ("enroll_paperless", r"\b(no more|stop|quit|stop (getting|receiving|sending)( me)?|"
                         r"dont (send|mail)( me)?|(dont|do not) want( to get)?|without|"
                         r"instead of|no longer (get|getting|receive|want)|"
                         r"(get|getting) rid of)( any| my| the| these)? paper "
                         r"(bills?|statements?|mail|copies)\b"),
    ("unenroll_paperless", r"\b(un ?enroll\w*|de ?enroll\w*|unsubscribe|opt out)\b"),
    ("unenroll_paperless", r"\b(stop|cancel|end|turn off|quit|disable|leave|get off|remove)\b"
                           r".*\b(paperless|e ?bills?|electronic (bills?|billing))\b"),
    ("unenroll_paperless", r"\b(back to|return to|switch to|go to) paper\b"),
    ("unenroll_paperless", r"\b(want|get|receive|prefer|send me|mail me|like|need)\b"
                           r".*\bpaper (bills?|statements?|copy|copies)\b"),
    ("unenroll_paperless", r"\bpaper (bills?|statements?) again\b"),
    ("enroll_paperless", r"\b(paperless|e ?bills?|e ?billing|electronic (bills?|billing|"
                         r"statements?)|go green|paper ?free)\b"),
    ("enroll_paperless", r"\b(email|e mail)( me)?( my)? (bills?|billing|statements?)\b"),
    ("enroll_paperless", r"\b(bills?|statements?) (by|via|through|over|to my) (email|e mail)\b"),
    ("enroll_paperless", r"\benroll\w*\b"),
    ("cancel_scheduled_payment", r"\b(cancel\w*|stop|delete|remove|void|undo|call off|revoke)\b"
                                 r".*\b(payments?|pay|autopay|scheduled|transaction)\b"),
    ("cancel_scheduled_payment", r"\b(want|need|like) to cancel\b"),
    ("payment_status", r"\b(status|state)\b.*\bpayments?\b|\bpayments?\b.*\bstatus\b"),
    ("payment_status", r"\b(did|has|was|is|have)\b.*\bpayments?\b.*\b(go through|gone through|"
                       r"went through|posted|post|received|processed|approved|clear|cleared|"
                       r"applied)\b"),
    ("payment_status", r"\bpayments? (went through|go through|posted|received|confirmation)\b"),
    ("payment_status", r"\b(check|track|verify|confirm)( on)?( the| my)?( last| recent| "
                       r"scheduled)? payments?\b|\bwhere is my payment\b|\bconfirmation "
                       r"(number|code)\b|\bi (already |just )?paid\b"),
    ("schedule_payment", r"\bschedul\w*\b|\b(post ?dated?|future dated?)\b"),
    ("schedule_payment", r"\bpay\w*\b.*\b(later|tomorrow|next (week|month|" + _WEEKDAYS + r")|"
                         r"on (the|" + _WEEKDAYS + r")|in the future|another day|"
                         + _MONTHS + r")\b"),
    ("schedule_payment", r"\bset up a (future )?payment\b"),
    ("check_balance", r"\bhow much\b|\bwhat do i owe\b"),
    ("deny", r"\b(dont|do not|not) (want|wanna|going)( to)? pay\b"),
    ("pay_bill", r"\bpay\w*\b"),
    ("check_balance", r"\b(balance|owe|owed|owing|amount due|due|past due)\b"),
    ("check_balance", r"\b(check|hear|get|know|see|review|look up|about)\b.*"
                      r"\b(bill|bills|account|statement)\b"),
    ("check_balance", r"^(my )?(bill|bills|account|statement)$"),
    ("help", r"\b(help|options|menu|what can i (do|say)|i dont understand|not sure what|"
             r"information|info)\b"),
    ("goodbye", r"\b(bye|goodbye|good bye|bye bye|thats all|that is all|thats it|that is it|"
                r"nothing else|im done|i am done|hang up|end (the )?call|see you|have a good "
                r"(day|night|one))\b"),
    # "not correct" before "correct": a negated yes is a no.
    ("deny", r"\b(not (right|correct)|incorrect|wrong|thats not it)\b"),
    ("affirm", r"^(yes|yeah|yea|yep|yup|sure|correct|right|thats right|thats correct|ok|okay|"
               r"affirmative|absolutely|of course|please do|go ahead|confirm|i confirm|uh huh|"
               r"sounds good|definitely|that is correct|that is right|exactly|do it)\b"),
    ("deny", r"^(no|nope|nah|negative|not really|dont|do not|never mind|nevermind|cancel)\b"),
)

_SPANISH: tuple[tuple[str, str], ...] = (
    ("request_agent", r"\b(agente|representante|operador|operadora|una persona|un humano|"
                      r"alguien|persona real|servicio al cliente|311)\b"),
    # Stop receiving paper is paperless; leaving "factura electrónica" is the opposite.
    ("enroll_paperless", r"\b(dejar de recibir|no (quiero )?recibir|ya no (quiero )?recibir)"
                         r"( la| las| el| los| mis| mi)?( facturas?| recibos?)?( en| de)? papel\b"),
    ("unenroll_paperless", r"\b(cancelar|quitar|dejar|desactivar|salir de|darme de baja|"
                           r"dar de baja|desinscribir\w*|terminar)\b.*\b(factura(s|cion)? "
                           r"electronicas?|sin papel|paperless)\b"),
    ("enroll_paperless", r"\bsin papel\b"),
    ("unenroll_paperless", r"\b(volver|regresar|cambiar)\b.*\bpapel\b"),
    ("unenroll_paperless", r"\b(facturas?|recibos?|estados? de cuenta) (en|de) papel\b"),
    ("unenroll_paperless", r"\b(quiero|prefiero|recibir)\b.*\ben papel\b"),
    ("unenroll_paperless", r"\b(quiero|prefiero|necesito)( recibir)?( mis| mi| la| las)?"
                           r"( facturas?| recibos?)? papel\b"),
    ("enroll_paperless", r"\b(facturas?|facturacion) electronicas?\b"),
    ("enroll_paperless", r"\b(facturas?|recibos?) (por|al|a mi) (correo|email|e mail)\b"),
    ("enroll_paperless", r"\b(inscribir\w*|papel)\b"),
    ("cancel_scheduled_payment", r"\b(cancela\w*|anula\w*|deten\w*|parar|elimina\w*|borra\w*|"
                                 r"quitar)\b.*\b(pagos?|programado|transaccion)\b"),
    ("payment_status", r"\bestado (de |del )?(mi |el )?pagos?\b"),
    ("payment_status", r"\b(se )?(proceso|recibio|aplico|paso|aprobo|llego)\b.*\bpagos?\b"),
    ("payment_status", r"\bpagos?\b.*\b(procesado|recibido|aplicado|aprobado|llego)\b"),
    # "mi pago ya se procesó", "¿recibieron mi pago?": asking about a payment, not paying.
    ("payment_status", r"\bpagos?\b.*\b(se|ya) (proceso|recibio|aplico|paso|aprobo|reflejo|"
                       r"registro)\b"),
    ("payment_status", r"\b(recibieron|aplicaron|registraron|procesaron|reflejaron)\b.*"
                       r"\bpagos?\b"),
    ("payment_status", r"\b(verificar|revisar|consultar|confirmar) (el |mi )?(ultimo )?pagos?\b"
                       r"|\bnumero de confirmacion\b"),
    ("schedule_payment", r"\b(programa\w*|agenda\w*)\b"),
    ("schedule_payment", r"\bpag\w*\b.*\b(mas tarde|manana|despues|otro dia|la proxima semana|"
                         r"el proximo mes|en el futuro|" + _DIAS + "|" + _MESES + r")\b"),
    ("schedule_payment", r"\bpago (futuro|para despues)\b"),
    ("check_balance", r"\bcuanto\b"),
    ("payment_status", r"\bya (pague|hice (el |mi )?pago)\b"),
    ("deny", r"\bno (quiero|voy a) pagar\b"),
    ("pay_bill", r"\bpag(ar|o|ue|a|amos|uemos|os|arla|arlo)\b|\babon(ar|o)\b"),
    ("check_balance", r"\b(saldo|debo|deuda|adeudo|vence|vencido|vencimiento|balance)\b"
                      r"|\bestado de cuenta\b"),
    ("check_balance", r"\b(consultar|revisar|ver|saber|escuchar)\b.*\b(factura|cuenta|recibo)\b"),
    ("check_balance", r"^(mi )?(factura|cuenta|recibo)$"),
    ("help", r"\b(ayuda|ayudame|opciones|menu|no entiendo|informacion|que puedo hacer|"
             r"me (puede|pueden|puedes) ayudar)\b"),
    ("goodbye", r"\b(adios|hasta luego|hasta pronto|chao|chau|eso es todo|es todo|nada mas|"
                r"terminar|colgar|ya termine)\b"),
    ("deny", r"\b(no es correcto|incorrecto|no es cierto|equivocado|eso no)\b"),
    ("affirm", r"^(si|claro|correcto|de acuerdo|por supuesto|esta bien|vale|afirmativo|"
               r"confirmo|exacto|exactamente|asi es|okey|ok|dale|sale|andale|orale|sip)\b"),
    ("deny", r"^(no|negativo|para nada|nunca|nel|nop)\b"),
)

_RULES: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    language: tuple((intent, re.compile(pattern)) for intent, pattern in rules)
    for language, rules in (("en", _ENGLISH), ("es", _SPANISH))
}

_APOSTROPHES = re.compile(r"['’`´]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """'¿Cuánto DEBO?' -> 'cuanto debo'; "don't" -> 'dont'."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = _NOT_WORD.sub(" ", _APOSTROPHES.sub("", folded)).split()
    return " ".join(words).replace("paper less", "paperless")


def keyword_intent(text: str, language: str = "en") -> str | None:
    """The first matching rule of the caller's language, then of the other one (residents
    mix: "sí" on the English line, "balance" on the Spanish one); None when nothing fits."""
    normalized = normalize(text)
    if not normalized:
        return None
    for rules in _rules_in_order(language):
        for intent, pattern in rules:
            if pattern.search(normalized):
                return intent
    return None


def _rules_in_order(language: str) -> Iterable[tuple[tuple[str, re.Pattern[str]], ...]]:
    first = "es" if (language or "").lower().startswith("es") else "en"
    yield _RULES[first]
    yield _RULES["en" if first == "es" else "es"]
