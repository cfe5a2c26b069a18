"""`payline call`: phone Payline without Twilio (the phone simulator, docs/architecture.md §3).

The engine is sandbox/simulators/phone.py; this is its terminal front end. The lead adds
`commands` to the `payline` group in ivr/cli/main.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from domain.errors import InvalidPhoneNumber
from domain.phone import normalize_phone
from ivr.cli.support import CliError, friendly_errors
from ivr.settings import ChannelSettings
from sandbox.simulators.phone import (
    DEFAULT_BASE_URL,
    DEFAULT_CALLED,
    DEFAULT_CALLER,
    AppUnreachable,
    FlaskTransport,
    HttpTransport,
    PhoneCall,
    Transcript,
    Transport,
    environment_stripe,
    parse_script,
)

if TYPE_CHECKING:
    from flask import Flask

_SCRIPT_HELP = (
    "Play the call unattended with these caller inputs, comma-separated, in order: keypad "
    "digits (a trailing # ends an entry, e.g. 0104200731#), say:<words> for speech, - (or "
    "nothing) to stay silent, hangup to hang up. At a secure payment the next tokens are the "
    "card number, expiry MMYY, security code and zip code (or routing and account number). "
    "When the script runs out, the caller hangs up."
)
_AGENT_WAIT_HELP = (
    "After a transfer to 311, stay with the agent this many seconds, waiting for the agent to "
    "transfer the call back into self-service (the 311 console's \"Transfer to self-service "
    "payment\"). Default: 600 when you are the caller, 0 with --script."
)
INTERACTIVE_AGENT_WAIT = 600.0
_LANG_HELP = (
    "The language the caller picks at the greeting. es presses 2 first (the Payline greeting's "
    "language menu is \"press 2 for Spanish\"), before the --script inputs or the keyboard."
)


def _build_app() -> Flask:
    """The app for --in-process (a seam for tests)."""
    from ivr import create_app

    return create_app()


def _ask(prompt: str) -> str:
    try:
        return str(click.prompt(prompt, default="", show_default=False, prompt_suffix=""))
    except click.Abort:  # Ctrl-C or end of input: the caller hangs up
        return "hangup"


def _ask_secret(prompt: str) -> str:
    try:
        return str(click.prompt(prompt, default="", show_default=False, prompt_suffix="",
                                hide_input=True))
    except click.Abort:
        return "hangup"


def phone_option(text: str, option: str) -> str:
    """A --from/--to value in E.164, or a one-line error (`payline call` and `payline text`)."""
    try:
        return normalize_phone(text)
    except InvalidPhoneNumber:
        raise CliError(f"{option} must be a phone number, e.g. 312-555-0101.") from None


def simulator_transport(url: str, in_process: bool,
                        build_app: Callable[[], Flask]) -> tuple[Transport, str | None]:
    """How a simulator reaches the app, and the public URL to sign for (None: the URL it
    calls). Shared by `payline call` and `payline text`."""
    if in_process:
        return FlaskTransport(build_app()), None
    if os.environ.get("PAYLINE_PUBLIC_URL"):
        # The app checks signatures against its public URL (e.g. an ngrok https URL),
        # so sign as Twilio would call that, while delivering to --url.
        return HttpTransport(url), ChannelSettings.from_env().public_url
    return HttpTransport(url), None


def unreachable_error(base_url: str) -> CliError:
    """The one line a simulator prints when nothing answers at `base_url`."""
    return CliError(f"Could not reach Payline at {base_url} — is `make run` running? "
                    "(or use --in-process)")


@click.command("call")
@click.option("--url", default=DEFAULT_BASE_URL, show_default=True,
              help="The running Payline app (`make run`).")
@click.option("--in-process", is_flag=True,
              help="Build the app in this process instead of calling --url (no server needed).")
@click.option("--from", "caller", default=DEFAULT_CALLER, show_default=True,
              help="The caller's number (see `payline demo-identities` for residents' phones).")
@click.option("--to", "called", default=DEFAULT_CALLED, show_default=True,
              help="The Payline number dialed.")
@click.option("--lang", type=click.Choice(["en", "es"]), default="en", show_default=True,
              help=_LANG_HELP)
@click.option("--script", help=_SCRIPT_HELP)
@click.option("--agent-wait", type=click.FloatRange(min=0), metavar="SECONDS",
              help=_AGENT_WAIT_HELP)
@click.option("--connector-url",
              help="Where secure payments send card/bank digits (Twilio's pay connector); "
                   "default: the app's /sandbox/pay-connector.")
@click.option("--stripe-api-url",
              help="Where a card <Pay> in Stripe mode makes its PaymentMethod (Twilio's Stripe "
                   "Pay Connector); default: the app's Stripe API (PAYLINE_STRIPE_API_URL), "
                   "or the local trial's localstripe on 127.0.0.1:8420.")
@friendly_errors
def call(url: str, in_process: bool, caller: str, called: str, lang: str, script: str | None,
         connector_url: str | None, agent_wait: float | None,
         stripe_api_url: str | None) -> None:
    """Phone Payline as Twilio would: hear its prompts, press keys, say words, pay.

    Without --script you are the caller: each prompt is printed and you answer at `keypad>`.
    Card and bank digits go only to the pay connector, never to the app, and are never shown
    (in Stripe mode a card goes to Stripe, as with Twilio's Stripe Pay Connector).
    """
    caller = phone_option(caller, "--from")
    called = phone_option(called, "--to")
    transport, public_url = simulator_transport(url, in_process, _build_app)
    if agent_wait is None:
        agent_wait = 0.0 if script is not None else INTERACTIVE_AGENT_WAIT
    stripe = None
    if stripe_api_url:
        try:
            stripe = environment_stripe({**os.environ, "PAYLINE_STRIPE_API_URL": stripe_api_url})
        except ValueError as exc:
            raise CliError(f"--stripe-api-url: {exc}") from None
    phone = PhoneCall(transport, caller=caller, called=called, connector_url=connector_url,
                      public_url=public_url, echo=click.echo, agent_wait=agent_wait,
                      stripe_settings=stripe)
    try:
        if script is not None:
            transcript = phone.run(parse_script(script, lang))
        else:
            transcript = phone.run_interactive(_ask, ask_secret=_ask_secret,
                                               first_inputs=parse_script(None, lang))
    except AppUnreachable:
        raise unreachable_error(transport.base_url) from None
    _check_answered(transcript, transport.base_url)


def _check_answered(transcript: Transcript, base_url: str) -> None:
    if transcript.answered:
        return
    raise CliError(f"Payline at {base_url} did not answer the call with TwiML (see above); "
                   "is its voice channel installed?")


commands: list[click.Command] = [call]
