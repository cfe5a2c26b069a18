import hashlib
from datetime import UTC, datetime

import pytest

from domain.config import VerificationPolicy
from domain.errors import (
    AccountLocked,
    AgentActionError,
    DomainError,
    InvalidInput,
    TooManyAttempts,
    VerificationFailed,
)
from domain.model import Actor, Channel, FactorKind
from domain.services.identity import (
    MAX_CALLER_ACCOUNTS,
    WITHHELD_CALLER,
    IdentityService,
    Requester,
)
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


def test_a_locked_account_answers_the_right_and_a_wrong_factor_alike(identity, account, uow):
    for requester in (VOICE, SMS, CHAT):
        with pytest.raises((VerificationFailed, AccountLocked)):
            identity.verify_account("0012345678", "street_number", "9", requester)
    answers = []
    for i, (kind, factor) in enumerate([("street_number", "412"), ("street_number", "9"),
                                        ("ssn_last4", "6789"), ("ssn_last4", "0000")]):
        with pytest.raises(DomainError) as refused:
            identity.verify_account("0012345678", kind, factor,
                                    Requester(Channel.WEB, f"someone-else-{i}"))
        answers.append((type(refused.value), str(refused.value)))
    assert answers == [(AccountLocked, str(AccountLocked()))] * 4
    # Every try on the locked account is still recorded, right answers included.
    assert len(uow.store.attempts) == 7 and not any(a.succeeded for a in uow.store.attempts)
    assert uow.accounts.by_number("0012345678").failed_verifications == 7
    details = [e.detail for e in uow.audit.for_account(account.id)
               if e.action == "verification.failed"]
    assert sum("while locked" in d for d in details) == 4


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


# --- unknown numbers and real ones cannot be told apart ----------------------------------------


def _answers(identity, tries) -> list[type[Exception]]:
    """The error each (number, factor kind, factor, requester) try got."""
    got = []
    for number, kind, factor, requester in tries:
        with pytest.raises(DomainError) as refused:
            identity.verify_account(number, kind, factor, requester)
        got.append(type(refused.value))
    return got


def _spread(number: str) -> list[tuple[str, str, str, Requester]]:
    """Wrong answers on one number from every channel, each try a new session and phone."""
    return [(number, "street_number", "1", Requester(Channel.VOICE, "CA-1", "+13125550161")),
            (number, "ssn_last4", "0000", Requester(Channel.SMS, "sms-2", "+13125550162")),
            (number, "street_number", "2", Requester(Channel.CHAT, "chat-3")),
            (number, "ssn_last4", "1111", Requester(Channel.WEB, "web-4")),
            (number, "street_number", "3", Requester(Channel.VOICE, "CA-5", "+13125550165"))]


def test_an_unknown_number_locks_on_the_same_attempt_as_a_real_one_for_everyone(
        identity, account, clock):
    real = _answers(identity, _spread("0012345678"))
    unknown = _answers(identity, _spread("5555555555"))
    assert real == unknown == [VerificationFailed, VerificationFailed, AccountLocked,
                               AccountLocked, AccountLocked]
    # Neither lock wears off by itself (a real one waits for a 311 agent).
    clock.advance(days=60)
    later = Requester(Channel.CHAT, "a-month-later")
    assert _answers(identity, [("0012345678", "street_number", "9", later),
                               ("5555555555", "street_number", "9", later)]) == [
        AccountLocked, AccountLocked]


def test_an_unknown_customer_id_locks_like_a_real_one(identity, uow):
    uow.accounts.add(make_general_account("400123"))
    outcomes = {}
    for customer in ("400123", "400999"):
        got = []
        for i in range(4):
            with pytest.raises(DomainError) as refused:
                identity.verify_general_billing(customer, "11111",
                                                Requester(Channel.CHAT, f"{customer}-{i}"))
            got.append(type(refused.value))
        outcomes[customer] = got
    assert outcomes["400123"] == outcomes["400999"] == [
        VerificationFailed, VerificationFailed, AccountLocked, AccountLocked]


def test_an_account_number_and_a_customer_id_with_the_same_digits_count_apart(identity):
    for i in range(3):
        with pytest.raises((VerificationFailed, AccountLocked)):
            identity.verify_general_billing("400777", "11111", Requester(Channel.CHAT, f"c{i}"))
    with pytest.raises(VerificationFailed):  # the account number 400777 is a fresh reference
        identity.verify_account("400777", "street_number", "1", Requester(Channel.CHAT, "c9"))


