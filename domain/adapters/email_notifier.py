"""Email over SMTP: receipts, notices and reminders as plain-text UTF-8 messages.

One connection per message, opened and closed in `send`: notices are few and far between, and
a long-lived connection would only time out between them. Every failure (refused connection,
timeout, a 4xx/5xx reply, STARTTLS or login refused) becomes one `EmailDeliveryError` naming
the server and the SMTP reply, never the message body: callers log it as is.

Card numbers never go out by mail: body and subject go through the card-number redactor first,
whatever the caller passes in (PCI DSS, docs/architecture.md §5).
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from email_validator import EmailNotValidError, validate_email

from domain.cards import redact_card_numbers
from domain.errors import InvalidEmail, InvalidInput
from domain.ports import Notification, Notifier

log = logging.getLogger(__name__)

CHANNEL = "email"
MAX_SUBJECT = 200
_SMTP_REPLY_CHARS = 200  # enough of the server's reply to tell why, without whole transcripts
_ADDRESS = re.compile(r"([^\s<>@,;:\"']+)@")


class EmailDeliveryError(RuntimeError):
    """The SMTP server could not be reached or did not accept the message.

    `permanent` is True for a 5xx reply (retrying the same message will fail again).
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmtpEmailNotifier(Notifier):
    """Notifier for the "email" channel that hands each message to an SMTP server."""

    def __init__(self, host: str, port: int, sender: str, *, username: str | None = None,
                 password: str | None = None, starttls: bool = False,
                 timeout: float = 10.0) -> None:
        if not isinstance(host, str) or not host.strip():
            raise ValueError("SMTP host is required")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise ValueError(f"SMTP port must be between 1 and 65535, not {port!r}")
        if not timeout or timeout <= 0:
            raise ValueError("SMTP timeout must be positive")
        if (username is None) != (password is None):
            raise ValueError("SMTP username and password go together")
        name, address = parseaddr(sender or "")
        try:
            address = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValueError(f"SMTP sender is not a valid email address: {sender!r}") from None
        self._host = host.strip()
        self._port = port
        self._sender = formataddr((name, address)) if name else address
        self._sender_domain = address.rpartition("@")[2]
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout = timeout

    def __repr__(self) -> str:  # never the password
        return f"SmtpEmailNotifier({self._host}:{self._port}, starttls={self._starttls})"

    def send(self, notification: Notification) -> None:
        message = self.build_message(notification)
        server = f"{self._host}:{self._port}"
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    # Verified against the system CAs: credentials and bodies never go out
                    # in clear text to a server that merely claims a name.
                    smtp.starttls(context=ssl.create_default_context())
                if self._username is not None and self._password is not None:
                    smtp.login(self._username, self._password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            # One recipient per message, so one reply.
            code, text = next(iter(exc.recipients.values()))
            raise EmailDeliveryError(
                f"SMTP server {server} refused the recipient ({_reply(code, text)})",
                permanent=code >= 500) from None
        except smtplib.SMTPResponseException as exc:
            raise EmailDeliveryError(
                f"SMTP server {server} did not accept the message "
                f"({_reply(exc.smtp_code, exc.smtp_error)})",
                permanent=exc.smtp_code >= 500) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise EmailDeliveryError(f"SMTP server {server} does not support what is "
                                     f"configured ({exc})", permanent=True) from None
        except smtplib.SMTPException as exc:
            raise EmailDeliveryError(f"SMTP conversation with {server} failed "
                                     f"({type(exc).__name__}: {exc})") from None
        except ssl.SSLError as exc:
            raise EmailDeliveryError(f"TLS with SMTP server {server} failed "
                                     f"({exc.reason or exc})") from None
        except OSError as exc:  # refused, unreachable, DNS, timeout
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise EmailDeliveryError(f"cannot reach SMTP server {server} ({reason})") from None
        log.info("email %s sent to %s via %s", notification.kind or "message",
                 _mask(str(message["To"])), server)

    def build_message(self, notification: Notification) -> EmailMessage:
        """The message `send` would hand over (validated, redacted), without sending it."""
        channel = (notification.channel or "").strip().lower()
        if channel != CHANNEL:
            raise InvalidInput("This notifier only sends email.")
        try:
            recipient = validate_email((notification.to or "").strip(),
                                       check_deliverability=False).normalized
        except EmailNotValidError:
            raise InvalidEmail() from None
        if not isinstance(notification.body, str) or not notification.body.strip():
            raise InvalidInput("A notification needs a message.")
        body, _ = redact_card_numbers(notification.body)
        # A header cannot hold a line break (header injection); fold it into one line.
        subject = " ".join((notification.subject or "").split())[:MAX_SUBJECT]
        subject, _ = redact_card_numbers(subject)
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = recipient
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.now(UTC), usegmt=True)
        message["Message-ID"] = make_msgid(domain=self._sender_domain)
        # Quoted-printable keeps the message 7-bit clean for any relay; accents survive intact.
        message.set_content(body, charset="utf-8", cte="quoted-printable")
        return message


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    # Servers often echo the address they refused; the error ends up in logs, so mask it.
    text = _ADDRESS.sub(lambda m: f"{m.group(1)[:1]}***@", text)
    return f"{code} {' '.join(text.split())[:_SMTP_REPLY_CHARS]}"


def _mask(address: str) -> str:
    # Logs get enough to tell residents apart, not their address.
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
