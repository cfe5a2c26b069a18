"""A card number given where something else is asked is refused where the rule lives, before
anything records it: account numbers and customer IDs (identity), bill numbers, paperless
email addresses, saved-method nicknames (test_pay_links.py), agent searches."""

from __future__ import annotations

import pytest

from domain.config import VerificationPolicy
from domain.errors import (
    AgentActionError,
    CardNumberInEmail,
    CardNumberNotAccepted,
    InvalidEmail,
    InvalidInput,
    VerificationFailed,
)
from domain.hashing import reference_digest
from domain.model import Actor, Channel, FactorKind
from domain.services.account_lookup import AccountLookupService, AccountSearch, SearchBy
from domain.services.identity import (
    Requester,
    normalize_account_number,
    normalize_bill_number,
)
from domain.services.paperless import normalize_email
from tests.card_spellings import KEYED, SPELLINGS, VISA, Spelling, leaked_cards

VOICE = Requester(Channel.VOICE, "CA0123456789abcdef0123456789abcdef", "+13125550199")
AGENT = Actor.agent("r.alvarez")
# Residents type their account number in these spellings too: they must keep working.
ACCOUNT_SPELLINGS = ["0012345678", "00-1234-5678", "0012 345 678", "0012.345.678",
                     "0012345678#"]


@pytest.mark.parametrize("spelling", SPELLINGS, ids=lambda s: s.label)
def test_a_card_number_is_never_an_account_number(spelling: Spelling) -> None:
    with pytest.raises(CardNumberNotAccepted) as refused:
        normalize_account_number(spelling.text)
    assert "card number" in refused.value.detail and "account number" in refused.value.detail
    assert leaked_cards(refused.value.detail) == []  # the error never quotes it
    assert isinstance(refused.value, InvalidInput)  # every channel's "malformed" path


@pytest.mark.parametrize("keyed", KEYED)
def test_a_card_number_keyed_as_digits_is_refused(keyed: str) -> None:
    with pytest.raises(CardNumberNotAccepted):
        normalize_account_number(keyed)
    with pytest.raises(CardNumberNotAccepted):
        normalize_bill_number(keyed)


@pytest.mark.parametrize("typed", ACCOUNT_SPELLINGS)
def test_account_numbers_still_read_as_before(typed: str) -> None:
    assert normalize_account_number(typed) == "0012345678"


def test_other_long_numbers_are_still_just_unknown_accounts() -> None:
    assert normalize_account_number("4242424242424241") == "4242424242424241"  # not Luhn
    assert normalize_account_number("79927398713") == "79927398713"  # Luhn, but 11 digits


@pytest.mark.parametrize("keyed", KEYED)
def test_verification_with_a_card_number_records_no_attempt(identity, account, uow,
                                                            keyed: str) -> None:
    with pytest.raises(CardNumberNotAccepted):
        identity.verify_account(keyed, FactorKind.STREET_NUMBER, "412", VOICE)
    with pytest.raises(CardNumberNotAccepted):
        identity.verify_general_billing(keyed, "25332", VOICE)
    with pytest.raises(CardNumberNotAccepted):
        identity.verify_general_billing("400123", keyed, VOICE)
    assert uow.store.attempts == [] and uow.store.audit == []
    assert account.failed_verifications == 0
    # And the resident can go on: a wrong factor is still an ordinary, counted failure.
    with pytest.raises(VerificationFailed):
        identity.verify_account("0012345678", FactorKind.STREET_NUMBER, "413", VOICE)
    # (The tried reference is kept only as its keyed hash, never as the digits typed.)
    tried = reference_digest(VerificationPolicy().reference_key, "account", "0012345678")
    assert [a.account_ref for a in uow.store.attempts] == [tried]


@pytest.mark.parametrize("spelling", SPELLINGS, ids=lambda s: s.label)
def test_an_email_holding_a_card_number_is_refused_not_saved_redacted(spelling: Spelling,
                                                                      paperless, account,
                                                                      uow) -> None:
    with pytest.raises(CardNumberInEmail) as refused:
        normalize_email(f"{spelling.text}@example.com")
    assert isinstance(refused.value, InvalidEmail)  # caught wherever a bad email is
    assert isinstance(refused.value, CardNumberNotAccepted)
    with pytest.raises(CardNumberInEmail):
        paperless.enroll(account.id, f"maria.{spelling.text}@example.com",
                         Actor.resident(Channel.WEB, "link:1"))
    assert not account.paperless and account.paperless_email is None and uow.store.audit == []


def test_ordinary_email_addresses_are_still_accepted() -> None:
    assert normalize_email("maria.lopez1990@example.com") == "maria.lopez1990@example.com"
    assert normalize_email("m.4242@example.com") == "m.4242@example.com"


@pytest.fixture
def lookup(uow, clock) -> AccountLookupService:
    return AccountLookupService(lambda: uow, clock)


@pytest.mark.parametrize(("by", "field"), [
    (SearchBy.ACCOUNT, "account_number"), (SearchBy.CUSTOMER_BILL, "customer_id"),
    (SearchBy.CUSTOMER_BILL, "bill_number"), (SearchBy.NAME_ADDRESS, "name"),
    (SearchBy.NAME_ADDRESS, "address"), (SearchBy.PHONE, "phone"),
])
@pytest.mark.parametrize("spelling", SPELLINGS[::4],
                         ids=lambda s: s.label)
def test_an_agent_search_with_a_card_number_is_refused(lookup, account, uow, by: SearchBy,
                                                       field: str, spelling: Spelling) -> None:
    fields = {"customer_id": "400123", "bill_number": "25332", "name": "Rivera",
              "address": "412 Elm", "account_number": "0012345678", "phone": "3125550100"}
    fields[field] = spelling.text
    with pytest.raises(AgentActionError) as refused:
        lookup.search(AccountSearch(by=by, **fields), AGENT)
    assert "card number" in refused.value.detail
    (event,) = uow.store.audit  # who tried is audited; what they typed is not
    assert event.action == "agent.searched" and "refused" in event.detail
    assert leaked_cards(event.detail) == [] and event.actor == str(AGENT)


def test_an_agent_search_without_a_card_still_finds_the_account(lookup, account) -> None:
    found = lookup.search(AccountSearch(by=SearchBy.ACCOUNT, account_number="0012-345-678"),
                          AGENT)
    assert [m.account_number for m in found] == ["0012345678"]
    assert not lookup.search(AccountSearch(by=SearchBy.ACCOUNT, account_number=VISA[:-1] + "1"),
                             AGENT)