def test_unknown_and_real_numbers_count_toward_the_requester_throttle_alike(identity, uow):
    uow.accounts.add(make_utility_account(number="1200000001"))
    sprayer = Requester(Channel.CHAT, "sprayer")
    for number in ("1200000001", "1200000002", "1200000001", "1200000003", "1200000004"):
        with pytest.raises((VerificationFailed, AccountLocked)):
            identity.verify_account(number, "street_number", "1", sprayer)
    with pytest.raises(TooManyAttempts):
        identity.verify_account("1200000001", "street_number", "412", sprayer)


def test_the_ssn_check_costs_one_pbkdf2_whether_or_not_the_account_exists(
        identity, uow, monkeypatch):
    plain = make_utility_account(number="3100000001")
    no_ssn = make_utility_account(number="3100000002")
    no_ssn.customer.ssn_last4_salt = no_ssn.customer.ssn_last4_hash = None
    locked = make_utility_account(number="3100000003")
    locked.locked_at = datetime(2026, 11, 1, tzinfo=UTC)
    general = make_general_account("3100000004")
    general.account_number = "3100000004"
    for acct in (plain, no_ssn, locked, general):
        uow.accounts.add(acct)
    calls = []
    real_pbkdf2 = hashlib.pbkdf2_hmac
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", lambda *args: calls.append(args[3])
                        or real_pbkdf2(*args))
    tries = {"right": ("3100000001", "6789"), "wrong": ("3100000001", "6780"),
             "no such account": ("3199999999", "6789"), "no SSN on file": ("3100000002", "6789"),
             "locked": ("3100000003", "6789"), "general billing": ("3100000004", "6789")}
    for name, (number, ssn) in tries.items():
        calls.clear()
        try:
            identity.verify_account(number, "ssn_last4", ssn, Requester(Channel.CHAT, name))
        except (VerificationFailed, AccountLocked):
            pass
        assert len(calls) == 1, name
    # The stand-in costs what a production hash costs (the test accounts use 1,000 rounds).
    calls.clear()
    with pytest.raises(VerificationFailed):
        identity.verify_account("3199999998", "ssn_last4", "1234", Requester(Channel.CHAT, "x"))
    assert calls == [100_000]


def test_the_street_and_bill_checks_hash_nothing_for_real_or_unknown(identity, account, uow,
                                                                    monkeypatch):
    uow.accounts.add(make_general_account("400123"))
    calls = []
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", lambda *args: calls.append(args) or b"")
    for verify in (lambda r: identity.verify_account("0012345678", "street_number", "1", r),
                   lambda r: identity.verify_account("0099999999", "street_number", "1", r),
                   lambda r: identity.verify_general_billing("400123", "1", r),
                   lambda r: identity.verify_general_billing("499999", "1", r)):
        with pytest.raises(VerificationFailed):
            verify(Requester(Channel.CHAT, f"s{len(calls)}-{id(verify)}"))
    assert calls == []


def test_a_wrong_answer_does_the_same_writes_for_a_real_and_an_unknown_number(identity, account,
                                                                              uow):
    def writes(number: str) -> tuple[int, int]:
        before = (len(uow.store.attempts), len(uow.store.audit))
        with pytest.raises(VerificationFailed):
            identity.verify_account(number, "street_number", "1", Requester(Channel.CHAT, number))
        return (len(uow.store.attempts) - before[0], len(uow.store.audit) - before[1])

    assert writes("0012345678") == writes("0099999999") == (1, 1)
    assert uow.store.unknown_failures and uow.accounts.by_number("0012345678").failed_verifications


def test_the_tried_number_is_stored_only_as_a_keyed_hash(identity, account, uow, clock):
    for number in ("0012345678", "123456789", "0012345678"):
        with pytest.raises(VerificationFailed):
            identity.verify_account(number, "street_number", "1", CHAT)
    refs = [a.account_ref for a in uow.store.attempts]
    assert all(len(ref) == 64 and set(ref) <= set("0123456789abcdef") for ref in refs)
    assert "12345678" not in "".join(refs) and "123456789" not in "".join(refs)
    assert refs[0] == refs[2] != refs[1]
    assert uow.store.unknown_failures == [refs[1]]
    # Keyed: another deployment's key gives other hashes for the same digits.
    other = IdentityService(lambda: uow, clock, VerificationPolicy(reference_key=b"k" * 32))
    with pytest.raises(VerificationFailed):
        other.verify_account("123456789", "street_number", "1", CHAT)
    assert uow.store.attempts[-1].account_ref not in refs


