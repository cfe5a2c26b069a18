"""Settings the domain and its adapters read from the environment (12-factor).

Channel settings (Twilio credentials, public URL, Rasa URL) live with the channels in ivr/;
outbound SMS reads the Twilio account SID and auth token here too (NotificationSettings).
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidPhoneNumber
from domain.hashing import derive_key
from domain.money import Money
from domain.phone import normalize_phone

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"
# Fernet key for the bank-account vault in local development and tests only; production sets
# PAYLINE_VAULT_KEY (a Fernet key: `python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"`).
DEV_VAULT_KEY = "cGF5bGluZS1sb2NhbC1kZXYtdmF1bHQta2V5LTAwMDA="
REFERENCE_KEY_PURPOSE = "verification-attempts.account-ref"

# Where outbound texts go: the local outbox table, or Twilio's Messages API.
SMS_OUTBOX = "outbox"
SMS_TWILIO = "twilio"
SMS_TRANSPORTS = (SMS_OUTBOX, SMS_TWILIO)
_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
_MESSAGING_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")
# Twilio's REST API; PAYLINE_TWILIO_API_URL points outbound SMS at a local stand-in instead.
DEFAULT_TWILIO_API_URL = "https://api.twilio.com"
# How a 311 agent's transfer redirects a live call: the embedded stand-in the phone simulator
# plays (sandbox_call_redirects), or Twilio's Calls API with the credentials above.
CALL_CONTROL_SANDBOX = "sandbox"
CALL_CONTROL_TWILIO = "twilio"
CALL_CONTROLS = (CALL_CONTROL_SANDBOX, CALL_CONTROL_TWILIO)
# PAYLINE_ENV: development (the embedded defaults) or production (no development secret is
# accepted). An https PAYLINE_PUBLIC_URL means real residents can reach this deployment, so it
# implies production whatever PAYLINE_ENV says.
ENV_DEVELOPMENT = "development"
ENV_PRODUCTION = "production"
ENVIRONMENTS = (ENV_DEVELOPMENT, ENV_PRODUCTION)
# PAYLINE_PROCESSOR: who tokenizes and charges cards. The embedded sandbox processor (its
# stand-ins, the pay connector and the hosted tokenize form, are mounted only while it is
# selected), or Stripe (StripeSettings below).
PROCESSOR_SANDBOX = "sandbox"
PROCESSOR_STRIPE = "stripe"
PROCESSORS = (PROCESSOR_SANDBOX, PROCESSOR_STRIPE)
DEFAULT_STRIPE_API_URL = "https://api.stripe.com"
STRIPE_JS_URL = "https://js.stripe.com/v3/"
# Development values for a local trial against localstripe (which takes any sk_/pk_ key);
# production refuses them (domain/production.py).
DEV_STRIPE_SECRET_KEY = "sk_test_payline_local"  # noqa: S105
DEV_STRIPE_PUBLISHABLE_KEY = "pk_test_payline_local"
DEV_STRIPE_WEBHOOK_SECRET = "whsec_payline_local_dev"  # noqa: S105


def production_mode(env: Mapping[str, str]) -> bool:
    """Whether this process runs in production mode (PAYLINE_ENV, or an https public URL)."""
    name = env.get("PAYLINE_ENV", "").strip().lower() or ENV_DEVELOPMENT
    if name not in ENVIRONMENTS:
        raise ValueError(f"PAYLINE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {name!r}")
    public_url = env.get("PAYLINE_PUBLIC_URL", "").strip().lower()
    return name == ENV_PRODUCTION or public_url.startswith("https://")


def selected_processor(env: Mapping[str, str]) -> str:
    """PAYLINE_PROCESSOR (default sandbox); a clear ValueError for one Payline does not have."""
    name = env.get("PAYLINE_PROCESSOR", "").strip().lower() or PROCESSOR_SANDBOX
    if name not in PROCESSORS:
        raise ValueError(f"PAYLINE_PROCESSOR must be one of {', '.join(PROCESSORS)}, "
                         f"not {name!r}")
    return name


@dataclass(frozen=True)
class PaymentSettings:
    """The city's payment rules that finance staff may tune."""

    card_fee: Money = field(default_factory=lambda: Money.of("1.25"))
    bank_fee: Money = field(default_factory=Money.zero)
    max_schedule_days: int = 90
    overpayment_allowance: Money = field(default_factory=Money.zero)
    # No single utility/general bill payment is this large; bigger is a typo or abuse.
    max_single_payment: Money = field(default_factory=lambda: Money.of("50000"))
    history_months: int = 24
    # How long a phone card payment waits for its <Pay> result before the runner asks the
    # processor instead. A <Pay> session (4 fields, 3 tries each, 10 s timeouts) lasts about
    # 5 minutes at worst; Twilio's webhook retries come within seconds of that.
    pay_result_timeout_minutes: int = 10

    @property
    def pay_result_timeout(self) -> timedelta:
        return timedelta(minutes=self.pay_result_timeout_minutes)


