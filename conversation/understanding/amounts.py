"""Amounts as residents type them in chat or SMS: "$40", "40 bucks", "forty five fifty",
"40 dólares", "cuarenta y cinco con cincuenta".

`parse_amount_text` accepts everything `Money.parse` accepts, plus amounts in words (English or
Spanish) and amounts inside a short sentence ("i want to pay $40 please", "quiero pagar 40
dlls"). It is strict where a guess could charge the wrong amount: two different amounts, more
than two decimals, a negative, a percentage, another currency or an absurd size are refused
with InvalidAmount, so the resident is simply asked again. `language` chooses the language of
that refusal, and how a comma and a dot are read:

- In English (and by default) cents follow a dot and a comma groups thousands: "1,250.50";
  "45,50" is refused with a request to write cents with a dot.
- In Spanish, written both ways in a US city, a comma followed by one or two digits is the
  cents ("45,50" is 45.50, "1.250,50" is 1250.50), a comma followed by three digits still
  groups thousands ("1,250" is 1250, as in English), and a dot followed by exactly three
  digits ("1.250": 1250 or 1.25?) is refused rather than guessed.
- "once" is eleven only in Spanish ("pay once" is English).

`full_balance_requested` and `past_due_requested` recognise "pay it all" / "todo" and "just the
past due" / "solo lo vencido" answers. A channel asks them first, then falls back to
`parse_amount_text`:

    if full_balance_requested(text): pay the balance
    elif past_due_requested(text): pay the past-due part
    else: parse_amount_text(text)

Both are conservative: they say False when the text also names an amount, is negated ("not the
full balance", "no quiero pagar todo"), asks for part of it ("half the balance", "la mitad") or
is a question ("what is the total?", "¿cuánto es el total?"). `amount_option_named` says
whether a request names one of them outright ("pay the full amount", "quiero pagar todo"),
where "pay my bill" names only the task.

Money is Decimal throughout; nothing here ever builds a binary floating-point number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from domain.errors import InvalidAmount
from domain.money import ABSURD_AMOUNT, Money

MAX_TEXT = 200

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)

# --- resident-friendly messages ------------------------------------------------------------
NO_AMOUNT = ("Sorry, I didn't catch an amount. Please type the amount in dollars and cents, "
             "for example 45.50.")
TWO_AMOUNTS = ("I see more than one amount there. Please send just the amount you want to pay, "
               "for example 45.50.")
TOO_MANY_DECIMALS = ("Please use at most two decimal places for cents, for example 45.50.")
NEGATIVE = "The amount can't be negative. Please send the amount you want to pay, e.g. 45.50."
TOO_LARGE = "That amount is too large. Please check it and send it again, for example 45.50."
TOO_LONG = "Please send just the amount you want to pay, for example 45.50."
PLAIN_DIGITS = "Please type the amount with the digits 0 to 9, for example 45.50."
DOLLARS_ONLY = "Please give the amount in US dollars, for example 45.50."
PERCENT = ("Please give the amount in dollars rather than a percentage, for example 45.50, "
           "or say \"the full balance\".")
DECIMAL_COMMA = "Please write cents with a dot, for example 40.50."
BAD_NUMBER = "That number doesn't look right. Please type the amount like 1,250.50 or 1250.50."
BAD_CENTS = ("Please give cents as a number from 0 to 99, for example \"45 dollars and 50 "
             "cents\".")
THOUSANDS_DOT = ("Please write the amount without a dot between the thousands, for example "
                 "1250.00 or 1.25.")

# The same refusals in Spanish, by their English text.
SPANISH_MESSAGES: dict[str, str] = {
    NO_AMOUNT: ("Disculpe, no entendí el monto. Escriba el monto en dólares y centavos, por "
                "ejemplo 45.50."),
    TWO_AMOUNTS: ("Veo más de un monto. Envíe solo el monto que quiere pagar, por ejemplo "
                  "45.50."),
    TOO_MANY_DECIMALS: "Use como máximo dos decimales para los centavos, por ejemplo 45.50.",
    NEGATIVE: ("El monto no puede ser negativo. Envíe el monto que quiere pagar, por ejemplo "
               "45.50."),
    TOO_LARGE: "Ese monto es demasiado grande. Revíselo y envíelo de nuevo, por ejemplo 45.50.",
    TOO_LONG: "Envíe solo el monto que quiere pagar, por ejemplo 45.50.",
    PLAIN_DIGITS: "Escriba el monto con los dígitos del 0 al 9, por ejemplo 45.50.",
    DOLLARS_ONLY: "Indique el monto en dólares estadounidenses, por ejemplo 45.50.",
    PERCENT: ("Indique el monto en dólares y no como porcentaje, por ejemplo 45.50, o diga "
              "\"todo el saldo\"."),
    DECIMAL_COMMA: "Escriba los centavos con punto o con coma, por ejemplo 40.50.",
    BAD_NUMBER: "Ese número no parece correcto. Escriba el monto así: 1250.50.",
    BAD_CENTS: ("Indique los centavos como un número del 0 al 99, por ejemplo \"45 dólares con "
                "50 centavos\"."),
    THOUSANDS_DOT: ("¿Miles o centavos? Escriba el monto sin punto entre los miles, por ejemplo "
                    "1250.00 o 1.25."),
}

# --- vocabulary ----------------------------------------------------------------------------
_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9}
_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
         "seventy": 70, "eighty": 80, "ninety": 90}
_SMALL = {**_UNITS, **_TEENS}
_SCALES = (("million", 1_000_000), ("thousand", 1000))
_SCALE_WORDS = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_NUMBER_WORDS = set(_SMALL) | set(_TENS) | set(_SCALE_WORDS)
# Spanish number words ("cuarenta y cinco", "mil doscientos"), without accents.
_ES_UNITS = {"cero": 0, "uno": 1, "un": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4,
             "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9}
_ES_SMALL = {
    **_ES_UNITS, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
    "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20,
    "veintiuno": 21, "veintiun": 21, "veintiuna": 21, "veintidos": 22, "veintitres": 23,
    "veinticuatro": 24, "veinticinco": 25, "veintiseis": 26, "veintisiete": 27,
    "veintiocho": 28, "veintinueve": 29,
}
_ES_TENS = {"treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70,
            "ochenta": 80, "noventa": 90}
_ES_HUNDREDS = {"cien": 100, "ciento": 100, "doscientos": 200, "doscientas": 200,
                "trescientos": 300, "trescientas": 300, "cuatrocientos": 400,
                "cuatrocientas": 400, "quinientos": 500, "quinientas": 500, "seiscientos": 600,
                "seiscientas": 600, "setecientos": 700, "setecientas": 700, "ochocientos": 800,
                "ochocientas": 800, "novecientos": 900, "novecientas": 900}
_ES_SCALES = {"mil": 1000, "millon": 1_000_000, "millones": 1_000_000}
# "un" and "una" are also articles ("un pago de 40"): a number only before a unit or a scale.
_ES_ARTICLES = {"un", "una"}
_SPANISH_WORDS = set(_ES_SMALL) | set(_ES_TENS) | set(_ES_HUNDREDS) | set(_ES_SCALES)
_NUMBER_WORDS |= _SPANISH_WORDS
_SCALE_WORDS_ANY = set(_SCALE_WORDS) | set(_ES_SCALES) | set(_ES_HUNDREDS)
_AND = {"and", "y", "con"}  # "45 dollars and 50 cents", "45 dólares con 50 centavos"
_DOLLAR_UNITS = {"dollar", "dollars", "buck", "bucks", "usd", "dlls", "dls", "dolar", "dolares",
                 "dlr", "dlrs"}
_CENT_UNITS = {"cent", "cents", "c", "ct", "cts", "centavo", "centavos", "ctv", "ctvs"}
_FOREIGN = {"euro", "euros", "eur", "pound", "pounds", "gbp", "peso", "pesos", "mxn", "yen",
            "cad", "quid", "rupee", "rupees", "yuan", "bitcoin", "btc", "quetzal", "quetzales",
            "lempira", "lempiras"}
_OH = {"oh", "o"}
_MINUS_WORDS = {"minus", "negative", "menos", "negativo"}

_TOKEN = re.compile(r"""
    (?P<skip>(?<![\w.,])\d+(?:[/:]\d+)+)            # 12/5, 3/4, 5:30: dates, fractions, times
  | (?P<num>(?<![\w.,])(?:\d[\d,.]*\d|\d|\.\d+))(?P<suffix>[a-z]+)?
  | (?P<word>[a-z]+)
  | (?P<dollar>\$)
  | (?P<percent>%)
  | (?P<minus>-)
  | (?P<other>\S)