# --- caller ID withheld: one shared bucket ----------------------------------------------------


def test_a_requester_without_caller_id_is_counted_in_the_withheld_bucket_on_phones_only():
    assert Requester(Channel.VOICE, "CA1").throttle_caller == WITHHELD_CALLER
    assert Requester(Channel.SMS, "sms:x").throttle_caller == WITHHELD_CALLER
    assert Requester(Channel.CHAT, "chat:x").throttle_caller is None
    assert Requester(Channel.VOICE, "CA1", "+13125550101").throttle_caller == "+13125550101"


def _anonymous_calls_fail(identity, count: int, first: int = 0) -> None:
    for i in range(first, first + count):
        with pytest.raises(VerificationFailed):
            identity.verify_account(f"90000{i:05d}", "street_number", "1",
                                    Requester(Channel.VOICE, f"CA-anon-{i}"))


def test_calls_without_caller_id_share_one_budget(identity, account, uow):
    _anonymous_calls_fail(identity, 10)
    assert {a.caller for a in uow.store.attempts} == {WITHHELD_CALLER}
    # A new anonymous call is not a fresh budget, even with the right answer.
    with pytest.raises(TooManyAttempts):
        identity.verify_account("0012345678", "street_number", "412",
                                Requester(Channel.VOICE, "CA-anon-new"))
    # Callers who show their number, and chat, have budgets of their own.
    assert identity.verify_account("0012345678", "street_number", "412", VOICE)
    assert identity.verify_account("0012345678", "street_number", "412", CHAT)


def test_the_withheld_bucket_empties_after_its_short_window(identity, account, clock):
    _anonymous_calls_fail(identity, 10)
    clock.advance(minutes=14)
    with pytest.raises(TooManyAttempts):
        identity.verify_account("0012345678", "street_number", "412",
                                Requester(Channel.VOICE, "CA-anon-new"))
    clock.advance(minutes=2)
    assert identity.verify_account("0012345678", "street_number", "412",
                                   Requester(Channel.VOICE, "CA-anon-later"))


def test_one_anonymous_call_still_has_its_own_smaller_limit(identity, account):
    call = Requester(Channel.VOICE, "CA-anon-1")
    for i in range(5):
        with pytest.raises(VerificationFailed):
            identity.verify_account(f"91000{i:05d}", "street_number", "1", call)
    with pytest.raises(TooManyAttempts):
        identity.verify_account("0012345678", "street_number", "412", call)
    # The bucket (5 of 10) still lets another anonymous resident in.
    assert identity.verify_account("0012345678", "street_number", "412",
                                   Requester(Channel.VOICE, "CA-anon-2"))


# --- caller ID is a hint: verified only with the SSN/Tax ID last 4 ----------------------------

HOME = "+13125550140"
SHARED = "+13125550141"


def _on_phone(uow, number: str, phone: str, ssn: str = "6789", street: str = "412",
              customer=None):
    acct = make_utility_account(number=number, phone=phone, ssn=ssn, street=street)
    if customer is not None:
        acct.customer = customer
    uow.accounts.add(acct)
    return acct


def test_the_offer_says_only_whether_the_phone_is_on_file(identity, uow):
    _on_phone(uow, "4100000001", HOME)
    locked = _on_phone(uow, "4100000002", "+13125550142")
    locked.locked_at = datetime(2026, 11, 1, tzinfo=UTC)
    assert identity.can_verify_by_caller(HOME) is True
    assert identity.can_verify_by_caller("+13125550149") is False
    assert identity.can_verify_by_caller("+13125550142") is False  # nothing open to offer
    assert identity.can_verify_by_caller(None) is False


def test_caller_id_verifies_with_the_holders_ssn_last4(identity, uow):
    acct = _on_phone(uow, "4100000001", HOME, ssn="6789", street="1234")
    (verified,) = identity.verify_by_caller("6789", Requester(Channel.VOICE, "CA-1", HOME))
    assert verified.account_id == acct.id and verified.factor == FactorKind.SSN_LAST4
    assert uow.store.attempts[-1].succeeded


def test_caller_id_and_the_public_street_number_never_verify(identity, uow):
    acct = _on_phone(uow, "4100000001", HOME, ssn="6789", street="1234")
    with pytest.raises(VerificationFailed):
        identity.verify_by_caller("1234", Requester(Channel.VOICE, "CA-1", HOME))
    assert uow.accounts.get(acct.id).failed_verifications == 1


