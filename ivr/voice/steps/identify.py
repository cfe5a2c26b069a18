"""Identification before any account data (docs/architecture.md §4): account number + street number
or SSN/Tax ID last 4, or customer ID + bill number. A caller ID on file is offered as a shortcut
that names no account and needs the SSN/Tax ID last 4 (never the public street number); only
once that matched does the caller hear the accounts it matched, to choose one. Failures get
one generic message; the domain counts them and locks the account on the third, across
every channel."""

from __future__ import annotations

import abc
from collections.abc import Callable

from conversation.verification import (
    Verification,
    VerificationResult,
    verify_account,
    verify_by_caller,
    verify_general_billing,
)
from domain.errors import CardNumberNotAccepted, InvalidInput
from domain.model import Channel, FactorKind
from domain.services.identity import IdentityService, Requester, normalize_account_number
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


def _verified(turn: Turn, account_id: int, account_number: str) -> Outcome:
    turn.state.verify(account_id, turn.container.clock.now())
    call = turn.call
    call.account_number = account_number
    target, call.after_identify = call.after_identify or "menu", None
    return goto(target, Line.of("id_verified", last4=Characters(account_number[-4:])))


def _check(turn: Turn, verify: Callable[[IdentityService, Requester], VerificationResult],
           invalid_prompt: str) -> Outcome:
    """Run one verification and say what came of it (the domain counts the failures)."""
    result = verify(turn.container.identity_service(),
                    Requester(Channel.VOICE, turn.call_sid, turn.state.caller))
    if result.outcome in (Verification.INVALID, Verification.CARD_NUMBER):
        return retry(Line.of(invalid_prompt))  # malformed: not counted as a failure
    if result.outcome == Verification.FAILED:
        return goto("identify", Line.of("id_failed"))
    if result.outcome == Verification.LOCKED:
        return Transfer("locked_out", (Line.of("id_locked"),))
    if result.outcome == Verification.TOO_MANY_ATTEMPTS:
        return Transfer("throttled", (Line.of("id_throttled"),))
    if len(result.accounts) == 1:
        return _verified(turn, result.account.account_id, result.account.account_number)
    # The accounts the caller-ID shortcut verified: several, one holder's.
    turn.call.id_choices = tuple((v.account_id, v.account_number) for v in result.accounts)
    return goto("id_choose")


@register
class Identify(Step):
    """Offer the caller-ID shortcut when the calling phone is on file; else the usual way."""

    name = "identify"
    needs_account = False

    def ask(self, turn: Turn) -> Ask | Outcome:
        turn.call.id_choices = None
        if not turn.container.identity_service().can_verify_by_caller(turn.state.caller):
            return goto("id_how", Line.of("id_intro"))
        return ask(Line.of("id_intro"), Line.of("id_hint"))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        if heard.digits == "1":
            return goto("id_hint_last4")
        if heard.digits == "2":
            return goto("id_how")
        return retry(Line.of("not_understood"))


@register
class CallerLast4(Step):
    """The caller-ID shortcut: the holder's SSN/Tax ID last 4, checked against the accounts
    with this phone on file."""

    name = "id_hint_last4"
    kind = ENTRY
    back = "identify"
    needs_account = False

    def ask(self, turn: Turn) -> Ask:
        return entry(Line.of("id_last4"), num_digits=4)

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        return _check(turn, lambda identity, requester: verify_by_caller(
            identity, requester, heard.digits.rstrip("#")), "id_last4_invalid")


@register
class ChooseVerifiedAccount(Step):
    """The SSN/Tax ID last 4 matched several accounts (one holder's): now they may be named."""

    name = "id_choose"
    back = "identify"
    needs_account = False

    def ask(self, turn: Turn) -> Ask | Outcome:
        choices = _choices(turn)
        if not choices:
            return goto("identify")
        return ask(Line.of("id_hint_choose"), *(
            Line.of("id_hint_one", last4=Characters(number[-4:]), digit=index)
            for index, (_, number) in enumerate(choices, start=1)))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        choices = _choices(turn)
        if heard.digits.isdigit() and 1 <= int(heard.digits) <= len(choices):
            account_id, number = choices[int(heard.digits) - 1]
            turn.call.id_choices = None
            return _verified(turn, account_id, number)
        return retry(Line.of("not_understood"))


def _choices(turn: Turn) -> tuple[tuple[int, str], ...]:
    return turn.call.id_choices or ()


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
    next_step: str = "id_factor_kind"

    def ask(self, turn: Turn) -> Ask:
        return entry(Line.of(self.prompt))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        try:
            number = normalize_account_number(heard.digits.rstrip("#"))
        except CardNumberNotAccepted:  # refused before the call state or an attempt holds it
            return retry(Line.of("id_card_refused"))
        except InvalidInput:
            return retry(Line.of("id_account_invalid"))
        self.remember(turn, number)
        return goto(self.next_step)

    @abc.abstractmethod
    def remember(self, turn: Turn, number: str) -> None:
        """Keep the number typed in the call's state."""


@register
class AccountNumber(NumberEntry):
    name = "id_account"

    def remember(self, turn: Turn, number: str) -> None:
        turn.call.account_number = number


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
        turn.call.factor_kind = kinds[heard.digits]
        return goto("id_factor")


@register
class Factor(Step):
    name = "id_factor"
    kind = ENTRY
    back = "id_factor_kind"
    needs_account = False

    def ask(self, turn: Turn) -> Ask:
        if turn.call.factor_kind == FactorKind.SSN_LAST4:
            return entry(Line.of("id_last4"), num_digits=4)
        return entry(Line.of("id_street"))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        kind = turn.call.factor_kind or FactorKind.STREET_NUMBER
        number = turn.call.account_number or ""
        return _check(turn, lambda identity, requester: verify_account(
            identity, requester, number, kind, heard.digits.rstrip("#")),
            "id_last4_invalid" if kind == FactorKind.SSN_LAST4 else "id_street_invalid")


@register
class CustomerId(NumberEntry):
    name = "id_customer"
    prompt = "id_customer"
    next_step = "id_bill"

    def remember(self, turn: Turn, number: str) -> None:
        turn.call.customer_id = number


@register
class BillNumber(Step):
    name = "id_bill"
    kind = ENTRY
    back = "id_customer"
    needs_account = False

    def ask(self, turn: Turn) -> Ask:
        return entry(Line.of("id_bill"))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        customer = turn.call.customer_id or ""
        return _check(turn, lambda identity, requester: verify_general_billing(
            identity, requester, customer, heard.digits.rstrip("#")), "id_bill_invalid")
