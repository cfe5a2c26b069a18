"""The SMS simulator behind `payline text` (docs/architecture.md §3): Twilio Messaging, played
offline.

`TextThread` does what Twilio does when a resident texts the city's number: it POSTs a signed,
form-encoded webhook to `{base}/sms` with the parameters of Twilio's Messaging webhook, reads
the TwiML answer (the <Message>s to send back, a <Redirect> to follow) and returns the replies.
`resend_last()` re-POSTs the previous text with the same MessageSid, as Twilio does when a
webhook times out: the app must answer again without acting twice.

Programmatic use (tests drive whole SMS threads through the real app this way)::

    thread = TextThread(FlaskTransport(app), sender="+13125550101")
    replies = thread.send("BAL")
    thread.resend_last()           # a Twilio retry of "BAL"
    thread.transcript.requests     # every signed POST: (URL as signed, parameters)

The simulator only relays text. What it prints goes through the channels' card-number
redaction; the transcript keeps the raw text so tests can catch an app that leaks digits.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import phonenumbers

from domain.cards import redact_card_numbers
from ivr.settings import ChannelSettings
from sandbox.simulators.phone import (
    API_VERSION,
    DEFAULT_CALLED,
    DEFAULT_CALLER,
    AppUnreachable,
    SimulatorError,
    Transport,
    delivery_url,
    error_snippet,
    is_absolute_url,
    parse_twiml,
    shown_url,
    twilio_headers,
)

SMS_PATH = "/sms"
MAX_REDIRECTS = 5
MEDIA_OMITTED = "[media omitted]"

# GSM 03.38: the default alphabet (one septet each) and its extension table (an escape plus
# the character: two septets, never split across segments).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
# Units per segment: a single SMS, or each part of a concatenated one (its header takes the
# rest of the 140 octets).
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def new_message_sid() -> str:
    """A Twilio-shaped message SID: "SM" and 32 hex digits."""
    return "SM" + secrets.token_hex(16)


def sms_segments(body: str) -> int:
    """How many segments a text takes, as Twilio counts NumSegments.

    GSM-7 when every character is in the GSM alphabet (160, or 153 per part), else UCS-2 (70,
    or 67 UTF-16 units per part). A character is never split across parts, so an emoji (two
    UTF-16 units) or a GSM extension character (two septets) may start a new one.
    """
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in body):
        sizes = [2 if ch in GSM7_EXTENSION else 1 for ch in body]
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in body]
        single, part = UCS2_SINGLE, UCS2_PART
    if sum(sizes) <= single:
        return 1
    segments, used = 1, 0
    for size in sizes:
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return segments


def _country(number: str) -> str:
    """FromCountry/ToCountry as Twilio sends them ("US"), or "" when unknown."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or ""
    except phonenumbers.NumberParseException:
        return ""


# --- the transcript -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One <Message> the app sent back: `to` is the sender unless the app said otherwise."""

    body: str
    to: str
    from_: str
    media: int = 0


@dataclass(frozen=True)
class TextEvent:
    """One thing that happened in the thread.

    kind: sent, retry, reply (to the sender), forwarded (a <Message to> someone else),
    no_reply, redirect, skipped, http_error. For "http_error", attrs["status"] is the HTTP
    status ("" when there was none).
    """

    kind: str
    text: str = ""
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass
class TextTranscript:
    """Everything a thread did, for assertions and for replaying webhooks."""

    events: list[TextEvent] = field(default_factory=list)
    # Every signed form POST to the app, in order: (absolute URL as signed, parameters).
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    messages: list[Reply] = field(default_factory=list)  # every <Message>, whoever it is to

    def of_kind(self, kind: str) -> list[TextEvent]:
        return [e for e in self.events if e.kind == kind]

    @property
    def sent(self) -> list[str]:
        """The texts the resident sent (not counting Twilio's retries)."""
        return [e.text for e in self.of_kind("sent")]

    @property
    def replies(self) -> list[str]:
        """The text of every reply to the sender, in order."""
        return [e.text for e in self.of_kind("reply")]

    @property
    def errors(self) -> list[str]:
        return [e.text for e in self.of_kind("http_error")]

    @property
    def deliveries(self) -> int:
        """How many texts reached the app's webhook, Twilio's retries included."""
        return len(self.of_kind("sent")) + len(self.of_kind("retry"))

    def params_posted_to(self, path: str) -> list[dict[str, str]]:
        """The parameters of every request whose URL path (without query) is `path`."""
        return [params for url, params in self.requests if urlsplit(url).path == path]


