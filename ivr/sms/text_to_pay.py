"""The keyword tasks of an SMS thread, on the domain services: BAL (the balance), PAY (an
offer to pay the balance with a saved method, or a secure pay link), the resident's
YES / NO / LINK to that offer, and AGENT (a handoff to 311 with what the thread knows).

Verification is by account number + factor texted in this thread and lasts while the thread
is active (IDLE_LIMIT). An offer is good for OFFER_LIFETIME; its YES pays with an idempotency
key of its own, so a second YES (or two YES texts at once) can never pay twice, and a YES
after the offer expired pays nothing and asks again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from conversation.checkout import (
    BANK_CLEARING,
    Checkout,
    PaymentResult,
    ResultCode,
)
from conversation.handoff import hand_off
from conversation.state import ConversationState, IdentityQuestion, PaymentOffer
from conversation.tasks import Task
from conversation.understanding.consent import Consent, decide
from conversation.understanding.identity_text import looks_like_identity, parse_identity
from conversation.verification import Verification, language_after_verifying, verify_account
from domain.errors import AmountOutOfRange, DomainError, NothingDue, VerificationFailed
from domain.model import Actor, Channel, MethodKind, PaymentMethod
from domain.money import Money
from domain.services.balance import BalanceSummary
from domain.services.identity import Requester
from domain.services.payments import MethodChoice, PaymentRequest
from ivr.bootstrap import Container
from ivr.sms import texts
from ivr.sms.texts import Program
from ivr.sms.wording import Words

IDLE_LIMIT = timedelta(minutes=15)  # like the chat: a quiet thread forgets who you are
OFFER_LIFETIME = timedelta(minutes=10)
STALE_OFFER = timedelta(hours=24)  # after this a YES is no longer about the old offer
GOODBYE = Words("en").say("goodbye")
# The thread's keyword tasks, as every channel names them for a handoff.
_TASKS = {"balance": Task.BALANCE, "pay": Task.PAY_NOW}
# What a YES or NO to an offer must clearly be.
_CLEARLY = {"yes": Consent.YES, "no": Consent.NO}


@dataclass
class TextToPay:
    """The keyword tasks of one thread; `session` (the thread's state, shared with the
    bot) is changed in place, the caller saves it."""

    container: Container
    session: ConversationState
    program: Program
    public_url: str
    now: datetime
    message_sid: str

    # --- the thread's state --------------------------------------------------------------
    @property
    def phone(self) -> str:
        return self.session.key.key

    @property
    def words(self) -> Words:
        """The thread's language, as it is now (verifying may change it)."""
        return Words.of(self.session.language)

    @property
    def awaiting_identity(self) -> bool:
        question = self.session.question
        return question is not None and question.task in texts.IDENTITY_TASKS

    @property
    def has_offer(self) -> bool:
        return self.session.offer is not None

    def forget_if_idle(self) -> None:
        """A thread quiet for IDLE_LIMIT starts over, for the keywords and the bot alike:
        verification and questions are gone; an offer is kept (unpaid, it has expired by
        then) so a late YES is told so."""
        if self.now - self.session.updated_at <= IDLE_LIMIT:
            return
        offer = self.session.offer
        self.session.forget(keep_offer=offer is not None
                            and self.now - offer.made_at <= STALE_OFFER)

    def end_thread(self) -> list[str]:
        """The resident took leave ("thanks, bye"): verification, questions and any offer
        are forgotten, for the keywords and the bot alike, so the next text has to verify
        again. Returns the goodbye to send when the bot (which says its own) cannot be
        reached."""
        self.session.forget()
        return [self.words.say("goodbye")]

    def language_changed(self) -> list[str]:
        """ENGLISH / ESPAÑOL: said in the new language, with what the thread waits for."""
        words = self.words
        offer = self.session.offer
        if offer is not None and not offer.paid and self.now - offer.made_at <= OFFER_LIFETIME:
            follow = self._offer_question(offer)
        elif self.awaiting_identity:
            assert self.session.question is not None
            follow = self._ask_identity(self.session.question.task)
        else:
            follow = words.say("menu_hint")
        return [f"{words.say('language_set')} {follow}"]

    def _ask_identity(self, task: str) -> str:
        words = self.words
        return words.say("ask_identity", ask=words.say(f"ask_identity.{task}"),
                         how=words.say("identity_how"))

    def _requester(self) -> Requester:
        return Requester(channel=Channel.SMS, session_key=self.session.key.session_key,
                         caller=self.phone)

    def _actor(self) -> Actor:
        return Actor.resident(Channel.SMS, self.session.key.session_key)

    # --- BAL and PAY --------------------------------------------------------------------
    def start(self, task: str, prefix: str = "") -> list[str]:
        """BAL or PAY: do it for the verified account, else ask who the resident is."""
        if task == "pay":
            self.session.offer = None
        self.session.last_task = task
        if self.session.verified:
            return self._carry_out(task, prefix)
        self.session.question = IdentityQuestion(task)
        return [f"{prefix}{self._ask_identity(task)}"]

    def answer_identity(self, text: str) -> list[str] | None:
        """The resident's answer while we wait for their identity; None when the text is not
        an answer (no number in it): the caller then treats it as a new message."""
        if not looks_like_identity(text):
            self._stop_asking()
            return None
        question = self.session.question
        assert question is not None  # awaiting_identity
        answer = parse_identity(text, question.account_number)
        words = self.words
        if answer.account_number is None:
            return [words.say("identity_again", how=words.say("identity_how"))]
        self.session.tried_account = answer.account_number
        if answer.factor is None or answer.factor_kind is None:
            self.session.question = IdentityQuestion(question.task, answer.account_number)
            return [words.say("ask_factor")]
        result = verify_account(self.container.identity_service(), self._requester(),
                                answer.account_number, answer.factor_kind, answer.factor)
        if result.outcome in (Verification.LOCKED, Verification.TOO_MANY_ATTEMPTS):
            self._stop_asking()
            return [self.program.locked(result.detail, words.language)]
        if result.outcome == Verification.FAILED:
            self.session.question = IdentityQuestion(question.task)
            return [words.say("verify_failed")]
        if result.outcome in (Verification.INVALID, Verification.CARD_NUMBER):
            return [words.say("identity_invalid", detail=words.domain(result.detail),
                              how=words.say("identity_how"))]
        self._stop_asking()
        self.session.verify(result.account.account_id, self.now)
        self.session.language = language_after_verifying(
            self.session.language, result.account,
            from_resident=self.session.language_from_resident)
        return self._carry_out(question.task)

    def _stop_asking(self) -> None:
        """Forget the identity question and any half-given answer."""
        self.session.question = None

    def _carry_out(self, task: str, prefix: str = "") -> list[str]:
        summary = self.container.balance_service().summary(self._account_id())
        if task == "balance":
            return [prefix + balance_text(summary, self.words)]
        return self._offer(summary, prefix)

    def _account_id(self) -> int:
        account_id = self.session.account_id
        if account_id is None:  # pragma: no cover - callers check verified
            raise VerificationFailed()
        return account_id

    def _checkout(self) -> Checkout:
        return Checkout(self.container)

    def _offer(self, summary: BalanceSummary, prefix: str = "") -> list[str]:
        account_id = self._account_id()
        payments = self.container.payment_service()
        amount = payments.payable(account_id)  # the offer is for all that can be paid now
        words = self.words
        if not amount.is_positive():
            return [prefix + nothing_due_text(summary, words)]
        owed = _owed(summary, amount, words)
        method = _default_method(payments.saved_methods(account_id))
        if method is None:
            return [prefix + owed + " " + self._pay_link(amount)]
        try:
            quote = self._checkout().quote(account_id, amount, method)
        except DomainError as exc:
            return [prefix + words.domain(exc.detail)]
        assert method.id is not None  # _default_method takes saved methods only
        self.session.offer = offer = PaymentOffer(
            amount=amount, fee=quote.fee, method_id=method.id, method_label=quote.method_label,
            made_at=self.now, idempotency_key=f"sms-{self.message_sid}", account_id=account_id)
        return [f"{prefix}{owed} {self._offer_question(offer)}"]

    def _offer_question(self, offer: PaymentOffer) -> str:
        """"Reply YES to pay $X with VISA ending 4242 (fee $1.25, total $Y), or NO. ..."."""
        words = self.words
        amount, fee = offer.amount, offer.fee
        costs = words.say("offer_costs", fee=fee.format(), total=(amount + fee).format()) \
            if fee.is_positive() else words.say("offer_no_fee")
        return words.say("offer_question", amount=amount.format(),
                         method=words.method(offer.method_label), costs=costs)

    def _pay_link(self, amount: Money) -> str:
        link = self._checkout().pay_link(self._account_id(), amount, self._actor(),
                                         self.public_url)
        return self.words.say("pay_link", url=link.url, minutes=link.minutes)

    # --- a person ---------------------------------------------------------------------------
    def hand_off(self) -> list[str]:
        """AGENT (or "talk to a person" while the bot is down): records a handoff to 311 with
        what this thread knows and says how to call. A repeat within the HandoffService's
        window gets the same reference; a failed record still gives 311's number."""
        verified = self.session.verified
        reference = hand_off(
            self.container.handoff_service, self.container.balance_service,
            channel=Channel.SMS, session_key=self.session.key.session_key,
            reason="asked_for_agent", last_step=self.session.step or "text",
            task=_TASKS.get(self.session.last_task or ""),
            language=self.session.language, caller=self.phone,
            account_id=self.session.account_id if verified else None,
            account_number=None if verified else self.session.tried_account)
        return [self.program.agent(reference, self.session.language)]

    # --- the answer to an offer ----------------------------------------------------------
    def answer_offer(self, reply: str, text: str | None = None) -> list[str]:
        """YES, NO or LINK while an offer is on the thread. `text` is what was texted: a YES
        or NO that is not clear ("yes?") pays or drops nothing and the offer is asked
        again (conversation.understanding.consent, as at every confirmation)."""
        offer = self.session.offer
        assert offer is not None  # has_offer
        words = self.words
        if offer.paid:
            return [words.say("already_paid", confirmation=offer.paid)]
        expired = (self.now - offer.made_at > OFFER_LIFETIME
                   or self.session.account_id != offer.account_id)
        if text is not None and reply in _CLEARLY and decide(text) != _CLEARLY[reply] \
                and not expired:
            return [words.say("offer_reask", question=self._offer_question(offer))]
        if reply == "no":
            self.session.offer = None
            return [words.say("offer_declined")]
        if expired:
            self.session.offer = None
            return self.start("pay", prefix=words.say("offer_expired"))
        if reply == "link":
            self.session.offer = None
            return self._link_for(offer)
        return self._pay(offer)

    def _link_for(self, offer: PaymentOffer) -> list[str]:
        """LINK: a pay link for the offer's amount, unless the balance changed since the
        offer (paid meanwhile on another channel): then nothing is made and the resident
        hears what can be paid now."""
        words = self.words
        try:
            return [self._pay_link(offer.amount)]
        except (NothingDue, AmountOutOfRange):
            return self.start("pay", prefix=words.say("balance_changed_no_link"))
        except DomainError as exc:
            return [words.say("no_link", detail=words.domain(exc.detail))]

    def _pay(self, offer: PaymentOffer) -> list[str]:
        result = self._checkout().submit(PaymentRequest(
            account_id=offer.account_id, amount=offer.amount,
            method=MethodChoice.saved(offer.method_id), actor=self._actor(),
            idempotency_key=offer.idempotency_key, accepted_fee=offer.fee))
        words = self.words
        if result.code == ResultCode.NOTHING_DUE:
            self.session.offer = None
            return [words.say("paid_nothing_due")]
        if result.refused:
            self.session.offer = None
            return [words.say("refused", detail=words.domain(result.detail))]
        return [self._paid_text(result, offer)]

    def _paid_text(self, result: PaymentResult, offer: PaymentOffer) -> str:
        words = self.words
        if result.code == ResultCode.DECLINED:
            self.session.offer = None
            return words.say("declined", reason=words.decline(result.reason))
        offer.paid = result.confirmation_number
        said = {"total": result.total.format(), "method": words.method(result.method_label),
                "confirmation": result.confirmation_number}
        if result.code == ResultCode.ALREADY_PAID:
            return words.say("already_paid", **said)
        if result.code == ResultCode.APPROVED:
            return words.say("approved", **said)
        if result.code == ResultCode.PROCESSING:
            return words.say("processing", **said)
        return words.say("submitted", min_days=BANK_CLEARING.min_days,
                         max_days=BANK_CLEARING.max_days, **said)


