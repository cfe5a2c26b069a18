"""Verification inside every form: account number + street number or SSN/Tax ID last 4, or
customer ID + bill number (DESIGN §4). The domain's IdentityService decides; this module only
reads the resident's words and says what happened, with the same generic message for an
unknown account and a wrong answer."""

from __future__ import annotations

import re

from rasa_sdk.executor import CollectingDispatcher

from chatbot.actions.conversation import Turn, account_label
from chatbot.actions.form_state import FormState
from chatbot.actions.services import container
from conversation.state import remember_verification
from domain.cards import redact_card_numbers
from domain.errors import AccountLocked, InvalidInput, TooManyAttempts, VerificationFailed
from domain.model import FactorKind
from domain.services.identity import normalize_account_number, normalize_bill_number

VERIFICATION_SLOTS = ("account_number", "verification_factor", "customer_id", "bill_number")
_ACCOUNT_PATH = ("account_number", "verification_factor")
_CUSTOMER_PATH = ("customer_id", "bill_number")

_DIGIT_RUN = re.compile(r"\d(?:[\d\s-]*\d)?")
_STREET = re.compile(r"\b(\d{1,6}[a-z]?)\b", re.IGNORECASE)
_LAST4 = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_BILL = re.compile(r"\b([a-z]*\d[a-z0-9-]*)\b", re.IGNORECASE)
_SSN_WORDS = re.compile(r"\b(ssn|social|security|tax|itin|ein|last 4|last four|tin)\b")
_CUSTOMER_WORDS = re.compile(r"\b(customer|cust)\b")

FAILED = ("Sorry, I couldn't verify that. Please check the numbers on your bill and try again. "
          "Let's start with the account number.")
FAILED_GENERAL = ("Sorry, I couldn't verify that. Please check the Customer ID and bill number "
                  "on your bill and try again.")
NEED_ACCOUNT_NUMBER = ("Please type the account number from your bill, digits only, for example "
                       "0012345678.")
NEED_FACTOR = ("Please type the street number of the service address (like 1234), or the last 4 "
               "digits of the SSN or Tax ID (like \"SSN 1234\").")
NEED_CUSTOMER_ID = "Please type the Customer ID from your bill (digits only)."
NEED_BILL_NUMBER = "Please type the bill (invoice) number from your bill."
CARD_WARNING = ("That looks like a card number, so I didn't use it. Never type card numbers in "
                "this chat: I'll send you a secure pay link when you need one. What is your "
                "account number? It's on your bill.")
_MIXED = re.compile(r"\b(?=[a-z]*\d)(?=\d*[a-z])[a-z\d]{5,}\b", re.IGNORECASE)


def next_slot(state: FormState) -> str | None:
    order = _CUSTOMER_PATH if state.get("id_path") == "customer" else _ACCOUNT_PATH
    return next((slot for slot in order if not state.get(slot)), None)


def opening(turn: Turn, state: FormState, dispatcher: CollectingDispatcher) -> None:
    """Numbers given with the request ("pay my bill, account 0012345678, street 1234")."""
    if turn.entity("customer_id"):
        state.set("id_path", "customer")
        _take_customer_id(turn.entity("customer_id") or "", state, quiet=True)
        if turn.entity("bill_number"):
            _take_bill_number(turn.entity("bill_number") or "", state, quiet=True)
    elif turn.entity("account_number"):
        _take_account_number(turn.entity("account_number") or "", state, quiet=True)
        _take_factor_entities(turn, state)
    _verify_when_complete(turn, state, dispatcher)


def answer(turn: Turn, requested: str, state: FormState, dispatcher: CollectingDispatcher) -> None:
    if requested == "account_number":
        if turn.entity("customer_id") or _CUSTOMER_WORDS.search(turn.words):
            state.set("id_path", "customer")
            state.clear("account_number")
            value = turn.entity("customer_id") or _digits(turn.text)
            if value:
                _take_customer_id(value, state, dispatcher=dispatcher)
            if turn.entity("bill_number"):
                _take_bill_number(turn.entity("bill_number") or "", state, quiet=True)
        else:
            if redact_card_numbers(turn.text)[1]:
                # Chat and SMS remove card numbers before the bot; this is the last guard.
                dispatcher.utter_message(text=CARD_WARNING)
                return
            value = turn.entity("account_number") or _digits(turn.text)
            if not value or _MIXED.search(turn.text):
                # "01042OO731": letters are not dropped silently, nothing is counted.
                dispatcher.utter_message(text=NEED_ACCOUNT_NUMBER)
                return
            if _take_account_number(value, state, dispatcher=dispatcher):
                _take_factor_entities(turn, state)
    elif requested == "verification_factor":
        if not _take_factor(turn, state):
            dispatcher.utter_message(text=NEED_FACTOR)
            return
    elif requested == "customer_id":
        value = turn.entity("customer_id") or _digits(turn.text)
        if not value:
            dispatcher.utter_message(text=NEED_CUSTOMER_ID)
            return
        if _take_customer_id(value, state, dispatcher=dispatcher) and turn.entity("bill_number"):
            _take_bill_number(turn.entity("bill_number") or "", state, quiet=True)
    elif requested == "bill_number":
        value = turn.entity("bill_number") or _bill_token(turn.text)
        if not value:
            dispatcher.utter_message(text=NEED_BILL_NUMBER)
            return
        _take_bill_number(value, state, dispatcher=dispatcher)
    _verify_when_complete(turn, state, dispatcher)