# --- the thread -----------------------------------------------------------------------------


def incoming_sms_params(sender: str, to: str, body: str, account_sid: str,
                        message_sid: str | None = None) -> dict[str, str]:
    """The parameters of Twilio's incoming-message webhook for a plain SMS (a new MessageSid
    unless one is given)."""
    sid = message_sid or new_message_sid()
    # Twilio fills City/State/Zip when it knows them; the simulator does not guess.
    return {
        "MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid,
        "AccountSid": account_sid, "From": sender, "To": to, "Body": body,
        "NumMedia": "0", "NumSegments": str(sms_segments(body)), "SmsStatus": "received",
        "ApiVersion": API_VERSION,
        "FromCountry": _country(sender), "FromState": "", "FromCity": "", "FromZip": "",
        "ToCountry": _country(to), "ToState": "", "ToCity": "", "ToZip": "",
    }


class TextThread:
    """A resident's text conversation with Payline: one sender, the city's number."""

    def __init__(self, transport: Transport, *, sender: str = DEFAULT_CALLER,
                 to: str = DEFAULT_CALLED, public_url: str | None = None,
                 auth_token: str | None = None, account_sid: str | None = None,
                 sms_path: str = SMS_PATH, echo: Callable[[str], None] | None = None,
                 echo_sent: bool = True, max_redirects: int = MAX_REDIRECTS) -> None:
        # As PhoneCall: the in-process app's own settings first, so a test app's token signs.
        settings = transport.channels or ChannelSettings.from_env()
        self.transport = transport
        self.sender = sender
        self.to = to
        self.auth_token = auth_token if auth_token is not None else settings.twilio_auth_token
        self.account_sid = account_sid or settings.twilio_account_sid
        # The base URL Twilio "calls" (and signs); requests are delivered to transport.base_url.
        self.public_url = (public_url or transport.base_url).rstrip("/")
        self.sms_url = sms_path if is_absolute_url(sms_path) else self.public_url + sms_path
        self.max_redirects = max_redirects
        self.transcript = TextTranscript()
        self._echo = echo
        self._echo_sent = echo_sent  # off when a person typed the text at a prompt
        self._last: dict[str, str] | None = None

    @property
    def last_message_sid(self) -> str | None:
        """The MessageSid `resend_last()` would send again; None before the first text."""
        return self._last["MessageSid"] if self._last else None

    def send(self, body: str) -> list[str]:
        """Text `body` to the city (a new MessageSid); the replies to the sender, in order.

        Raises AppUnreachable if nothing answers at the SMS webhook.
        """
        params = self._params(body)
        self._last = params
        self._emit("sent", body, f"you> {_printable(body)}" if self._echo_sent else None,
                   {"MessageSid": params["MessageSid"]})
        return self._deliver(params)

    def resend_last(self) -> list[str]:
        """Twilio's retry after a webhook timeout: the previous text again, same MessageSid."""
        if self._last is None:
            raise SimulatorError("there is no text to retry yet")
        sid = self._last["MessageSid"]
        self._emit("retry", self._last["Body"],
                   f"[Twilio retries {sid}: the same text again, as after a webhook timeout]",
                   {"MessageSid": sid})
        return self._deliver(dict(self._last))

    # --- webhooks ---------------------------------------------------------------------

    def _params(self, body: str) -> dict[str, str]:
        return incoming_sms_params(self.sender, self.to, body, self.account_sid)

    def _deliver(self, params: dict[str, str]) -> list[str]:
        """POST the text and play the TwiML, following <Redirect>s with the same parameters."""
        replies: list[Reply] = []
        url = self.sms_url
        redirects = 0
        failed = False
        while True:
            root = self._fetch(url, params, first=redirects == 0)
            if root is None:
                failed = True
                break
            target = self._run(root, url, replies)
            if target is None:
                break
            if redirects >= self.max_redirects:
                self._error(f"[the simulator stopped after {self.max_redirects} redirects "
                            "(a <Redirect> loop?)]", "")
                failed = True
                break
            redirects += 1
            url = target
        if not replies and not failed:
            self._emit("no_reply", "", "[no reply]")
        return [r.body for r in replies if r.to == self.sender]

    def _fetch(self, url: str, params: Mapping[str, str], *, first: bool) -> ET.Element | None:
        """One signed POST; its TwiML, or None after reporting why there is none."""
        form = dict(params)
        self.transcript.requests.append((url, dict(form)))
        shown = shown_url(url, self.public_url)
        try:
            status, text = self.transport.post(
                delivery_url(url, self.public_url, self.transport.base_url), form,
                twilio_headers(url, form, self.auth_token))
        except AppUnreachable as exc:
            if first:
                raise
            self._error(f"[could not reach {shown} ({exc.reason}); Twilio sends nothing more]",
                        "")
            return None
        if not 200 <= status < 300:
            hint = (" (a signature mismatch? the app checks it against its PAYLINE_PUBLIC_URL)"
                    if status == 403 else "")
            self._error(f"[the app answered HTTP {status} to POST {shown}{error_snippet(text)}"
                        f"{hint}; Twilio sends no reply]", str(status))
            return None
        root = parse_twiml(text)
        if root is None:
            self._error(f"[the app answered HTTP {status} to POST {shown} with something that "
                        f"is not TwiML{error_snippet(text)}; Twilio sends no reply]",
                        str(status))
        return root

    def _run(self, root: ET.Element, url: str, replies: list[Reply]) -> str | None:
        """Send the document's <Message>s in order; the <Redirect> target, if any."""
        for verb in root:
            if verb.tag == "Message":
                reply = self._message(verb)
                if reply is not None:
                    replies.append(reply)
            elif verb.tag == "Redirect":
                # Twilio POSTs the same message parameters there; later verbs never run.
                text = (verb.text or "").strip()
                target = urljoin(url, text) if text else url
                self._emit("redirect", target,
                           f"[redirect to {shown_url(target, self.public_url)}]")
                return target
            else:
                self._emit("skipped", verb.tag,
                           f"[<{verb.tag}> is not messaging TwiML; skipped]")
        return None

    def _message(self, verb: ET.Element) -> Reply | None:
        parts = [verb.text or ""]
        media = 0
        for child in verb:
            if child.tag == "Body":
                parts.append(child.text or "")
            elif child.tag == "Media":
                media += 1
            parts.append(child.tail or "")
        body = "".join(parts).strip()
        if media:
            body = f"{body} {MEDIA_OMITTED}" if body else MEDIA_OMITTED
        if not body:
            self._emit("skipped", "Message", "[an empty <Message>: Twilio sends nothing]")
            return None
        reply = Reply(body, verb.get("to") or self.sender, verb.get("from") or self.to, media)
        self.transcript.messages.append(reply)
        self._emit("reply" if reply.to == self.sender else "forwarded", body,
                   f"{self._label(reply)}> {_printable(body)}",
                   {"to": reply.to, "from": reply.from_})
        return reply

    def _label(self, reply: Reply) -> str:
        notes = [f"from {reply.from_}"] if reply.from_ != self.to else []
        if reply.to != self.sender:
            notes.append(f"to {reply.to}")
        return f"Payline ({', '.join(notes)})" if notes else "Payline"

    # --- output -----------------------------------------------------------------------

    def _emit(self, kind: str, text: str, line: str | None = None,
              attrs: Mapping[str, str] | None = None) -> None:
        self.transcript.events.append(TextEvent(kind, text, dict(attrs or {})))
        if line is not None and self._echo is not None:
            self._echo(line)

    def _error(self, message: str, status: str) -> None:
        self._emit("http_error", message, message, {"status": status})


def _printable(text: str) -> str:
    """Text as shown on a terminal: never a card number, whoever typed it."""
    return redact_card_numbers(text)[0]
