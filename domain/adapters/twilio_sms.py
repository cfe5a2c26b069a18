"""Texts out through Twilio's Messages API, spoken directly over HTTP with `requests`.

Sending a text is one form POST: `{api_url}/2010-04-01/Accounts/{AccountSid}/Messages.json`
with HTTP basic auth (account SID, auth token) and the fields `To`, `Body` and either
`MessagingServiceSid` or `From`. Twilio answers 201 with the new Message resource (its `sid`),
or an error status with a JSON body such as {"code": 21610, "message": "...", "more_info": "...",
"status": 400}. The `twilio` SDK is not used for that: domain/ imports no Flask, Twilio or Rasa
(docs/architecture.md §1, tests/unit/test_architecture.py), and one POST does not need it. `api_url`
(PAYLINE_TWILIO_API_URL) lets a local stand-in play Twilio in tests and development.

Twilio keeps its own STOP list per sender: a text to a number that opted out there comes back
as error 21610 ("attempt to send to unsubscribed recipient"). That opt-out is recorded in our
SmsConsent too (source "twilio-21610"), so the consent guard refuses the next text before it
leaves, and the caller gets RecipientOptedOut. Every other refusal, and a Twilio that cannot be
reached, becomes one SmsDeliveryError naming the HTTP status and Twilio's error code, never
the body or the number's digits (Twilio's own messages quote the number, so they are not kept).

Bodies go through the card-number redactor first, whatever the caller passes in
(docs/architecture.md §5).
The HTTP session keeps requests' default trust_env: production may reach api.twilio.com only
through an outbound proxy (HTTPS_PROXY), which must keep working.
"""

from __future__ import annotations

import logging

import requests

from domain.adapters.twilio_rest import answer_json, error_code
from domain.cards import redact_card_numbers
from domain.config import DEFAULT_TWILIO_API_URL
from domain.errors import InvalidInput, RecipientOptedOut
from domain.phone import mask_phone, normalize_phone
from domain.ports import Clock, Notification, Notifier, SmsConsent

log = logging.getLogger(__name__)

CHANNEL = "sms"
API_VERSION = "2010-04-01"
UNSUBSCRIBED = 21610  # Twilio: "Attempt to send to unsubscribed recipient"
OPT_OUT_SOURCE = "twilio-21610"
# A text is sent while a caller waits on the line (a receipt at the end of a call), and Twilio
# gives a voice webhook 15 seconds in all: never wait longer than this on the Messages API.
DEFAULT_TIMEOUT_SECONDS = 5.0


class SmsDeliveryError(RuntimeError):
    """Twilio did not take the message, or could not be reached. `permanent` is True for a 4xx
    answer (the same message would be refused again); `code` is Twilio's error code, if any."""

    def __init__(self, message: str, *, permanent: bool = False,
                 code: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


class TwilioSmsNotifier(Notifier):
    """Notifier for the "sms" channel that sends each message with Twilio's Messages API.

    Sends from the Messaging Service when one is given (Twilio picks the sender from its pool),
    else from `from_number`.
    """

    def __init__(self, account_sid: str, auth_token: str, consent: SmsConsent, clock: Clock, *,
                 from_number: str | None = None,
                 messaging_service_sid: str | None = None,
                 api_url: str = DEFAULT_TWILIO_API_URL,
                 timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        if not account_sid or not auth_token:
            raise ValueError("Twilio SMS needs an account SID and an auth token")
        if messaging_service_sid:
            self._sender = {"MessagingServiceSid": messaging_service_sid}
        elif from_number:
            self._sender = {"From": normalize_phone(from_number)}
        else:
            raise ValueError("Twilio SMS needs a from number or a messaging service SID")
        self._url = f"{api_url.rstrip('/')}/{API_VERSION}/Accounts/{account_sid}/Messages.json"
        self._timeout = timeout
        self._consent = consent
        self._clock = clock
        # One session: connections to Twilio are kept alive between texts. trust_env stays
        # True (the default), so HTTPS_PROXY / NO_PROXY apply.
        self._http = requests.Session()
        self._http.auth = (account_sid, auth_token)
        self._http.headers["Accept"] = "application/json"

    def send(self, notification: Notification) -> None:
        if (notification.channel or "").strip().lower() != CHANNEL:
            raise InvalidInput("This notifier only sends text messages.")
        to = normalize_phone(notification.to)
        if not isinstance(notification.body, str) or not notification.body.strip():
            raise InvalidInput("A notification needs a message.")
        body, _ = redact_card_numbers(notification.body)
        kind = notification.kind or "message"
        try:
            response = self._http.post(self._url, data={"To": to, "Body": body, **self._sender},
                                       timeout=self._timeout, allow_redirects=False)
        except requests.RequestException as exc:  # refused, timed out, DNS, TLS, proxy...
            # Only the exception's type: its text holds the URL, and a proxy's may say more.
            raise SmsDeliveryError(f"cannot reach Twilio to text {mask_phone(to)} "
                                   f"({type(exc).__name__})") from None
        answer = answer_json(response)
        status = response.status_code
        if 200 <= status < 300:
            sid = answer.get("sid")
            if status == 201 and isinstance(sid, str) and sid:
                log.info("sms %s sent to %s as %s", kind, mask_phone(to), sid)
                return
            # Not the Message resource Twilio creates: maybe not Twilio at all (a wrong
            # PAYLINE_TWILIO_API_URL, a proxy's page). Whether it went out is unknown.
            raise SmsDeliveryError(f"unexpected answer from Twilio to the text to "
                                   f"{mask_phone(to)} (HTTP {status}, no message SID)")
        raise self._refused(to, kind, status, answer)

    def _refused(self, to: str, kind: str, status: int,
                 answer: dict[str, object]) -> Exception:
        code = error_code(answer)
        if code == UNSUBSCRIBED:
            log.info("sms %s to %s refused by Twilio: the number opted out (21610)", kind,
                     mask_phone(to))
            try:
                self._consent.opt_out(to, self._clock.now(), OPT_OUT_SOURCE)
            except Exception:  # still refused: the caller must hear so either way
                log.exception("could not record the opt-out of %s", mask_phone(to))
            return RecipientOptedOut()
        # Twilio's "message" is left out on purpose: it quotes the number.
        permanent = 400 <= status < 500
        return SmsDeliveryError(f"Twilio refused the text to {mask_phone(to)} "
                                f"(HTTP {status}, error {code or '?'})",
                                permanent=permanent, code=code)

