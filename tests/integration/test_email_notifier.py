"""Email over SMTP against a real local SMTP server (aiosmtpd on 127.0.0.1), the channel router,
and the composition root choosing SMTP or the outbox."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from domain.adapters.database import upgrade
from domain.adapters.email_notifier import EmailDeliveryError, SmtpEmailNotifier
from domain.adapters.outbox import list_messages
from domain.adapters.routing_notifier import RoutingNotifier
from domain.config import Settings
from domain.errors import InvalidEmail, InvalidInput
from domain.ports import Notification
from ivr.bootstrap import build_container
from tests.fakes import FakeNotifier

SENDER = "payments@riverton.example.gov"
SPANISH = ("City of Riverton: Recordatorio: el pago K7MW-3QTX de $40.00 con checking account "
           "ending 6789 está programado para el 12/05/2026. Para cancelarlo, llame al 311 "
           "antes de que se procese. ¿Preguntas? Señora Muñoz, añada ñ/ü/é.")
CARD = "4242 4242 4242 4242"  # Luhn-valid test card


def mail(to: str = "ana@example.com", body: str = SPANISH, subject: str = "Recordatorio de pago",
         channel: str = "email", kind: str = "payment.reminder") -> Notification:
    return Notification(channel=channel, to=to, body=body, subject=subject, account_id=7,
                        kind=kind)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    login: bytes | None

    @property
    def message(self) -> EmailMessage:
        # On the wire lines end in CRLF; the parser expects local line ends.
        parsed = email.message_from_bytes(self.raw.replace(b"\r\n", b"\n"),
                                          policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Handler:
    """Collects what arrives; refuses recipients starting with "bounce" (550) and rejects
    message data for recipients starting with "reject" (554)."""

    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.startswith("bounce"):
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if any(r.startswith("reject") for r in envelope.rcpt_tos):
            return "554 5.7.1 message refused by policy"
        login = session.auth_data.login if session.authenticated else None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      envelope.original_content or envelope.content, login))
        return "250 OK queued"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Handler, int]]:
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def notifier(smtp_server: tuple[Handler, int]) -> SmtpEmailNotifier:
    return SmtpEmailNotifier("127.0.0.1", smtp_server[1], SENDER, timeout=5)


# --- a message as it arrives ------------------------------------------------------------


def test_sends_a_utf8_plain_text_message_with_proper_headers(smtp_server, notifier):
    handler, _ = smtp_server
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)

    notifier.send(mail(subject="Recordatorio: pago programado ¿listo?"))

    [got] = handler.received
    assert got.mail_from == SENDER
    assert got.rcpt_tos == ["ana@example.com"]
    message = got.message
    assert message["From"] == SENDER
    assert message["To"] == "ana@example.com"
    assert message["Subject"] == "Recordatorio: pago programado ¿listo?"
    assert before <= parsedate_to_datetime(message["Date"]) <= dt.datetime.now(dt.UTC)
    assert message["Message-ID"].startswith("<")
    assert message["Message-ID"].endswith("@riverton.example.gov>")
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().rstrip("\n") == SPANISH  # accents intact
    assert not message.is_multipart()
    got.raw.decode("ascii")  # 7-bit clean on the wire: any relay accepts it


def test_each_message_gets_its_own_message_id(smtp_server, notifier):
    handler, _ = smtp_server
    notifier.send(mail())
    notifier.send(mail())
    ids = [r.message["Message-ID"] for r in handler.received]
    assert len(ids) == 2 and ids[0] != ids[1]


def test_sender_with_a_display_name(smtp_server):
    handler, port = smtp_server
    SmtpEmailNotifier("127.0.0.1", port, f"City of Riverton <{SENDER}>").send(mail())
    [got] = handler.received
    assert got.mail_from == SENDER
    assert got.message["From"].addresses[0].display_name == "City of Riverton"


def test_card_numbers_never_go_out_by_mail(smtp_server, notifier):
    handler, _ = smtp_server
    notifier.send(mail(body=f"You typed {CARD} in chat.", subject=f"card {CARD}"))
    [got] = handler.received
    assert b"4242" not in got.raw
    assert "[card number removed]" in got.message.get_content()
    assert "4242" not in got.message["Subject"]


def test_a_line_break_in_the_subject_cannot_inject_headers(smtp_server, notifier):
    handler, _ = smtp_server
    notifier.send(mail(subject="Hello\r\nBcc: evil@example.com"))
    [got] = handler.received
    assert got.rcpt_tos == ["ana@example.com"]
    assert got.message["Bcc"] is None
    assert got.message["Subject"] == "Hello Bcc: evil@example.com"


# --- refusals before anything is sent ------------------------------------------------------


@pytest.mark.parametrize("channel", ["sms", "", "fax"])
def test_refuses_a_non_email_channel(smtp_server, notifier, channel):
    with pytest.raises(InvalidInput):
        notifier.send(mail(channel=channel, to="+13125550101"))
    assert smtp_server[0].received == []


@pytest.mark.parametrize("to", ["", "not-an-email", "ana@", "@example.com", "a@b@example.com",
                                "ana@example.com\r\nBcc: evil@example.com", "+13125550101"])
def test_refuses_an_invalid_address(smtp_server, notifier, to):
    with pytest.raises(InvalidEmail):
        notifier.send(mail(to=to))
    assert smtp_server[0].received == []


def test_refuses_an_empty_body(smtp_server, notifier):
    with pytest.raises(InvalidInput):
        notifier.send(mail(body="  "))
    assert smtp_server[0].received == []


@pytest.mark.parametrize(("args", "kwargs"), [
    (("", 25, SENDER), {}),
    (("smtp.example", 0, SENDER), {}),
    (("smtp.example", 70000, SENDER), {}),
    (("smtp.example", 25, "not an address"), {}),
    (("smtp.example", 25, SENDER), {"timeout": 0}),
    (("smtp.example", 25, SENDER), {"username": "city"}),  # a password must come with it
])
def test_refuses_a_bad_configuration(args, kwargs):
    with pytest.raises(ValueError):
        SmtpEmailNotifier(*args, **kwargs)


# --- SMTP failures ------------------------------------------------------------------------


def test_connection_refused_is_a_clear_error(caplog):
    port = free_port()  # nothing listens there any more
    notifier = SmtpEmailNotifier("127.0.0.1", port, SENDER, timeout=5)
    with caplog.at_level(logging.DEBUG), pytest.raises(EmailDeliveryError) as info:
        notifier.send(mail())
    assert str(info.value) == f"cannot reach SMTP server 127.0.0.1:{port} (Connection refused)"
    assert "Recordatorio" not in caplog.text


def test_a_silent_server_times_out_with_a_clear_error():
    with socket.socket() as listener:  # accepts connections but never greets
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        notifier = SmtpEmailNotifier("127.0.0.1", port, SENDER, timeout=0.5)
        with pytest.raises(EmailDeliveryError, match=f"127.0.0.1:{port} .*timed out") as info:
            notifier.send(mail())
    assert not info.value.permanent


def test_a_refused_recipient_is_a_permanent_error_without_the_body(smtp_server, notifier,
                                                                   caplog):
    with caplog.at_level(logging.DEBUG), pytest.raises(EmailDeliveryError) as info:
        notifier.send(mail(to="bounce.me@example.com"))
    assert info.value.permanent
    assert "refused the recipient (550 5.1.1" in str(info.value)
    assert "bounce.me@" not in str(info.value)  # the echoed address is masked
    assert "Recordatorio" not in str(info.value) + caplog.text
    assert smtp_server[0].received == []


def test_a_rejected_message_is_a_permanent_error(smtp_server, notifier):
    with pytest.raises(EmailDeliveryError) as info:
        notifier.send(mail(to="reject@example.com"))
    assert info.value.permanent
    assert "did not accept the message (554 5.7.1 message refused by policy)" in str(info.value)
    assert "Recordatorio" not in str(info.value)


def test_success_is_logged_without_body_or_full_address(smtp_server, notifier, caplog):
    with caplog.at_level(logging.DEBUG, logger="domain.adapters.email_notifier"):
        notifier.send(mail())
    # Only our logger: the test SMTP server logs its side of the conversation too.
    ours = "\n".join(r.getMessage() for r in caplog.records
                     if r.name == "domain.adapters.email_notifier")
    assert "payment.reminder" in ours
    assert "a***@example.com" in ours
    assert "ana@example.com" not in ours
    assert "Recordatorio" not in ours


# --- login and STARTTLS ---------------------------------------------------------------------


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                   auth_data: Any) -> AuthResult:
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"city"
          and auth_data.password == b"s3cret")
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


@pytest.fixture
def auth_server() -> Iterator[tuple[Handler, int]]:
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(),
                            authenticator=_authenticator, auth_require_tls=False)
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def test_logs_in_when_credentials_are_configured(auth_server):
    handler, port = auth_server
    SmtpEmailNotifier("127.0.0.1", port, SENDER, username="city", password="s3cret").send(mail())
    [got] = handler.received
    assert got.login == b"city"


def test_wrong_credentials_are_a_clear_error(auth_server):
    handler, port = auth_server
    notifier = SmtpEmailNotifier("127.0.0.1", port, SENDER, username="city", password="nope")
    with pytest.raises(EmailDeliveryError, match=r"did not accept the message \(535") as info:
        notifier.send(mail())
    assert "nope" not in str(info.value) and "nope" not in repr(notifier)
    assert handler.received == []


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "smtp.pem", tmp_path / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[Handler, int, Path]]:
    cert_path, key_path = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(),
                            tls_context=context, require_starttls=True)
    controller.start()
    try:
        yield handler, controller.port, cert_path
    finally:
        controller.stop()


def test_starttls_with_a_trusted_certificate(tls_server, monkeypatch):
    handler, port, cert_path = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))  # the client trusts our test CA
    SmtpEmailNotifier("127.0.0.1", port, SENDER, starttls=True).send(mail())
    assert len(handler.received) == 1


def test_starttls_refuses_an_untrusted_certificate(tls_server, monkeypatch, tmp_path):
    handler, port, _ = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-ca.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    with pytest.raises(EmailDeliveryError, match=r"TLS with SMTP server .*failed"):
        SmtpEmailNotifier("127.0.0.1", port, SENDER, starttls=True).send(mail())
    assert handler.received == []


def test_starttls_required_but_not_offered_is_an_error(smtp_server):
    handler, port = smtp_server
    with pytest.raises(EmailDeliveryError, match="does not support"):
        SmtpEmailNotifier("127.0.0.1", port, SENDER, starttls=True).send(mail())
    assert handler.received == []


# --- routing --------------------------------------------------------------------------------


def test_routing_by_channel():
    sms, mail_ = FakeNotifier(), FakeNotifier()
    router = RoutingNotifier(sms=sms, email=mail_)
    text = mail(channel="sms", to="+13125550101")
    letter = mail()
    router.send(text)
    router.send(letter)
    router.send(mail(channel=" Email "))
    assert sms.sent == [text]
    assert mail_.sent[0] == letter and len(mail_.sent) == 2


@pytest.mark.parametrize("channel", ["fax", "", "voice"])
def test_routing_refuses_an_unknown_channel(channel):
    sms, mail_ = FakeNotifier(), FakeNotifier()
    with pytest.raises(InvalidInput):
        RoutingNotifier(sms=sms, email=mail_).send(mail(channel=channel))
    assert sms.sent == mail_.sent == []


def _settings(sqlite_url: str, **env: str) -> Settings:
    upgrade(sqlite_url)
    return Settings.from_env({"PAYLINE_DATABASE_URL": sqlite_url, **env})


def test_container_sends_email_over_smtp_when_a_host_is_set(sqlite_url, smtp_server):
    handler, port = smtp_server
    container = build_container(_settings(sqlite_url, PAYLINE_SMTP_HOST="127.0.0.1",
                                          PAYLINE_SMTP_PORT=str(port)))
    try:
        container.notifier.send(mail())
        container.notifier.send(mail(channel="sms", to="+13125550101", body="hola"))
        assert [r.rcpt_tos for r in handler.received] == [["ana@example.com"]]
        outbox = list_messages(container.engine)
        assert [(m.channel, m.recipient) for m in outbox] == [("sms", "+13125550101")]
    finally:
        container.dispose()


def test_container_queues_email_in_the_outbox_without_a_host(sqlite_url, smtp_server):
    handler, _ = smtp_server
    container = build_container(_settings(sqlite_url))
    try:
        container.notifier.send(mail())
        container.notifier.send(mail(channel="sms", to="+13125550101", body="hola"))
        assert handler.received == []
        outbox = list_messages(container.engine)
        assert sorted((m.channel, m.recipient) for m in outbox) == [
            ("email", "ana@example.com"), ("sms", "+13125550101")]
    finally:
        container.dispose()
