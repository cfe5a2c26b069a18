"""`payline autopay ...` and `payline bills import`: what a 311 agent and the billing office do.

    payline autopay enroll ACCOUNT --method ID_OR_LAST4 --date-option due_date|bill_arrival|
                                   days_before [--days-before N] [--threshold 150.00] --agent ID
    payline autopay unenroll ACCOUNT --agent ID
    payline autopay show ACCOUNT
    payline bills import FILE

ivr/cli/main.py adds `commands` to the `payline` group. Enrollment is agent-run for now (the
resident asked 311); the resident still gets the confirmation by text and email.
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path

import click

from domain.errors import InvalidAmount, NotFound
from domain.model import (
    Account,
    Actor,
    AutopayDateOption,
    AutopayEnrollment,
    MethodKind,
    PaymentStatus,
)
from domain.money import Money
from domain.services.autopay import AUTOPAY_ACTOR, describe_date_option
from domain.services.bills import BillImportService
from domain.services.identity import normalize_account_number
from ivr.bootstrap import Container
from ivr.cli.support import CliError, friendly_errors, open_container

MAX_ERRORS_SHOWN = 50  # a broken file can have thousands; the first ones tell the story


def _agent(agent_id: str) -> Actor:
    agent_id = agent_id.strip()
    if not agent_id or len(agent_id) > 50 or not agent_id.replace("-", "").isalnum() \
            or not agent_id.isascii():
        raise CliError("--agent must be the agent's ID (letters and digits), e.g. A101.")
    return Actor.agent(agent_id)


def _account(container: Container, number: str) -> Account:
    account_number = normalize_account_number(number)
    with container.uow() as uow:
        account = uow.accounts.by_number(account_number)
    if account is None or account.id is None:
        raise NotFound(f"No account has the number {account_number}.")
    return account


def _method_id(account: Account, choice: str) -> int:
    """A saved method by its ID or by its last 4 digits, whichever names exactly one."""
    choice = choice.strip()
    methods = [m for m in account.payment_methods if m.enabled]
    found = [m for m in methods if str(m.id) == choice or m.last4 == choice]
    if len(found) == 1 and found[0].id is not None:
        return found[0].id
    listing = "; ".join(f"{m.id}: {m.label()}" for m in methods) or "none"
    if not found:
        raise CliError(f"Account {account.masked_number()} has no saved method {choice!r}. "
                       f"Saved methods (ID: method): {listing}.")
    raise CliError(f"{choice!r} matches several saved methods; give the method ID. "
                   f"Saved methods (ID: method): {listing}.")


def _describe(enrollment: AutopayEnrollment, account: Account, tz: tzinfo) -> list[str]:
    method = next((m for m in account.payment_methods
                   if m.id == enrollment.payment_method_id), None)
    label = method.label() if method else f"method {enrollment.payment_method_id}"
    if method is not None and not method.enabled:
        label += " (DISABLED: new bills will not be paid)"
    limit = (f"bills over {enrollment.threshold} need the resident's authorization"
             if enrollment.threshold is not None else "none (every bill is paid in full)")
    return [f"  Pays:       {describe_date_option(enrollment.date_option, enrollment.days_before)}",
            f"  Method:     {label}",
            f"  Limit:      {limit}",
            f"  Since:      {enrollment.enrolled_at.astimezone(tz).date().isoformat()} by "
            f"{enrollment.enrolled_by} via {enrollment.channel}"]


# --- autopay ------------------------------------------------------------------------------


@click.group()
def autopay() -> None:
    """Automatic payment of every new bill (the Recurring Payment option)."""


@autopay.command("enroll")
@click.argument("number")
@click.option("--method", "method", required=True,
              help="The saved method's ID or last 4 digits (see `payline accounts show`).")
@click.option("--date-option", required=True,
              type=click.Choice([o.value for o in AutopayDateOption]),
              help="Pay on the due date, the day the bill arrives, or N days before the due "
                   "date.")
@click.option("--days-before", type=int, default=None,
              help="With --date-option days_before: 1 to 10.")
@click.option("--threshold", default=None,
              help="Bills above this amount (e.g. 150.00) wait for the resident's approval.")
@click.option("--agent", "agent_id", required=True, help="The 311 agent's ID, e.g. A101.")
@friendly_errors
def autopay_enroll(number: str, method: str, date_option: str, days_before: int | None,
                   threshold: str | None, agent_id: str) -> None:
    """Enroll an account in autopay (replaces its current autopay settings)."""
    actor = _agent(agent_id)
    limit = None
    if threshold is not None:
        try:
            limit = Money.parse(threshold)
        except InvalidAmount:
            raise CliError("--threshold must be dollars and cents, e.g. 150.00.") from None
    with open_container() as container:
        account = _account(container, number)
        service = container.autopay_service()
        enrollment = service.enroll(account.id, _method_id(account, method),  # type: ignore[arg-type]
                                    date_option, actor, days_before=days_before,
                                    threshold=limit)
        account = _account(container, number)
        fee = container.settings.payments.card_fee
        tz = container.settings.timezone
    click.echo(f"Account {account.masked_number()} is enrolled in autopay by agent {actor.id}.")
    click.echo("\n".join(_describe(enrollment, account, tz)))
    method_used = next((m for m in account.payment_methods
                        if m.id == enrollment.payment_method_id), None)
    if method_used is not None and method_used.kind == MethodKind.CARD and fee.is_positive():
        click.echo(f"  Card fee:   {fee} on each payment (stated in the confirmation)")
    click.echo("The resident was sent a confirmation.")


@autopay.command("unenroll")
@click.argument("number")
@click.option("--agent", "agent_id", required=True, help="The 311 agent's ID, e.g. A101.")
@friendly_errors
def autopay_unenroll(number: str, agent_id: str) -> None:
    """Stop autopay for future bills; payments already scheduled still run."""
    actor = _agent(agent_id)
    with open_container() as container:
        account = _account(container, number)
        service = container.autopay_service()
        ended = service.unenroll(account.id, actor)  # type: ignore[arg-type]
    if ended is None:
        click.echo(f"Account {account.masked_number()} was not enrolled in autopay; "
                   "nothing changed.")
        return
    click.echo(f"Autopay is off for account {account.masked_number()} (agent {actor.id}). "
               "Payments already scheduled will still be processed; cancel them separately "
               "if the resident does not want them. The resident was sent a notice.")


@autopay.command("show")
@click.argument("number")
@friendly_errors
def autopay_show(number: str) -> None:
    """Show an account's autopay settings and the payments autopay has scheduled."""
    with open_container() as container:
        account = _account(container, number)
        enrollment = container.autopay_service().status(account.id)  # type: ignore[arg-type]
        scheduled = [p for p in container.payment_service().scheduled_payments(account.id)  # type: ignore[arg-type]
                     if p.created_by == str(AUTOPAY_ACTOR)]
        tz = container.settings.timezone
    if enrollment is None:
        click.echo(f"Account {account.masked_number()}: not enrolled in autopay.")
    else:
        click.echo(f"Account {account.masked_number()}: enrolled in autopay.")
        click.echo("\n".join(_describe(enrollment, account, tz)))
    if scheduled:
        click.echo("  Scheduled by autopay:")
        for p in scheduled:
            fee = f" + fee {p.fee}" if p.fee.is_positive() else ""
            click.echo(f"    {p.confirmation_number}  {p.scheduled_for.isoformat()}  "
                       f"{p.amount}{fee}  {p.method_label}  ({PaymentStatus(p.status)})")


