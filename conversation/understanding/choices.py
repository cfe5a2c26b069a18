"""Choosing how to pay, and asking what it costs, in English and Spanish: "on my visa", "con la
tarjeta", "de mi cuenta de cheques", "can you send me a secure link instead?", "is there a
fee?", "¿cobran por pagar con tarjeta?", and "the second one" / "el segundo" in a list.

Only reading: which saved method (if any) the words pick is the chat's (it knows the saved
methods). A method is named as one of METHODS:

- "link": a new or different card or account, or the secure link itself ("a new card", "otra
  tarjeta", "secure link", "el enlace"): the resident's way of saying "not a saved one";
- a card brand ("visa", "mastercard", "amex", "discover"), else "card";
- "checking" or "savings", else "bank" (a bank account of no named type).

Accents, case and punctuation are optional. The city account ("mi número de cuenta", "the
account balance") is never a bank account: in Spanish a bank account is named as such
("cuenta de cheques", "cuenta bancaria", "banco").
"""

from __future__ import annotations

import re

from conversation.understanding.consent import is_question
from conversation.understanding.plain_words import ADDRESSES, fold

BRANDS = ("visa", "mastercard", "amex", "discover")
METHODS = frozenset({"link", *BRANDS, "card", "checking", "savings", "bank"})

_BRAND_WORDS = {
    "visa": "visa", "mastercard": "mastercard", "master card": "mastercard",
    "master": "mastercard", "mc": "mastercard", "amex": "amex",
    "american express": "amex", "discover": "discover",
}
_NEW = (r"new|different|another|other|nueva|nuevo|otra|otro|diferente|distinta|distinto")
_SAVED = r"saved|usual|registrada|registrado|guardada|guardado|de siempre"
# The method words, longest first, as folded text.
_CARD = (r"credit card|debit card|card|credit|debit|tarjeta de credito|tarjeta de debito|"
         r"tarjeta|credito|debito")
_CHECKING = r"checking account|checking|cuenta de cheques|cheques"
_SAVINGS = r"savings account|savings|cuenta de ahorros?|ahorros?"
_BANK = (r"bank account|bank|ach|echeck|e check|cuenta bancaria|cuenta de banco|"
         r"cuenta del banco|banco|transferencia bancaria|transferencia")
_LINK = r"secure link|pay link|link|enlace seguro|enlace|liga"
_BRAND = "|".join(sorted((re.escape(w) for w in _BRAND_WORDS), key=len, reverse=True))
_METHOD = rf"(?P<method>{_BRAND}|{_CHECKING}|{_SAVINGS}|{_BANK}|{_CARD})"

# A method named with a request: "on my visa", "with a new card", "con mi visa", "con la
# tarjeta", "de mi cuenta de cheques", "con una tarjeta nueva", "by card".
_NAMED = re.compile(
    rf"\b(?P<lead>on|with|using|by|from|thru|through|via|con|usando|desde|de|por|en|mediante)"
    rf"\s+(?:(?:my|the|a|an|our|mi|mis|la|el|una|un|su|sus|esta|este)\s+)?"
    rf"(?:(?P<new>{_NEW})\s+|(?:{_SAVED})\s+)?{_METHOD}"
    rf"(?:\s+(?P<new_after>nueva|nuevo|diferente|distinta|distinto|otra|otro))?\b")
_BRAND_AFTER = re.compile(rf"\s+(?P<brand>{_BRAND})\b")
# "número de tarjeta", "datos de la tarjeta": the card's details, not paying with it.
_DETAILS_BEFORE = re.compile(r"\b(numero|numeros|digitos|datos|fecha|number|numbers|details)\s*$")

# An answer that names a method anywhere ("the visa", "tarjeta", "new card", "el enlace").
_LINK_WORDS = re.compile(rf"\b(?:{_LINK}|{_NEW}|secure)\b")
_ANSWER_METHOD = re.compile(rf"\b{_METHOD}\b|\b(?P<account>account|acct)\b")

# What paying costs: "is there a fee?", "does it cost extra by card?", "¿hay algún cargo?",
# "¿cobran por pagar con tarjeta?", "¿cuánto sale?", "is it free?".
_COST_WORDS = re.compile(
    r"\b(?:fees?|charges?|charged|charging|cost|costs|costing|extra|surcharge|convenience|"
    r"total|free|cargos?|comision(?:es)?|tarifas?|costos?|cuesta|cuestan|recargos?|cobran|"
    r"cobra|cobrar|cobro|cobras|cuotas?|gratis|adicional|cuanto sale)\b")

