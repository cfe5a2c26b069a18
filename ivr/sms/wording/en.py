"""What Payline texts in English, by key (es.py has the same keys and placeholders; a test
checks it). {program} is the program's name, {phone} 311's number, {hours} its hours; amounts
come formatted ("$58.23"), dates as conversation/wording writes them (the words chat and
texts share: dates, method labels, decline reasons, the domain's messages)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    # --- what carriers require (CTIA): the program, 311, rates, how to opt out ------------
    "help": ("{program}: check and pay your city bill by text. Text BAL for your balance, PAY "
             "to pay it, or ask a question. Help: 311 at {phone} ({hours}). Msg&data rates "
             "may apply. Reply STOP to opt out."),
    "opted_out": ("{program}: you are unsubscribed and will get no more texts from us. Reply "
                  "START to subscribe again."),
    "opted_in": ("{program}: you are subscribed again. Text BAL for your balance, PAY to pay "
                 "it, HELP for help. Reply STOP to opt out."),
    "language_set": "OK, we'll text you in English.",
    "menu_hint": "Text BAL for your balance, PAY to pay it, or HELP for help.",
    # --- the thread, bot or no bot -------------------------------------------------------
    "bot_unavailable": ("Our text assistant can't chat right now. You can still text BAL for "
                        "your balance, PAY to pay it, or HELP. Or call 311 at {phone}."),
    "agent": "To talk to a person, call 311 at {phone} ({hours}).",
    "agent_reference": (" Give the agent reference {reference} so they can pick up where you "
                        "left off."),
    "failure": ("Sorry, something went wrong on our side and nothing was changed. Please try "
                "again in a few minutes or call 311 at {phone}."),
    "locked": "{message} 311: {phone}.",
    "card_warning": ("For your safety we removed what looked like a card number from your "
                     "text. Never text card or bank numbers: text PAY and we'll send a secure "
                     "pay link."),
    "empty": "We got an empty text. Text BAL for your balance, PAY to pay it, or HELP for help.",
    "no_words": ("Sorry, we can only read words. Text BAL for your balance, PAY to pay it, or "
                 "HELP for help."),
    "media_only": ("Sorry, we can't open pictures or files. Please text words, like BAL or "
                   "PAY, or HELP for help."),
    "too_long": ("That text is too long for us. Please send a shorter message, one question at "
                 "a time."),
    "no_answer": ("Sorry, we don't have an answer for that. Text BAL for your balance, PAY to "
                  "pay it, or HELP for help."),
    "nothing_pending": ("There's nothing waiting for your answer right now. Text PAY to pay "
                        "your balance, BAL to see it, or HELP for help."),
    "goodbye": "Thanks for texting the city. Goodbye! Next time, text BAL or PAY to start again.",
    # --- who the resident is -------------------------------------------------------------
    "ask_identity.balance": "To see your balance",
    "ask_identity.pay": "To pay your bill",
    "identity_how": ("text your account number and the street number of the service address, "
                     "like: 0012345678 1234. Or the last 4 of the SSN/Tax ID, like: 0012345678 "
                     "SSN 1234."),
    "ask_identity": "{ask}, {how}",
    "identity_again": "Please {how}",
    "identity_invalid": "{detail} Please {how}",
    "ask_factor": ("Thanks. Now text the street number of the service address (like 1234), or "
                   "the last 4 of the SSN/Tax ID (like SSN 1234)."),
    "verify_failed": ("Sorry, we couldn't verify that. Please check the account number and "
                      "street number on your bill and try again, like: 0012345678 1234."),
    # --- the balance ---------------------------------------------------------------------
    "account": "Account ending {last4}",
    "balance_nothing_due": "{account}: nothing is due as of {as_of}.",
    "balance_owed": "{account}: you owe {total}{due}{past_due}, as of {as_of}.",
    "balance_due": ", due {date}",
    "balance_past_due": " ({amount} past due)",
    "balance_pending": " A payment of {amount} is being processed.",
    "balance_scheduled": " {amount} is scheduled for {date}.",
    "balance_pay_hint": " Text PAY to pay it.",
    "nothing_more": " There is nothing more to pay right now.",
    # --- the offer and its answer --------------------------------------------------------
    "owed_full": "Your balance is {amount}{due}.",
    "owed_part": "You can pay {amount} now{due}.",
    "owed_due": " due {date}",
    "pay_link": ("Pay securely here: {url} (the link works once, for {minutes} minutes). Never "
                 "text card numbers."),
    "offer_question": ("Reply YES to pay {amount} with {method} ({costs}), or NO. Reply LINK to "
                       "use another card or bank account."),
    "offer_costs": "fee {fee}, total {total}",
    "offer_no_fee": "no fee",
    "offer_reask": "Nothing has been paid. {question}",
    "offer_declined": "OK, no payment was made. Text PAY whenever you're ready.",
    "offer_expired": "That offer expired, so nothing was paid. ",
    "balance_changed_no_link": "Your balance changed since that offer, so no link was made. ",
    "no_link": "{detail} No link was made.",
    "already_paid": ("That payment was already made (confirmation {confirmation}). Nothing more "
                     "was charged."),
    "paid_nothing_due": ("Your balance is already paid or a payment is on its way, so nothing "
                         "was charged. Text BAL to see it."),
    "refused": "{detail} Nothing was charged. Text PAY to try again.",
    "declined": ("The payment was not approved: {reason}. No money was taken. Text PAY and reply "
                 "LINK to use another card or bank account."),
    "approved": "Paid! {total} with {method}. Confirmation {confirmation}. Thank you.",
    "processing": ("We couldn't reach the card processor just now: {method} is not charged yet. "
                   "We'll finish the payment of {total} shortly and text you the result; please "
                   "don't pay again. Confirmation {confirmation}."),
    "submitted": ("Your payment of {total} from {method} was submitted. Confirmation "
                  "{confirmation}. It can take {min_days} to {max_days} business days to "
                  "clear."),
    # --- the bot's buttons, as numbered choices (ivr/sms/formatting.py) -----------------
    "reply_yes_no": "Reply YES or NO.",
    "reply_choices": "Reply {choices}.",
    "reply_choice": "{number} for {title}",
    # --- a one-time link held back from a retried webhook's replay ---------------------
    "link_not_repeated": "[link not repeated: text PAY or LINK for a new one]",
}