# --- bills --------------------------------------------------------------------------------


@click.group()
def bills() -> None:
    """Newly issued bills from the billing system."""


@bills.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@friendly_errors
def bills_import(file: Path) -> None:
    """Post the bills in a CSV file and schedule autopay for them.

    The header is: account_number,bill_number,bill_type,issued_on,due_date,amount
    (dates YYYY-MM-DD, amounts like 85.50). Safe to run again on the same file.
    Exits with status 1 if any row could not be imported.
    """
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(f"{file} is not UTF-8 text. Save it as CSV UTF-8 and try "
                       "again.") from None
    lines = max(len(text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n"))
                - 1, 0)
    with open_container() as container:
        service = BillImportService(container.uow, container.clock, container.autopay_service())
        with click.progressbar(length=lines, label=f"Importing {file.name}", show_pos=True,
                               show_eta=True) as bar:
            report = service.import_csv(text, progress=bar.update)
    click.echo(f"Bills imported: {report.imported:,}; already imported: {report.duplicates:,}; "
               f"rows with errors: {len(report.errors):,} (of {report.rows:,} rows).")
    click.echo(f"Autopay: {report.autopay_scheduled:,} scheduled, "
               f"{report.autopay_needs_authorization:,} over the resident's limit (asked to "
               f"authorize), {report.autopay_skipped:,} skipped.")
    for line, note in report.notes[:MAX_ERRORS_SHOWN]:
        click.echo(f"  line {line}: {note}")
    if report.errors:
        for line, message in report.errors[:MAX_ERRORS_SHOWN]:
            click.echo(f"  line {line}: {message}", err=True)
        if len(report.errors) > MAX_ERRORS_SHOWN:
            click.echo(f"  ... and {len(report.errors) - MAX_ERRORS_SHOWN:,} more", err=True)
        raise CliError(f"{len(report.errors):,} row(s) could not be imported; fix them and run "
                       "the import again (rows already imported are skipped).")


commands: list[click.Command] = [autopay, bills]
