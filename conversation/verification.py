"""Verifying a resident, the same way on every channel: one call per kind of claim, one
VerificationResult back. The domain's IdentityService decides (lock-out, throttle, the same
answer for an unknown account and a wrong factor); this module only turns its four
exceptions into an outcome, in one place, so each channel maps outcomes to its own words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from conversation.wording import language_of
from domain.errors import (
    AccountLocked,
    CardNumberNotAccepted,
    InvalidInput,
    TooManyAttempts,
    VerificationFailed,
)
from domain.model import FactorKind
from domain.services.identity import IdentityService, Requester, VerifiedAccount


class Verification(StrEnum):
    VERIFIED = "verified"
    FAILED = "failed"  # no such account or a wrong factor: deliberately one outcome
    LOCKED = "locked"  # the account is locked for self-service (311 unlocks it)
    TOO_MANY_ATTEMPTS = "too_many_attempts"  # the per-session / per-caller throttle
    INVALID = "invalid"  # malformed input: nothing was counted; `detail` says what is wrong
    CARD_NUMBER = "card_number"  # a card number where a number was asked: not used or kept


@dataclass(frozen=True)
class VerificationResult:
    outcome: Verification
    # VERIFIED: the accounts proven (one, or several of one holder by caller ID).
    accounts: tuple[VerifiedAccount, ...] = ()
    # The domain's channel-neutral message (what was malformed, the lock, the throttle).
    detail: str = ""

    @property
    def verified(self) -> bool:
        return self.outcome == Verification.VERIFIED

    @property
    def account(self) -> VerifiedAccount:
        """The verified account, when exactly one was."""
        if len(self.accounts) != 1:
            raise ValueError(f"{len(self.accounts)} accounts verified, not one")
        return self.accounts[0]


def verify_account(identity: IdentityService, requester: Requester, account_number: str,
                   factor_kind: FactorKind | str, factor: str) -> VerificationResult:
    """Account number + service street number or SSN/Tax ID last 4."""
    return _outcome(lambda: [identity.verify_account(account_number, factor_kind, factor,
                                                     requester)])


def verify_general_billing(identity: IdentityService, requester: Requester,
                           customer_id: str, bill_number: str) -> VerificationResult:
    """Munis customer ID + the number of one of the customer's bills."""
    return _outcome(lambda: [identity.verify_general_billing(customer_id, bill_number,
                                                             requester)])


def verify_by_caller(identity: IdentityService, requester: Requester,
                     ssn_last4: str) -> VerificationResult:
    """The caller ID's accounts, proven by the holder's SSN/Tax ID last 4 (maybe several)."""
    return _outcome(lambda: identity.verify_by_caller(ssn_last4, requester))


def _outcome(verify: Callable[[], list[VerifiedAccount]]) -> VerificationResult:
    """The one place the identity service's exceptions become outcomes."""
    try:
        accounts = verify()
    except CardNumberNotAccepted as exc:  # before InvalidInput: it is one
        return VerificationResult(Verification.CARD_NUMBER, detail=exc.detail)
    except InvalidInput as exc:
        return VerificationResult(Verification.INVALID, detail=exc.detail)
    except VerificationFailed as exc:
        return VerificationResult(Verification.FAILED, detail=exc.detail)
    except AccountLocked as exc:
        return VerificationResult(Verification.LOCKED, detail=exc.detail)
    except TooManyAttempts as exc:
        return VerificationResult(Verification.TOO_MANY_ATTEMPTS, detail=exc.detail)
    return VerificationResult(Verification.VERIFIED, accounts=tuple(accounts))


def language_after_verifying(current: str, account: VerifiedAccount, *,
                             from_resident: bool) -> str:
    """The conversation's language once `account` is verified: the resident's own (chosen
    outright, or the one they write in) stays; otherwise the account's language on file."""
    return current if from_resident else language_of(account.language)
