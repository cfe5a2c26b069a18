"""No public route answers a 500 (issue 14 §8): hostile input gets a polite answer in its
channel and changes nothing.

First the cases found by hand (non-ASCII and malformed HTTP Basic auth on the pay connector,
deeply nested JSON on the chat API and the connector), then a table of hostile requests sent
to every public route outside the agent console: huge and odd form fields, invalid UTF-8, NUL
bytes, wrong content types, odd query strings. Twilio's routes are signed the way Twilio
signs, so the hostile input reaches the code behind the signature check; a phone call is also
walked step by step with hostile input at every step it reaches. Every answer must be below
500 (Twilio's routes: 200 with TwiML), nothing may be logged as an unhandled error, and no
payment, link use or paperless change may come of it.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.model import Actor, Channel, LinkPurpose
from domain.money import Money
from ivr.chat.views import CSRF_HEADER
from ivr.settings import DEV_CONNECTOR_PASSWORD, DEV_CONNECTOR_USER, ChannelSettings
from ivr.voice.flow import STEPS
from ivr.web.json_body import MAX_DEPTH
from ivr.web.twilio_signature import sign
from tests.e2e.voice_support import DANA, VoiceCity, voice_city

CONNECTOR = "/sandbox/pay-connector"
MESSAGES = "/chat/api/messages"
CALLER = "+13125550101"


@pytest.fixture
def city(tmp_path: Path) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def charge(**fields: Any) -> dict[str, Any]:
    return {"method": "charge", "transaction_id": "PKhostile", "amount": "10.00",
            "currency_code": "USD", "cardnumber": "4242424242424242", "cvv": "123",
            "expiry_month": "12", "expiry_year": "2030", "postal_code": "60601", **fields}


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def charges(city: VoiceCity) -> int:
    return len(city.rows("SELECT * FROM sandbox_charges"))


# --- the pay connector's Basic auth ------------------------------------------------------------
def latin1(text: str) -> str:
    """A header as a WSGI server hands it over: the UTF-8 bytes read as Latin-1."""
    return text.encode().decode("latin-1")


@pytest.mark.parametrize("header", [
    latin1("Basic ñandú:contraseña"),  # non-ASCII where base64 belongs
    latin1("Basic ZGV2OmRldg==ñ"),
    "Basic \xff\xfe",
    basic("usér", "pässwörd"),  # base64 of UTF-8: readable, just wrong
    "Basic " + base64.b64encode("é:\xff".encode("latin-1")).decode(),  # not UTF-8 inside
    "Basic", "Basic ", "Basic !!!!", "Basic ====", "Basic a", "Basic " + "A" * 5000,
    "Digest username=x", "Bearer " + DEV_CONNECTOR_PASSWORD, "\x00", latin1("Bäsic eA=="),
])
def test_malformed_or_non_ascii_basic_auth_is_refused_politely(city: VoiceCity,
                                                               header: str) -> None:
    response = city.app.test_client().post(CONNECTOR, json=charge(),
                                           headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error_code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert charges(city) == 0


def test_the_right_credentials_still_work(city: VoiceCity) -> None:
    response = city.app.test_client().post(
        CONNECTOR, json=charge(), headers={"Authorization": basic(DEV_CONNECTOR_USER,
                                                                  DEV_CONNECTOR_PASSWORD)})
    assert response.status_code == 200 and response.get_json()["charge_id"]
    assert charges(city) == 1


# --- deeply nested JSON ------------------------------------------------------------------------
AUTH = {"Authorization": basic(DEV_CONNECTOR_USER, DEV_CONNECTOR_PASSWORD)}


@pytest.mark.parametrize("body", [
    nested(5000),
    '{"method": "charge", "transaction_id": ' + nested(5000) + "}",
    '{"a": ' * 2000 + "1" + "}" * 2000,
    '{"method": "charge", "amount": ' + nested(MAX_DEPTH + 1) + "}",
    '{"method": "charge", "x": "' + "[" * 3000 + '", "y": ' + nested(MAX_DEPTH) + "}",
])
def test_deeply_nested_json_on_the_connector_is_an_invalid_request(city: VoiceCity,
                                                                   body: str) -> None:
    response = city.app.test_client().post(CONNECTOR, data=body,
                                           content_type="application/json", headers=AUTH)
    assert response.status_code == 400
    assert response.get_json()["error_code"] == "invalid_request"
    assert charges(city) == 0


def test_brackets_inside_strings_are_not_nesting(city: VoiceCity) -> None:
    body = json.dumps(charge(description="[" * 3000 + "{" * 3000))
    response = city.app.test_client().post(CONNECTOR, data=body,
                                           content_type="application/json", headers=AUTH)
    assert response.status_code == 200 and response.get_json()["charge_id"]


@pytest.mark.parametrize("field", ["transaction_id", "amount", "description", "cardnumber",
                                   "expiry_year", "token", "method"])
def test_nested_values_within_the_limit_get_a_connector_answer(city: VoiceCity,
                                                               field: str) -> None:
    """A value the processor then reads (str() of a deep list, ...) is answered, never a
    crash: the connector's JSON with its error code (None when the sandbox accepted it)."""
    body = json.dumps(charge(**{field: json.loads(nested(MAX_DEPTH - 1))}))
    response = city.app.test_client().post(CONNECTOR, data=body,
                                           content_type="application/json", headers=AUTH)
    assert response.status_code in (200, 400)
    assert "error_code" in response.get_json()


