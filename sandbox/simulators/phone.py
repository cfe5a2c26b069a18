"""The phone simulator behind `payline call` (docs/architecture.md §3): Twilio Voice, played
offline.

Without a Twilio account or internet, a newcomer (and the end-to-end tests) must still be able
to phone Payline. `PhoneCall` does what Twilio does for an inbound call: it POSTs signed,
form-encoded webhooks to the voice entry URL, executes the TwiML it gets back (<Say>, <Gather>,
<Redirect>, <Dial>, <Pay>, <Hangup>, ...), follows action URLs, and finally sends the status
callback. <Pay> is played like Twilio's PCI mode: the card or bank digits go to the pay
connector (Generic Pay Connector JSON, basic auth) and never to the app, which only receives
Twilio's masked result parameters. A <Pay> asking for tokenType="payment-method" is played as
Twilio's Stripe Pay Connector: the keyed card becomes a Stripe PaymentMethod at the configured
Stripe API (localstripe offline), and the app gets its id as PaymentToken. Nothing printed or
recorded here holds a full card number, a security code or a full bank account number.

A <Dial> to 311 can end the way a 311 agent's transfer into self-service ends it: with
`agent_wait` seconds, the simulated caller stays "with the agent" and the call waits for a
redirect of its CallSid (Twilio's Calls API, played by the app's sandbox call control at
/sandbox/calls/redirect, or any `redirect_source`), then fetches the redirect's URL as its next
TwiML; the <Dial>'s action is then not requested, as with Twilio.

Programmatic use (tests drive whole calls through the real app this way)::

    call = PhoneCall(FlaskTransport(app), caller="+13125550101")
    transcript = call.run(["1", "0104200731#", "3", "4242424242424242#", "1230", "123",
                           "60601"])
    assert "Thank you" in transcript.said

Caller inputs ("tokens"), one per prompt: keypad digits (`*`, `#` included; a trailing `#`
ends the entry as on a phone), `say:<words>` (or `say <words>`, or just words) for speech,
"" or "-" to stay silent, and `hangup`. When a script runs out the caller hangs up.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NoReturn, Protocol
from urllib.parse import urljoin, urlsplit

import requests
import stripe
from stripe.params import PaymentMethodCreateParams, PaymentMethodCreateParamsCard

from domain.adapters.stripe_client import stripe_client
from domain.bank import is_valid_routing_number, normalize_bank_account_number
from domain.cards import card_brand, luhn_valid, redact_card_numbers
from domain.config import StripeSettings
from domain.errors import InvalidPaymentMethod
from ivr.settings import ChannelSettings
from ivr.web.twilio_signature import sign

if TYPE_CHECKING:
    from flask import Flask

DEFAULT_BASE_URL = "http://localhost:5000"
DEFAULT_CALLER = "+13125550101"
DEFAULT_CALLED = "+13125550100"
ENTRY_PATH = "/voice/incoming"
STATUS_PATH = "/voice/status"
CONNECTOR_PATH = "/sandbox/pay-connector"
REDIRECT_POLL_PATH = "/sandbox/calls/redirect"
POLL_INTERVAL_SECONDS = 0.25
WAITING_FOR_AGENT = ("[with the 311 agent; waiting for a transfer back to self-service "
                     "(open /agent to transfer), Ctrl-C hangs up]")
MAX_REQUESTS = 200
HTTP_TIMEOUT_SECONDS = 30.0
SPEECH_CONFIDENCE = "0.9"
DIAL_DURATION_SECONDS = "30"
API_VERSION = "2010-04-01"
USER_AGENT = "TwilioProxy/1.1"
KEYPAD_PROMPT = "keypad> "
INTERACTIVE_HELP = ("(Type keypad digits and press Enter, e.g. 1 or 0104200731#; "
                    "`say <words>` to speak; Enter alone to stay silent; `hangup` to hang up.)")

# How a call ended (Transcript.ended_by).
APP_HANGUP = "app-hangup"          # the app's <Hangup/>
APP_REJECT = "app-reject"          # the app's <Reject/>
CALLER_HANGUP = "caller-hangup"    # the caller hung up (or the script ran out)
DOCUMENT_END = "document-end"      # the TwiML ran out of verbs: Twilio hangs up
HTTP_ERROR = "http-error"          # the app answered with an error or no TwiML
REQUEST_LIMIT = "request-limit"    # the simulator's safety stop (a <Redirect> loop?)

# <Pay> results (Twilio's names).
PAY_SUCCESS = "success"
PAY_CONNECTOR_ERROR = "payment-connector-error"
PAY_TOO_MANY_FAILED = "too-many-failed-attempts"
PAY_STAR = "caller-interrupted-with-star"
PAY_HUNG_UP = "caller-hung-up"
# The <Pay> tokenType of Twilio's Stripe Pay Connector that makes a Stripe PaymentMethod.
STRIPE_PAYMENT_METHOD = "payment-method"
LOCAL_TRIAL_STRIPE_PORT = "8420"  # the Makefile's localstripe for a local Stripe-mode trial

CARD_FIELDS = ("payment-card-number", "expiration-date", "security-code", "postal-code")
BANK_FIELDS = ("bank-routing-number", "bank-account-number")
_SECRET_FIELDS = frozenset({"payment-card-number", "security-code", "bank-account-number"})
_FIELD_LABELS = {
    "payment-card-number": "card number", "expiration-date": "expiry MMYY",
    "security-code": "security code", "postal-code": "zip code",
    "bank-routing-number": "routing number", "bank-account-number": "bank account number",
}
_DEFAULT_CARD_TYPES = "visa mastercard amex"
_CARD_TYPES = {"VISA": "visa", "MASTERCARD": "mastercard", "AMEX": "amex",
               "DISCOVER": "discover"}
_KEYPAD = re.compile(r"[0-9*#\s]+")
_TICKET = re.compile(r"(ticket=)([^&#\s]+)")
_SPEECH = re.compile(r"say[:\s]", re.IGNORECASE)

# What Twilio says by default at each <Pay> step, when the app gives no <Prompt>.
_PROMPTS: dict[str, dict[str, str]] = {
    "en": {
        "payment-card-number": "Please enter your credit card number, followed by the pound key.",
        "expiration-date": "Please enter your card's expiration date: two digits for the month "
                           "and two digits for the year.",
        "security-code": "Please enter your security code. It's the three digits on the back "
                         "of your card.",
        "security-code-amex": "Please enter your security code. It's the four digits on the "
                              "front of your card.",
        "postal-code": "Please enter your zip code.",
        "bank-routing-number": "Please enter your bank's routing number, followed by the pound "
                               "key.",
        "bank-account-number": "Please enter your bank account number, followed by the pound "
                               "key.",
        "timeout": "Sorry, I didn't get that.",
        "invalid-card-number": "Sorry, that card number is not valid.",
        "invalid-card-type": "Sorry, that type of card is not accepted.",
        "invalid-date": "Sorry, that expiration date is not valid.",
        "invalid-security-code": "Sorry, that security code is not valid.",
        "invalid-postal-code": "Sorry, that zip code is not valid.",
        "invalid-bank-routing-number": "Sorry, that routing number is not valid.",
        "invalid-bank-account-number": "Sorry, that bank account number is not valid.",
    },
    "es": {
        "payment-card-number": "Por favor, marque el número de su tarjeta de crédito, seguido de "
                               "la tecla numeral.",
        "expiration-date": "Por favor, marque la fecha de vencimiento de su tarjeta: dos dígitos "
                           "para el mes y dos dígitos para el año.",
        "security-code": "Por favor, marque su código de seguridad. Son los tres dígitos al "
                         "reverso de su tarjeta.",
        "security-code-amex": "Por favor, marque su código de seguridad. Son los cuatro dígitos "
                              "al frente de su tarjeta.",
        "postal-code": "Por favor, marque su código postal.",
        "bank-routing-number": "Por favor, marque el número de ruta de su banco, seguido de la "
                               "tecla numeral.",
        "bank-account-number": "Por favor, marque el número de su cuenta bancaria, seguido de la "
                               "tecla numeral.",
        "timeout": "Lo siento, no recibí nada.",
        "invalid-card-number": "Lo siento, ese número de tarjeta no es válido.",
        "invalid-card-type": "Lo siento, no aceptamos ese tipo de tarjeta.",
        "invalid-date": "Lo siento, esa fecha de vencimiento no es válida.",
        "invalid-security-code": "Lo siento, ese código de seguridad no es válido.",
        "invalid-postal-code": "Lo siento, ese código postal no es válido.",
        "invalid-bank-routing-number": "Lo siento, ese número de ruta no es válido.",
        "invalid-bank-account-number": "Lo siento, ese número de cuenta no es válido.",
    },
}


# --- errors ---------------------------------------------------------------------------------


class SimulatorError(Exception):
    """The simulator could not place the call at all."""


class RedirectsUnavailable(Exception):
    """Raised by a redirect source: there is nothing to wait for (the message says why)."""


class AppUnreachable(SimulatorError):
    """Nothing answered at `url` (connection refused, DNS, timeout, not on the in-process app)."""

    def __init__(self, url: str, reason: str = "") -> None:
        super().__init__(f"could not reach {url}" + (f" ({reason})" if reason else ""))
        self.url = url
        self.reason = reason


# --- transports -----------------------------------------------------------------------------


class Transport(Protocol):
    """How requests reach the app: over HTTP, or in-process through Flask's test client."""

    base_url: str
    channels: ChannelSettings | None

    def post(self, url: str, params: Mapping[str, str],
             headers: Mapping[str, str] | None = None) -> tuple[int, str]: ...

    def post_json(self, url: str, body: Mapping[str, Any],
                  auth: tuple[str, str]) -> tuple[int, str]: ...


