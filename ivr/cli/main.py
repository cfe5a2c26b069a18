"""The `payline` command: database, demo data, and what a 311 agent needs at a terminal.

    payline db upgrade | db current
    payline seed [--accounts N] [--seed S] [--if-empty]        (sandbox/cli/demo.py)
    payline accounts show NUMBER
    payline accounts unlock NUMBER --agent ID --reason TEXT
    payline outbox [--to RECIPIENT] [--limit N]
    payline demo-identities [--markdown]                     (sandbox/cli/demo.py)
    payline agents add | list | set-password | deactivate   (ivr/cli/agents.py)
    payline reconcile [--date D] | unmatched-charges       (ivr/cli/reconciliation.py)
    payline report daily [--date D] [--format text|csv]     (ivr/cli/report.py)

Settings come from the environment (PAYLINE_DATABASE_URL, PAYLINE_TIMEZONE, ...). Expected
failures (unknown account, bad input, unreachable or unmigrated database) print one line and
exit with status 1; nothing here ever prints an SSN hash, a token or a full phone number.
"""

from __future__ import annotations

from typing import Any

import click

from domain.config import Settings
from domain.errors import InvalidPhoneNumber, NotFound
from domain.model import Account, AccountKind, Actor, Payment
from domain.phone import mask_phone, normalize_phone
from domain.services.accounts import AccountService
from domain.services.balance import BalanceService, BalanceSummary, PaymentLine
from domain.services.identity import normalize_account_number
from ivr.bootstrap import Container
from ivr.cli.support import CliError, friendly_errors, open_container, safe_url

RECENT_PAYMENTS = 10


# --- the group ----------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Payline: the city's phone, text and web-chat payment assistant."""


# --- database -----------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@friendly_errors
def db_upgrade() -> None:
    """Migrate the database to the newest revision (safe to repeat)."""
    from domain.adapters.database import current_revision, upgrade

    url = Settings.from_env().database_url
    upgrade(url)
    click.echo(f"Database {safe_url()} is at revision {current_revision(url)} (head).")


@db.command("current")
@friendly_errors
def db_current() -> None:
    """Show the database's revision and the newest one."""
    from domain.adapters.database import current_revision, head_revision

    current = current_revision(Settings.from_env().database_url)
    head = head_revision()
    if current is None:
        click.echo(f"Database {safe_url()} is not migrated (head is {head}). "
                   "Run `payline db upgrade`.")
    elif current == head:
        click.echo(f"{current} (head)")
    else:
        click.echo(f"{current} (head is {head}; run `payline db upgrade`)")


# --- accounts -----------------------------------------------------------------------------


@main.group()
def accounts() -> None:
    """Look up and unlock accounts (what a 311 agent does)."""


@accounts.command("show")
@click.argument("number")
@friendly_errors
def accounts_show(number: str) -> None:
    """Show an account by account number, or a customer's accounts by customer ID."""
    with open_container() as container:
        ids = _find_accounts(container, number)
        balance = BalanceService(container.uow, container.clock)
        for index, account_id in enumerate(ids):
            if index:
                click.echo("")
            with container.uow() as uow:
                account = uow.accounts.get(account_id)
                if account is None:  # pragma: no cover - deleted between two reads
                    raise NotFound("No account or customer has that number.")
                payments = uow.payments.for_account(account_id)[:RECENT_PAYMENTS]
                lines = _describe_account(account, container)
            summary = balance.summary(account_id)
            lines += _describe_balance(summary)
            lines += _describe_payments(payments, container)
            click.echo("\n".join(lines))


def _find_accounts(container: Container, text: str) -> list[int]:
    number = normalize_account_number(text)
    with container.uow() as uow:
        account = uow.accounts.by_number(number)
        if account is not None and account.id is not None:
            return [account.id]
        # A Munis customer ID (or a utility customer's number): all of its accounts.
        found = [a.id for a in uow.accounts.by_customer(number) if a.id is not None]
    if not found:
        raise NotFound(f"No account or customer has the number {number}.")
    return found


def _describe_account(account: Account, container: Container) -> list[str]:
    customer = account.customer
    tz = container.settings.timezone
    lines = [f"Account {account.account_number} ({account.kind})"]
    lines.append(f"  Customer:   {customer.name} (customer ID {customer.customer_number}), "
                 f"language {customer.language}")
    phones = ", ".join(f"{mask_phone(p.number)} ({p.label})" for p in customer.phones)
    lines.append(f"  Phones:     {phones or 'none on file'}")
    lines.append(f"  Email:      {customer.email or 'none on file'}")
    if account.kind == AccountKind.UTILITY:
        lines.append(f"  Service at: {account.service_street_number} "
                     f"{account.service_street_name}, {account.service_city}, "
                     f"{account.service_state} {account.service_zip}")
    lines.append(f"  Mailing:    {customer.mailing_street}, {customer.mailing_city}, "
                 f"{customer.mailing_state} {customer.mailing_zip}")
    if account.paperless:
        since = account.paperless_since.astimezone(tz).date() if account.paperless_since else "?"
        lines.append(f"  Paperless:  yes, bills emailed to {account.paperless_email} "
                     f"since {since}")
    else:
        lines.append("  Paperless:  no (paper bills)")
    if account.locked_at is not None:
        lines.append(f"  Self-service: LOCKED since {_local(account.locked_at, container)} "
                     f"({account.lock_reason or 'no reason recorded'}); "
                     f"unlock with `payline accounts unlock {account.account_number} "
                     "--agent ID --reason TEXT`")
    else:
        lines.append(f"  Self-service: open ({account.failed_verifications} failed "
                     "verification attempts)")
    methods = [m for m in account.payment_methods if m.enabled]
    if methods:
        lines.append("  Saved methods:")
        for m in methods:
            expiry = f", expires {m.exp_month:02d}/{m.exp_year}" if m.exp_month and m.exp_year \
                else ""
            nickname = f' "{m.nickname}"' if m.nickname else ""
            lines.append(f"    {m.label()}{nickname}{expiry}")
    else:
        lines.append("  Saved methods: none")
    return lines