@dataclass
class Chat:
    client: FlaskClient
    csrf: str

    def post(self, data: str | bytes, content_type: str = "application/json") -> Any:
        return self.client.post(MESSAGES, data=data, content_type=content_type,
                                headers={CSRF_HEADER: self.csrf})


def open_chat(app: Flask) -> Chat:
    client = app.test_client()
    page = client.get("/chat").get_data(as_text=True)
    match = re.search(r'data-csrf-token="([^"]+)"', page)
    assert match
    return Chat(client, match.group(1))


@pytest.mark.parametrize("body", [
    nested(5000),
    '{"message": "hi", "payload": ' + nested(5000) + "}",
    '{"message": ' + '{"a": ' * 2000 + "1" + "}" * 2000 + "}",
    '{"message": "hi", "extra": ' + nested(MAX_DEPTH + 1) + "}",
])
def test_deeply_nested_json_on_the_chat_api_is_a_polite_400(city: VoiceCity,
                                                           body: str) -> None:
    response = open_chat(city.app).post(body)
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["error"] == "malformed"
    assert "couldn't read that message" in answer["messages"][0]["text"]


# --- every public route, hostile input ---------------------------------------------------------
# Form fields Twilio (and browsers) send, with hostile values.
HOSTILE_FIELDS: list[dict[str, str]] = [
    {"Digits": "1" * 20_000},
    {"SpeechResult": "yes " * 5_000},
    {"Digits": "١٢٣٤"}, {"Digits": "１２"}, {"Digits": "\x00"}, {"Digits": "1\x002"},
    {"Digits": "-1"}, {"Digits": "9" * 30}, {"Digits": "#*#*0*"}, {"Digits": "🙂"},
    {"SpeechResult": "\x00\x01\x7f yes"}, {"SpeechResult": "is there a fee?",
                                            "Confidence": "NaN"},
    {"From": "anonymous"}, {"From": ""}, {"From": "+266696687"}, {"From": "\x00+1"},
    {"From": "+1" + "9" * 200}, {"CallSid": ""}, {"CallSid": "CA" + "x" * 5000},
    {"CallSid": "CA\x00"}, {"MessageSid": "SM\x00"}, {"Body": "\x00" * 100},
    {"Body": "yes\x00"}, {"Body": "x" * 20_000}, {"NumMedia": "99999999999999999999999"},
    {"NumMedia": "-5"}, {"Result": "\x00", "PaymentToken": "\x00"},
    {"Result": "success", "PaymentConfirmationCode": "x" * 5_000},
    {"Result": "success", "PaymentCardNumber": "4242424242424242"},
    {"CallStatus": "\x00" * 50}, {"OptOutType": "\x00"}, {"Language": "xx" * 100},
    {"csrf_token": "\x00", "email": "a@b" * 2_000}, {"payment_token": "\x00" * 300},
    {"state": "x" * 10_000}, {"return_url": "javascript:alert(1)"},
    {"accepted_fee": "1e999999"}, {"accepted_fee": "NaN"}, {"save_method": "yes",
                                                            "nickname": "\x00" * 500},
    {"method": "card", "card_number": "４２４２" * 4}, {"handoff": "9" * 40},
]
# Raw bodies and content types: (body, content type).
HOSTILE_BODIES: list[tuple[bytes, str]] = [
    (b"Digits=%FF%FE&Body=%C3%28&SpeechResult=%ED%A0%80", "application/x-www-form-urlencoded"),
    (b"Digits=\xff\xfe&Body=\xc3\x28", "application/x-www-form-urlencoded"),
    (b"Body=%00%00&Digits=%00", "application/x-www-form-urlencoded"),
    (b"&&&==&=&Digits&Digits=1&Digits=2", "application/x-www-form-urlencoded"),
    (b'{"Digits": "1", "Body": "hi"}', "application/json"),
    (nested(3000).encode(), "application/json"),
    (b"\xff\xfe\x00\x00", "application/json"),
    (b"--x\r\nContent-Disposition: form-data; name=\"Digits\"\r\n\r\n1\r\n--x--\r\n",
     "multipart/form-data; boundary=x"),
    (b"garbage without a boundary", "multipart/form-data"),
    (b"Digits=1", "text/plain"),
    (b"", "application/octet-stream"),
    (b"x" * 40_000, "application/x-www-form-urlencoded"),
]
HOSTILE_QUERIES = ["t=%FF%FE", "t=99999999999999999999999999", "t=-1", "t=1&t=2", "t=%00",
                   "ticket=%00", "ticket=" + "x" * 3000, "handoff=99999999999999999999",
                   "handoff=-1", "handoff=%FF", "method=%00", "method=card&step=%FF",
                   "%FF=%FF", "t=1e9"]

