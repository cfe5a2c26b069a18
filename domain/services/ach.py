"""Bank payments over ACH: the NACHA file of debits, clearing, and the bank's returns.

- `export()` puts every pending bank payment not yet sent into one NACHA file (one batch per
  SEC code: TEL for phone-authorized debits, WEB for web, chat and SMS), records the file and
  each entry's trace number, and writes the file for transmission to the city's bank.
- `clear_settled()` approves debits whose file has had `settlement_days` to come back: the
  money is treated as received, applied to the bills, and a receipt is sent.
- `import_returns(text)` applies a returns file: the payment becomes rejected (reversed on the
  account if it had already cleared), the resident is told, a bank method is disabled after
  R02-R04-style returns, and scheduled payments and autopay on it are cancelled after
  R07/R10-style ones (the resident withdrew the authorization).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from domain.ach.nacha import DebitEntry, Originator, build_file
from domain.ach.returns import ReturnEntry, parse_returns
from domain.config import AchSettings
from domain.errors import DomainError, InvalidInput
from domain.events import PaymentEventKind
from domain.model import (
    Account,
    AchFile,
    Actor,
    Channel,
    MethodKind,
    Payment,
    PaymentStatus,
)
from domain.ports import BankAccountVault, Clock, UnitOfWork
from domain.services.payments import PaymentService, audit_payment, lock_payment

log = logging.getLogger(__name__)

# Who authorized the debit decides its Standard Entry Class code.
_SEC_BY_CHANNEL = {Channel.VOICE: "TEL", Channel.AGENT: "TEL"}
_MODIFIERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_MAX_TRACE_SEQUENCE = 9_999_999


def originator_from(settings: AchSettings) -> Originator:
    return Originator(
        immediate_destination=settings.odfi_routing,
        immediate_destination_name=settings.destination_name,
        immediate_origin=settings.company_id,
        immediate_origin_name=settings.company_name,
        company_name=settings.company_name,
        company_id=settings.company_id,
        odfi_routing=settings.odfi_routing,
        company_entry_description=settings.entry_description,
    )


def sec_code_for(payment: Payment) -> str:
    return _SEC_BY_CHANNEL.get(payment.channel, "WEB")


def next_business_day(day: date) -> date:
    following = day + timedelta(days=1)
    while following.weekday() >= 5:  # Saturday, Sunday (bank holidays: the bank rolls over)
        following += timedelta(days=1)
    return following


@dataclass
class AchExport:
    ach_file: AchFile
    path: Path
    skipped: list[str] = field(default_factory=list)  # payments left out, and why


@dataclass
class ReturnsReport:
    returned: int = 0
    reversed_after_clearing: int = 0
    methods_disabled: int = 0
    scheduled_cancelled: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


class AchService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, payments: PaymentService,
                 *, vault: BankAccountVault | None = None,
                 settings: AchSettings | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._payments = payments
        self._vault = vault
        self._settings = settings or AchSettings()
        self.actor = Actor.system("ach")

    # --- export ---------------------------------------------------------------------------
    def export(self, output_dir: Path | None = None) -> AchExport | None:
        """One NACHA file of every pending bank debit not yet sent; None when there is none.
        The file is written before the database records it: a crash in between leaves a file
        the next export (same name) overwrites, never a payment marked sent with no file."""
        if self._vault is None:
            raise InvalidInput("No bank-account vault is configured for ACH export.")
        now, today = self._clock.now(), self._clock.today()
        directory = output_dir or self._settings.output_dir
        with self._uow() as uow:
            candidates = uow.payments.stale_pending(MethodKind.BANK, now + timedelta(seconds=1),
                                                    limit=100_000)
            entries: list[DebitEntry] = []
            chosen: list[Payment] = []
            skipped: list[str] = []
            for listed in candidates:
                payment = uow.payments.get(listed.id, for_update=True)  # type: ignore[arg-type]
                if (payment is None or payment.status != PaymentStatus.PENDING
                        or payment.ach_file_id is not None):
                    continue  # another export took it
                account = uow.accounts.get(payment.account_id)
                try:
                    bank = self._vault.reveal_bank_account(payment.method_token)
                    entries.append(DebitEntry(
                        routing_number=bank.routing_number, account_number=bank.account_number,
                        account_type=str(bank.account_type), amount=payment.amount,
                        individual_id=payment.confirmation_number,
                        individual_name=(account.customer.name if account else "RESIDENT"),
                        sec_code=sec_code_for(payment)))
                except DomainError as exc:
                    skipped.append(f"{payment.confirmation_number}: {exc}")
                    continue
                chosen.append(payment)
            if not chosen:
                if skipped:
                    raise InvalidInput("No file written; every pending debit failed: "
                                       + "; ".join(skipped[:5]))
                return None
            files_today = uow.ach_files.count_created_on(now.date())
            modifier = _MODIFIERS[files_today % len(_MODIFIERS)]
            first_sequence = uow.ach_files.total_entries() % _MAX_TRACE_SEQUENCE + 1
            effective = next_business_day(today)
            built = build_file(originator_from(self._settings), entries, file_creation=now,
                               effective_date=effective, file_id_modifier=modifier,
                               first_trace_sequence=first_sequence)
            name = f"PAYLINE-{now:%Y%m%d}-{modifier}.ach"
            path = _write_private(directory / name, built.text)
            ach_file = AchFile(file_name=name, created_at=now, effective_date=effective,
                               file_id_modifier=modifier, entry_count=built.entry_count,
                               total_debit=built.total_debit, batch_count=built.batch_count)
            uow.ach_files.add(ach_file)
            uow.flush()
            traces = dict(built.traces)
            for payment in chosen:
                payment.ach_file_id = ach_file.id
                payment.ach_trace_number = traces[payment.confirmation_number]
                audit_payment(uow, now, self.actor, "payment.sent_to_bank", payment,
                              f"file {name}, trace {payment.ach_trace_number}, "
                              f"{sec_code_for(payment)}")
            try:
                uow.commit()
            except Exception:
                path.unlink(missing_ok=True)  # not recorded: the file must not go out
                raise
        return AchExport(ach_file, path, skipped)

    # --- clearing ---------------------------------------------------------------------------
    def clear_settled(self) -> int:
        """Approve bank debits with no return `settlement_days` after their effective date."""
        cleared_by = self._clock.today() - timedelta(days=self._settings.settlement_days)
        with self._uow() as uow:
            candidates = [p.id for p in uow.payments.pending_in_ach_files(cleared_by)
                          if p.id is not None]
        return sum(1 for payment_id in candidates if self._clear(payment_id))

    def _clear(self, payment_id: int) -> bool:
        now = self._clock.now()
        with self._uow() as uow:
            locked = self._lock(uow, payment_id)
            if locked is None:
                return False
            payment, account = locked
            if payment.status != PaymentStatus.PENDING:
                return False  # a return or another runner got there first
            payment.approve(now, payment.ach_trace_number)
            account.apply_payment(payment.amount)
            self._audit(uow, "payment.approved", payment,
                        f"ACH cleared, trace {payment.ach_trace_number}")
            uow.commit()
        self._payments.announce(account, payment)
        return True

    # --- returns ----------------------------------------------------------------------------
    def import_returns(self, text: str) -> ReturnsReport:
        """Idempotent: a return already applied is counted as a duplicate and changes nothing."""
        report = ReturnsReport()
        for entry in parse_returns(text):
            try:
                self._apply_return(entry, report)
            except DomainError as exc:
                report.errors.append(f"trace {entry.trace_number}: {exc}")
        return report

    def _apply_return(self, entry: ReturnEntry, report: ReturnsReport) -> None:
        now = self._clock.now()
        info = entry.info
        cancelled: list[Payment] = []
        with self._uow() as uow:
            found = uow.payments.by_trace_number(entry.trace_number)
            if found is None or found.id is None:
                report.errors.append(f"trace {entry.trace_number}: no payment was sent with it")
                return
            locked = self._lock(uow, found.id)
            if locked is None:
                return
            payment, account = locked
            if payment.return_code is not None:
                report.duplicates += 1
                return
            if entry.amount != payment.amount:
                log.warning("return for %s names %s, payment was %s", payment.confirmation_number,
                            entry.amount, payment.amount)
            was_approved = payment.return_by_bank(now, info.code, info.description)
            if was_approved:
                account.reverse_payment(payment.amount)
                report.reversed_after_clearing += 1
            self._audit(uow, "payment.returned", payment,
                        f"{info.code} {info.title}" + (" (reversed)" if was_approved else ""))
            method = (account.saved_method(payment.payment_method_id)
                      if payment.payment_method_id else None)
            if method is not None and info.disable_method:
                method.enabled = False
                method.disabled_reason = f"bank return {info.code}: {info.title}"[:200]
                report.methods_disabled += 1
                self._audit(uow, "method.disabled", payment, method.disabled_reason)
            if method is not None and (info.revoke_authorization or info.disable_method):
                # No new debits on an account that is gone or whose owner said no.
                for scheduled in uow.payments.scheduled_with_method(method.id):  # type: ignore[arg-type]
                    scheduled.cancel(now)
                    scheduled.rejection_reason = f"authorization ended by bank return {info.code}"
                    self._audit(uow, "payment.cancelled", scheduled, scheduled.rejection_reason)
                    cancelled.append(scheduled)
                for enrollment in uow.autopay.active_with_method(method.id):  # type: ignore[arg-type]
                    enrollment.active = False
                    enrollment.cancelled_at = now
                    self._audit(uow, "autopay.cancelled", payment,
                                f"bank return {info.code}")
            uow.commit()
        report.returned += 1
        report.scheduled_cancelled += len(cancelled)
        self._payments.announce(account, payment, PaymentEventKind.REJECTED)
        for scheduled in cancelled:
            self._payments.announce(account, scheduled, PaymentEventKind.CANCELLED)

    # --- helpers ----------------------------------------------------------------------------
    def _lock(self, uow: UnitOfWork, payment_id: int) -> tuple[Payment, Account] | None:
        return lock_payment(uow, payment_id)

    def _audit(self, uow: UnitOfWork, action: str, payment: Payment, detail: str) -> None:
        audit_payment(uow, self._clock.now(), self.actor, action, payment, detail)


def _write_private(path: Path, text: str) -> Path:
    """The file holds bank account numbers: owner-only permissions, written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii", newline="") as handle:
        handle.write(text)
    temporary.replace(path)
    return path