def _describe_balance(summary: BalanceSummary) -> list[str]:
    next_due = summary.next_due_date.isoformat() if summary.next_due_date else "-"
    lines = [f"  Balance as of {summary.as_of.isoformat()}: total due {summary.total_due}, "
             f"past due {summary.past_due}, next due {next_due}"]
    if summary.credit.is_positive():
        lines.append(f"  Credit on account: {summary.credit}")
    if summary.bills:
        lines.append("  Open bills:")
        lines.append(f"    {'bill':<10} {'type':<16} {'pay by':<10} {'total':>11} "
                     f"{'unpaid':>11}")
        for b in summary.bills:
            flag = "  PAST DUE" if b.past_due else ""
            lines.append(f"    {b.bill_number:<10} {b.bill_type:<16} {b.due_date.isoformat()} "
                         f"{b.total.format():>11} {b.unpaid.format():>11}{flag}")
    else:
        lines.append("  Open bills: none")
    if summary.pending_payment_exists:
        lines.append("  A pending payment exists:")
        lines += [_payment_line(p) for p in summary.pending_payments]
    if summary.scheduled_payments:
        lines.append("  Scheduled payments:")
        lines += [_payment_line(p) for p in summary.scheduled_payments]
    return lines


def _payment_line(p: PaymentLine) -> str:
    fee = f" + fee {p.fee}" if p.fee.is_positive() else ""
    return (f"    {p.confirmation_number}  {p.scheduled_for.isoformat()}  {p.amount}{fee}  "
            f"{p.method_label}  ({p.status})")


def _describe_payments(payments: list[Payment], container: Container) -> list[str]:
    if not payments:
        return ["  Recent payments: none"]
    lines = [f"  Recent payments (newest first, last {RECENT_PAYMENTS}):"]
    for p in payments:
        fee = f" + fee {p.fee}" if p.fee.is_positive() else ""
        note = f" - {p.rejection_reason}" if p.rejection_reason else ""
        lines.append(f"    {p.confirmation_number}  {_local(p.created_at, container)}  "
                     f"{p.status:<9}  {p.amount}{fee}  {p.method_label}  via {p.channel}{note}")
    return lines


def _local(moment: Any, container: Container) -> str:
    return moment.astimezone(container.settings.timezone).strftime("%Y-%m-%d %H:%M %Z")


@accounts.command("unlock")
@click.argument("number")
@click.option("--agent", "agent_id", required=True, help="The 311 agent's ID, e.g. A101.")
@click.option("--reason", required=True, help="Why (recorded in the audit trail).")
@friendly_errors
def accounts_unlock(number: str, agent_id: str, reason: str) -> None:
    """Unlock an account locked after failed verifications (audited)."""
    agent_id = agent_id.strip()
    if not agent_id or len(agent_id) > 50 or not agent_id.replace("-", "").isalnum():
        raise CliError("--agent must be the agent's ID (letters and digits), e.g. A101.")
    with open_container() as container:
        service = AccountService(container.uow, container.clock)
        account = service.unlock(number, Actor.agent(agent_id), reason)
    click.echo(f"Account {account.masked_number()} unlocked by agent {agent_id}; "
               "self-service works again.")


# --- outbox -------------------------------------------------------------------------------


@main.command()
@click.option("--to", "recipient", help="Only messages to this phone number or email address.")
@click.option("--limit", type=click.IntRange(min=1, max=1000), default=20, show_default=True)
@friendly_errors
def outbox(recipient: str | None, limit: int) -> None:
    """The SMS and email notifications the app has queued ("sent"), newest first."""
    from domain.adapters.outbox import list_messages

    if recipient is not None:
        recipient = _normalize_recipient(recipient)
    with open_container() as container:
        messages = list_messages(container.engine, limit=limit, recipient=recipient)
        if not messages:
            click.echo("No messages" + (f" to {recipient}." if recipient else "."))
            return
        for m in messages:
            subject = f" [{m.subject}]" if m.subject else ""
            click.echo(f"{_local(m.created_at, container)}  {m.channel:<5}  {m.recipient}  "
                       f"{m.kind or '-'}  {m.status}{subject}")
            click.echo(f"    {m.body}")


def _normalize_recipient(text: str) -> str:
    text = text.strip()
    if "@" in text:
        return text
    try:
        return normalize_phone(text)
    except InvalidPhoneNumber:
        raise CliError("--to must be a phone number (e.g. 312-555-0101) or an email "
                       "address.") from None


def _add_area_commands() -> None:
    from ivr.cli import (
        ach,
        agents,
        autopay,
        chatbot,
        notifications,
        processing,
        reconciliation,
        report,
    )
    from ivr.sandbox_wiring import add_sandbox_commands

    for module in (processing, reconciliation, report, ach, notifications, autopay, chatbot,
                   agents):
        for command in module.commands:
            main.add_command(command)
    add_sandbox_commands(main)


_add_area_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
