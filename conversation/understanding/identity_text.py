"""Reading "who I am" from a resident's words, for every text channel (SMS and chat): an
account number (or customer ID), then the service street number or the last 4 of the
SSN/Tax ID ("0104200731 1234", "acct 0104-2007-31, SSN 1234", or the two in separate
messages), or a customer ID and a bill number. Only parsing: the domain's IdentityService
decides, and refuses malformed values itself.

The labels are read in English and in Spanish, accents optional ("mi número de cuenta es
0104200731", "número de casa 1234", "los últimos 4 del seguro social 6789", "id de cliente
200145", "número de factura 610031"); "customer service" / "servicio al cliente" is no
customer ID.

Safe readings only: letters mixed into a number ("01042OO731") are not dropped to leave a
shorter number, and nothing in a text holding a card number is read as an account number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from domain.model import FactorKind
from domain.redaction import contains_card_number

MIN_ACCOUNT_DIGITS = 6  # in a text with both parts, shorter numbers are the factor
MAX_STREET_DIGITS = 6
# A number as typed: digits with dashes inside, maybe one letter after (a street "12b").
_NUMBER = re.compile(r"(?<![\w-])(\d[\d-]*\d|\d)([a-z]?)(?![\w-])", re.IGNORECASE)
# A number typed in groups, as printed on some bills: "0104 200 731".
_GROUPED = re.compile(r"(?<![\w-])\d[\d-]*(?:\s+\d[\d-]*)+(?![\w-])")
_MIXED = re.compile(r"\b(?=[a-z]*\d)(?=\d*[a-z])[a-z\d]{5,}\b", re.IGNORECASE)
_BILL = re.compile(r"\b([a-z]*\d[a-z0-9-]*)\b", re.IGNORECASE)
# The label words see folded text ("número" is "numero", "últimos" is "ultimos").
_SSN_WORDS = re.compile(r"\b(ssn|social|security|tax|tin|itin|ein|last\s*(4|four)|"
                        r"ultimos\s*(4|cuatro)|fiscal)\b", re.IGNORECASE)
_CUSTOMER_WORDS = re.compile(r"\b(customer|cust|cliente)\b", re.IGNORECASE)
# "customer service", "servicio al cliente": a place to call, not an ID.
_CUSTOMER_SERVICE = re.compile(
    r"\b(customer|cust)\s+(service|support|care|services)\b|"
    r"\b(servicio|atencion|soporte)\s+(al|a|del)\s+cliente\b", re.IGNORECASE)
_LABEL_GAP = (r"(?:\s*(?:id|number|num|no\.?|nro\.?|n[°º]\.?|numero|#|is|es|de|del|mi|el|la|"
              r":|=))*\s*")
_LABELLED_CUSTOMER = re.compile(r"\b(?:customer|cust|cliente)\b" + _LABEL_GAP
                                + r"(\d[\d-]*\d)", re.IGNORECASE)
_LABELLED_BILL = re.compile(r"\b(?:bill|invoice|factura|recibo)\b" + _LABEL_GAP
                            + r"([a-z]*\d[a-z0-9-]*)", re.IGNORECASE)
_ACCOUNT_WORDS = re.compile(r"\b(acct|acc|account|acount|cuenta|cta)\b|#", re.IGNORECASE)
LONG_ACCOUNT_DIGITS = 8  # a number this long is an account number even without the word
_STREET = re.compile(rf"^\d{{1,{MAX_STREET_DIGITS}}}[a-z]?$", re.IGNORECASE)


@dataclass(frozen=True)
class IdentityAnswer:
    account_number: str | None
    factor_kind: FactorKind | None = None
    factor: str | None = None


def looks_like_identity(text: str) -> bool:
    """True when the text carries at least one number: an answer, not a new question."""
    return _NUMBER.search(text) is not None


def parse_identity(text: str, account_number: str | None = None, *,
                   asked_account: bool = False) -> IdentityAnswer:
    """The account number (or the one already given, `account_number`) and the factor in
    `text`; either may be missing. `asked_account`: the text answers "what is your account
    number?", so a lone short number is that number, and digit groups typed apart
    ("0104 200 731") are one number (in a text with both parts they would be the factor)."""
    numbers = _numbers(text)
    if account_number is None:
        account_number, used = _account_number(text, numbers, asked_account)
        numbers = [n for n in numbers if n not in used]
    factor = _factor(text, numbers)
    if factor is None:
        return IdentityAnswer(account_number)
    return IdentityAnswer(account_number, *factor)


def read_number(text: str) -> str | None:
    """The number in an answer to "what is your account number / customer ID?"."""
    return parse_identity(text, asked_account=True).account_number


def read_bill_number(text: str) -> str | None:
    """The bill (invoice) number in an answer: the first word with a digit in it."""
    match = _BILL.search(text or "")
    return match.group(1) if match else None


def labelled_general_billing(text: str) -> tuple[str | None, str | None]:
    """(customer ID, bill number) named in a sentence: "customer id 200146, bill number
    610031", "my customer number is 200145". Only numbers after their label count, so an
    amount or a date in the same message is never read as either."""
    folded = _CUSTOMER_SERVICE.sub(" ", _fold(text))
    customer = _LABELLED_CUSTOMER.search(folded)
    bill = _LABELLED_BILL.search(folded)
    return (customer.group(1).replace("-", "") if customer else None,
            bill.group(1) if bill else None)


def labelled_account_number(text: str) -> IdentityAnswer:
    """The account number (and factor) in a request that names it ("pay my bill, acct #
    0104200731, house number 1234"): read only when an account word is there or the number
    is as long as an account number, so "pay 250000" is not an account."""
    if contains_card_number(text or ""):
        return IdentityAnswer(None)
    said = parse_identity(text or "")
    if said.account_number is None:
        return said
    if (_ACCOUNT_WORDS.search(_fold(text)) is None
            and len(said.account_number.replace("-", "")) < LONG_ACCOUNT_DIGITS):
        return IdentityAnswer(None)
    return said


def mentions_customer_id(text: str) -> bool:
    """"customer ID 200145", "id de cliente 200145": the general-billing way of identifying
    ("customer service" and "servicio al cliente" are not)."""
    return _CUSTOMER_WORDS.search(_CUSTOMER_SERVICE.sub(" ", _fold(text))) is not None


def mentions_ssn(text: str) -> bool:
    """"SSN", "last four of my social", "los últimos 4 del seguro social"."""
    return _SSN_WORDS.search(_fold(text)) is not None


def is_street_number(value: str) -> bool:
    """A house number as the domain takes it (1-6 digits, maybe a letter): an account
    number another reader took for a street number is not one."""
    return _STREET.match((value or "").replace("-", "")) is not None


# --- the parts -------------------------------------------------------------------------
def _fold(text: str | None) -> str:
    """Accents dropped ("número" -> "numero"); one character for one, so positions hold."""
    decomposed = unicodedata.normalize("NFD", text or "")
    return unicodedata.normalize(
        "NFC", "".join(char for char in decomposed if unicodedata.category(char) != "Mn"))


@dataclass(frozen=True)
class _Number:
    digits: str  # dashes removed
    suffix: str  # a letter after it ("12b"), or ""
    start: int
    end: int


def _numbers(text: str) -> list[_Number]:
    return [_Number(m.group(1).replace("-", ""), m.group(2), m.start(), m.end())
            for m in _NUMBER.finditer(text or "")]


def _account_number(text: str, numbers: list[_Number],
                    asked: bool) -> tuple[str | None, list[_Number]]:
    """The account number and the numbers it is made of: the first plain number long
    enough to be one; when it was asked for, else digit groups typed apart when no group
    alone is one, else the longest number."""
    if _MIXED.search(text or "") or contains_card_number(text or ""):
        return None, []
    plain = [n for n in numbers if not n.suffix]
    first = next((n for n in plain if len(n.digits) >= MIN_ACCOUNT_DIGITS), None)
    if first is not None:
        return first.digits, [first]
    if not asked:
        return None, []
    for match in _GROUPED.finditer(text or ""):
        inside = [n for n in numbers if match.start() <= n.start and n.end <= match.end()]
        joined = "".join(n.digits for n in inside)
        if len(joined) >= MIN_ACCOUNT_DIGITS and all(not n.suffix for n in inside):
            return joined, inside
    if plain:
        longest = max(plain, key=lambda n: len(n.digits))  # the first of equals
        return longest.digits, [longest]
    return None, []


def _factor(text: str, numbers: list[_Number]) -> tuple[FactorKind, str] | None:
    """The SSN/Tax ID last 4 when the words say so (the last 4-digit number), else the
    first number that can be a street number. None when no well-formed one is there."""
    if mentions_ssn(text):
        fours = [n.digits for n in numbers if len(n.digits) == 4 and not n.suffix]
        return (FactorKind.SSN_LAST4, fours[-1]) if fours else None
    street = next((n.digits + n.suffix for n in numbers
                   if is_street_number(n.digits + n.suffix)), None)
    return (FactorKind.STREET_NUMBER, street) if street is not None else None