@dataclass(frozen=True)
class VerificationPolicy:
    max_account_failures: int = 3  # then the account locks for self-service (seed FAQ)
    max_requester_failures: int = 5  # per session or caller, any accounts, per window
    requester_window_minutes: int = 60
    # Calls without caller ID (withheld, anonymous, a SIP client) share one bucket. Roomier
    # than one caller's, since every such resident is in it, yet a few anonymous calls fill
    # it; the short window means an attacker who fills it blocks those residents only while
    # he keeps failing, and self-service is back minutes after he stops.
    max_withheld_failures: int = 10
    withheld_window_minutes: int = 15
    # Keys the hash of the account numbers residents try (domain/hashing.py); every process
    # of one deployment must use the same key. Settings.from_env derives it from the vault
    # key, a secret production already requires.
    reference_key: bytes = field(default=derive_key(DEV_VAULT_KEY, REFERENCE_KEY_PURPOSE),
                                 repr=False)


# PCI DSS 4.0 requirement 8.3.6: passwords of at least 12 characters. No setting goes lower.
MIN_AGENT_PASSWORD_LENGTH = 12
# Fernet key encrypting agents' one-time-code secrets, for local development and tests only;
# production sets PAYLINE_AGENT_MFA_KEY (generated like PAYLINE_VAULT_KEY, below).
DEV_AGENT_MFA_KEY = "cGF5bGluZS1sb2NhbC1kZXYtYWdlbnQtbWZhLWtleTA="


@dataclass(frozen=True)
class AgentPolicy:
    """311 console sign-in: session lifetimes and the login throttle."""

    idle_minutes: int = 15  # a console session ends after this long without a request
    max_session_hours: int = 12  # and after this long in any case (a shift)
    max_failures_per_username: int = 5
    max_failures_per_address: int = 20
    failure_window_minutes: int = 15
    min_password_length: int = MIN_AGENT_PASSWORD_LENGTH
    # A one-time code (TOTP) after the password: always for an agent who set one up; for
    # every agent when required (production mode), so one without it sets it up at sign-in.
    require_mfa: bool = False
    mfa_key: str = field(default=DEV_AGENT_MFA_KEY, repr=False)  # Fernet, never logged

    def __post_init__(self) -> None:
        for name in ("idle_minutes", "max_session_hours", "max_failures_per_username",
                     "max_failures_per_address", "failure_window_minutes",
                     "min_password_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"AgentPolicy.{name} must be a whole number of at least 1, "
                                 f"not {value!r}")
        if not is_fernet_key(self.mfa_key):
            raise ValueError("PAYLINE_AGENT_MFA_KEY must be a Fernet key (32 bytes, url-safe "
                             "base64, 44 characters)")
        if self.min_password_length < MIN_AGENT_PASSWORD_LENGTH:
            raise ValueError("AgentPolicy.min_password_length must be at least "
                             f"{MIN_AGENT_PASSWORD_LENGTH} (PCI DSS 8.3.6), not "
                             f"{self.min_password_length}")


def is_fernet_key(key: object) -> bool:
    """A Fernet key: 32 bytes in url-safe base64 (44 characters)."""
    try:
        return (isinstance(key, str) and len(key) == 44
                and len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32)
    except (ValueError, UnicodeEncodeError):
        return False