# --- reading the parts ----------------------------------------------------------------------
def _digits(text: str) -> str | None:
    runs = [run for run in _DIGIT_RUN.findall(text or "")]
    if not runs:
        return None
    return max(runs, key=lambda run: len(re.sub(r"\D", "", run)))


def _bill_token(text: str) -> str | None:
    match = _BILL.search(text or "")
    return match.group(1) if match else None


def _take_account_number(value: str, state: FormState, *, quiet: bool = False,
                         dispatcher: CollectingDispatcher | None = None) -> bool:
    try:
        state.set("account_number", normalize_account_number(value))
        return True
    except InvalidInput as error:
        if not quiet and dispatcher is not None:
            dispatcher.utter_message(text=error.detail)
        return False


def _take_customer_id(value: str, state: FormState, *, quiet: bool = False,
                      dispatcher: CollectingDispatcher | None = None) -> bool:
    try:
        state.set("customer_id", normalize_account_number(value))
        return True
    except InvalidInput:
        if not quiet and dispatcher is not None:
            dispatcher.utter_message(text=NEED_CUSTOMER_ID)
        return False


def _take_bill_number(value: str, state: FormState, *, quiet: bool = False,
                      dispatcher: CollectingDispatcher | None = None) -> bool:
    try:
        state.set("bill_number", normalize_bill_number(value))
        return True
    except InvalidInput as error:
        if not quiet and dispatcher is not None:
            dispatcher.utter_message(text=error.detail)
        return False


def _take_factor_entities(turn: Turn, state: FormState) -> None:
    street = turn.entity("street_number")
    if turn.entity("ssn_last4"):
        state.set("verification_factor", f"ssn:{turn.entity('ssn_last4')}")
    elif street and street != state.get("account_number") and _plausible_street(street):
        state.set("verification_factor", f"street:{street}")


def _plausible_street(value: str) -> bool:
    # An account number the NLU took for a street number is not a street number.
    return len("".join(ch for ch in value if ch.isdigit())) <= 6


def _take_factor(turn: Turn, state: FormState) -> bool:
    """Street number by default; the SSN/Tax ID last 4 when the resident says so."""
    ssn = turn.entity("ssn_last4")
    if ssn or _SSN_WORDS.search(turn.words):
        found = ssn or _last4(turn.text)
        if found:
            state.set("verification_factor", f"ssn:{found}")
            return True
        return False
    street = turn.entity("street_number")
    if not street:
        match = _STREET.search(turn.text or "")
        street = match.group(1) if match else None
    if street:
        state.set("verification_factor", f"street:{street}")
        return True
    return False


def _last4(text: str) -> str | None:
    found = _LAST4.findall(text or "")
    return found[-1] if found else None


# --- deciding ----------------------------------------------------------------------------
def _verify_when_complete(turn: Turn, state: FormState, dispatcher: CollectingDispatcher) -> None:
    customer_path = state.get("id_path") == "customer"
    parts = _CUSTOMER_PATH if customer_path else _ACCOUNT_PATH
    if state.verified or not all(state.get(slot) for slot in parts):
        return
    identity = container().identity_service()
    try:
        if customer_path:
            verified = identity.verify_general_billing(
                state.get("customer_id"), state.get("bill_number"), turn.requester())
        else:
            kind, _, value = str(state.get("verification_factor")).partition(":")
            factor = FactorKind.SSN_LAST4 if kind == "ssn" else FactorKind.STREET_NUMBER
            verified = identity.verify_account(state.get("account_number"), factor, value,
                                               turn.requester())
    except InvalidInput as error:
        # Malformed, so nothing was counted: ask for that part again.
        dispatcher.utter_message(text=error.detail)
        state.clear(parts[1])
        return
    except VerificationFailed:
        dispatcher.utter_message(text=FAILED_GENERAL if customer_path else FAILED)
        state.clear(*VERIFICATION_SLOTS, "id_path")
        return
    except AccountLocked:
        # The account tried stays for the handoff record (masked there); finish clears it.
        tried = state.get("customer_id") if customer_path else state.get("account_number")
        state.clear(*VERIFICATION_SLOTS, "id_path")
        state.set("account_number", tried)
        state.end("locked")
        return
    except TooManyAttempts:
        state.clear(*VERIFICATION_SLOTS, "id_path")
        state.end("throttled")
        return
    state.clear(*VERIFICATION_SLOTS)
    state.set("verified_account_id", str(verified.account_id))
    label = account_label(verified.account_number)
    state.set("account_label", label)
    thread = turn.thread
    if thread is not None:  # the SMS thread is verified, for its keyword path too
        remember_verification(container().conversations(), thread, verified.account_id,
                              container().clock.now())
    dispatcher.utter_message(text=f"Thanks, you're verified for {label}.")
