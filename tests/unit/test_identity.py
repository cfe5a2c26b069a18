import pytest

from domain.errors import (
    AccountLocked,
    AgentActionError,
    InvalidInput,
    TooManyAttempts,
    VerificationFailed,
)
from domain.model import Actor, Channel, FactorKind
from domain.services.identity import Requester
from tests.unit.conftest import make_general_account, make_utility_account

VOICE = Requester(Channel.VOICE, "CA-call-1", "+13125550199")
SMS = Requester(Channel.SMS, "sms-thread-1", "+13125550177")
CHAT = Requester(Channel.CHAT, "chat-session-1")


def test_verify_by_street_number(identity, account):
    verified = identity.verify_account("0012345678", FactorKind.STREET_NUMBER, "412", VOICE)
    assert verified.account_id == account.id
    assert verified.factor == FactorKind.STREET_NUMBER
    assert verified.masked_number == "******5678"


def test_verify_accepts_separators_and_keeps_leading_zeros(identity, account):
    verified = identity.verify_account("00-1234 5678", "street_number", "412", VOICE)
    assert verified.account_number == "0012345678"
    with pytest.raises(VerificationFailed):  # the zeros matter: a different number
        identity.verify_account("12345678", "street_number", "412", VOICE)


def test_verify_by_ssn_last4(identity, account):
    verified = identity.verify_account("0012345678", FactorKind.SSN_LAST4, "6789", CHAT)
    assert verified.account_id == account.id
    with pytest.raises(VerificationFailed):
        identity.verify_account("0012345678", FactorKind.SSN_LAST4, "6788", CHAT)


def test_verify_general_billing_customer_and_bill(identity, uow):
    general = make_general_account("400123")
    uow.accounts.add(general)
    verified = identity.verify_general_billing("400123", "25332", CHAT)
    assert verified.account_id == general.id
    assert verified.factor == FactorKind.BILL_NUMBER
    with pytest.raises(VerificationFailed):
        identity.verify_general_billing("400123", "99999", CHAT)


def test_unknown_account_and_wrong_factor_look_the_same(identity, account):
    with pytest.raises(VerificationFailed) as unknown:
        identity.verify_account("9999999999", "street_number", "412", VOICE)
    with pytest.raises(VerificationFailed) as wrong:
        identity.verify_account("0012345678", "street_number", "413", SMS)
    assert str(unknown.value) == str(wrong.value)
    assert type(unknown.value) is type(wrong.value)


def test_three_failures_across_channels_lock_the_account(identity, account, uow):
    with pytest.raises(VerificationFailed):
        identity.verify_account("0012345678", "street_number", "1", VOICE)
    with pytest.raises(VerificationFailed):
        identity.verify_account("0012345678", "ssn_last4", "0000", SMS)
    with pytest.raises(AccountLocked):
        identity.verify_account("0012345678", "street_number", "2", CHAT)
    stored = uow.accounts.by_number("0012345678")
    assert stored.is_locked
    actions = [e.action for e in uow.audit.for_account(account.id)]
    assert "account.locked" in actions
    assert actions.count("verification.failed") == 3
    # Now even the right answer is refused for self-service, and says why.
    with pytest.raises(AccountLocked):
        identity.verify_account("0012345678", "street_number", "412",
                                Requester(Channel.WEB, "new-session"))


def test_locked_account_tells_only_the_right_answer_that_it_is_locked(identity, account, uow):
    for requester in (VOICE, SMS, CHAT):
        with pytest.raises((VerificationFailed, AccountLocked)):
            identity.verify_account("0012345678", "street_number", "9", requester)
    fresh = Requester(Channel.WEB, "someone-else")
    with pytest.raises(VerificationFailed):
        identity.verify_account("0012345678", "street_number", "9", fresh)


def test_success_resets_the_failure_count(identity, account, uow):
    for _ in range(2):
        with pytest.raises(VerificationFailed):
            identity.verify_account("0012345678", "street_number", "1", VOICE)
    identity.verify_account("0012345678", "street_number", "412", VOICE)
    assert uow.accounts.by_number("0012345678").failed_verifications == 0
    for _ in range(2):
        with pytest.raises(VerificationFailed):
            identity.verify_account("0012345678", "street_number", "1", SMS)
    assert not uow.accounts.by_number("0012345678").is_locked


def test_unknown_account_seems_to_lock_on_the_same_attempt(identity, account):
    for _ in range(2):
        with pytest.raises(VerificationFailed):
            identity.verify_account("5555555555", "street_number", "1", VOICE)
    with pytest.raises(AccountLocked):
        identity.verify_account("5555555555", "street_number", "1", VOICE)


def test_general_billing_wrong_bill_numbers_lock_the_customer_account(identity, uow):
    general = make_general_account("400123")
    uow.accounts.add(general)
    for _ in range(2):
        with pytest.raises(VerificationFailed):
            identity.verify_general_billing("400123", "11111", CHAT)
    with pytest.raises(AccountLocked):
        identity.verify_general_billing("400123", "11111", SMS)
    assert uow.accounts.get(general.id).is_locked


