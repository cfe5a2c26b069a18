"""Domain exceptions.

Each carries a short, polite, channel-neutral `message` that a channel may say or show as is.
None of them ever carries card/bank digits or says whether an account exists.
"""

from __future__ import annotations

from datetime import date


class DomainError(Exception):
    """Base of every rule violation a resident or agent can cause."""

    message = "Sorry, that request could not be completed."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.message)
        self.detail = detail or self.message


class InvalidInput(DomainError):
    message = "Sorry, that entry is not valid."


class InvalidAmount(InvalidInput):
    message = "Please give an amount in dollars and cents, for example 45.50."


class AmountOutOfRange(InvalidInput):
    message = "That amount is more than can be paid on this account."


class NothingDue(DomainError):
    message = "There is no balance due on this account right now."


class InvalidDate(InvalidInput):
    message = "That date cannot be used for a payment."


class DateNotInFuture(InvalidDate):
    message = "A scheduled payment needs a future date. To pay today, choose pay now."


class DateTooFarAhead(InvalidDate):
    """Carries the limit, so a channel can say it in the resident's language."""

    def __init__(self, detail: str, *, latest: date, days: int) -> None:
        super().__init__(detail)
        self.latest = latest
        self.days = days


class InvalidEmail(InvalidInput):
    message = "That email address does not look valid."


class InvalidPhoneNumber(InvalidInput):
    message = "That phone number does not look valid."


class InvalidRoutingNumber(InvalidInput):
    message = "That bank routing number is not valid. Please check all nine digits."


class InvalidPaymentMethod(InvalidInput):
    message = "That payment method cannot be used."


class CardNumberNotAccepted(InvalidInput):
    """A card number (in any spelling) given where something else was asked: an account
    number, a customer ID, an email address, a nickname. Refused before anything records it,
    never redacted and kept; `detail` says what was expected instead."""

    message = ("That looks like a card number, so it was not used or kept. Please never "
               "give card numbers here.")


class CardNumberInEmail(CardNumberNotAccepted, InvalidEmail):
    """An email address with a card number in it (caught wherever a bad email is)."""

    message = ("That looks like a card number, not an email address, so it was not used or "
               "kept. Please type your email address, for example name@example.com.")


class VerificationFailed(DomainError):
    """Deliberately the same for an unknown account and a wrong factor."""

    message = "We could not verify that information. Please check it and try again."


class AccountLocked(DomainError):
    message = (
        "For your security this account is locked for self-service. "
        "Please call 311 and an agent can unlock it."
    )


class TooManyAttempts(DomainError):
    """The per-caller/session throttle: too many failed verifications, any accounts."""

    message = "Too many unsuccessful attempts. Please wait a while or call 311 for help."


class NotFound(DomainError):
    message = "We could not find that."


class PaymentNotFound(NotFound):
    message = "We could not find that payment on this account."


class PaymentNotCancellable(DomainError):
    message = (
        "That payment has already been submitted to the processor, so it can no longer be "
        "cancelled. Please call 311 if you need help with it."
    )


class InvalidTransition(DomainError):
    message = "That payment cannot change to that status."


class FeeNotAccepted(DomainError):
    message = "The convenience fee must be accepted before paying by card."


class IdempotencyConflict(DomainError):
    """The same idempotency key was reused for a different request."""

    message = "This request conflicts with an earlier one. Please start the payment again."


class AgentActionError(DomainError):
    message = "That agent action could not be completed."


class InvalidAutopayOption(InvalidInput):
    message = ("Please choose when autopay pays: on the due date, the day the bill arrives, or "
               "1 to 10 days before the due date.")


class LinkNotUsable(DomainError):
    message = ("This link has expired or was already used. "
               "Please ask for a new one by phone, text or chat.")


class RecipientOptedOut(DomainError):
    """The number texted STOP (or the carrier says it did): nothing is texted to it until it
    texts START. Carries no digits of the number."""

    message = ("That number has opted out of texts from us. "
               "Texting START to our number turns texts back on.")


class LoginFailed(DomainError):
    """Deliberately the same for an unknown username, a wrong password and a deactivated
    agent: the console never says which usernames exist."""

    message = "That username and password do not match."


class LoginThrottled(DomainError):
    """Too many failed sign-ins for a username or from an address; carries when to retry."""

    message = "Too many failed sign-ins. Try again in a few minutes."

    def __init__(self, retry_after_minutes: int) -> None:
        minutes = max(1, int(retry_after_minutes))
        unit = "minute" if minutes == 1 else "minutes"
        text = f"Too many failed sign-ins. Try again in {minutes} {unit}."
        super().__init__(text)
        self.retry_after_minutes = minutes
        self.message = text


class CodeRejected(DomainError):
    """A one-time code that is not the agent's current one (or is not a code at all)."""

    message = ("That code does not match. Type the 6-digit code your authenticator app shows "
               "now (check that your phone's clock is right).")


class CodeAlreadyUsed(CodeRejected):
    """The code was right, but it was already used: a code works once."""

    message = "That code was already used. Wait for the next code in your app and type it."


class SignInExpired(DomainError):
    """The sign-in (or enrolment) waiting for a one-time code is over, or was never there."""

    message = "That sign-in took too long or has ended. Please sign in again."


class InvalidAgentDetails(DomainError):
    """A bad username, display name, role or password; a taken username; an unknown agent."""

    message = "Those agent details cannot be used."


class CallNotLive(DomainError):
    """The call to transfer is over, or the phone system does not know it."""

    message = "That call has ended or is not connected, so it cannot be transferred."


class CallControlUnavailable(DomainError):
    """The phone system could not be reached, or refused the transfer for another reason."""

    message = ("The phone system did not accept the transfer. Try again, or read the caller "
               "the payment line's number.")


class TransferNotUsable(DomainError):
    """A transfer ticket that is unknown, used, expired or issued for another call. The IVR
    carries on without it; the caller never hears why."""

    message = "That transfer from the agent could not be completed."
