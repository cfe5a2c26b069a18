"""What Payline texts, in one place: carrier-required answers (HELP, STOP, START) name the
program, how to reach 311 and how to opt out (CTIA); everything stays short and plain."""

from __future__ import annotations

from dataclasses import dataclass

from domain.config import Settings
from domain.phone import national_format


@dataclass(frozen=True)
class Program:
    """The program's name and contacts, as the carrier messages must state them."""

    name: str
    phone_311: str
    hours_311: str

    @classmethod
    def of(cls, settings: Settings) -> Program:
        city = settings.city_name.removeprefix("the ")
        return cls(name=f"{city} Payline", phone_311=national_format(settings.phone_311),
                   hours_311=settings.hours_311)

    def help(self) -> str:
        return (f"{self.name}: check and pay your city bill by text. Text BAL for your "
                f"balance, PAY to pay it, or ask a question. Help: 311 at {self.phone_311} "
                f"({self.hours_311}). Msg&data rates may apply. Reply STOP to opt out.")

    def opted_out(self) -> str:
        return (f"{self.name}: you are unsubscribed and will get no more texts from us. "
                "Reply START to subscribe again.")

    def opted_in(self) -> str:
        return (f"{self.name}: you are subscribed again. Text BAL for your balance, PAY to "
                "pay it, HELP for help. Reply STOP to opt out.")

    def bot_unavailable(self) -> str:
        return ("Our text assistant can't chat right now. You can still text BAL for your "
                f"balance, PAY to pay it, or HELP. Or call 311 at {self.phone_311}.")

    def agent(self, reference: int | None) -> str:
        """AGENT: how to reach 311, with the handoff's reference when one was recorded (the
        agent console opens the handoff by it)."""
        text = f"To talk to a person, call 311 at {self.phone_311} ({self.hours_311})."
        if reference is not None:
            text += (f" Give the agent reference {reference} so they can pick up where you "
                     "left off.")
        return text

    def failure(self) -> str:
        return ("Sorry, something went wrong on our side and nothing was changed. Please try "
                f"again in a few minutes or call 311 at {self.phone_311}.")

    def locked(self, message: str) -> str:
        return f"{message} 311: {self.phone_311}."


CARD_WARNING = ("For your safety we removed what looked like a card number from your text. "
                "Never text card or bank numbers: text PAY and we'll send a secure pay link.")
EMPTY = "We got an empty text. Text BAL for your balance, PAY to pay it, or HELP for help."
NO_WORDS = ("Sorry, we can only read words. Text BAL for your balance, PAY to pay it, or HELP "
            "for help.")
MEDIA_ONLY = ("Sorry, we can't open pictures or files. Please text words, like BAL or PAY, or "
              "HELP for help.")
TOO_LONG = ("That text is too long for us. Please send a shorter message, one question at a "
            "time.")
NO_ANSWER = ("Sorry, we don't have an answer for that. Text BAL for your balance, PAY to pay "
             "it, or HELP for help.")
NOTHING_PENDING = ("There's nothing waiting for your answer right now. Text PAY to pay your "
                   "balance, BAL to see it, or HELP for help.")

ASK_IDENTITY = {
    "balance": "To see your balance",
    "pay": "To pay your bill",
}
IDENTITY_HOW = ("text your account number and the street number of the service address, like: "
                "0012345678 1234. Or the last 4 of the SSN/Tax ID, like: 0012345678 SSN 1234.")
ASK_FACTOR = ("Thanks. Now text the street number of the service address (like 1234), or the "
              "last 4 of the SSN/Tax ID (like SSN 1234).")
VERIFY_FAILED = ("Sorry, we couldn't verify that. Please check the account number and street "
                 "number on your bill and try again, like: 0012345678 1234.")
OFFER_DECLINED = "OK, no payment was made. Text PAY whenever you're ready."
