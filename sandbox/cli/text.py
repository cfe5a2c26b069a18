"""`payline text`: text Payline without Twilio (the SMS simulator, docs/architecture.md §3).

The engine is sandbox/simulators/text.py; this is its terminal front end. It reaches the app and
signs exactly as `payline call` does (sandbox/cli/call.py).
"""

from __future__ import annotations

import re
import shutil
import textwrap
from typing import TYPE_CHECKING

import click

from ivr.cli.support import CliError, friendly_errors
from sandbox.cli.call import phone_option, simulator_transport, unreachable_error
from sandbox.simulators.phone import (
    DEFAULT_BASE_URL,
    DEFAULT_CALLED,
    DEFAULT_CALLER,
    AppUnreachable,
    delivery_url,
)
from sandbox.simulators.text import SMS_PATH, TextThread, TextTranscript

if TYPE_CHECKING:
    from flask import Flask

PROMPT = "you> "
RETRY = "/retry"
QUIT = ("/quit", "/exit")
INTERACTIVE_HELP = ("(Type a text and press Enter; each reply is printed after Payline>. "
                    "/retry re-sends your last text as Twilio does after a webhook timeout; "
                    "/quit or Ctrl-D ends.)")
MIN_WIDTH = 40
# What a printed line starts with; wrapped lines are indented to line up after it.
_PREFIX = re.compile(r"you> |Payline(?: \([^)]*\))?> |\[")


def _build_app() -> Flask:
    """The app for --in-process (a seam for tests)."""
    from ivr import create_app

    return create_app()


def wrap_line(line: str, width: int) -> str:
    """A printed line wrapped to `width`, continuation lines indented under the text.

    Words are never broken, so a pay link stays one piece a person can copy.
    """
    match = _PREFIX.match(line)
    prefix = match.group(0) if match else ""
    indent = " " * len(prefix)
    out: list[str] = []
    for number, paragraph in enumerate(line[len(prefix):].split("\n")):
        first = prefix if number == 0 else indent
        out.extend(textwrap.wrap(paragraph, width=width, initial_indent=first,
                                 subsequent_indent=indent, break_long_words=False,
                                 break_on_hyphens=False) or [first.rstrip()])
    return "\n".join(out)


def _echo(line: str) -> None:
    width = max(MIN_WIDTH, shutil.get_terminal_size((80, 24)).columns - 1)
    click.echo(wrap_line(line, width))


def _ask() -> str | None:
    """The resident's next text; None at end of input or Ctrl-C."""
    try:
        return str(click.prompt(PROMPT, default="", show_default=False, prompt_suffix=""))
    except click.Abort:
        click.echo()
        return None


def _converse(thread: TextThread) -> None:
    _echo(INTERACTIVE_HELP)
    while (typed := _ask()) is not None:
        body = typed.strip()
        if not body:
            continue  # a phone does not send an empty text
        if body.lower() in QUIT:
            return
        if body.lower() == RETRY:
            if thread.last_message_sid is None:
                _echo("[nothing to retry yet]")
            else:
                thread.resend_last()
            continue
        thread.send(body)


def _check_answered(transcript: TextTranscript, base_url: str) -> None:
    failures = transcript.of_kind("http_error")
    if not failures:
        return
    hint = (f" Is its SMS webhook ({SMS_PATH}) installed?"
            if any(e.attrs.get("status") == "404" for e in failures) else "")
    raise CliError(f"Payline at {base_url} did not answer {len(failures)} of "
                   f"{transcript.deliveries} texts with TwiML (see above).{hint}")


@click.command("text")
@click.option("--url", default=DEFAULT_BASE_URL, show_default=True,
              help="The running Payline app (`make run`).")
@click.option("--in-process", is_flag=True,
              help="Build the app in this process instead of calling --url (no server needed).")
@click.option("--from", "sender", default=DEFAULT_CALLER, show_default=True,
              help="The resident's phone number (see `payline demo-identities`).")
@click.option("--to", default=DEFAULT_CALLED, show_default=True,
              help="The city's number texted.")
@click.option("-m", "--message", "messages", multiple=True,
              help="Send this text, print the replies and go on; repeat for several texts, "
                   "sent in order. Without it you type texts at `you>`.")
@friendly_errors
def text(url: str, in_process: bool, sender: str, to: str, messages: tuple[str, ...]) -> None:
    """Text Payline as Twilio would deliver it: each text is POSTed, signed, to /sms.

    Without -m you are the resident: type a text at `you>` and read the replies. /retry
    re-sends your last text with the same MessageSid (Twilio's retry after a timeout; the
    app must not act twice); /quit or Ctrl-D ends.
    """
    sender = phone_option(sender, "--from")
    to = phone_option(to, "--to")
    if any(not m.strip() for m in messages):
        raise CliError("-m/--message must not be empty: a phone does not send an empty text.")
    transport, public_url = simulator_transport(url, in_process, _build_app)
    thread = TextThread(transport, sender=sender, to=to, public_url=public_url, echo=_echo,
                        echo_sent=bool(messages))
    target = delivery_url(thread.sms_url, thread.public_url, transport.base_url)
    signed_for = f", signed for {thread.sms_url}" if target != thread.sms_url else ""
    _echo(f"[texting {to} from {sender}: each text is POSTed to {target}{signed_for}]")
    try:
        if messages:
            for message in messages:
                thread.send(message)
        else:
            _converse(thread)
    except AppUnreachable:
        raise unreachable_error(transport.base_url) from None
    _check_answered(thread.transcript, transport.base_url)


commands: list[click.Command] = [text]