def balance_text(summary: BalanceSummary, words: Words | None = None) -> str:
    words = words or Words()
    account = words.say("account", last4=summary.account_number[-4:])
    as_of = words.date(summary.as_of)
    if not summary.total_due.is_positive():
        text = words.say("balance_nothing_due", account=account, as_of=as_of)
    else:
        due = words.say("balance_due", date=words.date(summary.next_due_date)) \
            if summary.next_due_date else ""
        past = words.say("balance_past_due", amount=summary.past_due.format()) \
            if summary.past_due.is_positive() else ""
        text = words.say("balance_owed", account=account, total=summary.total_due.format(),
                         due=due, past_due=past, as_of=as_of)
    for line in summary.pending_payments:
        text += words.say("balance_pending", amount=line.amount.format())
    for line in summary.scheduled_payments:
        text += words.say("balance_scheduled", amount=line.amount.format(),
                          date=words.date(line.scheduled_for))
    if summary.remaining_after_payments.is_positive():
        text += words.say("balance_pay_hint")
    return text


def nothing_due_text(summary: BalanceSummary, words: Words | None = None) -> str:
    words = words or Words()
    if summary.total_due.is_positive():  # covered by payments already on their way
        return balance_text(summary, words) + words.say("nothing_more")
    return balance_text(summary, words)


def _owed(summary: BalanceSummary, amount: Money, words: Words) -> str:
    due = words.say("owed_due", date=words.date(summary.next_due_date)) \
        if summary.next_due_date else ""
    if amount == summary.total_due:
        return words.say("owed_full", amount=amount.format(), due=due)
    return words.say("owed_part", amount=amount.format(), due=due)


def _default_method(methods: list[PaymentMethod]) -> PaymentMethod | None:
    """The newest saved card, else the newest bank account: what residents use most."""
    def newest(kind: MethodKind) -> PaymentMethod | None:
        of_kind = [m for m in methods if m.kind == kind and m.id is not None]
        return max(of_kind, key=lambda m: m.id or 0) if of_kind else None

    return newest(MethodKind.CARD) or newest(MethodKind.BANK)