""", re.VERBOSE)
_PLAIN_NUMBER = re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$|^\.[0-9]+$")
_DECIMAL_COMMA = re.compile(r"(?<![\d,])\d+,\d{1,2}(?![\d,])")
_TRANSLATE = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a2": " cents ",
    "\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\ufe63": "-", "\uff0d": "-",
})


@dataclass(frozen=True)
class _Tok:
    kind: str  # num | word | dollar | percent | minus | skip | other
    text: str


@dataclass(frozen=True)
class _Number:
    value: Decimal
    words: bool  # spelled out ("forty five") rather than digits
    integer: bool
    end: int


# --- public API ----------------------------------------------------------------------------
def parse_amount_text(text: str, language: str = "en") -> Money:
    """The one amount in `text`, as Money; InvalidAmount (with a message to show, in
    `language`) otherwise.

    Zero parses, as with Money.parse: whether zero is payable is a payment rule."""
    spanish = (language or "").lower().startswith("es")
    try:
        return _parse_amount(text, spanish)
    except InvalidAmount as error:
        if not spanish:
            raise
        raise InvalidAmount(SPANISH_MESSAGES.get(error.detail, SPANISH_MESSAGES[NO_AMOUNT])
                            ) from None


def _parse_amount(text: str, spanish: bool) -> Money:
    if not isinstance(text, str):
        raise InvalidAmount(NO_AMOUNT)
    if spanish:
        if len(text) > MAX_TEXT:
            raise InvalidAmount(TOO_LONG)
        text = _SPANISH_NUMBER.sub(_spanish_separators, text)
    try:
        return Money.parse(text)
    except InvalidAmount:
        pass
    values = {value for value, _ in _mentions(_tokens(text, spanish))}
    if not values:
        raise InvalidAmount(NO_AMOUNT)
    if len(values) > 1:
        raise InvalidAmount(TWO_AMOUNTS)
    value = values.pop()
    if value < 0:  # pragma: no cover - negatives are refused while scanning
        raise InvalidAmount(NEGATIVE)
    if value > ABSURD_AMOUNT:
        raise InvalidAmount(TOO_LARGE)
    if value != value.quantize(_CENT):
        raise InvalidAmount(TOO_MANY_DECIMALS)
    return Money(value)


# A number as typed with its separators: "45,50", "1.250,50", "1,250.50".
_SPANISH_NUMBER = re.compile(r"(?<![\d.,])\d[\d.,]*\d(?!\d)")


def _spanish_separators(match: re.Match[str]) -> str:
    """A Spanish writer's decimal comma read as the cents; a dot between thousands refused."""
    number = match.group(0)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d{1,2}", number):  # 1.250,50
        return number.replace(".", "").replace(",", ".")
    if re.fullmatch(r"\d+,\d{1,2}", number):  # 45,50 and 45,5
        return number.replace(",", ".")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", number):  # 1.250: 1250 or 1.25?
        raise InvalidAmount(THOUSANDS_DOT)
    return number


