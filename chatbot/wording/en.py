"""What the chat bot's actions say in English, by key (es.py has the same keys and
placeholders; a test checks it). Plain text, no markdown: the same words go to the web chat
and to text messages, so each reply fits a phone screen (under 320 characters).

Amounts come formatted ("$58.23"); {day} is a date in words ("Friday, December 4"), {short}
a date in a list ("Dec 4"); {method} a method label ("VISA ending 4242"); {account} the
"account" text below. Keys ending in .title and .payload are a button's: the payload is what
the button sends, so it is also what a resident may type (the actions read both languages'
payloads)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    # --- everywhere -------------------------------------------------------------------------
    "account": "the account ending {last4}",
    "this_account": "this account",
    "sorry": ("Sorry, something went wrong on our side and nothing was changed. Please try "
              "again in a moment, or call 311 for help."),
    "only_bills": "I can only help with city bills here.",
    "need_yes_no": "Please answer yes or no.",
    "yes.title": "Yes",
    "yes.payload": "yes",
    "no.title": "No",
    "no.payload": "no",
    # The one security warning a turn may carry (a test counts "never" per turn).
    "never_card_numbers": "Never type card or bank numbers in this chat.",
    # --- verification -------------------------------------------------------------------------
    "verify.again_account_number": ("What is the account number on your bill? (Or type "
                                  "\"customer ID\" and its number.)"),
    "verify.again_factor": ("What is the street number of the service address? (Or \"SSN\" and "
                          "the last 4.)"),
    "verify.failed": ("Sorry, I couldn't verify that. Please check the numbers on your bill and "
                      "try again. Let's start with the account number."),
    "verify.failed_general": ("Sorry, I couldn't verify that. Please check the Customer ID and "
                              "bill number on your bill and try again."),
    "verify.need_account_number": ("Please type the account number from your bill, digits "
                                   "only, for example 0012345678."),
    "verify.need_factor": ("Please type the street number of the service address (like 1234), "
                           "or the last 4 digits of the SSN or Tax ID (like \"SSN 1234\")."),
    "verify.need_customer_id": "Please type the Customer ID from your bill (digits only).",
    "verify.need_bill_number": "Please type the bill (invoice) number from your bill.",
    "verify.card_number": ("That looks like a card number, so I didn't use it. Never type card "
                           "numbers here: when you pay, I'll send you a secure pay link."),
    "verify.done": "Thanks, you're verified for {account}.",
    # --- in the middle of a form ----------------------------------------------------------
    "hint.account_number": ("Your account number is the 10-digit number at the top right of "
                            "your bill."),
    "hint.verification_factor": ("Please type the street number of the service address (like "
                                 "1234), or the last 4 digits of the SSN or Tax ID (like \"SSN "
                                 "1234\")."),
    "hint.customer_id": ("The Customer ID is printed on your general bill, next to the bill "
                         "number."),
    "hint.bill_number": ("The bill (invoice) number is printed on the bill, next to the "
                         "Customer ID."),
    "hint.amount": "Type an amount like $40 or 125.50, or say \"the full balance\".",
    "hint.payment_date": "Type a date like \"next Friday\", \"the 15th\" or \"Dec 3\".",
    "hint.payment_method": ("Choose one of your saved payment methods, or say \"new card\" and "
                            "I'll send you a secure pay link."),
    "hint.other": "Please answer the question above, or say \"stop\" to leave.",
    "task.check_balance": "check your balance",
    "task.pay_bill": "make a payment",
    "task.schedule_payment": "schedule a payment",
    "task.cancel_scheduled_payment": "cancel a scheduled payment",
    "task.payment_status": "look at your payments",
    "task.enroll_paperless": "set up paperless billing",
    "task.unenroll_paperless": "turn off paperless billing",
    "switched": "OK, let's {task} instead.",
    "stopped": "OK, I've stopped. Nothing was changed. What else can I help with?",
    "stopped_goodbye": "OK, I've stopped: nothing was changed.",
    "goodbye": "Thanks for contacting the city. Goodbye!",
    "locked": ("For your security, this account is locked for self-service after 3 "
               "unsuccessful verification attempts."),
    "throttled": "There have been too many unsuccessful attempts from this conversation.",
    "throttled_next": "{throttled} Please wait a while, or {reach_311}.",
    # --- 311 ----------------------------------------------------------------------------------
    "reach_311": "call 311 (or {number} from outside the city), {hours}",
    "handoff": "To talk to a person, {reach_311}.",
    "handoff_reference": (" I've passed along what you were doing here (reference "
                          "{reference}), so the agent can pick up where you left off."),
    # --- the balance --------------------------------------------------------------------------
    "balance.owes": "As of {as_of}, {account} owes {total}.",
    "balance.past_due": " {amount} of that is past due.",
    "balance.next_due": " The next due date is {day}.",
    "balance.credit": "As of {as_of}, {account} has a credit of {credit}. Nothing is due.",
    "balance.nothing_due": "As of {as_of}, nothing is due on {account}.",
    "balance.bills": "Open bills:",
    "balance.bill": "bill {number} ({kind}), due {short}: {unpaid} unpaid of {total}",
    "balance.bill_past_due": " (past due)",
    "balance.more_bills": "and {count} more",
    "balance.pending": "Being processed: {payments}.",
    "balance.pending_one": "{amount} with {method} (confirmation {confirmation})",
    "balance.scheduled": "Scheduled: {payments}.",
    "balance.scheduled_one": "{amount} on {day} with {method} (confirmation {confirmation})",
    "balance.left": "With those payments, {amount} is left to pay.",
    "balance.covered": "Those payments cover the balance: nothing more is left to pay.",
    "balance.offer": "Would you like to pay now or schedule a payment?",
    "pay_now.title": "Pay now",
    "pay_now.payload": "pay my bill",
    "schedule.title": "Schedule a payment",
    "schedule.payload": "schedule a payment",
    # --- payment status and history -----------------------------------------------------------
    "history.none": "There are no payments on this account in the last 24 months.",
    "history.heading": "Your payments, newest first:",
    "history.heading_more": "More of your payments:",
    "history.line": "{short}: {amount}, {status} ({confirmation})",
    "history.more": "Say \"all my payments\" to see the older ones.",
    "history.rejected": "The {amount} payment of {short} was rejected: {reason}.",
    "history.pending_note": ("A pending payment is already on its way and can't be cancelled; a "
                             "scheduled one can be cancelled until its date."),
    # --- the amount ---------------------------------------------------------------------------
    "amount.balance": "The balance is {total}",
    "amount.past_due": ", of which {amount} is past due",
    "amount.payable": " ({amount} after the payments already made or scheduled)",
    "amount.ask_pay": ". How much would you like to pay?",
    "amount.ask_schedule": ". How much should the scheduled payment be?",
    "amount.hint": " Type an amount like $40, or choose the full balance.",
    "amount.again_pay": "How much would you like to pay?",
    "amount.again_schedule": "How much should the scheduled payment be?",
    "full_balance.title": "Full balance ({amount})",
    "full_balance.payload": "the full balance",
    "past_due.title": "Past due ({amount})",
    "past_due.payload": "the past due amount",
    "amount.too_high": ("That's more than can be paid on this account. The most you can pay is "
                        "{amount}."),
    "amount.nothing_past_due": ("Nothing on this account is past due. How much would you like "
                                "to pay?"),
    "amount.unclear": ("Sorry, I didn't catch an amount. Please type the amount in dollars and "
                       "cents, for example 45.50."),
    "date.again": "What date should the payment go out?",
    "date.unclear": ("Sorry, I didn't catch a date. Please try something like Dec 3, next "
                     "Friday or in 2 weeks."),
    # --- the method -----------------------------------------------------------------------------
    "method.ask": ("How would you like to pay? Your saved methods: {options}. Or choose a new "
                   "card or bank account and I'll send you a secure pay link."),
    "method.again": ("Which one? Your saved methods: {options}. Or a new card or bank account "
                     "(secure pay link)."),
    "method.card_fee": "{method} ({fee} fee)",
    "method.no_fee": "{method} (no fee)",
    "new_method.title": "New card or bank account",
    "new_method.payload": "new card or bank account",
    "method.unclear": ("Sorry, I didn't catch which one. Type the last 4 digits of a saved "
                       "method, or \"new card\" for a secure pay link."),
    "method.gone": "That payment method can't be used any more. Please start the payment again.",
    "nothing_to_pay": ("There's nothing to pay on this account right now: the balance is "
                       "covered by payments already made or scheduled."),
    # --- the confirmation -----------------------------------------------------------------------
    "confirm.when_now": "now",
    "confirm.when_on": "on {day}",
    "confirm.link": ("Please confirm: I'll create a secure one-time link to pay {amount} "
                     "{when}. By card there's a {fee} convenience fee ({total} in all); from a "
                     "bank account there's no fee. Shall I create the link?"),
    "confirm.pay": "Please confirm: pay {amount} {when} with {method}. {costs} Shall I go ahead?",
    "confirm.schedule": ("Please confirm: schedule {amount} {when} with {method}. {costs} Shall "
                         "I go ahead?"),
    "confirm.fee": "Convenience fee {fee}, total {total}.",
    "confirm.no_fee": "No fee.",
    "fee.link": ("By card there's a {fee} convenience fee, so you'd pay {total} in all; from a "
                 "bank account there's no fee. Nothing happens until you say yes."),
    "fee.card": ("Yes: paying with {method} adds a {fee} convenience fee, so the total is "
                 "{total}. Paying from a bank account has no fee. Nothing happens until you "
                 "say yes."),
    "fee.none": ("There's no fee for paying with {method}: the total is {total}. Nothing "
                 "happens until you say yes."),
    "not_paid": "OK, I haven't made any payment. What else can I help with?",
    # --- the result -----------------------------------------------------------------------------
    "link.sent": "Here is your secure pay link for {amount}{when}: {url}",
    "link.when": " on {day}",
    "link.note": ("It works once and expires in {minutes} minutes. Enter your card or bank "
                  "details on that page, never in this chat. Ask me for your payment status "
                  "when you're done."),
    "result.fee": " plus a {fee} fee ({total} in all)",
    "result.scheduled": ("Done: {amount}{fee} is scheduled for {day} with {method}. Your "
                         "confirmation number is {confirmation}. You can cancel it here until "
                         "that date."),
    "result.approved": ("Payment approved: {amount}{fee} with {method}. Your confirmation "
                        "number is {confirmation}."),
    "result.processing": ("We couldn't get an answer from the card processor just now, so your "
                          "{method} has not been charged yet. We'll finish the payment of "
                          "{amount}{fee} shortly and send you the result; please don't pay "
                          "again. Your confirmation number is {confirmation}."),
    "result.submitted": ("Your payment of {amount}{fee} with {method} is submitted and pending. "
                         "Your confirmation number is {confirmation}. Bank payments take "
                         "{min_days} to {max_days} business days to post."),
    "result.declined": ("Sorry, that payment didn't go through ({reason}). No money was taken. "
                        "You can try another payment method, or ask for a secure pay link for "
                        "a new card."),
    # --- cancelling a scheduled payment ---------------------------------------------------------
    "cancel.none": "There are no scheduled payments on this account to cancel.",
    "cancel.pending_note": (" A payment that is pending is already being processed and can't "
                            "be cancelled. If it is wrong, please call 311."),
    "cancel.ask": "Which scheduled payment should I cancel?\n{payments}",
    "cancel.line": "{n}) {amount} on {short}, {method} ({confirmation})",
    "cancel.button": "{n}) {amount} on {short}",
    "cancel.which": ("Sorry, which one? Type its number in the list (1, 2, ...) or its "
                     "confirmation number."),
    "cancel.confirm": ("Cancel the {amount} payment scheduled for {day} with {method} "
                       "(confirmation {confirmation})?"),
    "cancel.kept": "OK, I've left your scheduled payment as it is.",
    "cancel.done": ("Cancelled: the {amount} payment scheduled for {day} (confirmation "
                    "{confirmation}) will not be made."),
    # --- paperless billing ----------------------------------------------------------------------
    "paperless.already": ("This account already has paperless billing: bills go to {email}. To "
                          "change the address, turn paperless off and on again, or call 311."),
    "paperless.ask_on_file": ("Should we email your bills to the address on file, {email}? "
                              "Answer yes, or type a different email address."),
    "paperless.ask_email": "What email address should we send your bills to?",
    "paperless.type_email": ("Please type the email address to send your bills to, like "
                             "name@example.com."),
    "paperless.yes_or_email": ("Please answer yes to use the address on file, or type a "
                               "different email address."),
    "paperless.bad_email": ("That email address doesn't look right. Please check it, for "
                            "example name@example.com."),
    "paperless.confirm": ("Turn on paperless billing for {account}, with bills emailed to "
                          "{email}? Paper bills will stop."),
    "paperless.kept": "OK, nothing changed: you'll keep getting paper bills.",
    "paperless.done": ("Done: paperless billing is on. Your bills will be emailed to {email} "
                       "and paper bills will stop. We've sent a confirmation. (Not seeing the "
                       "emails? Check your spam folder.)"),
    "unenroll.not_enrolled": ("This account isn't enrolled in paperless billing: you already "
                              "get paper bills."),
    "unenroll.confirm": ("Turn off paperless billing for {account}? Paper bills will be mailed "
                         "again."),
    "unenroll.kept": "OK, paperless billing stays on.",
    "unenroll.done": ("Done: paperless billing is off and paper bills will be mailed again. Any "
                      "scheduled payments still go through; cancel them first if you don't "
                      "want them."),
}
