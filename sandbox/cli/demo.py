"""`payline seed` and `payline demo-identities`: the demo city (Riverton, IL) and who to be
in it."""

from __future__ import annotations

import click

from domain.config import PROCESSOR_SANDBOX, Settings
from domain.model import AccountKind
from domain.ports import PaymentGateway
from ivr.bootstrap import Container
from ivr.cli.support import CliError, friendly_errors, open_container

# --- demo data ----------------------------------------------------------------------------


def _demo_tokenizer(container: Container) -> PaymentGateway:
    """Who turns the demo's test instruments into tokens: the sandbox processor, which is the
    bank vault in Stripe mode too (Stripe takes no card numbers from Payline; `payline
    stripe-demo-cards` then makes the saved cards at a local trial's fake Stripe)."""
    if container.settings.processor == PROCESSOR_SANDBOX:
        return container.gateway
    vault = container.vault
    if not isinstance(vault, PaymentGateway):
        raise CliError("The demo city needs the sandbox processor as the bank vault.")
    return vault


@click.command()
@click.option("--accounts", "size", type=click.IntRange(min=1, max=1_000_000), default=300,
              show_default=True, help="How many accounts in all, personas included.")
@click.option("--seed", "seed", type=int, default=2024, show_default=True,
              help="Random seed: the same seed and day give the same city.")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (successfully) if the database already has accounts.")
@click.option("--chunk-size", type=click.IntRange(min=1, max=50_000), default=2000,
              show_default=True, help="Accounts per transaction.")
@friendly_errors
def seed(size: int, seed: int, if_empty: bool, chunk_size: int) -> None:
    """Write the demo city (Riverton, IL) into an empty database."""
    from domain.adapters.database import current_revision
    from sandbox.demo_city import DemoCity
    from sandbox.demo_seed import DatabaseNotEmpty, count_accounts, seed_demo_city

    settings = Settings.from_env()
    if current_revision(settings.database_url) is None:
        raise CliError("The database has no Payline tables yet. Run `payline db upgrade` first.")
    not_empty = ("The database already has accounts; not seeding it again. Use --if-empty to "
                 "skip quietly, or point PAYLINE_DATABASE_URL at an empty database.")
    with open_container() as container:
        # Checked again inside seed_demo_city; here so a refusal shows no progress bar.
        if count_accounts(container.engine):
            if if_empty:
                click.echo("The database already has accounts; nothing to seed.")
                _add_missing_demo_agents(container)
                return
            raise CliError(not_empty)
        city = DemoCity(size=size, seed=seed, today=container.clock.today(),
                        tz=settings.timezone)
        try:
            with click.progressbar(length=city.total_accounts, label="Seeding Riverton",
                                   show_pos=True, show_eta=True) as bar:
                result = seed_demo_city(container.engine, city, _demo_tokenizer(container),
                                        if_empty=if_empty, chunk_size=chunk_size,
                                        progress=bar.update)
        except DatabaseNotEmpty:
            raise CliError(not_empty) from None
    if result.skipped:
        click.echo("The database already has accounts; nothing to seed.")
        return
    click.echo(f"Seeded {result.accounts:,} accounts ({result.customers:,} customers, "
               f"{result.bills:,} bills, {result.payments:,} payments, "
               f"{result.methods:,} saved methods) in {result.seconds:.1f} s.")
    if result.agents:
        click.echo(f"Added {result.agents} demo 311 agents for the console at /agent.")
    click.echo("Try the personas listed by `payline demo-identities`.")


def _add_missing_demo_agents(container: Container) -> None:
    """A demo database seeded before 311 agents existed gets the demo agents now (never a
    database without the demo city: their passwords are public)."""
    from sandbox.demo_agents import count_agents, has_demo_data, seed_demo_agents

    if count_agents(container.engine) or not has_demo_data(container.engine):
        return
    added = seed_demo_agents(container.engine, container.clock.now())
    if added:
        click.echo(f"Added the demo 311 agents {', '.join(added)} "
                   "(see `payline demo-identities`).")


def _identities(markdown: bool) -> None:
    from sandbox.demo_agents import DEMO_AGENTS
    from sandbox.demo_city import PERSONAS
    from sandbox.demo_identities import persona_document

    if markdown:
        click.echo(persona_document(), nl=False)
        return
    for p in PERSONAS:
        if p.kind == AccountKind.UTILITY:
            numbers = ", ".join((p.account_number, *p.other_accounts))
            factors = f"street number {p.street_number} or SSN last 4 {p.ssn_last4}"
        else:
            numbers = f"customer ID {p.customer_number}"
            factors = "bill " + " or ".join(p.bill_numbers)
        click.echo(f"{p.key} - {p.name} ({p.language})")
        click.echo(f"  account:  {numbers} ({p.kind})")
        click.echo(f"  identify: {factors}")
        click.echo(f"  phone:    {p.phone or '-'}    email: {p.email or '-'}")
        click.echo(f"  good for: {p.good_for}")
    click.echo("")
    click.echo("311 agents (console at /agent):")
    for a in DEMO_AGENTS:
        click.echo(f"  {a.username} - {a.display_name} ({a.role}), password {a.password}")


_MARKDOWN_HELP = "Print the Markdown document kept in docs/demo-identities.md."


@click.command("demo-identities")
@click.option("--markdown", is_flag=True, help=_MARKDOWN_HELP)
def demo_identities(markdown: bool) -> None:
    """The demo residents to call, text or chat as (the same whatever the seed)."""
    _identities(markdown)


@click.command("identities", hidden=True)
@click.option("--markdown", is_flag=True, help=_MARKDOWN_HELP)
def identities(markdown: bool) -> None:
    """Alias of demo-identities."""
    _identities(markdown)



commands = (seed, demo_identities, identities)
