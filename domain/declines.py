"""Why a payment was declined, in one polite sentence without digits, the same words whichever
processor said no (the sandbox or Stripe) and whichever channel tells the resident.

Processors have many more codes than a resident needs to hear: Stripe's are folded onto the few
Payline words (`payline_code`). A card reported lost or stolen, or held for fraud, is told as a
plain decline: the resident is not the one to learn that from a phone menu, and someone holding
a stolen card must not learn it either.
"""

from __future__ import annotations

CARD_DECLINED = "card_declined"
AUTHENTICATION_REQUIRED = "authentication_required"
PROCESSING_ERROR = "processing_error"

DECLINE_REASONS: dict[str, str] = {
    CARD_DECLINED: "The card was declined by the bank that issued it.",
    "insufficient_funds": "The account does not have enough funds for this payment.",
    "expired_card": "The card has expired.",
    "account_closed": "The bank account is closed.",
    "invalid_token": "The saved payment method is not recognized. Please enter it again.",
    "incorrect_cvc": "The security code was not accepted by the bank that issued the card.",
    "incorrect_number": "The card number was not accepted by the bank that issued it.",
    PROCESSING_ERROR: ("The card could not be processed just now, so please try again later "
                       "or use another card."),
    AUTHENTICATION_REQUIRED: ("The bank that issued the card wants the card holder to approve "
                              "this payment with the bank, so please use another card."),
    "card_velocity_exceeded": "The card has reached its limit with the bank for now.",
    "canceled": "The payment was cancelled before it was completed.",
}

# Processor codes (Stripe's decline_code or error code) told with the words of another code.
_ALIASES: dict[str, str] = {
    # Told as a plain decline on purpose (see the module docstring).
    "lost_card": CARD_DECLINED,
    "stolen_card": CARD_DECLINED,
    "pickup_card": CARD_DECLINED,
    "fraudulent": CARD_DECLINED,
    "merchant_blacklist": CARD_DECLINED,
    "security_violation": CARD_DECLINED,
    "restricted_card": CARD_DECLINED,
    # Plain declines under other names.
    "generic_decline": CARD_DECLINED,
    "do_not_honor": CARD_DECLINED,
    "call_issuer": CARD_DECLINED,
    "card_not_supported": CARD_DECLINED,
    "currency_not_supported": CARD_DECLINED,
    "invalid_account": CARD_DECLINED,
    "new_account_information_available": CARD_DECLINED,
    "no_action_taken": CARD_DECLINED,
    "not_permitted": CARD_DECLINED,
    "revocation_of_authorization": CARD_DECLINED,
    "service_not_allowed": CARD_DECLINED,
    "stop_payment_order": CARD_DECLINED,
    "transaction_not_allowed": CARD_DECLINED,
    "try_again_later": PROCESSING_ERROR,
    "reenter_transaction": PROCESSING_ERROR,
    "issuer_not_available": PROCESSING_ERROR,
    "duplicate_transaction": PROCESSING_ERROR,
    "approve_with_id": PROCESSING_ERROR,
    "withdrawal_count_limit_exceeded": "card_velocity_exceeded",
    "invalid_amount": CARD_DECLINED,
    "invalid_cvc": "incorrect_cvc",
    "invalid_number": "incorrect_number",
    "invalid_expiry_month": "expired_card",
    "invalid_expiry_year": "expired_card",
    "authentication_not_handled": AUTHENTICATION_REQUIRED,
    "payment_intent_authentication_failure": AUTHENTICATION_REQUIRED,
    "card_decline_rate_limit_exceeded": CARD_DECLINED,
    "offline_pin_required": AUTHENTICATION_REQUIRED,
    "online_or_offline_pin_required": AUTHENTICATION_REQUIRED,
    "pin_try_exceeded": CARD_DECLINED,
    "incorrect_pin": CARD_DECLINED,
    "incorrect_zip": CARD_DECLINED,
    "incorrect_address": CARD_DECLINED,
    "testmode_decline": CARD_DECLINED,
}


def payline_code(code: str | None) -> str:
    """The Payline decline code for a processor's code: one DECLINE_REASONS knows (an unknown
    or missing code is a plain decline)."""
    text = (code or "").strip().lower()
    text = _ALIASES.get(text, text)
    return text if text in DECLINE_REASONS else CARD_DECLINED


def decline_reason(code: str | None) -> str:
    """The sentence for a decline code (after folding it)."""
    return DECLINE_REASONS[payline_code(code)]