TWILIO_SIGNED = re.compile(r"^/(voice/|sms$|sandbox/calls/)")
JSON_ROUTES = frozenset({MESSAGES, "/chat/api/restart", CONNECTOR})


@dataclass
class PublicRoutes:
    """The app's public routes (no agent console), with real tokens where a route has one."""

    city: VoiceCity
    paths: list[tuple[str, str]]  # (method, path)
    chat: Chat | None = None  # a browser session with its CSRF token, for the chat API
    sent: int = 0

    @classmethod
    def of(cls, city: VoiceCity) -> PublicRoutes:
        container = city.container
        account_id = city.rows("SELECT id FROM accounts WHERE account_number = :n",
                               n=DANA)[0].id
        actor = Actor.resident(Channel.SMS, "hostile-test")
        pay = container.pay_link_service().offer(account_id, Money.of("10.00"), actor)
        paperless = container.link_service().issue(LinkPurpose.PAPERLESS, account_id, actor)
        paths: list[tuple[str, str]] = []
        for rule in city.app.url_map.iter_rules():
            if rule.rule.startswith(("/agent", "/static")) or rule.endpoint.endswith(".static"):
                continue
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                path = rule.rule
                path = path.replace("<path:unknown>", "no/such/step")
                if path.startswith("/pay/"):
                    path = path.replace("<token>", pay.token)
                elif path.startswith("/paperless/"):
                    path = path.replace("<token>", paperless)
                paths.append((method, path))
        # Unknown and odd tokens too.
        paths += [("GET", "/pay/" + "x" * 300), ("POST", "/pay/%00/confirm"),
                  ("GET", "/paperless/..%2F..%2Fetc"), ("POST", "/paperless/" + "A" * 100)]
        return cls(city, paths)

    def send(self, method: str, path: str, *, query: str = "",
             fields: dict[str, str] | None = None, body: bytes | None = None,
             content_type: str = "application/x-www-form-urlencoded") -> Any:
        app = self.city.app
        channels: ChannelSettings = app.extensions["payline.channels"]
        if fields is not None and path in JSON_ROUTES:
            # The JSON APIs get the same values as JSON (the connector's fields, the chat's
            # message and button payload).
            values = list(fields.values())
            body = json.dumps({**charge(), **fields, "message": values[0],
                               "payload": values[-1]}).encode()
            content_type = "application/json"
        elif fields is not None:
            # A new call and message each time, so no request is a replay of another.
            self.sent += 1
            base = {"CallSid": f"CAhostile{self.sent:06d}", "From": CALLER,
                    "AccountSid": channels.twilio_account_sid, "To": "+13125550100",
                    "MessageSid": f"SMhostile{self.sent:06d}"}
            body = urlencode({**base, **fields}).encode()
        url = path + (f"?{query}" if query else "")
        headers = {}
        if TWILIO_SIGNED.match(path) and method == "POST":
            # Sign what the app will read, exactly as Twilio would have signed it.
            with app.test_request_context(url, method=method, data=body,
                                          content_type=content_type):
                from flask import request

                try:
                    params = request.form.to_dict(flat=True)
                except Exception:  # a body too large to read: signed as if empty
                    params = {}
                full = f"{channels.public_url}{request.path}" + (
                    f"?{request.query_string.decode('latin-1')}" if request.query_string
                    else "")
            headers["X-Twilio-Signature"] = sign(full, params, channels.twilio_auth_token)
        if path == "/sandbox/pay-connector":
            headers["Authorization"] = basic(DEV_CONNECTOR_USER, DEV_CONNECTOR_PASSWORD)
        client = app.test_client()
        if path.startswith("/chat/api/"):
            self.chat = self.chat or open_chat(app)
            client = self.chat.client
            headers[CSRF_HEADER] = self.chat.csrf
        return client.open(url, method=method, data=body if method == "POST" else None,
                           content_type=content_type, headers=headers)