def _whole_number(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    """A setting that must be a whole number in [low, high]; a clear ValueError otherwise."""
    text = env.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {text!r}")
    return int(text)


@dataclass(frozen=True)
class AchSettings:
    """The city as an ACH originator (from its bank's origination agreement)."""

    company_name: str = "CITY OF RIVERTON"
    company_id: str = "1366000001"  # 10 characters, usually "1" + the city's EIN
    odfi_routing: str = "011000015"  # the city's bank (originating DFI)
    destination_name: str = "RIVERTON CITY BANK"
    entry_description: str = "UTILITYPMT"
    settlement_days: int = 2  # no return by then: the debit is treated as paid
    output_dir: Path = DEFAULT_VAR_DIR / "ach"


@dataclass(frozen=True)
class NotificationSettings:
    """Email goes over SMTP when a host is set, otherwise to the outbox. SMS goes to the outbox
    (the default, for the demo and tests) or out through Twilio's REST API; either way never to
    a number that opted out."""

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "payments@riverton.example.gov"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    reminder_days_before: int = 3
    sms_transport: str = SMS_OUTBOX
    sms_from: str | None = None  # the city's number, E.164 (normalized here)
    sms_messaging_service_sid: str | None = None  # wins over sms_from when both are set
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = field(default=None, repr=False)  # never in a log line
    twilio_api_url: str = DEFAULT_TWILIO_API_URL  # http(s), no trailing slash (normalized here)

    def __post_init__(self) -> None:
        # Checked here, so a bad setting stops the process at startup instead of the first
        # receipt failing hours later.
        if self.sms_transport not in SMS_TRANSPORTS:
            raise ValueError(f"PAYLINE_SMS_TRANSPORT must be one of {', '.join(SMS_TRANSPORTS)}, "
                             f"not {self.sms_transport!r}")
        if not _is_base_url(self.twilio_api_url):
            # The value is not echoed: a URL may carry credentials (user:password@host).
            raise ValueError("PAYLINE_TWILIO_API_URL must be an http(s) URL such as "
                             f"{DEFAULT_TWILIO_API_URL}, without a query or fragment")
        object.__setattr__(self, "twilio_api_url", self.twilio_api_url.rstrip("/"))
        if self.sms_from is not None:
            try:
                # Frozen dataclass: the normalized number replaces what was typed.
                object.__setattr__(self, "sms_from", normalize_phone(self.sms_from))
            except InvalidPhoneNumber:
                raise ValueError(f"PAYLINE_SMS_FROM is not a valid phone number: "
                                 f"{self.sms_from!r}") from None
        if (self.sms_messaging_service_sid is not None
                and not _MESSAGING_SERVICE_SID.fullmatch(self.sms_messaging_service_sid)):
            raise ValueError("TWILIO_MESSAGING_SERVICE_SID must be MG followed by 32 hex digits")
        if self.sms_transport != SMS_TWILIO:
            return
        if not self.twilio_account_sid or not self.twilio_auth_token:
            raise ValueError("PAYLINE_SMS_TRANSPORT=twilio needs TWILIO_ACCOUNT_SID and "
                             "TWILIO_AUTH_TOKEN")
        if not _ACCOUNT_SID.fullmatch(self.twilio_account_sid):
            raise ValueError("TWILIO_ACCOUNT_SID must be AC followed by 32 hex digits")
        if self.sms_from is None and self.sms_messaging_service_sid is None:
            raise ValueError("PAYLINE_SMS_TRANSPORT=twilio needs PAYLINE_SMS_FROM (the city's "
                             "number) or TWILIO_MESSAGING_SERVICE_SID to send from")


def _is_base_url(url: str) -> bool:
    """An http(s) URL with a host, to put a path after: no query, fragment or whitespace."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return False
    return (parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
            and not parts.query and not parts.fragment and not any(c.isspace() for c in url))


@dataclass(frozen=True)
class StripeSettings:
    """Stripe, when PAYLINE_PROCESSOR=stripe. api_url points the SDK at localstripe for the
    tests and a local trial (PAYLINE_STRIPE_API_URL); Stripe.js then comes from there too."""

    secret_key: str = DEV_STRIPE_SECRET_KEY  # STRIPE_SECRET_KEY
    publishable_key: str = DEV_STRIPE_PUBLISHABLE_KEY  # STRIPE_PUBLISHABLE_KEY (the pay page)
    webhook_secret: str = DEV_STRIPE_WEBHOOK_SECRET  # STRIPE_WEBHOOK_SECRET (whsec_…)
    api_url: str = DEFAULT_STRIPE_API_URL  # PAYLINE_STRIPE_API_URL
    # (The name of Twilio's Stripe Pay Connector is a channel setting: TWILIO_PAY_CONNECTOR,
    # ivr/settings.py ChannelSettings.connector_for.)
    timeout_seconds: int = 20  # PAYLINE_STRIPE_TIMEOUT_SECONDS, per API request

    def __post_init__(self) -> None:
        url = self.api_url.rstrip("/")
        if not url.startswith(("https://", "http://127.0.0.1:", "http://localhost:")):
            raise ValueError("PAYLINE_STRIPE_API_URL must be https (or http://127.0.0.1:PORT "
                             f"for localstripe), not {self.api_url!r}")

    @property
    def js_url(self) -> str:
        """Stripe.js: Stripe's own, or localstripe's shim beside its fake API."""
        if self.api_url.rstrip("/") == DEFAULT_STRIPE_API_URL:
            return STRIPE_JS_URL
        return self.api_url.rstrip("/") + "/js.stripe.com/v3/"

    @classmethod
    def from_env(cls, env: dict[str, str]) -> StripeSettings:
        return cls(
            secret_key=env.get("STRIPE_SECRET_KEY", "").strip() or DEV_STRIPE_SECRET_KEY,
            publishable_key=(env.get("STRIPE_PUBLISHABLE_KEY", "").strip()
                             or DEV_STRIPE_PUBLISHABLE_KEY),
            webhook_secret=(env.get("STRIPE_WEBHOOK_SECRET", "").strip()
                            or DEV_STRIPE_WEBHOOK_SECRET),
            api_url=env.get("PAYLINE_STRIPE_API_URL", "").strip() or DEFAULT_STRIPE_API_URL,
            timeout_seconds=_whole_number(env, "PAYLINE_STRIPE_TIMEOUT_SECONDS", 20, 1, 120),
        )


@dataclass(frozen=True)
class Settings:
    database_url: str
    timezone: ZoneInfo
    city_name: str
    phone_311: str
    payments: PaymentSettings
    verification: VerificationPolicy
    var_dir: Path
    ach: AchSettings = field(default_factory=AchSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    agents: AgentPolicy = field(default_factory=AgentPolicy)
    vault_key: str = DEV_VAULT_KEY
    # When 311 answers: told to residents who ask for a person in chat or by text.
    hours_311: str = "24 hours a day, 7 days a week"
    call_control: str = CALL_CONTROL_SANDBOX  # PAYLINE_CALL_CONTROL
    production: bool = False  # production_mode(): PAYLINE_ENV or an https public URL
    processor: str = PROCESSOR_SANDBOX  # PAYLINE_PROCESSOR
    stripe: StripeSettings = field(default_factory=StripeSettings)

    def __post_init__(self) -> None:
        # Checked at startup: an agent's first transfer must not be what finds a bad setting.
        if self.processor not in PROCESSORS:
            raise ValueError(f"PAYLINE_PROCESSOR must be one of {', '.join(PROCESSORS)}, "
                             f"not {self.processor!r}")
        if self.call_control not in CALL_CONTROLS:
            raise ValueError(f"PAYLINE_CALL_CONTROL must be one of {', '.join(CALL_CONTROLS)}, "
                             f"not {self.call_control!r}")
        if self.call_control != CALL_CONTROL_TWILIO:
            return
        twilio = self.notifications
        if not twilio.twilio_account_sid or not twilio.twilio_auth_token:
            raise ValueError("PAYLINE_CALL_CONTROL=twilio needs TWILIO_ACCOUNT_SID and "
                             "TWILIO_AUTH_TOKEN")
        if not _ACCOUNT_SID.fullmatch(twilio.twilio_account_sid):
            raise ValueError("TWILIO_ACCOUNT_SID must be AC followed by 32 hex digits")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        var_dir = Path(env.get("PAYLINE_VAR_DIR", str(DEFAULT_VAR_DIR)))
        tz_name = env.get("PAYLINE_TIMEZONE", "America/Chicago")
        try:
            timezone = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"PAYLINE_TIMEZONE is not a known time zone: {tz_name!r}") from exc
        payments = PaymentSettings(
            card_fee=Money.parse(env.get("PAYLINE_CARD_FEE", "1.25")),
            max_schedule_days=int(env.get("PAYLINE_MAX_SCHEDULE_DAYS", "90")),
            overpayment_allowance=Money.parse(env.get("PAYLINE_OVERPAYMENT_ALLOWANCE", "0")),
            max_single_payment=Money.parse(env.get("PAYLINE_MAX_PAYMENT", "50000")),
            pay_result_timeout_minutes=_whole_number(env, "PAYLINE_PAY_RESULT_TIMEOUT_MINUTES",
                                                     10, 5, 24 * 60),
        )
        return cls(
            database_url=env.get("PAYLINE_DATABASE_URL", f"sqlite:///{var_dir / 'payline.db'}"),
            timezone=timezone,
            city_name=env.get("PAYLINE_CITY_NAME", "the City of Riverton"),
            phone_311=env.get("PAYLINE_311_NUMBER", "+13125550111"),
            payments=payments,
            verification=VerificationPolicy(reference_key=derive_key(
                env.get("PAYLINE_VAULT_KEY", DEV_VAULT_KEY), REFERENCE_KEY_PURPOSE)),
            var_dir=var_dir,
            ach=AchSettings(
                company_name=env.get("PAYLINE_ACH_COMPANY_NAME", "CITY OF RIVERTON"),
                company_id=env.get("PAYLINE_ACH_COMPANY_ID", "1366000001"),
                odfi_routing=env.get("PAYLINE_ACH_ODFI_ROUTING", "011000015"),
                destination_name=env.get("PAYLINE_ACH_DESTINATION_NAME", "RIVERTON CITY BANK"),
                entry_description=env.get("PAYLINE_ACH_ENTRY_DESCRIPTION", "UTILITYPMT"),
                settlement_days=int(env.get("PAYLINE_ACH_SETTLEMENT_DAYS", "2")),
                output_dir=Path(env.get("PAYLINE_ACH_DIR", str(var_dir / "ach"))),
            ),
            notifications=NotificationSettings(
                smtp_host=env.get("PAYLINE_SMTP_HOST") or None,
                smtp_port=int(env.get("PAYLINE_SMTP_PORT", "25")),
                smtp_sender=env.get("PAYLINE_SMTP_SENDER", "payments@riverton.example.gov"),
                smtp_username=env.get("PAYLINE_SMTP_USERNAME") or None,
                smtp_password=env.get("PAYLINE_SMTP_PASSWORD") or None,
                smtp_starttls=env.get("PAYLINE_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
                reminder_days_before=int(env.get("PAYLINE_REMINDER_DAYS", "3")),
                sms_transport=(env.get("PAYLINE_SMS_TRANSPORT", "").strip().lower()
                               or SMS_OUTBOX),
                sms_from=env.get("PAYLINE_SMS_FROM", "").strip() or None,
                sms_messaging_service_sid=(env.get("TWILIO_MESSAGING_SERVICE_SID", "").strip()
                                           or None),
                twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", "").strip() or None,
                twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", "").strip() or None,
                twilio_api_url=(env.get("PAYLINE_TWILIO_API_URL", "").strip()
                                or DEFAULT_TWILIO_API_URL),
            ),
            vault_key=env.get("PAYLINE_VAULT_KEY", DEV_VAULT_KEY),
            hours_311=env.get("PAYLINE_311_HOURS", "24 hours a day, 7 days a week"),
            call_control=(env.get("PAYLINE_CALL_CONTROL", "").strip().lower()
                          or CALL_CONTROL_SANDBOX),
            production=production_mode(env),
            processor=selected_processor(env),
            stripe=StripeSettings.from_env(env),
            agents=AgentPolicy(
                idle_minutes=_whole_number(env, "PAYLINE_AGENT_IDLE_MINUTES", 15, 1, 24 * 60),
                max_session_hours=_whole_number(env, "PAYLINE_AGENT_SESSION_HOURS", 12, 1, 72),
                require_mfa=production_mode(env),
                mfa_key=env.get("PAYLINE_AGENT_MFA_KEY", "").strip() or DEV_AGENT_MFA_KEY,
            ),
        )