def is_absolute_url(url: str) -> bool:
    """True for an http(s) URL, False for a path on the app."""
    return url.startswith(("http://", "https://"))


def delivery_url(url: str, public_url: str, base_url: str) -> str:
    """Where a URL Twilio would call (on `public_url`) is actually reached (`base_url`)."""
    if url.startswith(public_url) and public_url != base_url:
        return base_url + url[len(public_url):]
    return url


def shown_url(url: str, public_url: str) -> str:
    """A URL as printed: the path when it is on the app."""
    if url.startswith(public_url):
        return url[len(public_url):] or "/"
    return url


def hide_ticket(url: str) -> str:
    """A URL as printed: a transfer ticket shortened, since it is a credential until used."""
    return _TICKET.sub(lambda m: m.group(1) + m.group(2)[:4] + "…", url)


def twilio_headers(url: str, form: dict[str, str], auth_token: str) -> dict[str, str]:
    """The headers of a webhook POST of `form` to `url`, signed as Twilio signs them."""
    return {"X-Twilio-Signature": sign(url, form, auth_token), "User-Agent": USER_AGENT}


class HttpTransport:
    """Real HTTP to a running app (`make run`), as Twilio would reach it."""

    channels: ChannelSettings | None = None

    def __init__(self, base_url: str = DEFAULT_BASE_URL, *,
                 timeout: float = HTTP_TIMEOUT_SECONDS,
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = session or requests.Session()

    def _url(self, path_or_url: str) -> str:
        return path_or_url if is_absolute_url(path_or_url) else self.base_url + path_or_url

    def post(self, url: str, params: Mapping[str, str],
             headers: Mapping[str, str] | None = None) -> tuple[int, str]:
        """POST a form; (status, body text). Raises AppUnreachable when nothing answers."""
        target = self._url(url)
        try:
            response = self._session.post(target, data=dict(params), headers=dict(headers or {}),
                                          timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise AppUnreachable(target, type(exc).__name__) from None
        return response.status_code, response.text

    def post_json(self, url: str, body: Mapping[str, Any],
                  auth: tuple[str, str]) -> tuple[int, str]:
        """POST JSON with HTTP basic auth (the pay connector's request)."""
        target = self._url(url)
        try:
            response = self._session.post(target, json=dict(body), auth=auth,
                                          timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise AppUnreachable(target, type(exc).__name__) from None
        return response.status_code, response.text


class FlaskTransport:
    """The app in this process (Flask test client): calls without a server.

    It pretends to be reached at the app's PAYLINE_PUBLIC_URL, so signatures validate exactly
    as they would behind Twilio. Connector calls to that base go to the same app; others go
    out over HTTP.
    """

    def __init__(self, app: Flask, *, base_url: str | None = None) -> None:
        channels = app.extensions.get("payline.channels")
        self.channels: ChannelSettings | None = (
            channels if isinstance(channels, ChannelSettings) else None)
        default = self.channels.public_url if self.channels else DEFAULT_BASE_URL
        self.base_url = (base_url or default).rstrip("/")
        self.app = app
        self._client = app.test_client()
        self._http = HttpTransport(self.base_url)

    def _local_path(self, url: str) -> str | None:
        if url.startswith("/"):
            return url
        if url == self.base_url:
            return "/"
        if url.startswith((self.base_url + "/", self.base_url + "?")):
            rest = url[len(self.base_url):]
            return rest if rest.startswith("/") else "/" + rest
        return None

    def post(self, url: str, params: Mapping[str, str],
             headers: Mapping[str, str] | None = None) -> tuple[int, str]:
        path = self._local_path(url)
        if path is None:
            raise AppUnreachable(url, f"not on the in-process app at {self.base_url}")
        response = self._client.post(path, data=dict(params), headers=dict(headers or {}))
        return response.status_code, response.get_data(as_text=True)

    def post_json(self, url: str, body: Mapping[str, Any],
                  auth: tuple[str, str]) -> tuple[int, str]:
        path = self._local_path(url)
        if path is None:
            return self._http.post_json(url, body, auth)
        credentials = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        response = self._client.post(path, json=dict(body),
                                     headers={"Authorization": f"Basic {credentials}"})
        return response.status_code, response.get_data(as_text=True)


# --- the transcript -------------------------------------------------------------------------


@dataclass(frozen=True)
class CallEvent:
    """One thing that happened on the call.

    kind: say, gather, input, pay, connector, dial, whisper, redirect, hangup, http_error,
    status. For "pay", attrs are exactly the <Pay> result parameters posted to the action.
    """

    kind: str
    text: str = ""
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Transcript:
    """Everything a call did, for assertions and for replaying webhooks."""

    call_sid: str
    events: list[CallEvent] = field(default_factory=list)
    # Every signed form POST to the app, in order: (absolute URL as signed, parameters).
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    ended_by: str = ""
    answered: bool = False  # the entry webhook returned TwiML

    @property
    def said(self) -> str:
        """All the text the caller heard, one <Say> a line."""
        return "\n".join(e.text for e in self.events if e.kind == "say")

    def of_kind(self, kind: str) -> list[CallEvent]:
        return [e for e in self.events if e.kind == kind]

    @property
    def pay_results(self) -> list[dict[str, str]]:
        """The parameters of each <Pay> result, as posted to its action."""
        return [dict(e.attrs) for e in self.events if e.kind == "pay"]

    def params_posted_to(self, path: str) -> list[dict[str, str]]:
        """The parameters of every request whose URL path (without query) is `path`."""
        return [params for url, params in self.requests if urlsplit(url).path == path]


# --- the call -------------------------------------------------------------------------------


class _CallOver(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class _PayStop(Exception):
    def __init__(self, result: str) -> None:
        super().__init__(result)
        self.result = result


InputSource = Callable[[str, bool], "str | None"]
# call_sid -> (url, method) of the next redirect of that live call, or None for none yet.
RedirectSource = Callable[[str], "tuple[str, str] | None"]


def new_call_sid() -> str:
    """A Twilio-shaped call SID: "CA" and 32 hex digits."""
    return "CA" + secrets.token_hex(16)


def parse_script(text: str | None, lang: str | None = None) -> list[str]:
    """`--script "2,1,0104200731#"` -> tokens. `lang="es"` prepends "2": the Payline
    greeting's language menu is "press 2 for Spanish"."""
    tokens = [t.strip() for t in text.split(",")] if text else []
    if lang == "es":
        tokens.insert(0, "2")
    return tokens


class PhoneCall:
    """One simulated inbound call. Make a new PhoneCall for each call."""

    def __init__(self, transport: Transport, *, caller: str = DEFAULT_CALLER,
                 called: str = DEFAULT_CALLED, auth_token: str | None = None,
                 account_sid: str | None = None, entry_path: str = ENTRY_PATH,
                 status_path: str | None = STATUS_PATH, connector_url: str | None = None,
                 connector_auth: tuple[str, str] | None = None, call_sid: str | None = None,
                 echo: Callable[[str], None] | None = None, public_url: str | None = None,
                 max_requests: int = MAX_REQUESTS, today: date | None = None,
                 agent_wait: float = 0.0, redirect_source: RedirectSource | None = None,
                 on_agent: Callable[[str], None] | None = None,
                 poll_interval: float = POLL_INTERVAL_SECONDS,
                 stripe_settings: StripeSettings | None = None) -> None:
        # Defaults come from the app's own channel settings when it is in-process, so a test
        # app with its own token is called correctly; otherwise from the environment.
        settings = transport.channels or ChannelSettings.from_env()
        self.transport = transport
        self.caller = caller
        self.called = called
        self.auth_token = auth_token if auth_token is not None else settings.twilio_auth_token
        self.account_sid = account_sid or settings.twilio_account_sid
        # The base URL Twilio "calls" (and signs); requests are delivered to transport.base_url.
        self.public_url = (public_url or transport.base_url).rstrip("/")
        self.entry_url = self._absolute(entry_path)
        self.status_url = self._absolute(status_path) if status_path else None
        self.connector_url = connector_url or self.public_url + CONNECTOR_PATH
        self.connector_auth = connector_auth or (settings.connector_username,
                                                 settings.connector_password)
        self.call_sid = call_sid or new_call_sid()
        self.max_requests = max_requests
        self.today = today
        # With the 311 agent: wait this long for a redirect of the call (0: the <Dial> just
        # completes), asking `redirect_source` (default: the app's sandbox call control).
        self.agent_wait = max(0.0, agent_wait)
        self.redirect_source: RedirectSource = redirect_source or self.sandbox_redirect
        self.on_agent = on_agent  # called with the CallSid when an agent answers (per <Dial>)
        self.poll_interval = poll_interval
        # The Stripe API Twilio's Stripe Pay Connector uses (None: the app's own, see _stripe).
        self.stripe_settings = stripe_settings
        self._echo = echo
        self._echo_inputs = True
        self._source: InputSource = lambda prompt, secret: None
        self._transcript = Transcript(self.call_sid)
        self._requests_made = 0
        self._started = 0.0
        self._used = False

    # --- running ----------------------------------------------------------------------

    def run(self, script: Iterable[str] = ()) -> Transcript:
        """Play the whole call with scripted inputs; when they run out, the caller hangs up.

        Raises AppUnreachable if nothing answers the entry URL.
        """
        tokens = iter(script)
        return self._play(lambda prompt, secret: next(tokens, None))

    def run_interactive(self, ask: Callable[[str], str], *,
                        ask_secret: Callable[[str], str] | None = None,
                        first_inputs: Iterable[str] = ()) -> Transcript:
        """Play the call with a person at the keyboard: `ask(prompt)` returns their input
        (EOF or Ctrl-C hangs up). `ask_secret` reads card/bank digits without echo.
        `first_inputs` are pressed before asking (e.g. "2" for Spanish)."""
        preset = list(first_inputs)
        self._echo_inputs = False
        self._line(INTERACTIVE_HELP)

        def source(prompt: str, secret: bool) -> str | None:
            if preset:
                token = preset.pop(0)
                self._line(f"{prompt}{token}")
                return token
            reader = ask_secret if secret and ask_secret is not None else ask
            try:
                return reader(prompt)
            except (EOFError, KeyboardInterrupt):
                return None

        return self._play(source)

    def _play(self, source: InputSource) -> Transcript:
        if self._used:
            raise SimulatorError("a PhoneCall plays one call; make a new one")
        self._used = True
        self._source = source
        self._started = time.monotonic()
        self._line(f"[calling {self.called} from {self.caller}; CallSid {self.call_sid}]")
        try:
            following: tuple[str, dict[str, str]] | None = (self.entry_url, {})
            while following is not None:
                url, extra = following
                root = self._fetch(url, extra)
                following = self._run_document(root, url)
            raise _CallOver(DOCUMENT_END, "the TwiML ran out of verbs, so Twilio hangs up")
        except _CallOver as over:
            self._transcript.ended_by = over.reason
            self._emit("hangup", over.message, f"[call ended: {over.message}]",
                       {"reason": over.reason})
        self._status_callback()
        return self._transcript

    # --- output -----------------------------------------------------------------------

    def _line(self, text: str) -> None:
        if self._echo is not None:
            self._echo(text)

    def _emit(self, kind: str, text: str, line: str | None = None,
              attrs: Mapping[str, str] | None = None) -> None:
        self._transcript.events.append(CallEvent(kind, text, dict(attrs or {})))
        if line is not None:
            self._line(line)

    def _shown(self, url: str) -> str:
        return hide_ticket(shown_url(url, self.public_url))

    # --- HTTP -------------------------------------------------------------------------

    def _absolute(self, path_or_url: str) -> str:
        return path_or_url if is_absolute_url(path_or_url) else self.public_url + path_or_url

    def _deliver(self, url: str) -> str:
        return delivery_url(url, self.public_url, self.transport.base_url)

    def _base_params(self) -> dict[str, str]:
        return {
            "CallSid": self.call_sid, "AccountSid": self.account_sid,
            "From": self.caller, "To": self.called, "Caller": self.caller,
            "Called": self.called,
            "CallStatus": "in-progress" if self._transcript.answered else "ringing",
            "Direction": "inbound", "ApiVersion": API_VERSION,
        }

    def _post_app(self, url: str, params: Mapping[str, str], *,
                  counted: bool = True) -> tuple[int, str]:
        """One signed form POST, as Twilio sends it. Raises AppUnreachable."""
        if counted:
            if self._requests_made >= self.max_requests:
                raise _CallOver(REQUEST_LIMIT, f"the simulator stopped after {self.max_requests} "
                                "requests in one call (a <Redirect> loop?)")
            self._requests_made += 1
        form = {k: str(v) for k, v in params.items()}
        headers = twilio_headers(url, form, self.auth_token)
        self._transcript.requests.append((url, dict(form)))
        return self.transport.post(self._deliver(url), form, headers)

    def _fetch(self, url: str, extra: Mapping[str, str]) -> ET.Element:
        """POST a webhook and parse its TwiML; an error ends the call as Twilio would."""
        params = {**self._base_params(), **extra}
        try:
            status, text = self._post_app(url, params)
        except AppUnreachable as exc:
            if not self._transcript.answered:
                raise
            return self._http_error(
                f"[could not reach the app at {self._shown(url)} ({exc.reason})]")
        if not 200 <= status < 300:
            self._http_error(f"[the app answered HTTP {status} to POST {self._shown(url)}"
                             f"{error_snippet(text)}; a caller hears \"An application error has "
                             "occurred\"]")
        root = parse_twiml(text)
        if root is None:
            return self._http_error(f"[the app answered HTTP {status} to POST {self._shown(url)} "
                             f"with something that is not TwiML{error_snippet(text)}]")
        self._transcript.answered = True
        return root

    def _http_error(self, message: str) -> NoReturn:
        self._emit("http_error", message, message)
        raise _CallOver(HTTP_ERROR, "the app did not answer with TwiML")

    def _status_callback(self) -> None:
        if self.status_url is None:
            return
        seconds = max(1, round(time.monotonic() - self._started))
        params = {**self._base_params(), "CallStatus": "completed",
                  "CallDuration": str(seconds)}
        try:
            status, _ = self._post_app(self.status_url, params, counted=False)
        except AppUnreachable as exc:
            message = f"[status callback: could not reach {self._shown(self.status_url)}]"
            self._emit("status", message, message, {"error": exc.reason})
            return
        line = (f"[status callback: completed, {seconds} s]" if 200 <= status < 300 else
                f"[the status callback {self._shown(self.status_url)} answered HTTP {status}]")
        self._emit("status", "completed", line, {"http_status": str(status)})

    # --- TwiML ------------------------------------------------------------------------

    def _run_document(self, root: ET.Element,
                      url: str) -> tuple[str, dict[str, str]] | None:
        """Execute verbs in order; return the next request to make, or None at the end."""
        for verb in root:
            tag = verb.tag
            following: tuple[str, dict[str, str]] | None = None
            if tag in ("Say", "Play", "Pause"):
                self._speak_verb(verb)
            elif tag == "Gather":
                following = self._gather(verb, url)
            elif tag == "Redirect":
                target = urljoin(url, (verb.text or "").strip()) if (verb.text or "").strip() \
                    else url
                self._emit("redirect", target, f"[redirect to {self._shown(target)}]")
                following = (target, {})
            elif tag == "Hangup":
                raise _CallOver(APP_HANGUP, "the app hung up")
            elif tag == "Reject":
                raise _CallOver(APP_REJECT, "the app rejected the call")
            elif tag == "Dial":
                following = self._dial(verb, url)
            elif tag == "Pay":
                following = self._pay(verb, url)
            else:
                self._line(f"[<{tag}> is not simulated; skipped]")
            if following is not None:
                return following
        return None

    def _speak_verb(self, verb: ET.Element) -> None:
        if verb.tag == "Say":
            self._say(spoken_text(verb), verb.get("language", "en-US"))
        elif verb.tag == "Play":
            self._line("Payline: [audio]")

    def _say(self, text: str, language: str) -> None:
        if not text:
            return
        label = "Payline" if language.lower().startswith("en") else f"Payline ({language})"
        self._emit("say", text, f"{label}: {text}", {"language": language})

    def _read(self, prompt: str, *, secret: bool = False) -> str | None:
        """The caller's next input, stripped; None when they hang up."""
        raw = self._source(prompt, secret)
        if raw is None:
            return None
        token = raw.strip()
        return None if token.lower() == "hangup" else token

    def _show_input(self, text: str, attrs: Mapping[str, str]) -> None:
        self._emit("input", text, f"Caller: {text}" if self._echo_inputs else None, attrs)

    # --- <Gather> ---------------------------------------------------------------------

    def _gather(self, verb: ET.Element, url: str) -> tuple[str, dict[str, str]] | None:
        for child in verb:
            if child.tag in ("Say", "Play", "Pause"):
                self._speak_verb(child)
        inputs = (verb.get("input") or "dtmf").lower().split()
        finish = verb.get("finishOnKey", "#")
        num_digits = _positive_int(verb.get("numDigits"))
        action = urljoin(url, verb.get("action", "")) if verb.get("action") else url
        self._emit("gather", " ".join(inputs), None, {
            "action": action, "input": " ".join(inputs), "finishOnKey": finish,
            "numDigits": str(num_digits or ""), "language": verb.get("language", "en-US"),
            "timeout": verb.get("timeout", "5")})
        token = self._read(KEYPAD_PROMPT)
        if token is None:
            self._show_input("hangup", {"for": "gather"})
            raise _CallOver(CALLER_HANGUP, "the caller hung up")
        result = _gather_result(token, inputs, finish, num_digits)
        if result is None:
            self._show_input("(silence)", {"for": "gather"})
            if verb.get("actionOnEmptyResult", "").lower() == "true":
                return action, {}
            return None  # Twilio does not call the action: on to the next verb
        if "SpeechResult" in result:
            self._show_input(f"(says) {result['SpeechResult']}", {"for": "gather", **result})
        else:
            self._show_input(result["Digits"], {"for": "gather", **result})
        return action, result

    # --- <Dial> -----------------------------------------------------------------------

    def _dial(self, verb: ET.Element, url: str) -> tuple[str, dict[str, str]] | None:
        number_el = verb.find("Number")
        target = ((number_el.text if number_el is not None else verb.text) or "").strip()
        if not target:
            other = next(iter(verb), None)
            target = (other.text or "").strip() if other is not None else "nobody"
        caller_id = verb.get("callerId") or self.caller
        self._emit("dial", target, f"[transferring to {target}]",
                   {"callerId": caller_id, "action": verb.get("action", "")})
        child_sid = new_call_sid()
        whisper = number_el.get("url") if number_el is not None else None
        if whisper:
            self._whisper(urljoin(url, whisper), child_sid, target, caller_id)
        redirect = self._with_agent()
        if redirect is not None:
            # Redirecting the live call ends the <Dial>; its action is not requested.
            target, method = self._absolute(redirect[0]), redirect[1]
            shown = self._shown(target)
            self._emit("redirect", shown, f"[the agent transferred the call: redirect to {shown}]",
                       {"method": method, "by": "agent"})
            return target, {}
        self._line("[the agent answers; the transfer ends after "
                   f"{DIAL_DURATION_SECONDS} s]")
        if not verb.get("action"):
            return None  # Twilio goes on with the next verb, if any
        return urljoin(url, verb.get("action", "")), {
            "DialCallStatus": "completed", "DialCallDuration": DIAL_DURATION_SECONDS,
            "DialCallSid": child_sid}

    def _with_agent(self) -> tuple[str, str] | None:
        """The caller is with the agent: the redirect the agent's transfer made, if one comes
        within `agent_wait` seconds."""
        if self.on_agent is not None:
            self.on_agent(self.call_sid)
        if self.agent_wait <= 0:
            return None
        self._line(WAITING_FOR_AGENT)
        deadline = time.monotonic() + self.agent_wait
        try:
            while True:
                try:
                    found = self.redirect_source(self.call_sid)
                except RedirectsUnavailable as exc:
                    self._line(f"[{exc}]")
                    return None
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._line("[no transfer back to self-service came]")
                    return None
                time.sleep(min(self.poll_interval, remaining))
        except KeyboardInterrupt:  # Ctrl-C while waiting: the caller hangs up
            raise _CallOver(CALLER_HANGUP, "the caller hung up while with the agent") from None

    def sandbox_redirect(self, call_sid: str) -> tuple[str, str] | None:
        """The default redirect source: ask the app's sandbox call control (a signed POST,
        through the same transport as the webhooks). Raises RedirectsUnavailable when the
        app cannot say (404: it uses real Twilio, or has no sandbox)."""
        url = self.public_url + REDIRECT_POLL_PATH
        form = {"CallSid": call_sid, "AccountSid": self.account_sid}
        try:
            status, text = self.transport.post(self._deliver(url), form,
                                               twilio_headers(url, form, self.auth_token))
        except AppUnreachable as exc:
            raise RedirectsUnavailable(f"could not ask the app for a transfer ({exc.reason}); "
                                       "nothing to wait for") from None
        if status == 204:
            return None
        if status == 404:
            raise RedirectsUnavailable("the app does not use the sandbox call control; "
                                       "nothing to wait for")
        try:
            answer = json.loads(text) if status == 200 else None
        except ValueError:
            answer = None
        target = answer.get("url") if isinstance(answer, dict) else None
        if not isinstance(target, str) or not target:
            raise RedirectsUnavailable(f"the app answered HTTP {status} when asked for a "
                                       "transfer; nothing to wait for")
        method = answer.get("method") if isinstance(answer, dict) else None
        return target, method if isinstance(method, str) and method else "POST"

    def _whisper(self, url: str, child_sid: str, number: str, caller_id: str) -> None:
        """What the agent hears before being connected (<Number url>)."""
        params = {**self._base_params(), "CallSid": child_sid, "ParentCallSid": self.call_sid,
                  "Direction": "outbound-dial", "To": number, "Called": number,
                  "From": caller_id, "Caller": caller_id, "CallStatus": "in-progress"}
        try:
            status, text = self._post_app(url, params)
        except AppUnreachable as exc:
            self._line(f"[the whisper URL could not be reached ({exc.reason})]")
            return
        root = parse_twiml(text) if 200 <= status < 300 else None
        if root is None:
            message = f"[the whisper URL {self._shown(url)} answered HTTP {status} without TwiML]"
            self._emit("http_error", message, message)
            return
        heard = " ".join(spoken_text(el) for el in root.iter("Say"))
        self._emit("whisper", heard, f"[agent hears: {heard}]")

    # --- <Pay> ------------------------------------------------------------------------

    def _pay(self, verb: ET.Element, url: str) -> tuple[str, dict[str, str]]:
        method = (verb.get("paymentMethod") or "credit-card").lower()
        is_bank = method == "ach-debit"
        if is_bank:
            fields: tuple[str, ...] = BANK_FIELDS
        else:
            fields = tuple(f for f in CARD_FIELDS
                           if not (f == "security-code" and _false(verb.get("securityCode")))
                           and not (f == "postal-code" and _false(verb.get("postalCode"))))
        amount = (verb.get("chargeAmount") or "").strip()
        is_charge = _is_positive_amount(amount)
        action = urljoin(url, verb.get("action", "")) if verb.get("action") else url
        what = f"charge {amount} {verb.get('currency', 'usd').upper()}" if is_charge \
            else "save (tokenize)"
        self._line(f"[<Pay>: secure {'bank account' if is_bank else 'card'} entry, {what}; "
                   "digits go to the pay connector, not to the app]")
        values: dict[str, str] = {}
        result: str | None = None
        extra: dict[str, str] = {}
        try:
            for name in fields:
                values[name] = self._collect(verb, name, values)
        except _PayStop as stop:
            result = stop.result
        if result is None:
            self._pay_processing(verb)
            if (not is_bank and not is_charge
                    and (verb.get("tokenType") or "").lower() == STRIPE_PAYMENT_METHOD):
                result, extra = self._stripe_connector(verb, values)
            else:
                result, extra = self._connector(verb, values, is_bank=is_bank,
                                                is_charge=is_charge, amount=amount)
        params = _pay_params(verb, values, result, extra, is_bank=is_bank, is_charge=is_charge,
                             amount=amount)
        self._emit("pay", result, f"[<Pay> result: {result}]", params)
        if result == PAY_HUNG_UP:
            # Twilio still tells the app how <Pay> ended, then the call is over.
            try:
                self._post_app(action, {**self._base_params(), **params})
            except AppUnreachable:
                pass
            raise _CallOver(CALLER_HANGUP, "the caller hung up during <Pay>")
        return action, params

    def _collect(self, verb: ET.Element, name: str, values: Mapping[str, str]) -> str:
        """Ask for one <Pay> field until it is valid, as Twilio does; raises _PayStop."""
        max_attempts = _positive_int(verb.get("maxAttempts")) or 1
        language = verb.get("language", "en-US")
        card_type = _card_type(values.get("payment-card-number", ""))
        error: str | None = None
        for attempt in range(1, max_attempts + 1):
            self._pay_prompt(verb, name, attempt, error, language, card_type)
            token = self._read(f"{_FIELD_LABELS[name]}> ", secret=name in _SECRET_FIELDS)
            if token is None:
                self._show_input("hangup", {"for": name})
                raise _PayStop(PAY_HUNG_UP)
            keys = re.sub(r"\s", "", token)
            if "*" in keys:
                self._show_input("*", {"for": name})
                raise _PayStop(PAY_STAR)
            digits = keys.split("#", 1)[0]
            self._show_input(_masked_input(name, digits) or "(silence)", {"for": name})
            error = "timeout" if not digits else _validate(name, digits, values, verb,
                                                           self.today or date.today())
            if error is None:
                return digits
        raise _PayStop(PAY_TOO_MANY_FAILED)

    def _pay_prompt(self, verb: ET.Element, name: str, attempt: int, error: str | None,
                    language: str, card_type: str) -> None:
        texts = _PROMPTS["es" if language.lower().startswith("es") else "en"]
        prompt = _custom_prompt(verb, name, attempt, error, card_type)
        if error is not None and (prompt is None or not prompt.get("errorType")):
            self._say(texts[error], language)
        if prompt is not None:
            for child in prompt:
                if child.tag in ("Say", "Play", "Pause"):
                    self._speak_verb(child)
            return
        key = "security-code-amex" if name == "security-code" and card_type == "amex" else name
        self._say(texts[key], language)

    def _pay_processing(self, verb: ET.Element) -> None:
        prompt = _custom_prompt(verb, "payment-processing", 1, None, "")
        if prompt is None:
            self._line("[processing the payment...]")
            return
        for child in prompt:
            if child.tag in ("Say", "Play", "Pause"):
                self._speak_verb(child)

    def _connector(self, verb: ET.Element, values: Mapping[str, str], *, is_bank: bool,
                   is_charge: bool, amount: str) -> tuple[str, dict[str, str]]:
        """Call the pay connector like Twilio's Generic Pay Connector; (Result, extra params)."""
        body: dict[str, Any] = {
            "method": "charge" if is_charge else "tokenize",
            "transaction_id": "PK" + secrets.token_hex(16),
            "description": verb.get("description", ""),
            "currency_code": (verb.get("currency") or "usd").upper(),
            "parameters": {p.get("name", ""): p.get("value", "")
                           for p in verb.findall("Parameter") if p.get("name")},
        }
        if is_charge:
            body["amount"] = amount
        else:
            body["token_type"] = verb.get("tokenType") or "reusable"
        if is_bank:
            body.update({
                "payment_method": "ach-debit",
                "bank_routing_number": values["bank-routing-number"],
                "bank_account_number": values["bank-account-number"],
                "bank_account_type": verb.get("bankAccountType") or "consumer-checking",
            })
        else:
            expiry = values["expiration-date"]
            body.update({"cardnumber": values["payment-card-number"],
                         "expiry_month": expiry[:2], "expiry_year": expiry[2:]})
            if "security-code" in values:
                body["cvv"] = values["security-code"]
            if "postal-code" in values:
                body["postal_code"] = values["postal-code"]
        attrs = {"method": body["method"], "url": self.connector_url,
                 "transaction_id": body["transaction_id"],
                 "connector": verb.get("paymentConnector", "")}
        try:
            status, text = self.transport.post_json(self._deliver(self.connector_url), body,
                                                    self.connector_auth)
        except AppUnreachable as exc:
            return self._connector_failed(attrs, "The payment connector could not be reached.",
                                          f"unreachable ({exc.reason})")
        if status != 200:
            return self._connector_failed(
                attrs, f"The payment connector answered HTTP {status}.", f"HTTP {status}")
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return self._connector_failed(
                attrs, "The payment connector's answer was not a JSON object.", "bad JSON")
        id_key, param = (("charge_id", "PaymentConfirmationCode") if is_charge
                         else ("token_id", "PaymentToken"))
        if data.get("error_code"):
            code, message = str(data["error_code"]), str(data.get("error_message") or "")
            self._emit("connector", f"{body['method']} declined: {code}",
                       f"[payment connector: {body['method']} declined ({code})]",
                       {**attrs, "error_code": code})
            extra = {"PaymentError": code}
            if message:
                extra["ConnectorError"] = message
            return PAY_CONNECTOR_ERROR, extra
        if not data.get(id_key):
            return self._connector_failed(
                attrs, f"The payment connector's answer had no {id_key}.", f"no {id_key}")
        ident = str(data[id_key])
        self._emit("connector", f"{body['method']} approved: {ident}",
                   f"[payment connector: {body['method']} approved, {id_key} {ident}]",
                   {**attrs, id_key: ident})
        return PAY_SUCCESS, {param: ident}

    def _stripe(self) -> StripeSettings:
        """The Stripe API the connector talks to: as given, else the in-process app's, else
        the environment's (environment_stripe)."""
        if self.stripe_settings is not None:
            return self.stripe_settings
        app = getattr(self.transport, "app", None)
        container = app.extensions.get("payline") if app is not None else None
        settings = getattr(getattr(container, "settings", None), "stripe", None)
        if isinstance(settings, StripeSettings):
            return settings
        return environment_stripe(os.environ)

    def _stripe_connector(self, verb: ET.Element,
                          values: Mapping[str, str]) -> tuple[str, dict[str, str]]:
        """Twilio's Stripe Pay Connector with tokenType="payment-method": a Stripe
        PaymentMethod made from the keyed card (Twilio's side of the call sees the digits),
        its id posted as PaymentToken; nothing is charged. A card Stripe refuses is a
        payment-connector-error with its code as PaymentError; Stripe unreachable or failing
        is one without (as Twilio reports a connector it could not use)."""
        settings = self._stripe()
        attrs = {"method": "tokenize", "url": settings.api_url,
                 "connector": verb.get("paymentConnector", ""),
                 "token_type": STRIPE_PAYMENT_METHOD}
        expiry = values["expiration-date"]
        card: PaymentMethodCreateParamsCard = {
            "number": values["payment-card-number"], "exp_month": int(expiry[:2]),
            "exp_year": 2000 + int(expiry[2:])}
        if values.get("security-code"):
            card["cvc"] = values["security-code"]
        params: PaymentMethodCreateParams = {"type": "card", "card": card}
        if values.get("postal-code"):
            params["billing_details"] = {"address": {"postal_code": values["postal-code"]}}
        try:
            method = stripe_client(settings).v1.payment_methods.create(params=params)
        except stripe.CardError as exc:
            code = str(getattr(exc.error, "decline_code", None) or exc.code or "card_declined")
            return self._stripe_refused(attrs, code, exc)
        except stripe.InvalidRequestError as exc:  # e.g. a number Stripe does not take
            return self._stripe_refused(attrs, str(exc.code or "invalid_request_error"), exc)
        except stripe.APIConnectionError:
            return self._connector_failed(attrs, "Stripe could not be reached.",
                                          "Stripe unreachable")
        except stripe.StripeError as exc:
            return self._connector_failed(
                attrs, f"Stripe answered HTTP {exc.http_status or '?'}.",
                f"Stripe HTTP {exc.http_status or '?'}")
        ident = str(method.id)
        self._emit("connector", f"tokenize approved: {ident}",
                   f"[Stripe pay connector: PaymentMethod {ident}]",
                   {**attrs, "token_id": ident})
        return PAY_SUCCESS, {"PaymentToken": ident}

    def _stripe_refused(self, attrs: Mapping[str, str], code: str,
                        exc: stripe.StripeError) -> tuple[str, dict[str, str]]:
        code = code[:40]
        self._emit("connector", f"tokenize declined: {code}",
                   f"[Stripe pay connector: card refused ({code})]",
                   {**attrs, "error_code": code})
        message = redact_card_numbers(str(exc.user_message or "The card was refused."))[0]
        return PAY_CONNECTOR_ERROR, {"PaymentError": code, "ConnectorError": message[:200]}

    def _connector_failed(self, attrs: Mapping[str, str], message: str,
                          short: str) -> tuple[str, dict[str, str]]:
        self._emit("connector", short, f"[payment connector: {short}]",
                   {**attrs, "error": short})
        return PAY_CONNECTOR_ERROR, {"ConnectorError": message}


# --- helpers --------------------------------------------------------------------------------


def environment_stripe(env: Mapping[str, str]) -> StripeSettings:
    """The Stripe API of the app at --url, read from the environment as the app reads it;
    without Stripe keys or an API URL, the local trial's localstripe (`make run` with
    PAYLINE_PROCESSOR=stripe starts it on PAYLINE_LOCALSTRIPE_PORT, 8420 by default)."""
    values = dict(env)
    if not values.get("PAYLINE_STRIPE_API_URL", "").strip() \
            and not values.get("STRIPE_SECRET_KEY", "").strip():
        port = values.get("PAYLINE_LOCALSTRIPE_PORT", "").strip() or LOCAL_TRIAL_STRIPE_PORT
        values["PAYLINE_STRIPE_API_URL"] = f"http://127.0.0.1:{port}"
    return StripeSettings.from_env(values)


def parse_twiml(text: str) -> ET.Element | None:
    """The <Response> root of a TwiML answer, or None when `text` is not TwiML."""
    try:
        # The app under test is our own; TwiML has no DTDs or entities to worry about.
        root = ET.fromstring(text)  # noqa: S314
    except ET.ParseError:
        return None
    return root if root.tag == "Response" else None


def error_snippet(text: str) -> str:
    """A short, digit-safe excerpt of an error body, for the one line a person reads."""
    first = " ".join((text or "").split())[:120]
    return f": {redact_card_numbers(first)[0]}" if first else ""


def spoken_text(say: ET.Element) -> str:
    """What a <Say> (with its SSML children) sounds like, as one line of text."""
    return " ".join(_inner(say).split())


def _inner(el: ET.Element) -> str:
    parts = [el.text or ""]
    for child in el:
        parts.append(_ssml(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _ssml(el: ET.Element) -> str:
    tag = el.tag.rsplit("}", 1)[-1].lower()
    if tag == "say-as":
        content = _inner(el)
        if el.get("interpret-as", "").lower() in ("characters", "spell-out", "digits"):
            return " ".join(ch for ch in content if not ch.isspace())
        return content
    if tag == "break":
        return " "
    if tag == "sub":
        return el.get("alias") or _inner(el)
    if tag in ("p", "s"):
        return f" {_inner(el)} "
    return _inner(el)  # prosody, emphasis, lang, phoneme, w, ...


def _positive_int(value: str | None) -> int | None:
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if number > 0 else None


def _false(value: str | None) -> bool:
    return (value or "").strip().lower() == "false"


def _is_positive_amount(amount: str) -> bool:
    try:
        return Decimal(amount) > 0
    except (InvalidOperation, ValueError):
        return False


def _gather_result(token: str, inputs: list[str], finish: str,
                   num_digits: int | None) -> dict[str, str] | None:
    """What Twilio posts for one caller input at a <Gather>; None = no input."""
    if token in ("", "-"):
        return None
    if _SPEECH.match(token) or not _KEYPAD.fullmatch(token):
        words = token[4:] if _SPEECH.match(token) else token
        words = " ".join(words.split())
        if "speech" not in inputs or not words:
            return None
        return {"SpeechResult": words, "Confidence": SPEECH_CONFIDENCE}
    if "dtmf" not in inputs:
        return None
    digits, finished_on = "", ""
    for key in re.sub(r"\s", "", token):
        if finish and key == finish:
            finished_on = key
            break
        digits += key
        if num_digits and len(digits) >= num_digits:
            break
    if not digits:
        return None
    return {"Digits": digits, "FinishedOnKey": finished_on}


def _card_type(number: str) -> str:
    if not number:
        return ""
    return _CARD_TYPES.get(card_brand(number), "unknown")


def _validate(name: str, digits: str, values: Mapping[str, str], verb: ET.Element,
              today: date) -> str | None:
    """Twilio's check of one <Pay> field: None if valid, else its errorType."""
    if name == "payment-card-number":
        if not (12 <= len(digits) <= 19 and luhn_valid(digits)):
            return "invalid-card-number"
        accepted = (verb.get("validCardTypes") or _DEFAULT_CARD_TYPES).lower().split()
        return None if _card_type(digits) in accepted else "invalid-card-type"
    if name == "expiration-date":
        if len(digits) != 4 or not digits.isdigit():
            return "invalid-date"
        month, year = int(digits[:2]), 2000 + int(digits[2:])
        if not 1 <= month <= 12 or (year, month) < (today.year, today.month):
            return "invalid-date"
        return None
    if name == "security-code":
        wanted = 4 if _card_type(values.get("payment-card-number", "")) == "amex" else 3
        return None if len(digits) == wanted and digits.isdigit() else "invalid-security-code"
    if name == "postal-code":
        return None if len(digits) == 5 and digits.isdigit() else "invalid-postal-code"
    if name == "bank-routing-number":
        return None if is_valid_routing_number(digits) else "invalid-bank-routing-number"
    if name == "bank-account-number":
        try:
            normalize_bank_account_number(digits)
        except InvalidPaymentMethod:
            return "invalid-bank-account-number"
        return None
    return None  # pragma: no cover - every field is listed above


def _custom_prompt(verb: ET.Element, name: str, attempt: int, error: str | None,
                   card_type: str) -> ET.Element | None:
    """The app's <Prompt for=...> that Twilio would play now, if any."""
    general: ET.Element | None = None
    for prompt in verb.findall("Prompt"):
        if prompt.get("for") != name:
            continue
        attempts = (prompt.get("attempt") or "").split()
        if attempts and str(attempt) not in attempts:
            continue
        card_types = (prompt.get("cardType") or "").lower().split()
        if card_types and card_type not in card_types:
            continue
        error_types = (prompt.get("errorType") or "").split()
        if error_types:
            if error is not None and error in error_types:
                return prompt  # the most specific match wins
            continue
        if general is None:
            general = prompt
    return general


def _masked_input(name: str, digits: str) -> str:
    """How a <Pay> input is shown: never a card number, security code or account number."""
    if not digits:
        return ""
    if name == "security-code":
        return "•" * len(digits)
    if name in _SECRET_FIELDS or len(digits) > 9:
        return f"•••• {digits[-4:]}" if len(digits) > 4 else "•" * len(digits)
    return digits


def mask_card_number(digits: str) -> str:
    """'4242424242424242' -> 'xxxx-xxxx-xxxx-4242' (Amex: 'xxxx-xxxxxx-x0005'), as Twilio
    reports it."""
    masked = "x" * (len(digits) - 4) + digits[-4:]
    if len(digits) == 15 and _card_type(digits) == "amex":
        return f"{masked[:4]}-{masked[4:10]}-{masked[10:]}"
    groups: list[str] = []
    while masked:
        groups.insert(0, masked[-4:])
        masked = masked[:-4]
    return "-".join(groups)


def _pay_params(verb: ET.Element, values: Mapping[str, str], result: str,
                extra: Mapping[str, str], *, is_bank: bool, is_charge: bool,
                amount: str) -> dict[str, str]:
    """Twilio's <Pay> result parameters: only masked or non-sensitive values."""
    params = {"Result": result, "ProfileId": "",
              "PaymentMethod": "ach-debit" if is_bank else "credit-card"}
    if is_bank:
        params["BankAccountType"] = verb.get("bankAccountType") or "consumer-checking"
    else:
        number = values.get("payment-card-number")
        if number:
            params["PaymentCardNumber"] = mask_card_number(number)
            params["PaymentCardType"] = _card_type(number)
        if values.get("expiration-date"):
            params["ExpirationDate"] = values["expiration-date"]
        if values.get("postal-code"):
            params["PaymentCardPostalCode"] = values["postal-code"]
    if is_charge:
        params["PaymentAmount"] = amount
        params["ChargeAmount"] = amount
    params["Currency"] = verb.get("currency") or "usd"
    params.update(extra)
    return params