_NEGATION = re.compile(
    r"\b(?:not|dont|don t|do not|doesnt|does not|never|except|without|instead|cant|can t|"
    r"cannot|wont|won t|rather not)\b")
_PARTIAL = re.compile(
    r"\b(?:half|halves|part\sof|portion\sof|partial|partially|some\sof|a\slittle|bit\sof|less|"
    r"minimum|min|fraction|percent|installments?|quarter|third)\b")
_QUESTION = re.compile(r"^(?:how much|how many|what is|what s|whats|what was|what are|when)\b")
_DONE_ALL = re.compile(r"\b(?:that s all|thats all|that is all|all good|all set|all done|"
                       r"at all|all right|alright|after all|all the time)\b")
_ONE_GO = re.compile(r"\b(?:in|at) one (?:go|time|shot|payment|swoop)\b|\bone time\b|\bone off\b")
_FULL_BALANCE = re.compile(r"""\b(?:
    (?:the\s|my\s)?(?:full|whole|entire|complete|total|outstanding|remaining|current)\s
        (?:balance|amount|bill|thing|sum|total|amount\sdue|balance\sdue)
  | all\sof\s(?:it|them|that|this|the\sbalance|my\sbalance|the\sbill|the\sbills|my\sbill|
        what\si\sowe|the\samount)
  | (?:pay|paying|clear|settle|cover)(?:\s(?:it|them|that|this|everything|the\sbalance|
        my\sbalance|the\sbill|my\sbill|off\sthe\sbalance))?\s(?:all|off|in\sfull|everything)
  | (?:pay|paid)\sin\sfull | in\sfull | pay\soff | payoff | pay\sall
  | everything | the\swhole\sthing | whole\sthing | the\slot | the\swhole\slot
  | total
  | (?:what|whatever|everything|all)\s(?:i|we)\s(?:owe|have\sto\spay|have\sdue|owe\syou)
  | (?:the|my)\s(?:balance|bill)
    )\b|^(?:all|balance|full|all\splease|all\sof\sit\splease)$""", re.VERBOSE)