def test_wrong_ssns_through_caller_id_lock_the_account(identity, uow):
    acct = _on_phone(uow, "4100000001", HOME)
    got = []
    for i in range(3):
        with pytest.raises(DomainError) as refused:
            identity.verify_by_caller("0000", Requester(Channel.VOICE, f"CA-{i}", HOME))
        got.append(type(refused.value))
    assert got == [VerificationFailed, VerificationFailed, AccountLocked]
    assert uow.accounts.get(acct.id).is_locked
    newest = next(e for e in uow.audit.for_account(acct.id) if e.action == "verification.failed")
    assert newest.detail == "factor=ssn_last4 by caller ID failures=3"
    assert identity.can_verify_by_caller(HOME) is False
    # The typed path sees the same lock: caller-ID failures are failures on the account.
    with pytest.raises(AccountLocked):
        identity.verify_account("4100000001", "ssn_last4", "6789", CHAT)


def test_one_holders_several_accounts_on_a_phone_are_all_verified(identity, uow):
    first = _on_phone(uow, "4100000001", HOME)
    second = _on_phone(uow, "4100000002", HOME, customer=first.customer)
    verified = identity.verify_by_caller("6789", Requester(Channel.VOICE, "CA-1", HOME))
    assert [v.account_id for v in verified] == [first.id, second.id]


def test_a_phone_two_holders_share_verifies_only_the_matching_holder(identity, uow):
    tenant = _on_phone(uow, "4100000001", SHARED, ssn="6789")
    owner = _on_phone(uow, "4100000002", SHARED, ssn="1111")
    (verified,) = identity.verify_by_caller("1111", Requester(Channel.VOICE, "CA-1", SHARED))
    assert verified.account_id == owner.id
    # A wrong answer was tried on both, so it counts on both.
    with pytest.raises(VerificationFailed):
        identity.verify_by_caller("0000", Requester(Channel.VOICE, "CA-2", SHARED))
    assert uow.accounts.get(tenant.id).failed_verifications == 1
    assert uow.accounts.get(owner.id).failed_verifications == 1


def test_a_locked_account_on_the_phone_is_never_matched(identity, uow):
    locked = _on_phone(uow, "4100000001", SHARED, ssn="6789")
    locked.locked_at = datetime(2026, 11, 1, tzinfo=UTC)
    other = _on_phone(uow, "4100000002", SHARED, ssn="1111")
    with pytest.raises(VerificationFailed):  # right for the locked one: says nothing
        identity.verify_by_caller("6789", Requester(Channel.VOICE, "CA-1", SHARED))
    assert uow.accounts.get(other.id).failed_verifications == 1


def test_the_caller_id_check_costs_the_same_for_any_number_of_accounts(identity, uow,
                                                                      monkeypatch):
    _on_phone(uow, "4100000001", HOME)
    first = _on_phone(uow, "4100000011", SHARED)
    _on_phone(uow, "4100000012", SHARED, customer=first.customer)
    calls = []
    real_pbkdf2 = hashlib.pbkdf2_hmac
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", lambda *args: calls.append(args)
                        or real_pbkdf2(*args))
    counts = []
    for phone in (HOME, SHARED, "+13125550149"):
        calls.clear()
        try:
            identity.verify_by_caller("0000", Requester(Channel.VOICE, f"CA{phone}", phone))
        except VerificationFailed:
            pass
        counts.append(len(calls))
    assert counts == [MAX_CALLER_ACCOUNTS] * 3


def test_caller_id_verification_needs_a_caller_and_counts_nothing_malformed(identity, uow):
    _on_phone(uow, "4100000001", HOME)
    with pytest.raises(InvalidInput):
        identity.verify_by_caller("6789", Requester(Channel.VOICE, "CA-1"))
    with pytest.raises(InvalidInput):
        identity.verify_by_caller("67", Requester(Channel.VOICE, "CA-1", HOME))
    assert uow.store.attempts == []


def test_caller_id_verification_is_throttled_like_any_other(identity, uow):
    _on_phone(uow, "4100000001", HOME)
    caller = Requester(Channel.VOICE, "CA-1", HOME)
    for i in range(5):
        with pytest.raises(VerificationFailed):
            identity.verify_account(f"92000{i:05d}", "street_number", "1", caller)
    with pytest.raises(TooManyAttempts):
        identity.verify_by_caller("6789", caller)
