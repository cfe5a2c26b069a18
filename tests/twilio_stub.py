"""A stand-in for Twilio's Messages API: a real HTTP server on a free local port.

It answers `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` the way Twilio does: HTTP basic
auth with the account SID and auth token (else 401, error 20003), a form body with `To`, `Body`
and `From` or `MessagingServiceSid` (else 400 with an error code for the missing field), 21610
for a number in `opted_out`, and 201 with the new Message resource otherwise. Error bodies are
Twilio's JSON ({"code", "message", "more_info", "status"}); like Twilio's, messages quote the
number.
`answer_next(...)` queues a canned answer (a status and body) for the next request instead.

It also answers `POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`, Twilio's "modify
a live call", for redirects: basic auth as above, a form with `Url` (and optional `Method`),
200 with the Call resource for a call registered live with `register_call`, 400 with error
21220 ("Call is not in-progress. Cannot redirect.") for one that `end_call` ended, and 404
(20404) for a call it never heard of. Each accepted redirect is queued per call:
`take_redirect(call_sid)` hands them out once each, oldest first, so the phone simulator can
follow them as Twilio would (`PhoneCall(..., redirect_source=twilio.take_redirect)`).

Every request is recorded as received (method, path, basic-auth credentials, form fields, raw
bytes), so tests can prove what did or did not reach "Twilio". As an HTTP proxy it sees the
absolute URL as the path; it answers the same.

    with TwilioApiStub(ACCOUNT_SID, AUTH_TOKEN) as twilio:
        TwilioSmsNotifier(ACCOUNT_SID, AUTH_TOKEN, consent, clock, from_number=CITY,
                          api_url=twilio.url).send(...)
        assert twilio.requests[0].form["To"] == "+13125550101"
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.http_support import LocalHttpServer

API_VERSION = "2010-04-01"
UNSUBSCRIBED_CODE = 21610
NOT_IN_PROGRESS_CODE = 21220
_CALL_PATH = re.compile(rf"/{API_VERSION}/Accounts/(?P<account>[^/]+)/Calls/"
                        r"(?P<call>[^/]+)\.json")


@dataclass(frozen=True)
class TwilioAnswer:
    status: int = 201
    body: bytes = b"{}"
    content_type: str = "application/json"


@dataclass(frozen=True)
class TwilioRequest:
    method: str
    path: str  # as on the request line: an absolute URL when the stub is used as a proxy
    auth: tuple[str, str] | None  # basic-auth (user, password), if any
    form: dict[str, str]
    raw: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def url_path(self) -> str:
        return urlsplit(self.path).path


def twilio_error(code: int, message: str, status: int = 400) -> TwilioAnswer:
    """An error answer in the 2010 API's JSON format."""
    return TwilioAnswer(status, json.dumps({
        "code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status}).encode())


class TwilioApiStub(LocalHttpServer):
    def __init__(self, account_sid: str, auth_token: str, *, delay: float = 0.0) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.delay = delay  # seconds to wait before answering (timeouts)
        self.opted_out: set[str] = set()  # E.164 numbers Twilio answers 21610 for
        self.requests: list[TwilioRequest] = []
        self.calls: dict[str, str] = {}  # CallSid -> status ("in-progress", "completed")
        self._redirects: dict[str, deque[tuple[str, str]]] = {}
        self._queued: deque[TwilioAnswer] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        super().__init__(self._handler())

    @property
    def messages_path(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

    @property
    def sent(self) -> list[dict[str, str]]:
        """The form fields of every request received, in order."""
        return [request.form for request in self.requests]

    def saw(self, fragment: str) -> bool:
        """Whether any request body, byte for byte, contained `fragment` (form-encoded)."""
        return any(fragment.encode() in request.raw for request in self.requests)

    def calls_path(self, call_sid: str) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{call_sid}.json"

    def register_call(self, call_sid: str) -> None:
        """A live call Twilio knows: redirects of it are accepted."""
        with self._lock:
            self.calls[call_sid] = "in-progress"

    def end_call(self, call_sid: str) -> None:
        with self._lock:
            self.calls[call_sid] = "completed"

    @property
    def call_updates(self) -> list[TwilioRequest]:
        """Every request received for a Call resource, in order."""
        return [r for r in self.requests if _CALL_PATH.fullmatch(r.url_path)]

    def take_redirect(self, call_sid: str) -> tuple[str, str] | None:
        """The oldest accepted redirect of the call not handed out yet, as (url, method)."""
        with self._lock:
            queue = self._redirects.get(call_sid)
            return queue.popleft() if queue else None

    def answer_next(self, *answers: TwilioAnswer) -> None:
        with self._lock:
            self._queued.extend(answers)

    def stop(self) -> None:
        self._stopping.set()  # a delayed answer stops waiting
        super().stop()

    def _answer(self, request: TwilioRequest) -> TwilioAnswer:
        with self._lock:
            if self._queued:
                return self._queued.popleft()
        call = _CALL_PATH.fullmatch(request.url_path)
        if request.method == "POST" and call and call["account"] == self.account_sid:
            if request.auth != (self.account_sid, self.auth_token):
                return twilio_error(20003, "Authenticate", 401)
            return self._update_call(call["call"], request.form)
        if request.method != "POST" or request.url_path != self.messages_path:
            return twilio_error(20404, "The requested resource was not found", 404)
        if request.auth != (self.account_sid, self.auth_token):
            return twilio_error(20003, "Authenticate", 401)
        form = request.form
        to = form.get("To", "")
        if not to:
            return twilio_error(21604, "A 'To' phone number is required.")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return twilio_error(21603, "A 'From' phone number is required.")
        if not form.get("Body"):
            return twilio_error(21602, "Message body is required.")
        if to in self.opted_out:
            return twilio_error(UNSUBSCRIBED_CODE, f"Attempt to send to unsubscribed recipient "
                                                   f"{to}")
        sid = f"SM{uuid.uuid4().hex}"
        return TwilioAnswer(201, json.dumps({
            "sid": sid, "account_sid": self.account_sid, "to": to, "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"), "body": form["Body"],
            "status": "accepted" if form.get("MessagingServiceSid") else "queued",
            "direction": "outbound-api", "api_version": API_VERSION, "error_code": None,
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json",
        }).encode())

    def _update_call(self, call_sid: str, form: dict[str, str]) -> TwilioAnswer:
        with self._lock:
            status = self.calls.get(call_sid)
        if status is None:
            return twilio_error(20404, f"The requested resource {self.calls_path(call_sid)} was "
                                       "not found", 404)
        url = form.get("Url", "")
        if not url.startswith(("http://", "https://")):
            return twilio_error(21205, "Url is not a valid URL.")
        method = (form.get("Method") or "POST").upper()
        if method not in ("GET", "POST"):
            return twilio_error(21207, "Method is not valid.")
        if status != "in-progress":
            return twilio_error(NOT_IN_PROGRESS_CODE,
                                "Call is not in-progress. Cannot redirect.")
        with self._lock:
            self._redirects.setdefault(call_sid, deque()).append((url, method))
        return TwilioAnswer(200, json.dumps({
            "sid": call_sid, "account_sid": self.account_sid, "status": status,
            "direction": "inbound", "api_version": API_VERSION, "to": None, "from": None,
            "uri": self.calls_path(call_sid),
        }).encode())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self._serve()

            def do_GET(self) -> None:
                self._serve()

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                request = TwilioRequest(
                    method=self.command, path=self.path, auth=_basic_auth(self.headers),
                    form=dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)),
                    raw=raw, headers={k.lower(): v for k, v in self.headers.items()})
                with stub._lock:
                    stub.requests.append(request)
                if stub.delay and stub._stopping.wait(stub.delay):
                    return  # stopped while waiting: nobody reads an answer any more
                answer = stub._answer(request)
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet test output

        return Handler



def _basic_auth(headers: Any) -> tuple[str, str] | None:
    value = headers.get("Authorization") or ""
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None
