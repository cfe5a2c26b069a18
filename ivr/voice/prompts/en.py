"""English voice prompts. Placeholders in braces are filled with spoken values (amounts,
dates, digits) by ivr.voice.speech; es.py must have exactly the same keys and placeholders."""

PROMPTS: dict[str, str] = {
    # --- greeting and menus --------------------------------------------------------------
    "welcome": "Thank you for calling the {city} payment line.",
    "language_choice": "For English, press 1.",
    "main_menu": (
        "Main menu. For your balance, press 1. To pay now, press 2. To schedule a payment, "
        "press 3. To review or cancel a scheduled payment, press 4. For paperless billing, "
        "press 5. To speak with a 311 agent, press 0. To hear these options again, press 9. "
        "You can also tell me what you need."),
    "menu_hint": "At any menu, press star to go back, or 9 to repeat.",
    "not_understood": "Sorry, I didn't get that.",
    "no_input": "Sorry, I didn't hear anything.",
    "offer_agent": (
        "It seems we're having trouble. To speak with a 311 agent, press 0. "
        "Otherwise, thank you for calling. Goodbye."),
    "goodbye": "Thank you for calling the {city} payment line. Goodbye.",
    "transfer": "Please hold while I connect you to a 311 agent.",
    "transfer_unavailable": (
        "Sorry, no agent could take your call right now. Please call 311 at {phone} during "
        "business hours. Goodbye."),
    "problem": "Sorry, something went wrong on our side.",
    "call_recovered": "Sorry, let's pick up where we can.",
    # --- a 311 agent's transfer into self-service ----------------------------------------
    "transfer_welcome": (
        "You're now on the {city} secure payment line. The agent has left the call, so your "
        "card or bank details stay private. Your account ending in {last4} is verified."),
    "transfer_menu": (
        "To pay now, press 1. To schedule a payment, press 2. To hear your balance, press 3. "
        "To go back to a 311 agent, press 0. To hear these options again, press 9."),
    "transfer_failed": (
        "We couldn't complete the transfer from the agent, but you can continue here."),
    # --- identification -------------------------------------------------------------------
    "id_intro": "First, let's find your account.",
    # The caller-ID shortcut names no account before the SSN/Tax ID last 4 has matched.
    "id_hint": (
        "The phone number you're calling from is on file with us. To verify with the last 4 "
        "digits of the account holder's Social Security or Tax ID number, press 1. To enter "
        "an account number instead, press 2."),
    "id_hint_choose": "That matches more than one account.",
    "id_hint_one": "For the account ending in {last4}, press {digit}.",
    "id_how": (
        "If you have a utility account number, press 1. To pay a general bill with a "
        "customer ID and bill number, press 2."),
    "id_account": "Please enter your account number, then press pound.",
    "id_account_invalid": "An account number has only digits. Please check your bill.",
    "id_card_refused": (
        "That looks like a card number, so it was not used or kept. Please enter the number "
        "printed on your bill, never a card number."),
    "id_factor_kind": (
        "To verify the account, press 1 to enter the house number of the service address. "
        "Or press 2 to enter the last 4 digits of the account holder's Social Security or "
        "Tax ID number."),
    "id_street": "Please enter the house number of the service address, then press pound.",
    "id_street_invalid": "Please enter only the house number, for example 1 2 3 4.",
    "id_last4": "Please enter the last 4 digits of the Social Security or Tax ID number.",
    "id_last4_invalid": "Please enter exactly 4 digits.",
    "id_customer": "Please enter your customer ID, then press pound.",
    "id_bill": "Now enter the bill number, then press pound.",
    "id_bill_invalid": "A bill number has only digits on the keypad. Please check your bill.",
    "id_failed": "Sorry, that information doesn't match our records. Let's try again.",
    "id_locked": (
        "For your security, this account is locked for self-service after too many "
        "attempts. A 311 agent can verify you and unlock it."),
    "id_throttled": "For your security, we can't take more attempts on this call.",
    "id_verified": "Thank you. Your account ending in {last4} is verified.",
    # --- balance -------------------------------------------------------------------------
    "balance_total": "As of {today}, your total balance due is {amount}.",
    "balance_past_due": "{amount} of it is past due.",
    "balance_next_due": "The next payment is due {date}.",
    "balance_none": "As of {today}, you have no balance due. Thank you.",
    "balance_credit": "Your account has a credit of {amount}.",
    "balance_pending": "A payment of {amount} submitted on {date} is being processed.",
    "balance_scheduled": "A payment of {amount} is scheduled for {date}.",
    "history_refunded": "Of your payment of {amount} on {date}, {refund} was refunded.",
    "history_refunded_in_full": "Your payment of {amount} on {date} was refunded in full.",
    "history_disputed": (
        "Your payment of {amount} on {date} is disputed by your bank, so that amount is owed "
        "again until the dispute is resolved."),
    # --- amounts -------------------------------------------------------------------------
    "nothing_due": "There is no balance due on this account right now.",
    "already_covered": (
        "Payments already pending or scheduled cover your balance, so there is nothing more "
        "to pay right now."),
    "amount_menu_full": "To pay the full balance of {amount}, press 1.",
    "amount_menu_past_due": "To pay the past-due amount of {amount}, press 2.",
    "amount_menu_other": "To enter a different amount, press 3.",
    "amount_entry": (
        "Enter the amount in dollars and cents, without a decimal point, then press pound. "
        "For example, for 45 dollars and 50 cents, press 4 5 5 0 and then pound."),
    "amount_invalid": "Sorry, that amount isn't valid.",
    "amount_too_high": "The most you can pay right now is {amount}.",
    "amount_heard": "You entered {amount}.",
    # --- method, fee, <Pay> ----------------------------------------------------------------
    "method_menu": (
        "To pay by credit or debit card, press 1. A convenience fee of {fee} applies to card "
        "payments. To pay from a checking or savings account with no fee, press 2."),
    "confirm_card": (
        "You are paying {amount} by card. A convenience fee of {fee} applies, for a total of "
        "{total}. To continue and enter your card, press 1. To cancel, press 2."),
    "confirm_bank": (
        "You are paying {amount} from a bank account, with no fee. To continue and enter your "
        "bank account, press 1. To cancel, press 2."),
    "pay_card_intro": (
        "Please enter your card details when asked. Your card number is handled securely and "
        "never heard by anyone. Press star at any time to cancel."),
    "pay_bank_intro": (
        "Please enter your bank routing and account numbers when asked. Press star at any "
        "time to cancel."),
    "pay_cancelled": "The payment was cancelled. Nothing was charged.",
    "pay_approved": "Your payment of {amount} was approved.",
    "pay_declined": "Sorry, the card was declined. Nothing was charged.",
    "pay_unreadable": "Sorry, we couldn't accept those payment details. Nothing was charged.",
    "pay_processor_down": (
        "Sorry, we couldn't reach the payment processor, so nothing was charged. "
        "Please try again later."),
    "pay_insufficient_funds": (
        "Sorry, the card was declined: the account does not have enough funds for this "
        "payment. Nothing was charged."),
    "pay_card_expired": "Sorry, that card has expired. Nothing was charged.",
    "pay_card_pending": (
        "Sorry, we couldn't reach the card processor just now, so your card has not been "
        "charged yet. We will try again shortly; you don't need to call back."),
    "pay_authentication_required": (
        "Your card's bank wants to confirm this payment with you, which can't be done by "
        "phone. Nothing was charged."),
    "pay_authentication_menu": (
        "To get a text message with a secure link to pay on your phone, where your bank can "
        "confirm it, press 1. To try another card, press 2. For the main menu, press 3."),
    "pay_link_sent": (
        "We sent a secure payment link to the number you're calling from. It works once, "
        "for {minutes} minutes."),
    # A text message, not speech: the pay link the caller asked for.
    "pay_link_text": (
        "{city}: pay securely here: {url} (the link works once, for {minutes} minutes). "
        "Never text card numbers."),
    "pay_retry_menu": (
        "To try another card, press 1. To pay from a bank account instead, press 2. "
        "For the main menu, press 3."),
    "confirmation": "Your confirmation number is {conf}. Again, that's {conf}.",
    "bank_submitted": (
        "Your payment of {amount} has been submitted. It will be debited from your account "
        "in {min_days} to {max_days} business days."),
    "receipt_offer": (
        "To get a text message receipt at the number you're calling from, press 1. "
        "For the main menu, press 2."),
    "receipt_sent": "Your receipt is on its way.",
    "text_unavailable": "Sorry, we can't send a text message to the number you're calling from.",
    "text_opted_out": (
        "The number you're calling from has opted out of texts from us, so we didn't send one. "
        "Texting START to our number turns texts back on."),
    # --- authorization read-back (TEL) ---------------------------------------------------------
    "authorize_bank": (
        "Please listen to this authorization. By pressing 1, you authorize the {city} to make a "
        "one-time electronic debit of {amount} from your {account_type} account ending in "
        "{last4} on {date}. This is a one-time debit, not a recurring one. To revoke this "
        "authorization, call {phone} before that date. To authorize this payment, press 1. "
        "To cancel, press 2. To hear this again, press 9."),
    "authorize_card": (
        "You are scheduling a payment of {amount} on {date} with the card ending in {last4}. "
        "A convenience fee of {fee} applies, for a total of {total}. To confirm, press 1. To "
        "cancel, press 2."),
    "checking": "checking",
    "savings": "savings",
    # --- scheduling ------------------------------------------------------------------------
    "schedule_intro": "Let's schedule a payment.",
    "date_entry": (
        "Enter the payment date as 4 digits: two for the month, then two for the day. For "
        "example, for March 5th, press 0 3 0 5."),
    "date_invalid": "Sorry, that isn't a valid date.",
    "date_past": "A scheduled payment needs a future date. To pay today, choose pay now.",
    "date_too_far": "Payments can be scheduled at most {days} days ahead, until {date}.",
    "date_heard": "You chose {date}.",
    "warn_after_due": (
        "Please note: that date is after the due date of {date}. A late fee or service "
        "interruption may apply."),
    "warn_past_due": (
        "Please note: {amount} of your balance is already past due. Paying it today avoids "
        "late fees or a service interruption."),
    "schedule_method_menu": (
        "To schedule with a credit or debit card, press 1. A convenience fee of {fee} applies "
        "to card payments. To schedule from a checking or savings account with no fee, press 2."),
    "schedule_card_intro": (
        "Please enter your card details when asked. Nothing will be charged now. Press star "
        "at any time to cancel."),
    "schedule_bank_intro": (
        "Please enter your bank routing and account numbers when asked. Nothing will be "
        "debited now. Press star at any time to cancel."),
    "scheduled_done": "Your payment of {amount} is scheduled for {date}.",
    # --- review / cancel ---------------------------------------------------------------------
    "none_scheduled": "You have no scheduled payments.",
    "pending_explained": (
        "A payment of {amount} submitted on {date} is already being processed, so it can no "
        "longer be cancelled."),
    "scheduled_item": (
        "Scheduled payment {index} of {count}: {amount} on {date}, from {method}. To cancel "
        "this payment, press 1. To hear the next one, press 2. For the main menu, press 3."),
    "scheduled_item_last": (
        "Scheduled payment {index} of {count}: {amount} on {date}, from {method}. To cancel "
        "this payment, press 1. For the main menu, press 3."),
    "cancel_confirm": (
        "To confirm cancelling the payment of {amount} on {date}, press 1. To keep it, "
        "press 2."),
    "cancel_done": "The payment of {amount} on {date} is cancelled. Nothing will be charged.",
    "cancel_kept": "The payment is kept.",
    "cancel_too_late": (
        "Sorry, that payment is already being processed and can no longer be cancelled."),
    # --- paperless ---------------------------------------------------------------------------
    "paperless_on": (
        "You are enrolled in paperless billing. Bills go to your email address starting "
        "with {first}, at {domain}. To stop paperless billing and receive paper bills again, "
        "press 1. For the main menu, press 2."),
    "paperless_offer_email": (
        "To receive your bills by email at your address on file, starting with {first}, "
        "at {domain}, press 1. To get a text message with a link to enroll with a different "
        "email address, press 2. For the main menu, press 3."),
    "paperless_offer_link": (
        "We don't have an email address on file. To get a text message with a link to finish "
        "enrolling, press 1. For the main menu, press 2."),
    "paperless_enrolled": (
        "You are enrolled in paperless billing. Bills will be emailed and paper bills will "
        "stop. We sent you a confirmation."),
    "paperless_unenrolled": (
        "Paperless billing is off. You'll receive paper bills by mail again. Scheduled "
        "payments will still be processed."),
    "paperless_link_sent": "We sent a text message with a link. It works for {minutes} minutes.",
    # --- errors -----------------------------------------------------------------------------
    "locked_now": "This account is locked for self-service. A 311 agent can help you.",
    "try_again_later": "Sorry, we couldn't complete that just now. Please try again.",
}

LANGUAGE_NAME = "English"