def check(response: Any, method: str, path: str, what: str) -> None:
    # 503 is the chat's polite "the assistant isn't available" (the bot is down here).
    assert response.status_code < 500 or (response.status_code == 503 and path.startswith(
        "/chat/api/")), f"{response.status_code} for {method} {path} with {what}"
    if TWILIO_SIGNED.match(path) and path != "/sandbox/calls/redirect" and method == "POST":
        assert response.status_code == 200, f"{response.status_code} for {path} with {what}"
        root = ET.fromstring(response.data)  # noqa: S314 - our own app's answer
        assert root.tag == "Response"


def resident_changes(city: VoiceCity) -> tuple[int, int, int]:
    payments = len(city.rows("SELECT * FROM payments WHERE created_by LIKE 'resident:%' "
                             "AND created_by NOT LIKE 'resident:web:test%'"))
    used = len(city.rows("SELECT * FROM one_time_links WHERE used_at IS NOT NULL"))
    paperless = len(city.rows("SELECT * FROM accounts WHERE paperless"))
    return payments, used, paperless


@pytest.fixture
def routes(city: VoiceCity) -> PublicRoutes:
    return PublicRoutes.of(city)


def _unhandled(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records
            if r.levelno >= logging.ERROR]


def test_every_public_route_survives_hostile_form_fields(
        city: VoiceCity, routes: PublicRoutes, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    before = resident_changes(city)
    for method, path in routes.paths:
        for fields in HOSTILE_FIELDS:
            response = routes.send(method, path, fields=fields)
            check(response, method, path, repr(fields)[:80])
    assert _unhandled(caplog) == []
    assert resident_changes(city) == before


def test_every_public_route_survives_hostile_bodies_and_content_types(
        city: VoiceCity, routes: PublicRoutes, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    before = resident_changes(city)
    for method, path in routes.paths:
        for body, content_type in HOSTILE_BODIES:
            response = routes.send(method, path, body=body, content_type=content_type)
            check(response, method, path, f"{content_type}: {body[:40]!r}")
    assert _unhandled(caplog) == []
    assert resident_changes(city) == before


def test_every_public_route_survives_hostile_query_strings(
        city: VoiceCity, routes: PublicRoutes, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    before = resident_changes(city)
    for method, path in routes.paths:
        for query in HOSTILE_QUERIES:
            response = routes.send(method, path, query=query, fields={"Digits": "1"})
            check(response, method, path, f"?{query[:60]}")
    assert _unhandled(caplog) == []
    assert resident_changes(city) == before


HOSTILE_HEADERS: list[dict[str, str]] = [
    {"X-Twilio-Signature": "\xe9\xe9\xe9"}, {"X-Twilio-Signature": "x" * 8000},
    {"X-Twilio-Signature": "\x00"}, {"X-CSRF-Token": latin1("ñ")}, {"X-CSRF-Token": "\x00"},
    {"Cookie": "session=garbage"}, {"Cookie": "session=" + "A" * 4000},
    {"Cookie": latin1("session=.eJñ")}, {"Authorization": latin1("Basic ñ")},
    {"Accept": "\x00/\xff"}, {"Accept-Language": "x" * 4000},
    {"X-Forwarded-For": "1.2.3.4, \x00"}, {"X-Forwarded-Proto": "gopher"},
    {"Host": "evil.example"},
]


def test_every_public_route_survives_hostile_headers(
        city: VoiceCity, routes: PublicRoutes, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    before = resident_changes(city)
    client = city.app.test_client()
    for method, path in routes.paths:
        for headers in HOSTILE_HEADERS:
            response = client.open(path, method=method, headers=headers,
                                   data={"CallSid": "CAheaders", "Digits": "1"})
            assert response.status_code < 500 or (
                response.status_code == 503 and path.startswith("/chat/api/")), \
                f"{response.status_code} for {method} {path} with {headers!r}"[:200]
    assert _unhandled(caplog) == []
    assert resident_changes(city) == before


# --- a call walked with hostile input at every step -------------------------------------------
# A pay-by-card call's real keys, one per step; at each step hostile input comes first.
WALK = ["1", "2", "1", f"{DANA}#", "1", "1234#", "1", "1"]
STEP_HOSTILITY: list[dict[str, str]] = [
    {"Digits": "١"}, {"Digits": "\x00"}, {"Digits": "1" * 5000}, {"SpeechResult": "\x00"},
    {"SpeechResult": "is there a fee?"}, {"Digits": "", "SpeechResult": ""},
    {"Digits": "*", "SpeechResult": "yes but wait"},
]


def test_a_call_with_hostile_input_at_every_step(city: VoiceCity,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    routes = PublicRoutes(city, [])
    sid = "CAhostilewalk01"
    start = routes.send("POST", "/voice/incoming",
                        fields={"CallSid": sid, "From": "anonymous"})
    check(start, "POST", "/voice/incoming", "a new call")
    visited = set()
    for key in WALK:
        for hostile in STEP_HOSTILITY:
            step, turn = _where(city, sid)
            visited.add(step)
            response = routes.send("POST", f"/voice/{step}", query=f"t={turn}",
                                   fields={"CallSid": sid, **hostile})
            check(response, "POST", f"/voice/{step}", repr(hostile))
        step, turn = _where(city, sid)
        if step in STEPS:
            routes.send("POST", f"/voice/{step}", query=f"t={turn}",
                        fields={"CallSid": sid, "Digits": key.rstrip("#")})
    assert len(visited) >= 3, visited
    assert _unhandled(caplog) == []
    assert [p for p in city.payments(DANA) if p.status == "approved"] == []


def _where(city: VoiceCity, sid: str) -> tuple[str, int]:
    (session,) = city.rows("SELECT step, turn FROM channel_sessions WHERE session_key = :s",
                           s=sid)
    return str(session.step), int(session.turn)


# --- random form fields (hypothesis) ----------------------------------------------------------
TWILIO_NAMES = ["Digits", "SpeechResult", "Confidence", "From", "To", "CallStatus", "Body",
                "NumMedia", "OptOutType", "Result", "PaymentToken", "PaymentCardNumber",
                "PaymentConfirmationCode", "ProfileId", "CallSid", "MessageSid", "Language"]
_FORM_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=st.sampled_from(["/sms", "/voice/incoming", "/voice/menu", "/voice/pay_confirm",
                             "/voice/id_account", "/voice/pay_card_result", "/voice/status",
                             "/voice/transferred", "/sandbox/calls/redirect"]),
       fields=st.dictionaries(st.sampled_from(TWILIO_NAMES), _FORM_TEXT, max_size=6),
       query=st.sampled_from(["", "t=1", "t=2", "ticket=x", "t=%FF"]))
def test_random_twilio_fields_never_break_a_webhook(routes: PublicRoutes, path: str,
                                                    fields: dict[str, str],
                                                    query: str) -> None:
    response = routes.send("POST", path, query=query, fields=fields)
    check(response, "POST", path, repr(fields)[:80])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(message=_FORM_TEXT, extra=st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _FORM_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_FORM_TEXT, inner, max_size=3),
    max_leaves=30))
def test_random_json_never_breaks_the_chat_api_or_the_connector(
        routes: PublicRoutes, message: str, extra: Any) -> None:
    for path, body in ((MESSAGES, {"message": message, "payload": extra}),
                       (MESSAGES, {"message": extra}),
                       (CONNECTOR, {**charge(), "amount": extra, "cardnumber": message}),
                       (CONNECTOR, {"method": "tokenize", "cardnumber": extra})):
        response = routes.send("POST", path, body=json.dumps(body).encode(),
                               content_type="application/json")
        check(response, "POST", path, repr(body)[:80])
