"""Identification before any account data (DESIGN §4): account number + street number or
SSN/Tax ID last 4, or customer ID + bill number. A caller-ID match is offered, never trusted:
the factor is always asked. Failures get one generic message; the domain counts them and
locks the account on the third, across every channel."""

from __future__ import annotations

from collections.abc import Callable

from domain.errors import AccountLocked, CardNumberNotAccepted, InvalidInput, VerificationFailed
from domain.model import Channel, FactorKind
from domain.services.identity import Requester, VerifiedAccount, normalize_account_number
from ivr.voice.flow import (
    ENTRY,
    Ask,
    Heard,
    Outcome,
    Step,
    Transfer,
    Turn,
    ask,
    entry,
    goto,
    register,
    retry,
)
from ivr.voice.speech import Characters, Line

MAX_HINTS = 3


def _verified(turn: Turn, verified: VerifiedAccount) -> Outcome:
    session = turn.session
    session.account_id = verified.account_id
    session.verified_at = turn.container.clock.now()
    turn.data["account_number"] = verified.account_number
    target = str(turn.data.pop("after_identify", "menu"))
    return goto(target, Line.of("id_verified", last4=Characters(verified.account_number[-4:])))


def _check(turn: Turn, verify: Callable[[Requester], VerifiedAccount],
           invalid_prompt: str) -> Outcome:
    """Run one verification and say what came of it (the domain counts the failures)."""
    try:
        verified = verify(Requester(Channel.VOICE, turn.call_sid, turn.session.caller))
    except InvalidInput:
        return retry(Line.of(invalid_prompt))  # malformed: not counted as a failure
    except VerificationFailed:
        return goto("identify", Line.of("id_failed"))
    except AccountLocked:
        return Transfer("locked_out", (Line.of("id_locked"),))
    return _verified(turn, verified)


@register
class Identify(Step):
    """Offer the accounts whose phone on file matches the caller ID, if any."""

    name = "identify"
    needs_account = False

    def ask(self, turn: Turn) -> Ask | Outcome:
        hints = turn.data.get("hints")
        if hints is None:
            found = (turn.container.identity_service().accounts_for_caller(turn.session.caller)
                     if turn.session.caller else [])
            hints = [hint.account_number for hint in found[:MAX_HINTS]]
            turn.data["hints"] = hints
        if not hints:
            return goto("id_how", Line.of("id_intro"))
        lines = [Line.of("id_intro"), Line.of("id_hint_intro")]
        lines += [Line.of("id_hint_one", last4=Characters(number[-4:]), digit=index)
                  for index, number in enumerate(hints, start=1)]
        lines.append(Line.of("id_hint_other", digit=len(hints) + 1))
        return ask(*lines)

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        hints: list[str] = turn.data.get("hints") or []
        if heard.digits.isdigit() and len(heard.digits) == 1:
            choice = int(heard.digits)
            if 1 <= choice <= len(hints):
                turn.data["account_number"] = hints[choice - 1]
                return goto("id_factor_kind")
            if choice == len(hints) + 1:
                return goto("id_how")
        return retry(Line.of("not_understood"))


@register
class HowToIdentify(Step):
    name = "id_how"
    needs_account = False

    def ask(self, turn: Turn) -> Ask:
        return ask(Line.of("id_how"))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        if heard.digits == "1":
            return goto("id_account")
        if heard.digits == "2":
            return goto("id_customer")
        return retry(Line.of("not_understood"))


class NumberEntry(Step):
    """A number typed then #: digits only, leading zeros kept (as printed on the bill)."""

    kind = ENTRY
    back = "id_how"
    needs_account = False
    prompt: str = "id_account"
    data_key: str = "account_number"
    next_step: str = "id_factor_kind"

    def ask(self, turn: Turn) -> Ask:
        return entry(Line.of(self.prompt))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        try:
            turn.data[self.data_key] = normalize_account_number(heard.digits.rstrip("#"))
        except CardNumberNotAccepted:  # refused before the call state or an attempt holds it
            return retry(Line.of("id_card_refused"))
        except InvalidInput:
            return retry(Line.of("id_account_invalid"))
        return goto(self.next_step)


@register
class AccountNumber(NumberEntry):
    name = "id_account"


@register
class FactorKindChoice(Step):
    name = "id_factor_kind"
    back = "identify"
    needs_account = False

    def ask(self, turn: Turn) -> Ask:
        return ask(Line.of("id_factor_kind"))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        kinds = {"1": FactorKind.STREET_NUMBER, "2": FactorKind.SSN_LAST4}
        if heard.digits not in kinds:
            return retry(Line.of("not_understood"))
        turn.data["factor_kind"] = str(kinds[heard.digits])
        return goto("id_factor")


@register
class Factor(Step):
    name = "id_factor"
    kind = ENTRY
    back = "id_factor_kind"
    needs_account = False

    def ask(self, turn: Turn) -> Ask:
        if turn.data.get("factor_kind") == FactorKind.SSN_LAST4:
            return entry(Line.of("id_last4"), num_digits=4)
        return entry(Line.of("id_street"))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        kind = FactorKind(turn.data.get("factor_kind", FactorKind.STREET_NUMBER))
        number = str(turn.data.get("account_number", ""))
        return _check(turn, lambda requester: turn.container.identity_service().verify_account(
            number, kind, heard.digits.rstrip("#"), requester),
            "id_last4_invalid" if kind == FactorKind.SSN_LAST4 else "id_street_invalid")


@register
class CustomerId(NumberEntry):
    name = "id_customer"
    prompt = "id_customer"
    data_key = "customer_id"
    next_step = "id_bill"


@register
class BillNumber(Step):
    name = "id_bill"
    kind = ENTRY
    back = "id_customer"
    needs_account = False

    def ask(self, turn: Turn) -> Ask:
        return entry(Line.of("id_bill"))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        customer = str(turn.data.get("customer_id", ""))
        return _check(turn, lambda requester: turn.container.identity_service()
                      .verify_general_billing(customer, heard.digits.rstrip("#"), requester),
                      "id_bill_invalid")
