"""Webhooks from payment processors (not Twilio's: those live with their channels).

`/webhooks/stripe` (mounted only when PAYLINE_PROCESSOR=stripe): Stripe's events, checked by
the `Stripe-Signature` header with the SDK, each handled once by its event id."""
