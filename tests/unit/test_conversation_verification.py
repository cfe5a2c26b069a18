"""conversation.verification: every outcome of verify_* from the identity service, on fakes."""

from __future__ import annotations

import pytest

from conversation.verification import (
    Verification,
    VerificationResult,
    verify_account,
    verify_by_caller,
    verify_general_billing,
)
from domain.errors import AccountLocked, TooManyAttempts, VerificationFailed
from domain.model import Channel, FactorKind
from domain.services.identity import IdentityService, Requester
from tests.unit.conftest import make_general_account, make_utility_account

CALLER = "+13125550101"
VOICE = Requester(Channel.VOICE, "CA-call-1", CALLER)
CHAT = Requester(Channel.CHAT, "chat-1")


def test_verified_carries_the_account(identity: IdentityService, account) -> None:
    result = verify_account(identity, CHAT, "0012345678", FactorKind.STREET_NUMBER, "412")
    assert result.outcome == Verification.VERIFIED and result.verified
    assert result.account.account_id == account.id
    assert result.account.account_number == "0012345678"
    assert result.detail == ""


def test_a_wrong_factor_and_an_unknown_account_both_fail(identity: IdentityService,
                                                        account) -> None:
    wrong = verify_account(identity, CHAT, "0012345678", "street_number", "9")
    unknown = verify_account(identity, CHAT, "5555555555", "street_number", "9")
    assert wrong == unknown == VerificationResult(Verification.FAILED,
                                                  detail=VerificationFailed.message)
    assert not wrong.verified
    with pytest.raises(ValueError):
        _ = wrong.account
    assert account.failed_verifications == 1  # the domain still counts


def test_the_third_failure_is_locked_with_the_lock_detail(identity: IdentityService,
                                                         account) -> None:
    outcomes = [verify_account(identity, Requester(Channel.SMS, f"s{i}"), "0012345678",
                               FactorKind.SSN_LAST4, "0000").outcome for i in range(3)]
    assert outcomes == [Verification.FAILED, Verification.FAILED, Verification.LOCKED]
    right = verify_account(identity, CHAT, "0012345678", FactorKind.STREET_NUMBER, "412")
    assert right == VerificationResult(Verification.LOCKED, detail=AccountLocked.message)


def test_spraying_is_too_many_attempts(identity: IdentityService, uow) -> None:
    seen = [verify_account(identity, CHAT, f"90000000{i:02d}", "street_number", "1").outcome
            for i in range(6)]
    assert seen[:5] == [Verification.FAILED] * 5
    assert seen[5] == Verification.TOO_MANY_ATTEMPTS
    result = verify_account(identity, CHAT, "9000000099", "street_number", "1")
    assert result.detail == TooManyAttempts.message


@pytest.mark.parametrize(("number", "factor"), [("12ab", "412"), ("0012345678", "red house"),
                                                ("0012345678", "")])
def test_malformed_input_is_invalid_and_counts_nothing(identity: IdentityService, account, uow,
                                                       number: str, factor: str) -> None:
    result = verify_account(identity, CHAT, number, "street_number", factor)
    assert result.outcome == Verification.INVALID
    assert result.detail  # the domain's own words for what is wrong
    assert uow.store.attempts == [] and account.failed_verifications == 0


def test_a_card_number_is_its_own_outcome(identity: IdentityService, uow) -> None:
    result = verify_account(identity, CHAT, "4242 4242 4242 4242", "street_number", "412")
    assert result.outcome == Verification.CARD_NUMBER
    assert "card number" in result.detail
    assert uow.store.attempts == []
    bill = verify_general_billing(identity, CHAT, "400123", "4242424242424242")
    assert bill.outcome == Verification.CARD_NUMBER


def test_general_billing(identity: IdentityService, uow) -> None:
    general = make_general_account("400123")
    uow.accounts.add(general)
    assert verify_general_billing(identity, CHAT, "400123", "25332").account.account_id \
        == general.id
    assert verify_general_billing(identity, CHAT, "400123", "99999").outcome \
        == Verification.FAILED
    assert verify_general_billing(identity, CHAT, "400123", "🙂").outcome \
        == Verification.INVALID


def test_by_caller_returns_every_account_of_the_holder(identity: IdentityService,
                                                       uow) -> None:
    first = make_utility_account("0012345678", phone=CALLER)
    second = make_utility_account("0099887766", phone=CALLER)
    uow.accounts.add(first)
    uow.accounts.add(second)
    result = verify_by_caller(identity, VOICE, "6789")
    assert result.verified
    assert {a.account_number for a in result.accounts} == {"0012345678", "0099887766"}
    with pytest.raises(ValueError):  # several: the channel lets the resident choose
        _ = result.account
    assert verify_by_caller(identity, VOICE, "0000").outcome == Verification.FAILED
    assert verify_by_caller(identity, VOICE, "12").outcome == Verification.INVALID
    withheld = Requester(Channel.VOICE, "CA-2", None)
    assert verify_by_caller(identity, withheld, "6789").outcome == Verification.INVALID