# Positions in a list: "2", "the second one", "el segundo", "la última".
_POSITIONS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "5th": 5, "last": -1, "one": 1, "two": 2, "three": 3,
    "primero": 1, "primera": 1, "primer": 1, "1ro": 1, "1ra": 1, "1er": 1, "1o": 1, "1a": 1,
    "segundo": 2, "segunda": 2, "2do": 2, "2da": 2, "2o": 2, "tercero": 3, "tercera": 3,
    "tercer": 3, "3ro": 3, "3ra": 3, "3er": 3, "3o": 3, "cuarto": 4, "cuarta": 4, "4to": 4,
    "4ta": 4, "quinto": 5, "quinta": 5, "5to": 5, "5ta": 5, "ultimo": -1, "ultima": -1,
    "uno": 1, "dos": 2, "tres": 3,
}


def asks_the_cost(text: str) -> bool:
    """A question about what the payment costs ("is there a fee?", "does it cost extra by
    card?", "¿hay algún cargo?", "cobran por pagar con tarjeta"): a question, not a choice."""
    if not isinstance(text, str) or not is_question(text):
        return False
    return bool(_COST_WORDS.search(_words(text)))


def named_method(text: str) -> str | None:
    """The method a request names ("pay my bill ... on my visa" -> "visa", "con la tarjeta"
    -> "card", "de mi cuenta de cheques" -> "checking", "using a new card" -> "link"), or
    None. Only a method after "on", "with", "con", "de" ... counts, so "pay my account" and
    "mi número de tarjeta" name none."""
    if not isinstance(text, str):
        return None
    words = _words(text)
    for match in _NAMED.finditer(words):
        if match["lead"] == "de" and _DETAILS_BEFORE.search(words[:match.start()]):
            continue
        if match["new"] or match["new_after"]:
            return "link"
        kind = _kind(match["method"])
        if kind == "card":  # "con mi tarjeta de crédito visa": the brand says more
            brand = _BRAND_AFTER.match(words[match.end():])
            if brand:
                return _BRAND_WORDS[brand["brand"]]
        return kind
    return None


def method_mentioned(text: str) -> str | None:
    """The method an answer to "which way would you like to pay?" names anywhere ("the
    visa", "tarjeta", "checking", "nueva tarjeta", "send me a secure link" -> "link"), or
    None. New / other / different and the link words come first: "a different card" is the
    pay link, never a saved card."""
    if not isinstance(text, str):
        return None
    words = _words(text)
    if _LINK_WORDS.search(words):
        return "link"
    found = [_kind(match["method"]) if match["method"] else "bank"
             for match in _ANSWER_METHOD.finditer(words)]
    for kind in (*BRANDS, "card", "checking", "savings", "bank"):
        if kind in found:
            return kind
    return None


def list_position(text: str) -> int | None:
    """The first position said in an answer to a numbered list ("2", "the second one", "el
    segundo", "la última" -> -1 for the last one), or None. A number of more than two digits
    or with a "$" is not a position."""
    if not isinstance(text, str):
        return None
    for token in _words(text, keep_dollar=True).split():
        if token.isdigit() and len(token) <= 2:
            return int(token) or None
        if token in _POSITIONS:
            return _POSITIONS[token]
    return None


# --- helpers ---------------------------------------------------------------------------------
def _words(text: str, *, keep_dollar: bool = False) -> str:
    """Folded words: "¿Cobran por pagar con tarjeta?" -> "cobran por pagar con tarjeta"."""
    keep = r"[^\w$]+" if keep_dollar else r"[^\w]+"
    return " ".join(re.sub(keep, " ", fold(ADDRESSES.sub(" ", text))).replace("_", " ").split())


def _kind(method: str) -> str:
    method = " ".join(method.split())
    if method in _BRAND_WORDS:
        return _BRAND_WORDS[method]
    for kind, pattern in (("checking", _CHECKING), ("savings", _SAVINGS), ("bank", _BANK)):
        if re.fullmatch(pattern, method):
            return kind
    return "card"
