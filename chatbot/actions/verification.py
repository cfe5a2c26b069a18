"""Verification inside every form: account number + street number or SSN/Tax ID last 4, or
customer ID + bill number (docs/architecture.md §4). The domain's IdentityService decides; this
module only reads the resident's words and says what happened, with the same generic message for an
unknown account and a wrong answer."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from chatbot.actions.conversation import REPLY_LANGUAGE, Turn, account_label
from chatbot.actions.form_state import FormState
from chatbot.actions.services import container
from chatbot.wording import Words
from conversation.state import remember_verification
from conversation.understanding.identity_text import (
    is_street_number,
    labelled_account_number,
    labelled_general_billing,
    mentions_customer_id,
    mentions_ssn,
    parse_identity,
    read_bill_number,
    read_number,
)
from conversation.verification import (
    Verification,
    language_after_verifying,
    verify_account,
    verify_general_billing,
)
from domain.cards import redact_card_numbers
from domain.errors import InvalidInput
from domain.model import FactorKind
from domain.services.identity import (
    VerifiedAccount,
    normalize_account_number,
    normalize_bill_number,
)

VERIFICATION_SLOTS = ("account_number", "verification_factor", "customer_id", "bill_number")
_ACCOUNT_PATH = ("account_number", "verification_factor")
_CUSTOMER_PATH = ("customer_id", "bill_number")



def next_slot(state: FormState) -> str | None:
    order = _CUSTOMER_PATH if state.get("id_path") == "customer" else _ACCOUNT_PATH
    return next((slot for slot in order if not state.get(slot)), None)


def opening(turn: Turn, state: FormState, dispatcher: CollectingDispatcher) -> None:
    """Numbers given with the request ("pay my bill, account 0012345678, street 1234",
    "whats my balance? customer id 200146, bill number 610031"): the NLU's entities, and
    where it found none, the same readers the answers use. Only what is missing is asked."""
    customer_id, bill_number = turn.entity("customer_id"), turn.entity("bill_number")
    if mentions_customer_id(turn.words):
        typed_customer, typed_bill = labelled_general_billing(turn.text)
        customer_id, bill_number = customer_id or typed_customer, bill_number or typed_bill
    if customer_id or mentions_customer_id(turn.words):
        # "it's not a utility bill, my customer id is 200145": the general-billing path.
        state.set("id_path", "customer")
        if customer_id:
            _take_customer_id(customer_id, state, quiet=True)
        if bill_number:
            _take_bill_number(bill_number, state, quiet=True)
    elif turn.entity("account_number"):
        _take_account_number(turn.entity("account_number") or "", state, quiet=True)
        _take_factor_entities(turn, state)
    elif (said := labelled_account_number(turn.text)).account_number:
        if _take_account_number(said.account_number, state, quiet=True):
            _take_factor_entities(turn, state)
            if not state.get("verification_factor") and said.factor is not None:
                _set_factor(state, said.factor_kind, said.factor)
    _verify_when_complete(turn, state, dispatcher)


def answer(turn: Turn, requested: str, state: FormState, dispatcher: CollectingDispatcher) -> None:
    words = turn.wording
    if requested == "account_number":
        if turn.entity("customer_id") or mentions_customer_id(turn.words):
            state.set("id_path", "customer")
            state.clear("account_number")
            value = turn.entity("customer_id") or read_number(turn.text)
            if value:
                _take_customer_id(value, state, dispatcher=dispatcher, words=words)
            if turn.entity("bill_number"):
                _take_bill_number(turn.entity("bill_number") or "", state, quiet=True)
        else:
            if redact_card_numbers(turn.text)[1]:
                # Chat and SMS remove card numbers before the bot; this is the last guard.
                dispatcher.utter_message(text=words.say("verify.card_number"))
                return
            # "01042OO731": letters are not dropped silently (no number is read), nothing is
            # counted. "0104200731 1234" gives both parts at once, as in a text message.
            said = parse_identity(turn.text, asked_account=True)
            value = said.account_number and (turn.entity("account_number")
                                             or said.account_number)
            if not value:
                dispatcher.utter_message(text=words.say("verify.need_account_number"))
                return
            if _take_account_number(value, state, dispatcher=dispatcher, words=words):
                _take_factor_entities(turn, state)
                if not state.get("verification_factor") and said.factor is not None:
                    _set_factor(state, said.factor_kind, said.factor)
    elif requested == "verification_factor":
        if not _take_factor(turn, state):
            dispatcher.utter_message(text=words.say("verify.need_factor"))
            return
    elif requested == "customer_id":
        value = turn.entity("customer_id") or read_number(turn.text)
        if not value:
            dispatcher.utter_message(text=words.say("verify.need_customer_id"))
            return
        if _take_customer_id(value, state, dispatcher=dispatcher, words=words) \
                and turn.entity("bill_number"):
            _take_bill_number(turn.entity("bill_number") or "", state, quiet=True)
    elif requested == "bill_number":
        value = turn.entity("bill_number") or read_bill_number(turn.text)
        if not value:
            dispatcher.utter_message(text=words.say("verify.need_bill_number"))
            return
        _take_bill_number(value, state, dispatcher=dispatcher, words=words)
    _verify_when_complete(turn, state, dispatcher)


# --- reading the parts ----------------------------------------------------------------------
def _take_account_number(value: str, state: FormState, *, quiet: bool = False,
                         dispatcher: CollectingDispatcher | None = None,
                         words: Words | None = None) -> bool:
    try:
        state.set("account_number", normalize_account_number(value))
        return True
    except InvalidInput as error:
        if not quiet and dispatcher is not None and words is not None:
            dispatcher.utter_message(text=words.domain(error.detail))
        return False


def _take_customer_id(value: str, state: FormState, *, quiet: bool = False,
                      dispatcher: CollectingDispatcher | None = None,
                      words: Words | None = None) -> bool:
    try:
        state.set("customer_id", normalize_account_number(value))
        return True
    except InvalidInput:
        if not quiet and dispatcher is not None and words is not None:
            dispatcher.utter_message(text=words.say("verify.need_customer_id"))
        return False


def _take_bill_number(value: str, state: FormState, *, quiet: bool = False,
                      dispatcher: CollectingDispatcher | None = None,
                      words: Words | None = None) -> bool:
    try:
        state.set("bill_number", normalize_bill_number(value))
        return True
    except InvalidInput as error:
        if not quiet and dispatcher is not None and words is not None:
            dispatcher.utter_message(text=words.domain(error.detail))
        return False


def _ssn_entity(turn: Turn) -> str | None:
    """The NLU's ssn_last4, only when the resident said so: a bare "3390" the model tags as
    an SSN is the street number the question defaults to, and verifying it as the SSN
    would count a failed attempt against a resident who answered right."""
    ssn = turn.entity("ssn_last4")
    return ssn if ssn and mentions_ssn(turn.words) else None


def _take_factor_entities(turn: Turn, state: FormState) -> None:
    street = turn.entity("street_number")
    if ssn := _ssn_entity(turn):
        _set_factor(state, FactorKind.SSN_LAST4, ssn)
    elif street and street != state.get("account_number") and is_street_number(street):
        # (An account number the NLU took for a street number is not a street number.)
        _set_factor(state, FactorKind.STREET_NUMBER, street)


def _set_factor(state: FormState, kind: FactorKind | None, value: str) -> None:
    prefix = "ssn" if kind == FactorKind.SSN_LAST4 else "street"
    state.set("verification_factor", f"{prefix}:{value}")


def _take_factor(turn: Turn, state: FormState) -> bool:
    """Street number by default; the SSN/Tax ID last 4 when the resident says so."""
    if ssn := _ssn_entity(turn):
        _set_factor(state, FactorKind.SSN_LAST4, ssn)
        return True
    said = parse_identity(turn.text, state.get("account_number") or "")
    if said.factor is not None:
        _set_factor(state, said.factor_kind, said.factor)
        return True
    street = turn.entity("street_number")
    if street and not mentions_ssn(turn.words) and is_street_number(street):
        _set_factor(state, FactorKind.STREET_NUMBER, street)
        return True
    return False


# --- deciding ----------------------------------------------------------------------------
def _verify_when_complete(turn: Turn, state: FormState, dispatcher: CollectingDispatcher) -> None:
    customer_path = state.get("id_path") == "customer"
    parts = _CUSTOMER_PATH if customer_path else _ACCOUNT_PATH
    if state.verified or not all(state.get(slot) for slot in parts):
        return
    identity, requester = container().identity_service(), turn.requester()
    if customer_path:
        result = verify_general_billing(identity, requester, state.get("customer_id"),
                                        state.get("bill_number"))
    else:
        kind, _, value = str(state.get("verification_factor")).partition(":")
        factor = FactorKind.SSN_LAST4 if kind == "ssn" else FactorKind.STREET_NUMBER
        result = verify_account(identity, requester, state.get("account_number"), factor,
                                value)
    words = turn.wording
    if result.outcome in (Verification.INVALID, Verification.CARD_NUMBER):
        # Malformed, so nothing was counted: ask for that part again.
        dispatcher.utter_message(text=words.domain(result.detail))
        state.clear(parts[1])
        return
    if result.outcome == Verification.FAILED:
        dispatcher.utter_message(text=words.say("verify.failed_general" if customer_path
                                                else "verify.failed"))
        state.clear(*VERIFICATION_SLOTS, "id_path")
        return
    if result.outcome == Verification.LOCKED:
        # The account tried stays for the handoff record (masked there); finish clears it.
        tried = state.get("customer_id") if customer_path else state.get("account_number")
        state.clear(*VERIFICATION_SLOTS, "id_path")
        state.set("account_number", tried)
        state.end("locked")
        return
    if result.outcome == Verification.TOO_MANY_ATTEMPTS:
        state.clear(*VERIFICATION_SLOTS, "id_path")
        state.end("throttled")
        return
    verified = result.account
    state.clear(*VERIFICATION_SLOTS)
    state.set("verified_account_id", str(verified.account_id))
    label = account_label(verified.account_number)
    state.set("account_label", label)
    thread = turn.thread
    if thread is not None:  # the SMS thread is verified, for its keyword path too
        remember_verification(container().conversations(), thread, verified.account_id,
                              container().clock.now())
    _speak_language_on_file(turn, state, verified, dispatcher)
    words = turn.wording
    dispatcher.utter_message(text=words.say("verify.done", account=words.account(label)))


def _speak_language_on_file(turn: Turn, state: FormState, verified: VerifiedAccount,
                            dispatcher: CollectingDispatcher) -> None:
    """Unless the resident chose the language or writes in it, the conversation goes on in the
    account's language on file: this turn's replies, and (told to the channel by a
    {"language": ...} message, ivr/bot/client.py) the turns after it."""
    language = language_after_verifying(turn.language, verified,
                                        from_resident=turn.language_from_resident)
    if language == turn.language:
        return
    turn.switch_language(language)
    state.set(REPLY_LANGUAGE, language)
    dispatcher.utter_message(json_message={"language": language})