_PAST_DUE = re.compile(r"""\b(?:
    past\sdue | pastdue | over\sdue | overdue | delinquent | in\sarrears | arrears
  | late\s(?:amount|part|portion|balance|bills?|charges?|payments?|one|ones|stuff|bit|sum)
  | (?:what|whatever)\s(?:is|s|was)\slate
  | (?:i\sam|i\sm|im)\sbehind(?:\son)?
    )\b""", re.VERBOSE)


# Spanish, on the same folded text ("está" is "esta").
_NEGATION_ES = re.compile(r"\b(?:no|nunca|sin|excepto|salvo|menos|tampoco|ni|en\svez|"
                          r"en\slugar)\b")
_PARTIAL_ES = re.compile(
    r"\b(?:mitad|medio|media|parte|partes|parcial\w*|algo\sde|un\spoco|poco|poquito|"
    r"minimo|abono|abonos|abonar|cuotas?|plazos?|porcion|fraccion|porcentaje|cuarto|"
    r"tercio)\b")
_QUESTION_ES = re.compile(r"^(?:cuanto|cuanta|cuantos|cuantas|cual|cuales|que|cuando|como|"
                          r"donde)\b")
_DONE_ALL_ES = re.compile(r"\b(?:eso\ses\stodo|es\stodo|seria\stodo|todo\sbien|todo\slisto|"
                          r"todo\scorrecto|todo\sclaro|todo\sesta\sbien|sobre\stodo|"
                          r"ante\stodo|todo\sel\stiempo|con\stodo|por\stodo|de\stodo)\b")
_ONE_GO_ES = re.compile(r"\b(?:de\suna\s(?:sola\s)?vez|en\sun\s(?:solo\s)?pago|"
                        r"una\ssola\svez|en\suna\ssola\sexhibicion)\b")
_FULL_BALANCE_ES = re.compile(r"""\b(?:
    todo | todito | toda\s(?:la\s)?(?:factura|deuda|cantidad)
  | (?:el|la|mi)\s(?:saldo|balance|factura|deuda)
  | (?:saldo|monto|cantidad|pago|factura|deuda|importe|balance)\s
        (?:total|completo|completa|entero|entera)
  | total | totalidad | completo | completa
  | lo\sque\s(?:le\s|les\s)?(?:debo|debemos|adeudo|tengo\sque\spagar|me\stoca\spagar)
  | liquidar(?:lo|la)? | saldar(?:lo|la)? | pagarlo\stodo | pagarla\stoda
    )\b""", re.VERBOSE)
_PAST_DUE_ES = re.compile(r"""\b(?:
    vencid[oa]s? | (?:ya\s|se\s|ya\sse\s)vencio
  | atrasad[oa]s? | retrasad[oa]s? | atraso | en\smora | morosos? | meses\santeriores
    )\b""", re.VERBOSE)
# A late fee is not the past-due part: "el recargo por atraso" (as "late fee" in English).
_LATE_FEE_ES = re.compile(r"\b(?:recargos?|cargos?|multas?|penalidad(?:es)?|intereses?)\s"
                          r"(?:por|de)\s(?:pago\s)?(?:atras\w*|retras\w*|mora|vencimiento)\b")


def full_balance_requested(text: str) -> bool:
    """True when the resident asks to pay the whole balance: "all of it", "pay in full",
    "todo", "el saldo completo"."""
    norm = _phrase_text(text)
    if norm is None or _refused(norm) or _past_due(norm):
        return False
    if (_PARTIAL.search(norm) or _DONE_ALL.search(norm) or _PARTIAL_ES.search(norm)
            or _DONE_ALL_ES.search(norm)):
        return False
    return bool(_FULL_BALANCE.search(norm) or _FULL_BALANCE_ES.search(norm))


