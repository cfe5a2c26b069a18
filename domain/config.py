"""Settings the domain and its adapters read from the environment (12-factor).

Channel settings (Twilio credentials, public URL, Rasa URL) live with the channels in ivr/.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.money import Money

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"
# Fernet key for the bank-account vault in local development and tests only; production sets
# PAYLINE_VAULT_KEY (a Fernet key: `python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"`).
DEV_VAULT_KEY = "cGF5bGluZS1sb2NhbC1kZXYtdmF1bHQta2V5LTAwMDA="


@dataclass(frozen=True)
class PaymentPolicy:
    """The city's payment rules that finance staff may tune."""

    card_fee: Money = field(default_factory=lambda: Money.of("1.25"))
    bank_fee: Money = field(default_factory=Money.zero)
    max_schedule_days: int = 90
    overpayment_allowance: Money = field(default_factory=Money.zero)
    # No single utility/general bill payment is this large; bigger is a typo or abuse.
    max_single_payment: Money = field(default_factory=lambda: Money.of("50000"))
    history_months: int = 24


@dataclass(frozen=True)
class VerificationPolicy:
    max_account_failures: int = 3  # then the account locks for self-service (seed FAQ)
    max_requester_failures: int = 5  # per session or caller, any accounts, per window
    requester_window_minutes: int = 60


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
    """Email goes over SMTP when a host is set; otherwise (and SMS for now) to the outbox."""

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "payments@riverton.example.gov"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    reminder_days_before: int = 3


@dataclass(frozen=True)
class Settings:
    database_url: str
    timezone: ZoneInfo
    city_name: str
    phone_311: str
    payments: PaymentPolicy
    verification: VerificationPolicy
    var_dir: Path
    ach: AchSettings = field(default_factory=AchSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    vault_key: str = DEV_VAULT_KEY
    # When 311 answers: told to residents who ask for a person in chat or by text.
    hours_311: str = "24 hours a day, 7 days a week"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        var_dir = Path(env.get("PAYLINE_VAR_DIR", str(DEFAULT_VAR_DIR)))
        tz_name = env.get("PAYLINE_TIMEZONE", "America/Chicago")
        try:
            timezone = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"PAYLINE_TIMEZONE is not a known time zone: {tz_name!r}") from exc
        payments = PaymentPolicy(
            card_fee=Money.parse(env.get("PAYLINE_CARD_FEE", "1.25")),
            max_schedule_days=int(env.get("PAYLINE_MAX_SCHEDULE_DAYS", "90")),
            overpayment_allowance=Money.parse(env.get("PAYLINE_OVERPAYMENT_ALLOWANCE", "0")),
            max_single_payment=Money.parse(env.get("PAYLINE_MAX_PAYMENT", "50000")),
        )
        return cls(
            database_url=env.get("PAYLINE_DATABASE_URL", f"sqlite:///{var_dir / 'payline.db'}"),
            timezone=timezone,
            city_name=env.get("PAYLINE_CITY_NAME", "the City of Riverton"),
            phone_311=env.get("PAYLINE_311_NUMBER", "+13125550111"),
            payments=payments,
            verification=VerificationPolicy(),
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
            ),
            vault_key=env.get("PAYLINE_VAULT_KEY", DEV_VAULT_KEY),
            hours_311=env.get("PAYLINE_311_HOURS", "24 hours a day, 7 days a week"),
        )
