"""The one rule for what a payment's history says when money went back, and the chat/SMS
reply that uses it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chatbot.actions.replies import payment_line
from chatbot.wording import Words
from conversation.payment_history import MoneyBack, MoneyBackKind, describe, money_back
from domain.model import Channel, DisputeStatus, MethodKind, Payment, PaymentStatus
from domain.money import Money

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("America/Chicago"))


def paid(refunded: str = "0", dispute: DisputeStatus | None = None) -> Payment:
    return Payment(confirmation_number="K7M2Q9P4", account_id=1, amount=Money.of("50.00"),
                   fee=Money.of("1.25"), method_kind=MethodKind.CARD,
                   method_label="VISA ending 4242", method_token="tok", scheduled_for=NOW.date(),
                   status=PaymentStatus.APPROVED, channel=Channel.WEB, created_by="r",
                   created_at=NOW, idempotency_key="k", processor_reference="pi_1",
                   refunded=Money.of(refunded), dispute_status=dispute)


@pytest.mark.parametrize(("payment", "note", "words"), [
    (paid(), None, ""),
    (paid("20.00"), MoneyBack(MoneyBackKind.REFUNDED, Money.of("20.00")), "refunded $20.00"),
    (paid("50.00"), MoneyBack(MoneyBackKind.REFUNDED, Money.of("50.00")), "refunded $50.00"),
    (paid("51.25"), MoneyBack(MoneyBackKind.REFUNDED_IN_FULL, Money.of("51.25")),
     "refunded in full"),
    (paid(dispute=DisputeStatus.OPEN), MoneyBack(MoneyBackKind.DISPUTED, Money.of("51.25")),
     "disputed"),
    (paid(dispute=DisputeStatus.LOST), MoneyBack(MoneyBackKind.DISPUTED, Money.of("51.25")),
     "disputed"),
    (paid(dispute=DisputeStatus.WON), None, ""),
    (paid("10.00", DisputeStatus.OPEN), MoneyBack(MoneyBackKind.DISPUTED, Money.of("51.25")),
     "disputed")])
def test_money_back(payment: Payment, note: MoneyBack | None, words: str) -> None:
    assert money_back(payment) == note
    assert describe(payment) == words


def test_the_chat_and_sms_history_line_says_it() -> None:
    english = Words("en")
    assert payment_line(paid("20.00"), english) == (
        "Nov 22: $50.00, approved, refunded $20.00 (K7M2Q9P4)")
    assert "approved, refunded in full (" in payment_line(paid("51.25"), english)
    assert "approved, disputed (" in payment_line(paid(dispute=DisputeStatus.OPEN), english)
    assert "refunded" not in payment_line(paid(), english)


def test_the_history_line_in_spanish() -> None:
    spanish = Words("es")
    assert payment_line(paid("20.00"), spanish) == (
        "22 nov: $50.00, aprobado, reembolso de $20.00 (K7M2Q9P4)")
    assert "aprobado, reembolsado por completo (" in payment_line(paid("51.25"), spanish)
    assert "aprobado, en disputa (" in payment_line(paid(dispute=DisputeStatus.OPEN), spanish)
