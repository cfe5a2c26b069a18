"""The one place the app reaches into `sandbox/`: what a development or demo install uses in
place of the card processor and bank, Twilio's call control, their web pages, and the demo,
simulator and benchmark commands. Everything else in the app is production code and never
imports `sandbox/` (tests/unit/test_architecture.py checks it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from domain.config import CALL_CONTROL_SANDBOX, Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from domain.ports import CallControl, Clock
    from sandbox.processor import SandboxProcessor

# The stand-ins' web pages, as "module:blueprint". The processor's pay connector and hosted
# tokenize form are mounted with either processor: with PAYLINE_PROCESSOR=stripe, bank accounts
# stay on the ACH path, whose vault is still the sandbox processor (Stripe never sees a bank
# account), so both then take bank accounts only (a bank <Pay> by phone, the pay page's bank
# form). The call redirects the phone simulator follows: with PAYLINE_CALL_CONTROL=sandbox.
PROCESSOR_BLUEPRINTS: tuple[str, ...] = (
    "sandbox.web.pay_connector:pay_connector",
    "sandbox.web.tokenize:sandbox_tokenize",
)
CALL_BLUEPRINTS: tuple[str, ...] = ("sandbox.web.call_redirects:sandbox_calls",)


def sandbox_blueprints(settings: Settings) -> tuple[str, ...]:
    names = PROCESSOR_BLUEPRINTS
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
    `ach simulate-returns`, `stripe-dispute` and `stripe-demo-cards`."""
    from sandbox.cli import bank, benchmark, call, demo, stripe_trial, text

    for module in (demo, benchmark, call, text, stripe_trial):
        for command in module.commands:
            main.add_command(command)
    ach = main.commands["ach"]
    if isinstance(ach, click.Group):
        ach.add_command(bank.simulate)