def past_due_requested(text: str) -> bool:
    """True when the resident asks to pay only the past-due part: "just the past due",
    "solo lo vencido"."""
    norm = _phrase_text(text)
    if norm is None or _refused(norm) or _PARTIAL.search(norm) or _PARTIAL_ES.search(norm):
        return False
    return _past_due(norm)


# Numbers in a request are who the resident is ("acct # 0104200731"), not an amount; one
# with a dollar sign or a unit is an amount.
_REQUEST_NUMBERS = re.compile(r"[$#]?\d[\d,.\s-]*")
_NAMED_AMOUNT = re.compile(r"\$\s*\d|\d\s*(?:dollars?|bucks?|usd|dolares?|dlls?|dls|cents?|"
                           r"centavos?)\b")
_OPTION_WORDS = re.compile(r"\b(?:full|whole|entire|total|all of it|everything|past[ -]?due|"
                           r"overdue|late|todo|toda|totalidad|completo|completa|entero|"
                           r"vencid\w*|atrasad\w*|atraso|liquidar\w*|saldar\w*)\b")


def named_amount_option(text: str) -> str | None:
    """"full" or "past_due" when a request names the option outright ("..., the full amount on
    my visa", "quiero pagar todo", "solo lo vencido"); None otherwise. "Pay my bill" names
    the task, not an amount, so it is None here (while at the amount question "my bill" is
    the balance: full_balance_requested)."""
    if not isinstance(text, str) or _NAMED_AMOUNT.search(_fold_accents(text.lower())):
        return None  # "pay $40 of the full balance" names an amount
    words = _REQUEST_NUMBERS.sub(" ", text)
    folded = _phrase_text(words)
    if folded is None or not _OPTION_WORDS.search(folded):
        return None
    if full_balance_requested(words):
        return "full"
    if past_due_requested(words):
        return "past_due"
    return None


def _past_due(norm: str) -> bool:
    return bool(_PAST_DUE.search(norm) or _PAST_DUE_ES.search(_LATE_FEE_ES.sub(" ", norm)))


# --- phrases -------------------------------------------------------------------------------
def _phrase_text(text: str) -> str | None:
    if not isinstance(text, str) or len(text) > MAX_TEXT or "¿" in text:
        return None  # "¿todo?" asks
    text = _fold_accents(text.translate(_TRANSLATE).lower()).replace("¡", " ")
    if not text.isascii():
        return None
    norm = " ".join(re.sub(r"[^a-z0-9$]+", " ", text.replace("'", " ")).split())
    return norm or None


def _refused(norm: str) -> bool:
    """Negated, a question, or names an amount: not a plain request for a whole part."""
    if (_NEGATION.search(norm) or _QUESTION.search(norm) or _NEGATION_ES.search(norm)
            or _QUESTION_ES.search(norm)):
        return True
    without_one_go = _ONE_GO_ES.sub(" ", _ONE_GO.sub(" ", norm))
    if re.search(r"[0-9]", without_one_go):
        return True
    try:
        return bool(_mentions(_tokens(without_one_go)))
    except InvalidAmount:
        return True


