"""What Payline texts: carrier-required answers (HELP, STOP, START) name the program, how to
reach 311 and how to opt out (CTIA); everything stays short and plain. The words themselves
live in one catalogue per language (ivr/sms/wording/en.py, es.py); `Program` adds the
program's name and 311's contacts to them. The module constants are the English texts, for
code and tests that name them."""

from __future__ import annotations

from dataclasses import dataclass

from domain.config import Settings
from domain.phone import national_format
from ivr.sms.wording import Words


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

    def _say(self, language: str, key: str, **values: object) -> str:
        words = Words.of(language)
        return words.say(key, program=self.name, phone=self.phone_311,
                         hours=words.hours(self.hours_311), **values)

    def help(self, language: str = "en") -> str:
        return self._say(language, "help")

    def opted_out(self, language: str = "en") -> str:
        return self._say(language, "opted_out")

    def opted_in(self, language: str = "en") -> str:
        return self._say(language, "opted_in")

    def bot_unavailable(self, language: str = "en") -> str:
        return self._say(language, "bot_unavailable")

    def agent(self, reference: int | None, language: str = "en") -> str:
        """AGENT: how to reach 311, with the handoff's reference when one was recorded (the
        agent console opens the handoff by it)."""
        text = self._say(language, "agent")
        if reference is not None:
            text += self._say(language, "agent_reference", reference=reference)
        return text

    def failure(self, language: str = "en") -> str:
        return self._say(language, "failure")

    def locked(self, message: str, language: str = "en") -> str:
        """`message` is the domain's (AccountLocked, TooManyAttempts), said in `language`."""
        return self._say(language, "locked", message=Words.of(language).domain(message))


_EN = Words("en")
CARD_WARNING = _EN.say("card_warning")
EMPTY = _EN.say("empty")
NO_WORDS = _EN.say("no_words")
MEDIA_ONLY = _EN.say("media_only")
TOO_LONG = _EN.say("too_long")
NO_ANSWER = _EN.say("no_answer")
NOTHING_PENDING = _EN.say("nothing_pending")

# The keyword tasks that ask who the resident is first.
IDENTITY_TASKS = ("balance", "pay")
ASK_IDENTITY = {task: _EN.say(f"ask_identity.{task}") for task in IDENTITY_TASKS}
IDENTITY_HOW = _EN.say("identity_how")
ASK_FACTOR = _EN.say("ask_factor")
VERIFY_FAILED = _EN.say("verify_failed")
OFFER_DECLINED = _EN.say("offer_declined")
