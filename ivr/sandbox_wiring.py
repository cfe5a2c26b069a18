"""The one place the app reaches into `sandbox/`: what a development or demo install uses in
place of the card processor and bank, Twilio's call control, their web pages, and the demo,
simulator and benchmark commands. Everything else in the app is production code and never
imports `sandbox/` (tests/unit/test_architecture.py checks it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from domain.config import CALL_CONTROL_SANDBOX, PROCESSOR_SANDBOX, Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from domain.ports import CallControl, Clock
    from sandbox.processor import SandboxProcessor

# The stand-ins' web pages, as "module:blueprint", mounted only while the settings select the
# sandbox: the processor's pay connector and hosted tokenize form (PAYLINE_PROCESSOR=sandbox),
# and the call redirects the phone simulator follows (PAYLINE_CALL_CONTROL=sandbox).
PAY_CONNECTOR_BLUEPRINT = "sandbox.web.pay_connector:pay_connector"
PROCESSOR_BLUEPRINTS: tuple[str, ...] = (
    PAY_CONNECTOR_BLUEPRINT,
    "sandbox.web.tokenize:sandbox_tokenize",
)
# With PAYLINE_PROCESSOR=stripe, bank accounts stay on the ACH path, whose vault is still the
# sandbox processor (Stripe never sees a bank account): a bank <Pay> by phone tokenizes
# through Payline's own pay connector, which then takes bank accounts only.
STRIPE_MODE_BLUEPRINTS: tuple[str, ...] = (PAY_CONNECTOR_BLUEPRINT,)
CALL_BLUEPRINTS: tuple[str, ...] = ("sandbox.web.call_redirects:sandbox_calls",)


def sandbox_blueprints(settings: Settings) -> tuple[str, ...]:
    names: tuple[str, ...] = ()
    if settings.processor == PROCESSOR_SANDBOX:
        names += PROCESSOR_BLUEPRINTS
    else:
        names += STRIPE_MODE_BLUEPRINTS
    if settings.call_control == CALL_CONTROL_SANDBOX:
        names += CALL_BLUEPRINTS
    return names


def sandbox_processor(engine: Engine, settings: Settings) -> SandboxProcessor:
    """The sandbox card processor and bank-account vault (deterministic test numbers)."""
    from sandbox.processor import SandboxProcessor

    return SandboxProcessor(engine, vault_key=settings.vault_key)


def sandbox_call_control(engine: Engine, clock: Clock) -> CallControl:
    """The redirects `payline call` polls, in place of Twilio's Calls API."""
    from sandbox.call_redirects import SandboxCallControl

    return SandboxCallControl(engine, clock)


def add_sandbox_commands(main: click.Group) -> None:
    """`payline seed`, `demo-identities`, `call`, `text`, the benchmarks,
    `ach simulate-returns` and `stripe-dispute`."""
    from sandbox.cli import bank, benchmark, call, demo, disputes, text

    for module in (demo, benchmark, call, text, disputes):
        for command in module.commands:
            main.add_command(command)
    ach = main.commands["ach"]
    if isinstance(ach, click.Group):
        ach.add_command(bank.simulate)