# --- tokens --------------------------------------------------------------------------------
def _fold_accents(text: str) -> str:
    """"dólares" -> "dolares": accents only (canonical forms), so "１２" and "½" stay what
    they are and are refused."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(char for char in decomposed if unicodedata.category(char) != "Mn"))


def _tokens(text: str, spanish: bool = False) -> list[_Tok]:
    if len(text) > MAX_TEXT:
        raise InvalidAmount(TOO_LONG)
    text = _fold_accents(text.translate(_TRANSLATE))
    chars = []
    for char in text:
        if char.isascii():
            if char in "\t\n\r" or char.isprintable():
                chars.append(char)
                continue
            raise InvalidAmount(NO_AMOUNT)  # control characters
        if char.isdigit() or char.isnumeric() or unicodedata.category(char) == "Nd":
            raise InvalidAmount(PLAIN_DIGITS)
        category = unicodedata.category(char)
        if category == "Sc":
            raise InvalidAmount(DOLLARS_ONLY)
        if category.startswith("C"):
            raise InvalidAmount(NO_AMOUNT)
        chars.append(" ")  # emoji, accents, odd spaces: not part of an amount
    cleaned = "".join(chars).lower()
    cleaned = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", cleaned)  # forty-five
    if _DECIMAL_COMMA.search(cleaned):
        raise InvalidAmount(DECIMAL_COMMA)
    tokens: list[_Tok] = []
    for match in _TOKEN.finditer(cleaned):
        kind = match.lastgroup
        if kind == "suffix":
            kind = "num"
        if kind == "num":
            number, suffix = match["num"], match["suffix"]
            if suffix is None:
                tokens.append(_Tok("num", number))
            elif suffix in _DOLLAR_UNITS or suffix in _CENT_UNITS or suffix in _FOREIGN:
                tokens.extend((_Tok("num", number), _Tok("word", suffix)))
            else:  # 3rd, 2pm, 40k, 4o: not an amount we can trust
                tokens.append(_Tok("skip", match.group(0)))
        elif kind == "word" and match.group(0) == "once" and not spanish:
            tokens.append(_Tok("other", "once"))  # "pay once" is not eleven in English
        else:
            assert kind is not None
            tokens.append(_Tok(kind, match.group(0)))
    return tokens


# --- amount mentions -----------------------------------------------------------------------
def _mentions(tokens: list[_Tok]) -> list[tuple[Decimal, int]]:
    """Every amount mentioned, with where it starts. Raises for a negative or a percentage."""
    found: list[tuple[Decimal, int]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == "minus" or (tok.kind == "word" and tok.text in _MINUS_WORDS):
            if _starts_amount(tokens, i + 1) and not _ends_number(tokens, i - 1):
                raise InvalidAmount(NEGATIVE)
        mention = _mention(tokens, i)
        if mention is None:
            i += 1
            continue
        value, end = mention
        found.append((value, i))
        i = max(end, i + 1)
    return found


def _starts_amount(tokens: list[_Tok], i: int) -> bool:
    if i >= len(tokens):
        return False
    tok = tokens[i]
    return tok.kind in ("num", "dollar") or (tok.kind == "word" and tok.text in _NUMBER_WORDS)


def _ends_number(tokens: list[_Tok], i: int) -> bool:
    if i < 0:
        return False
    tok = tokens[i]
    return tok.kind == "num" or (tok.kind == "word" and (tok.text in _NUMBER_WORDS
                                                         or tok.text in _DOLLAR_UNITS
                                                         or tok.text in _CENT_UNITS))


def _word(tokens: list[_Tok], i: int) -> str | None:
    if 0 <= i < len(tokens) and tokens[i].kind == "word":
        return tokens[i].text
    return None


def _unit(tokens: list[_Tok], i: int) -> str | None:
    word = _word(tokens, i)
    if word in _DOLLAR_UNITS or (i < len(tokens) and tokens[i].kind == "dollar"):
        return "dollars"
    if word in _CENT_UNITS:
        return "cents"
    if word in _FOREIGN:
        raise InvalidAmount(DOLLARS_ONLY)
    return None


def _mention(tokens: list[_Tok], i: int) -> tuple[Decimal, int] | None:
    j = i
    dollar_sign = tokens[j].kind == "dollar"
    if dollar_sign:
        j += 1
    number = _number(tokens, j)
    if number is None:
        return None
    value, j = number.value, number.end
    unit = _unit(tokens, j)
    if unit is not None:
        j += 1
    if (j < len(tokens) and tokens[j].kind == "percent") or _word(tokens, j) in (
            "percent", "pct", "porciento") or (_word(tokens, j) == "por"
                                              and _word(tokens, j + 1) == "ciento"):
        raise InvalidAmount(PERCENT)
    if unit == "cents":
        if dollar_sign or not number.integer:
            raise InvalidAmount(BAD_CENTS)
        return value / _HUNDRED, j
    if not number.integer:
        return value, j
    # "45 dollars and 50 cents", "$45, 50 cents", "forty five fifty", "45 con 50"
    joiner = _word(tokens, j)
    k = j + 1 if joiner in _AND or (
        j < len(tokens) and tokens[j].kind == "other" and tokens[j].text == ",") else j
    cents = _number(tokens, k)
    if cents is not None and _unit(tokens, cents.end) == "cents":
        if not cents.integer or cents.value > 99:
            raise InvalidAmount(BAD_CENTS)
        return value + cents.value / _HUNDRED, cents.end + 1
    if joiner == "con" and cents is not None and cents.integer and _two_digit_cents(
            tokens, k, cents):
        # "cuarenta y cinco con cincuenta", "45 con 50": how Spanish says the cents.
        end = cents.end + 1 if _unit(tokens, cents.end) == "dollars" else cents.end
        return value + cents.value / _HUNDRED, end
    if unit is None and not dollar_sign and number.words and k == j:
        colloquial = _colloquial_cents(tokens, j)
        if colloquial is not None:
            cents_value, end = colloquial
            if _unit(tokens, end) == "dollars":
                end += 1
            return value + Decimal(cents_value) / _HUNDRED, end
    return value, j


def _two_digit_cents(tokens: list[_Tok], i: int, cents: _Number) -> bool:
    """Cents after "con" are two digits ("con 50", "con 05", "con cincuenta"): "con 5" could
    be 5 or 50 cents and is not guessed."""
    if cents.value > 99:
        return False
    if cents.words:
        return cents.value >= 10
    return len(tokens[i].text) == 2


def _colloquial_cents(tokens: list[_Tok], i: int) -> tuple[int, int] | None:
    """The "fifty" of "forty five fifty", the "oh five" of "ten oh five", the "cincuenta" of
    "cuarenta y cinco cincuenta"."""
    word = _word(tokens, i)
    if word in _OH and _word(tokens, i + 1) in _UNITS:
        return _UNITS[_word(tokens, i + 1) or ""], i + 2
    small = _below_hundred(tokens, i) or _es_below_hundred(tokens, i)
    if small is None or small[0] < 10 or _word(tokens, small[1]) in _SCALE_WORDS_ANY:
        return None
    return small


def _number(tokens: list[_Tok], i: int) -> _Number | None:
    if i >= len(tokens):
        return None
    tok = tokens[i]
    if tok.kind == "num":
        if not _PLAIN_NUMBER.match(tok.text):
            if re.fullmatch(r"\d+(?:,\d{1,2})", tok.text):
                raise InvalidAmount(DECIMAL_COMMA)
            raise InvalidAmount(BAD_NUMBER)
        value = Decimal(tok.text.replace(",", ""))
        integer = "." not in tok.text
        end = i + 1
        scale = _word(tokens, end)
        if integer and (scale in _SCALE_WORDS or scale in _ES_SCALES):
            value *= _SCALE_WORDS.get(scale or "") or _ES_SCALES[scale or ""]
            end += 1
        _check_decimals(value)
        return _Number(value, words=False, integer=integer, end=end)
    parsed = _word_integer(tokens, i) or _spanish_integer(tokens, i)
    if parsed is None:
        return None
    whole, end = parsed
    if _word(tokens, end) in ("point", "punto"):
        decimals = _point_decimals(tokens, end + 1) or _es_point_decimals(tokens, end + 1)
        if decimals is not None:
            digits, end = decimals
            value = Decimal(f"{whole}.{digits}")
            _check_decimals(value)
            return _Number(value, words=True, integer=False, end=end)
    return _Number(Decimal(whole), words=True, integer=True, end=end)


def _check_decimals(value: Decimal) -> None:
    if value > ABSURD_AMOUNT:
        raise InvalidAmount(TOO_LARGE)
    if value != value.quantize(_CENT):
        raise InvalidAmount(TOO_MANY_DECIMALS)


def _point_decimals(tokens: list[_Tok], i: int) -> tuple[str, int] | None:
    word = _word(tokens, i)
    if word in _TENS or word in _TEENS:
        small = _below_hundred(tokens, i)
        assert small is not None
        return f"{small[0]:02d}", small[1]
    digits = ""
    while (word := _word(tokens, i)) is not None and (word in _UNITS or word in _OH):
        digits += str(_UNITS.get(word, 0))
        i += 1
    return (digits, i) if digits else None


def _below_hundred(tokens: list[_Tok], i: int) -> tuple[int, int] | None:
    word = _word(tokens, i)
    if word in _TENS:
        value = _TENS[word or ""]
        following = _word(tokens, i + 1)
        if following in _UNITS and _UNITS[following or ""] > 0:
            return value + _UNITS[following or ""], i + 2
        return value, i + 1
    if word in _SMALL:
        return _SMALL[word or ""], i + 1
    return None


def _below_thousand(tokens: list[_Tok], i: int) -> tuple[int, int] | None:
    word = _word(tokens, i)
    if word == "hundred" or (word in ("a", "one") and _word(tokens, i + 1) == "hundred"):
        value, j = 100, (i + 1 if word == "hundred" else i + 2)
    else:
        small = _below_hundred(tokens, i)
        if small is None:
            return None
        value, j = small
        if _word(tokens, j) != "hundred":
            return value, j
        value, j = value * 100, j + 1  # "two hundred", "twelve hundred"
    k = j + 1 if _word(tokens, j) == "and" else j
    rest = _below_hundred(tokens, k)
    if rest is not None:
        value, j = value + rest[0], rest[1]
    return value, j


def _word_integer(tokens: list[_Tok], i: int, below: int | None = None,
                  ) -> tuple[int, int] | None:
    word = _word(tokens, i)
    if word in ("thousand", "million") or (
            word == "a" and _word(tokens, i + 1) in ("thousand", "million")):
        high, j = 1, (i if word != "a" else i + 1)
    else:
        parsed = _below_thousand(tokens, i)
        if parsed is None:
            return None
        high, j = parsed
    for name, scale in _SCALES:
        if (below is not None and scale >= below) or _word(tokens, j) != name:
            continue
        total, j = high * scale, j + 1
        k = j + 1 if _word(tokens, j) == "and" else j
        rest = _word_integer(tokens, k, below=scale)
        if rest is not None and rest[0] < scale:
            total, j = total + rest[0], rest[1]
        return total, j
    return high, j


# --- Spanish number words ----------------------------------------------------------------
def _es_below_hundred(tokens: list[_Tok], i: int) -> tuple[int, int] | None:
    word = _word(tokens, i)
    if word in _ES_TENS:
        value = _ES_TENS[word or ""]
        unit = _word(tokens, i + 2)
        if _word(tokens, i + 1) == "y" and unit in _ES_UNITS and _ES_UNITS[unit or ""] > 0:
            return value + _ES_UNITS[unit or ""], i + 3  # "cuarenta y cinco", "treinta y un"
        return value, i + 1
    if word in _ES_SMALL:
        if word in _ES_ARTICLES and not _article_is_one(tokens, i + 1):
            return None  # "un pago de 40": an article
        return _ES_SMALL[word or ""], i + 1
    return None


def _article_is_one(tokens: list[_Tok], i: int) -> bool:
    """"un dólar", "un millón", "una mil..." : "un" / "una" before a unit or a scale."""
    word = _word(tokens, i)
    return (word in _DOLLAR_UNITS or word in _CENT_UNITS or word in _ES_SCALES
            or (i < len(tokens) and tokens[i].kind == "dollar"))


def _es_below_thousand(tokens: list[_Tok], i: int) -> tuple[int, int] | None:
    word = _word(tokens, i)
    if word not in _ES_HUNDREDS:
        return _es_below_hundred(tokens, i)
    value, j = _ES_HUNDREDS[word or ""], i + 1
    if word == "cien":  # "cien" stands alone; "ciento veinte" takes the rest
        return value, j
    rest = _es_below_hundred(tokens, j)
    if rest is not None:
        value, j = value + rest[0], rest[1]
    return value, j


def _spanish_integer(tokens: list[_Tok], i: int, below: int | None = None,
                     ) -> tuple[int, int] | None:
    word = _word(tokens, i)
    if word == "mil" and (below is None or below > 1000):
        high, j = 1, i  # "mil doscientos"
    else:
        parsed = _es_below_thousand(tokens, i)
        if parsed is None:
            return None
        high, j = parsed
    for names, scale in ((("millon", "millones"), 1_000_000), (("mil",), 1000)):
        if (below is not None and scale >= below) or _word(tokens, j) not in names:
            continue
        total, j = high * scale, j + 1
        rest = _spanish_integer(tokens, j, below=scale)
        if rest is not None and rest[0] < scale:
            total, j = total + rest[0], rest[1]
        return total, j
    return high, j


def _es_point_decimals(tokens: list[_Tok], i: int) -> tuple[str, int] | None:
    word = _word(tokens, i)
    if word in _ES_TENS or (word in _ES_SMALL and _ES_SMALL[word or ""] >= 10):
        small = _es_below_hundred(tokens, i)
        assert small is not None
        return f"{small[0]:02d}", small[1]
    digits = ""
    while (word := _word(tokens, i)) is not None and word in _ES_UNITS \
            and word not in _ES_ARTICLES:
        digits += str(_ES_UNITS[word])
        i += 1
    return (digits, i) if digits else None