def test_session_throttle_stops_spraying_many_accounts(identity, uow):
    for i in range(5):
        uow.accounts.add(make_utility_account(number=f"77000000{i:02d}"))
    sprayer = Requester(Channel.CHAT, "sprayer")
    for i in range(5):
        with pytest.raises(VerificationFailed):
            identity.verify_account(f"77000000{i:02d}", "street_number", "1", sprayer)
    # Even a right answer is refused now, and no account was locked by the spray.
    with pytest.raises(TooManyAttempts):
        identity.verify_account("7700000000", "street_number", "412", sprayer)
    assert not any(uow.accounts.by_number(f"77000000{i:02d}").is_locked for i in range(5))


def test_caller_throttle_follows_the_phone_across_sessions(identity, uow):
    for i in range(5):
        uow.accounts.add(make_utility_account(number=f"88000000{i:02d}"))
    for i in range(5):
        with pytest.raises(VerificationFailed):
            identity.verify_account(f"88000000{i:02d}", "street_number", "1",
                                    Requester(Channel.VOICE, f"call-{i}", "+13125550123"))
    with pytest.raises(TooManyAttempts):
        identity.verify_account("8800000000", "street_number", "412",
                                Requester(Channel.VOICE, "call-new", "+13125550123"))


def test_throttle_window_expires(identity, uow, clock):
    for i in range(5):
        uow.accounts.add(make_utility_account(number=f"66000000{i:02d}"))
    sprayer = Requester(Channel.CHAT, "patient")
    for i in range(5):
        with pytest.raises(VerificationFailed):
            identity.verify_account(f"66000000{i:02d}", "street_number", "1", sprayer)
    clock.advance(minutes=61)
    assert identity.verify_account("6600000004", "street_number", "412", sprayer)


@pytest.mark.parametrize("number, factor_kind, factor", [
    ("", "street_number", "412"),
    ("abc123", "street_number", "412"),
    ("１２３４５", "street_number", "412"),  # full-width digits are not account digits
    ("1" * 21, "street_number", "412"),
    ("0012345678", "street_number", ""),
    ("0012345678", "street_number", "12 34 56 78"),
    ("0012345678", "street_number", "Ω"),
    ("0012345678", "ssn_last4", "123"),
    ("0012345678", "ssn_last4", "12345"),
    ("0012345678", "ssn_last4", "12a4"),
    ("0012345678", "ssn_last4", "٦٧٨٩"),
])
def test_malformed_input_is_rejected_without_counting(identity, account, uow, number,
                                                       factor_kind, factor):
    with pytest.raises(InvalidInput):
        identity.verify_account(number, factor_kind, factor, VOICE)
    assert uow.store.attempts == []
    assert uow.accounts.by_number("0012345678").failed_verifications == 0


def test_unknown_factor_kind_is_rejected(identity, account):
    with pytest.raises(ValueError):
        identity.verify_account("0012345678", "birthday", "0101", VOICE)


def test_caller_id_is_only_a_hint(identity, account):
    hints = identity.accounts_for_caller("+13125550101")
    assert [h.masked_number for h in hints] == ["******5678"]
    assert hints[0].last4 == "5678"
    assert identity.accounts_for_caller("+13125550000") == []


def test_agent_unlock_resets_and_is_audited(identity, accounts, account, uow):
    for requester in (VOICE, SMS, CHAT):
        with pytest.raises((VerificationFailed, AccountLocked)):
            identity.verify_account("0012345678", "street_number", "1", requester)
    with pytest.raises(AgentActionError):
        accounts.unlock("0012345678", Actor.agent("agent7"), "")
    with pytest.raises(AgentActionError):
        accounts.unlock("0012345678", Actor.resident(Channel.CHAT), "I am me, honestly")
    accounts.unlock("0012345678", Actor.agent("agent7"), "caller verified by phone")
    assert not uow.accounts.by_number("0012345678").is_locked
    unlocked = [e for e in uow.audit.for_account(account.id) if e.action == "account.unlocked"]
    assert unlocked[0].actor == "agent:agent7"
    assert unlocked[0].detail == "caller verified by phone"
    assert identity.verify_account("0012345678", "street_number", "412",
                                   Requester(Channel.VOICE, "after-unlock"))
    with pytest.raises(AgentActionError):  # not locked any more
        accounts.unlock("0012345678", Actor.agent("agent7"), "again please")


def test_general_billing_accounts_cannot_be_verified_by_account_number(identity, uow):
    general = make_general_account("400123")
    general.account_number = "400123"
    uow.accounts.add(general)
    with pytest.raises(VerificationFailed):
        identity.verify_account("400123", "ssn_last4", "6789", CHAT)
    assert not uow.accounts.get(general.id).failed_verifications
