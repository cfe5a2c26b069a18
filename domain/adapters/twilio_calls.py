"""Live-call control through Twilio's Calls API, spoken directly over HTTP with `requests`.

Redirecting a live call is one form POST to `{api_url}/2010-04-01/Accounts/{AccountSid}/Calls/
{CallSid}.json` with HTTP basic auth and the fields `Url` and `Method`: Twilio fetches that
URL for new TwiML at once, which ends whatever the call was doing (a <Dial> to 311 included).
Twilio answers 200 with the Call resource, 404 for a call it does not know, and 400 with error
21220 ("Call is not in-progress. Cannot redirect.") for a call that has ended. The `twilio`
SDK is not used, for the same reasons as in twilio_sms.py (docs/architecture.md §1).

The URL carries a transfer ticket, so neither it nor Twilio's answer body is ever logged.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

import requests

from domain.adapters.twilio_rest import answer_json, error_code
from domain.config import DEFAULT_TWILIO_API_URL
from domain.errors import CallControlUnavailable, CallNotLive
from domain.ports import CallControl

log = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
NOT_IN_PROGRESS = 21220  # Twilio: "Call is not in-progress. Cannot redirect."
# An agent waits on this in the console; Twilio answers in well under a second.
DEFAULT_TIMEOUT_SECONDS = 10.0
_CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")


class TwilioCallControl(CallControl):
    def __init__(self, account_sid: str, auth_token: str,
                 api_url: str = DEFAULT_TWILIO_API_URL,
                 timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        if not account_sid or not auth_token:
            raise ValueError("Twilio call control needs an account SID and an auth token")
        self._calls_url = f"{api_url.rstrip('/')}/{API_VERSION}/Accounts/{account_sid}/Calls"
        self._timeout = timeout
        # trust_env stays True: production may reach Twilio only through HTTPS_PROXY.
        self._http = requests.Session()
        self._http.auth = (account_sid, auth_token)
        self._http.headers["Accept"] = "application/json"

    def redirect(self, call_sid: str, url: str) -> None:
        if not _CALL_SID.fullmatch(call_sid or ""):
            raise CallNotLive()  # no such call can exist; never put it in a URL path
        target = f"{self._calls_url}/{quote(call_sid)}.json"
        try:
            response = self._http.post(target, data={"Url": url, "Method": "POST"},
                                       timeout=self._timeout, allow_redirects=False)
        except requests.RequestException as exc:  # refused, timed out, DNS, TLS, proxy...
            log.warning("cannot reach Twilio to redirect call %s (%s)", call_sid,
                        type(exc).__name__)
            raise CallControlUnavailable() from None
        status = response.status_code
        answer = answer_json(response)
        code = error_code(answer)
        if 200 <= status < 300:
            if answer.get("sid") == call_sid:
                log.info("call %s redirected by Twilio", call_sid)
                return
            # Not the Call resource: maybe not Twilio at all (a proxy's page).
            log.warning("unexpected answer from Twilio to the redirect of call %s (HTTP %s)",
                        call_sid, status)
            raise CallControlUnavailable()
        if status == 404 or code == NOT_IN_PROGRESS:
            log.info("Twilio cannot redirect call %s: not live (HTTP %s, error %s)", call_sid,
                     status, code or "?")
            raise CallNotLive()
        log.warning("Twilio refused to redirect call %s (HTTP %s, error %s)", call_sid, status,
                    code or "?")
        raise CallControlUnavailable()

