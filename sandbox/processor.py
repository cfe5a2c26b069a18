"""The sandbox payment processor: an offline stand-in for the card processor and the bank.

It plays the *outside* party, so its state lives in its own ``sandbox_*`` tables (on the shared
metadata only so that one Alembic history creates them); nothing in the app reads those tables.
Like a real processor it turns card/bank details into a token and then charges the token. It
never stores a full card number, a full bank account number or a security code: a token row
keeps only last 4, brand, expiry, kind, bank account type, routing number and the
deterministic *behaviour* of the test number it was made from.

Test numbers (any expiry date that is not in the past, any 3-4 digit security code):

| kind | number                                          | result                             |
|------|-------------------------------------------------|------------------------------------|
| card | 4242 4242 4242 4242 (VISA)                      | approved                           |
| card | 5555 5555 5555 4444 (MASTERCARD)                | approved                           |
| card | 4000 0000 0000 0002                             | declined: card_declined            |
| card | 4000 0000 0000 9995                             | declined: insufficient_funds       |
| card | 4000 0000 0000 0069                             | declined: expired_card             |
| card | any other Luhn-valid 13-19 digit number         | approved                           |
| card | failing Luhn; past expiry; bad month or code    | refused: InvalidPaymentMethod      |
| bank | routing 123456789 (or any failing the checksum) | refused: InvalidRoutingNumber      |
| bank | account 000123456789                            | approved                           |
| bank | account 000111111116                            | declined: insufficient_funds (R01) |
| bank | account 000222222226                            | declined: account_closed (R02)     |
| bank | any other 4-17 digit account number             | approved                           |
| any  | a token the sandbox never issued                | declined: invalid_token            |

Valid routing numbers to try: 011000015, 021000021, 111000025.

``charge`` is idempotent per idempotency key (unique column in ``sandbox_charges``): the same
key with the same token and amount returns the first result (same ``SBX-`` reference) without
charging again; the same key with another token or amount raises IdempotencyConflict.

Every charge also records Payline's reference for it (``payline_reference``): the idempotency
key of a ``charge`` call (Payline charges with ``payline-<confirmation>``), or the
``payline_reference`` parameter of a pay connector request. ``find_charge`` looks a charge up by
it and ``charges_between`` lists charges by time, as a reconciliation with the ledger needs.

Twilio Generic Pay Connector
----------------------------
``connector_request`` / ``connector_tokenize`` / ``connector_charge`` speak the JSON that
Twilio's Generic Pay Connector POSTs to a payment processor, so the voice channel (and the
``payline call`` simulator) can use the sandbox as its pay connector. Request fields read:

- ``method``: ``"charge"`` or ``"tokenize"``; ``transaction_id`` (Twilio's id, used as the
  idempotency key of a charge); ``description``; ``amount`` (decimal string, e.g. "10.50",
  ``chargeAmount`` accepted too); ``currency_code`` ("USD", the default);
- card: ``cardnumber``, ``cvv``, ``expiry_month``, ``expiry_year`` (2 or 4 digits),
  ``postal_code``;
- bank (ACH): ``bank_account_number`` (or ``account_number``), ``bank_routing_number`` (or
  ``routing_number``), ``bank_account_type`` ("consumer-checking", "consumer-savings",
  "commercial-checking", "checking" or "savings");
- an already saved method: ``token`` instead of card/bank fields;
- ``parameters``: the <Pay> verb's <Parameter name=… value=…> elements as an object; Payline
  sends ``payline_reference`` there, and the charge keeps it.

Responses: ``{"charge_id": "SBX-…", "error_code": null, "error_message": null, "parameters":
{}}`` for a charge, ``{"token_id": "tok_…", "error_code": null, "error_message": null,
"parameters": {...}}`` for a tokenization. On failure the id is null and ``error_code`` is one
of the decline codes above or ``invalid_payment_method``, ``invalid_routing_number``,
``invalid_amount``, ``unsupported_currency``, ``idempotency_conflict``, ``invalid_request``;
``error_message`` is a polite sentence without digits. Responses never echo card data.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.engine import Engine, RowMapping
from sqlalchemy.exc import IntegrityError

from domain.adapters.clock import SystemClock
from domain.adapters.metadata import metadata
from domain.bank import normalize_bank_account_number, normalize_routing_number
from domain.cards import card_brand, card_digits, is_card_number, redact_card_numbers
from domain.config import DEV_VAULT_KEY
from domain.declines import DECLINE_REASONS
from domain.errors import (
    DomainError,
    IdempotencyConflict,
    InvalidAmount,
    InvalidInput,
    InvalidPaymentMethod,
    InvalidRoutingNumber,
)
from domain.model import BankAccountType, MethodKind
from domain.money import CURRENCY, Money
from domain.ports import (
    BankAccountVault,
    BankDetails,
    CardDetails,
    ChargeResult,
    Clock,
    PaymentGateway,
    ProcessorCharge,
    ProcessorCustomer,
    ProcessorDispute,
    ProcessorRefund,
    RefundResult,
    SavedAtProcessor,
    TokenizedMethod,
)

APPROVE = "approve"

# Deterministic behaviour of the test numbers (see the table above).
TEST_CARDS: dict[str, str] = {
    "4242424242424242": APPROVE,
    "5555555555554444": APPROVE,
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000069": "expired_card",
}
TEST_BANK_ACCOUNTS: dict[str, str] = {
    "000123456789": APPROVE,
    "000111111116": "insufficient_funds",  # like ACH return R01
    "000222222226": "account_closed",  # like ACH return R02
}

MAX_IDEMPOTENCY_KEY = 200
MAX_DESCRIPTION = 200
_REFERENCE_ATTEMPTS = 3
_CARD_YEARS_AHEAD = 20  # no card is issued to expire further out than this

sandbox_tokens = sa.Table(
    "sandbox_tokens",
    metadata,
    sa.Column("token", sa.String(40), primary_key=True),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("last4", sa.String(4), nullable=False),
    sa.Column("brand", sa.String(16), nullable=True),
    sa.Column("exp_month", sa.Integer, nullable=True),
    sa.Column("exp_year", sa.Integer, nullable=True),
    sa.Column("bank_account_type", sa.String(16), nullable=True),
    sa.Column("routing_number", sa.String(9), nullable=True),
    sa.Column("behaviour", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # The bank account number, encrypted (Fernet): ACH origination needs it in the NACHA
    # file; nothing else may read it. Cards never have one.
    sa.Column("account_number_encrypted", sa.Text, nullable=True),
)

sandbox_charges = sa.Table(
    "sandbox_charges",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("idempotency_key", sa.String(MAX_IDEMPOTENCY_KEY), nullable=False, unique=True),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    sa.Column("token", sa.String(40), nullable=False),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("decline_code", sa.String(32), nullable=True),
    sa.Column("description", sa.String(MAX_DESCRIPTION), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    # Payline's name for the charge, so the ledger can find it (not unique: Payline may
    # retry a declined charge under the same reference).
    sa.Column("payline_reference", sa.String(MAX_IDEMPOTENCY_KEY), nullable=True, index=True),
)

sandbox_refunds = sa.Table(
    "sandbox_refunds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("idempotency_key", sa.String(MAX_IDEMPOTENCY_KEY), nullable=False, unique=True),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    sa.Column("charge_reference", sa.String(16), nullable=False, index=True),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

# Chargebacks a card holder's bank opened; the sandbox opens them on request (the demo's
# `payline sandbox dispute`), as a bank would, so reconciliation has disputes to list.
sandbox_disputes = sa.Table(
    "sandbox_disputes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    sa.Column("charge_reference", sa.String(16), nullable=False, index=True),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

SANDBOX_TABLES = (sandbox_tokens, sandbox_charges, sandbox_refunds, sandbox_disputes)


def new_reference() -> str:
    """'SBX-' + 12 hex digits, e.g. 'SBX-3F9A0C1D2E4B'."""
    return "SBX-" + secrets.token_hex(6).upper()


def new_token() -> str:
    return "tok_" + secrets.token_hex(12)


class SandboxProcessor(PaymentGateway, BankAccountVault):
    """PaymentGateway that works offline with deterministic test numbers, and the vault the
    ACH export reveals bank account numbers from (encrypted at rest with Fernet)."""

    def __init__(self, engine: Engine, clock: Clock | None = None,
                 vault_key: str = DEV_VAULT_KEY) -> None:
        self._engine = engine
        self._fernet = Fernet(vault_key.encode("ascii"))
        # Card expiry is a calendar-month matter; UTC is as good as any zone for a fake bank.
        self._clock = clock or SystemClock(UTC)

    # --- tokenization -----------------------------------------------------------------
    def tokenize_card(self, card: CardDetails) -> TokenizedMethod:
        number = card_digits(card.number) if isinstance(card.number, str) else ""
        if not is_card_number(number):
            raise InvalidPaymentMethod(
                "That card number is not valid. Please check it and try again."
            )
        exp_month, exp_year = self._check_expiry(card.exp_month, card.exp_year)
        _check_security_code(card.security_code)  # checked, then never kept
        method = TokenizedMethod(
            kind=MethodKind.CARD,
            token=new_token(),
            last4=number[-4:],
            brand=card_brand(number),
            exp_month=exp_month,
            exp_year=exp_year,
        )
        self._store_token(method, behaviour=TEST_CARDS.get(number, APPROVE))
        return method

    def tokenize_bank(self, bank: BankDetails) -> TokenizedMethod:
        routing = normalize_routing_number(bank.routing_number)
        account = normalize_bank_account_number(bank.account_number)
        try:
            account_type = BankAccountType(bank.account_type)
        except ValueError as exc:
            raise InvalidPaymentMethod("Please choose a checking or a savings account.") from exc
        method = TokenizedMethod(
            kind=MethodKind.BANK,
            token=new_token(),
            last4=account[-4:],
            bank_account_type=account_type,
        )
        self._store_token(method, behaviour=TEST_BANK_ACCOUNTS.get(account, APPROVE),
                          routing_number=routing,
                          account_number_encrypted=self.seal_account_number(account))
        return method

    def seal_account_number(self, account_number: str) -> str:
        """The vault's at-rest form of a bank account number (Fernet, authenticated)."""
        return self._fernet.encrypt(account_number.encode("ascii")).decode("ascii")

    def reveal_bank_account(self, token: str) -> BankDetails:
        row = self._token_row(token)
        if (row is None or row["kind"] != str(MethodKind.BANK)
                or not row["account_number_encrypted"]):
            raise InvalidPaymentMethod("That bank account is not on file.")
        try:
            account = self._fernet.decrypt(row["account_number_encrypted"].encode("ascii"))
        except InvalidToken as exc:  # wrong PAYLINE_VAULT_KEY: say so, never guess
            raise InvalidPaymentMethod("The bank account vault cannot be read with this "
                                       "key.") from exc
        return BankDetails(routing_number=row["routing_number"],
                           account_number=account.decode("ascii"),
                           account_type=BankAccountType(row["bank_account_type"]))

    def token_details(self, token: str) -> TokenizedMethod | None:
        """What the processor knows about a token (never more than is safe to store)."""
        row = self._token_row(token)
        if row is None:
            return None
        account_type = row["bank_account_type"]
        return TokenizedMethod(
            kind=MethodKind(row["kind"]),
            token=row["token"],
            last4=row["last4"],
            brand=row["brand"],
            exp_month=row["exp_month"],
            exp_year=row["exp_year"],
            bank_account_type=BankAccountType(account_type) if account_type else None,
        )

    # --- charging -----------------------------------------------------------------------
    def charge(self, token: str, amount: Money, idempotency_key: str,
               description: str = "") -> ChargeResult:
        return self._charge(token, amount, idempotency_key, description, match_token=True,
                            payline_reference=idempotency_key)

    def find_charge(self, payline_reference: str) -> ChargeResult | None:
        reference = (payline_reference or "").strip() if isinstance(payline_reference,
                                                                    str) else ""
        if not reference:
            return None
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(sandbox_charges)
                .where(sandbox_charges.c.payline_reference == reference)
                .order_by(sandbox_charges.c.id)).mappings().all()
        if not rows:
            return None
        approved = [row for row in rows if row["status"] == "approved"]
        row = approved[0] if approved else rows[-1]
        return _result(row["status"], row["reference"], row["decline_code"])

    def charges_between(self, start: datetime, end: datetime) -> Iterator[ProcessorCharge]:
        for row in self._rows_between(sandbox_charges, start, end):
            yield ProcessorCharge(
                reference=row["reference"], payline_reference=row["payline_reference"],
                amount=Money.from_cents(row["amount_cents"], row["currency"]),
                status=row["status"], created_at=_aware(row["created_at"]),
                decline_code=row["decline_code"])

    def _charge(self, token: str, amount: Money, idempotency_key: str, description: str,
                *, match_token: bool, payline_reference: str | None) -> ChargeResult:
        if not isinstance(amount, Money) or not amount.is_positive():
            raise InvalidAmount("The amount to charge must be more than zero.")
        key = (idempotency_key or "").strip()
        if not key or len(key) > MAX_IDEMPOTENCY_KEY:
            raise InvalidInput("A charge needs an idempotency key of at most 200 characters.")
        existing = self._charge_row(key)
        if existing is not None:
            return _replay(existing, token, amount, match_token=match_token)

        status, decline_code = self._decide(token)
        # Descriptions are free text from the app; make sure no card number rides along.
        safe_description, _ = redact_card_numbers((description or "")[:MAX_DESCRIPTION])
        for _attempt in range(_REFERENCE_ATTEMPTS):
            reference = new_reference()
            row = {
                "idempotency_key": key,
                "reference": reference,
                "token": token or "",
                "amount_cents": amount.cents,
                "currency": amount.currency,
                "status": status,
                "decline_code": decline_code,
                "description": safe_description[:MAX_DESCRIPTION],
                "created_at": self._utcnow(),
                "payline_reference": payline_reference,
            }
            # Insert first: the unique key decides which of two concurrent calls charges.
            try:
                with self._engine.begin() as conn:
                    conn.execute(sandbox_charges.insert().values(**row))
            except IntegrityError:
                existing = self._charge_row(key)
                if existing is not None:
                    return _replay(existing, token, amount, match_token=match_token)
                continue  # the random reference collided; draw another
            return _result(status, reference, decline_code)
        raise RuntimeError("could not allocate a unique sandbox reference")  # pragma: no cover

    def _decide(self, token: str) -> tuple[str, str | None]:
        row = self._token_row(token)
        if row is None:
            return "declined", "invalid_token"
        if row["kind"] == MethodKind.CARD and row["exp_year"] and row["exp_month"]:
            today = self._clock.today()
            if (row["exp_year"], row["exp_month"]) < (today.year, today.month):
                return "declined", "expired_card"
        behaviour = row["behaviour"]
        if behaviour == APPROVE:
            return "approved", None
        return "declined", behaviour

    # --- saved methods, refunds and disputes ------------------------------------------
    def save_for_customer(self, token: str, customer: ProcessorCustomer) -> SavedAtProcessor:
        """The sandbox keeps every token it issued; it has no customers of its own."""
        method = self.token_details(token)
        if method is None:
            raise InvalidPaymentMethod("That payment method is not recognized. Please enter "
                                       "it again.")
        return SavedAtProcessor(method, processor_customer_id=None)

    def refund(self, charge_reference: str, amount: Money,
               idempotency_key: str) -> RefundResult:
        if not isinstance(amount, Money) or not amount.is_positive():
            raise InvalidAmount("The amount to refund must be more than zero.")
        key = (idempotency_key or "").strip()
        if not key or len(key) > MAX_IDEMPOTENCY_KEY:
            raise InvalidInput("A refund needs an idempotency key of at most 200 characters.")
        with self._engine.begin() as conn:
            existing = conn.execute(sa.select(sandbox_refunds).where(
                sandbox_refunds.c.idempotency_key == key)).mappings().first()
            if existing is not None:
                if (existing["charge_reference"] != charge_reference
                        or existing["amount_cents"] != amount.cents):
                    raise IdempotencyConflict()
                return RefundResult(existing["status"], existing["reference"])
            charge = conn.execute(sa.select(sandbox_charges).where(
                sandbox_charges.c.reference == charge_reference)).mappings().first()
            if charge is None or charge["status"] != "approved":
                return RefundResult("failed", None, "There is no approved charge to refund.")
            refunded = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(
                sandbox_refunds.c.amount_cents), 0)).where(
                sandbox_refunds.c.charge_reference == charge_reference,
                sandbox_refunds.c.status == "succeeded")).scalar_one()
            if amount.cents > charge["amount_cents"] - refunded:
                left = Money.from_cents(charge["amount_cents"] - refunded, charge["currency"])
                return RefundResult("failed", None, f"Only {left.format()} of the charge is "
                                                    "left to refund.")
            reference = "SBR-" + secrets.token_hex(6).upper()
            conn.execute(sandbox_refunds.insert().values(
                idempotency_key=key, reference=reference, charge_reference=charge_reference,
                amount_cents=amount.cents, currency=amount.currency, status="succeeded",
                created_at=self._utcnow()))
        return RefundResult("succeeded", reference)

    def refunds_between(self, start: datetime, end: datetime) -> Iterator[ProcessorRefund]:
        for row in self._rows_between(sandbox_refunds, start, end):
            yield ProcessorRefund(
                reference=row["reference"], charge_reference=row["charge_reference"],
                amount=Money.from_cents(row["amount_cents"], row["currency"]),
                status=row["status"], created_at=_aware(row["created_at"]),
                payline_reference=row["idempotency_key"])

    def disputes_between(self, start: datetime, end: datetime) -> Iterator[ProcessorDispute]:
        for row in self._rows_between(sandbox_disputes, start, end):
            yield ProcessorDispute(
                reference=row["reference"], charge_reference=row["charge_reference"],
                amount=Money.from_cents(row["amount_cents"], row["currency"]),
                status=row["status"], reason=row["reason"],
                created_at=_aware(row["created_at"]))

    def open_dispute(self, charge_reference: str, reason: str = "fraudulent") -> ProcessorDispute:
        """What a card holder's bank does: take an approved charge back (the demo's and the
        tests' way to have a dispute in the sandbox)."""
        with self._engine.begin() as conn:
            charge = conn.execute(sa.select(sandbox_charges).where(
                sandbox_charges.c.reference == charge_reference)).mappings().first()
            if charge is None or charge["status"] != "approved":
                raise InvalidInput("There is no approved charge with that reference.")
            row = {"reference": "SBD-" + secrets.token_hex(6).upper(),
                   "charge_reference": charge_reference, "amount_cents": charge["amount_cents"],
                   "currency": charge["currency"], "status": "open", "reason": reason[:64],
                   "created_at": self._utcnow()}
            conn.execute(sandbox_disputes.insert().values(**row))
        return ProcessorDispute(row["reference"], charge_reference,
                                Money.from_cents(row["amount_cents"], row["currency"]), "open",
                                row["reason"], row["created_at"])

    def close_dispute(self, reference: str, *, won: bool) -> None:
        with self._engine.begin() as conn:
            conn.execute(sandbox_disputes.update()
                         .where(sandbox_disputes.c.reference == reference)
                         .values(status="won" if won else "lost"))

    def _rows_between(self, table: sa.Table, start: datetime,
                      end: datetime) -> list[RowMapping]:
        stmt = (sa.select(table)
                .where(table.c.created_at >= start.astimezone(UTC),
                       table.c.created_at < end.astimezone(UTC))
                .order_by(table.c.created_at, table.c.id))
        with self._engine.connect() as conn:
            return list(conn.execute(stmt).mappings().all())

    # --- Twilio Generic Pay Connector -------------------------------------------------
    def connector_request(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Dispatch one Generic Pay Connector request on its ``method``."""
        method = str(request.get("method", "")).strip().lower() if _is_mapping(request) else ""
        if method == "tokenize":
            return self.connector_tokenize(request)
        if method == "charge":
            return self.connector_charge(request)
        return _connector_error("charge_id", "invalid_request",
                                "The payment request could not be understood.")

    def connector_tokenize(self, request: Mapping[str, Any]) -> dict[str, Any]:
        try:
            if not _is_mapping(request):
                raise InvalidInput("The payment request could not be understood.")
            method = self._tokenize_from_request(request)
        except DomainError as exc:
            return _connector_error("token_id", _error_code(exc), exc.detail)
        parameters: dict[str, Any] = {"last4": method.last4}
        if method.kind == MethodKind.CARD:
            parameters["brand"] = method.brand
        else:
            parameters["bank_account_type"] = str(method.bank_account_type)
        return {"token_id": method.token, "error_code": None, "error_message": None,
                "parameters": parameters}

    def connector_charge(self, request: Mapping[str, Any]) -> dict[str, Any]:
        try:
            if not _is_mapping(request):
                raise InvalidInput("The payment request could not be understood.")
            transaction_id = str(request.get("transaction_id") or "").strip()
            if not transaction_id:
                raise InvalidInput("The payment request has no transaction id.")
            amount = _connector_amount(request)
            key = f"connector:{transaction_id}"
            description = str(request.get("description") or "")
            reference = _payline_reference(request.get("parameters"))
            token = str(request.get("token") or "").strip()
            if token:
                result = self._charge(token, amount, key, description, match_token=True,
                                      payline_reference=reference)
            else:
                existing = self._charge_row(key)
                if existing is not None:
                    # Twilio retried a request that carried card data: replay, don't re-tokenize.
                    result = _replay(existing, "", amount, match_token=False)
                else:
                    method = self._tokenize_from_request(request)
                    result = self._charge(method.token, amount, key, description,
                                          match_token=False, payline_reference=reference)
        except DomainError as exc:
            return _connector_error("charge_id", _error_code(exc), exc.detail)
        if result.approved:
            return {"charge_id": result.reference, "error_code": None, "error_message": None,
                    "parameters": {}}
        return _connector_error("charge_id", result.decline_code or "card_declined",
                                result.decline_reason or "The payment was declined.")

    def _tokenize_from_request(self, request: Mapping[str, Any]) -> TokenizedMethod:
        if _is_bank_request(request):
            return self.tokenize_bank(BankDetails(
                routing_number=str(_first(request, "bank_routing_number", "routing_number")),
                account_number=str(_first(request, "bank_account_number", "account_number")),
                account_type=_connector_account_type(request.get("bank_account_type")),
            ))
        return self.tokenize_card(CardDetails(
            number=str(request.get("cardnumber") or ""),
            exp_month=_connector_int(request.get("expiry_month"), "expiry"),
            exp_year=_connector_int(request.get("expiry_year"), "expiry"),
            security_code=str(request.get("cvv") or ""),
            postal_code=str(request.get("postal_code") or ""),
        ))

    # --- storage ------------------------------------------------------------------------
    def _store_token(self, method: TokenizedMethod, *, behaviour: str,
                     routing_number: str | None = None,
                     account_number_encrypted: str | None = None) -> None:
        with self._engine.begin() as conn:
            conn.execute(sandbox_tokens.insert().values(
                token=method.token,
                kind=str(method.kind),
                last4=method.last4,
                brand=method.brand,
                exp_month=method.exp_month,
                exp_year=method.exp_year,
                bank_account_type=(str(method.bank_account_type)
                                   if method.bank_account_type else None),
                routing_number=routing_number,
                behaviour=behaviour,
                created_at=self._utcnow(),
                account_number_encrypted=account_number_encrypted,
            ))

    def _token_row(self, token: str) -> RowMapping | None:
        if not token or not isinstance(token, str):
            return None
        with self._engine.connect() as conn:
            return conn.execute(
                sa.select(sandbox_tokens).where(sandbox_tokens.c.token == token)
            ).mappings().first()

    def _charge_row(self, key: str) -> RowMapping | None:
        with self._engine.connect() as conn:
            return conn.execute(
                sa.select(sandbox_charges).where(sandbox_charges.c.idempotency_key == key)
            ).mappings().first()

    def _utcnow(self) -> datetime:
        return self._clock.now().astimezone(UTC)

    def _check_expiry(self, exp_month: object, exp_year: object) -> tuple[int, int]:
        message = "That expiration date is not valid. Please check the month and year."
        month = _as_int(exp_month)
        year = _as_int(exp_year)
        if month is None or year is None or not 1 <= month <= 12:
            raise InvalidPaymentMethod(message)
        if year < 100:  # "27" means 2027
            year += 2000
        today: date = self._clock.today()
        if (year, month) < (today.year, today.month):
            raise InvalidPaymentMethod("That card has expired. Please use another card.")
        if year > today.year + _CARD_YEARS_AHEAD:
            raise InvalidPaymentMethod(message)
        return month, year


# --- helpers ---------------------------------------------------------------------------


def _aware(created: datetime) -> datetime:
    return created if created.tzinfo is not None else created.replace(tzinfo=UTC)  # SQLite


def _result(status: str, reference: str, decline_code: str | None) -> ChargeResult:
    return ChargeResult(
        status=status,
        reference=reference,
        decline_code=decline_code,
        decline_reason=DECLINE_REASONS.get(decline_code) if decline_code else None,
    )


def _replay(row: RowMapping, token: str, amount: Money, *, match_token: bool) -> ChargeResult:
    same_amount = row["amount_cents"] == amount.cents and row["currency"] == amount.currency
    if not same_amount or (match_token and row["token"] != (token or "")):
        raise IdempotencyConflict()
    return _result(row["status"], row["reference"], row["decline_code"])


def _payline_reference(parameters: object) -> str | None:
    """The `payline_reference` <Pay> parameter, if the request carried a usable one."""
    if not isinstance(parameters, Mapping):
        return None
    value = parameters.get("payline_reference")
    if not isinstance(value, str):
        return None
    text = value.strip()
    # Only what Payline itself sends: letters, digits and dashes, nothing that could carry
    # card digits into this table.
    if not text or len(text) > MAX_IDEMPOTENCY_KEY or redact_card_numbers(text)[1]:
        return None
    if not all(ch.isascii() and (ch.isalnum() or ch in "-_:") for ch in text):
        return None
    return text


def _check_security_code(code: object) -> None:
    text = code.strip() if isinstance(code, str) else ""
    if not (3 <= len(text) <= 4 and all(ch in "0123456789" for ch in text)):
        raise InvalidPaymentMethod(
            "That security code is not valid. It is the 3 or 4 digits on the card."
        )


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text and len(text) <= 4 and all(ch in "0123456789" for ch in text):
            return int(text)
    return None


def _is_mapping(value: object) -> bool:
    return isinstance(value, Mapping)


def _first(request: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = request.get(name)
        if value not in (None, ""):
            return str(value)
    return ""


def _is_bank_request(request: Mapping[str, Any]) -> bool:
    if str(request.get("payment_method", "")).lower() == "ach-debit":
        return True
    return bool(_first(request, "bank_account_number", "account_number",
                       "bank_routing_number", "routing_number"))


def _connector_account_type(value: object) -> BankAccountType:
    text = str(value or "checking").strip().lower()
    if text in ("consumer-savings", "savings"):
        return BankAccountType.SAVINGS
    if text in ("consumer-checking", "commercial-checking", "checking"):
        return BankAccountType.CHECKING
    raise InvalidPaymentMethod("Please choose a checking or a savings account.")


def _connector_int(value: object, what: str) -> int:
    number = _as_int(value)
    if number is None:
        raise InvalidPaymentMethod(
            f"That {what} date is not valid. Please check the month and year."
        )
    return number


def _connector_amount(request: Mapping[str, Any]) -> Money:
    currency = str(request.get("currency_code") or CURRENCY).strip().upper()
    if currency != CURRENCY:
        raise _UnsupportedCurrency()
    raw = request.get("amount", request.get("chargeAmount"))
    amount = Money.parse(str(raw) if raw is not None else "")
    if not amount.is_positive():
        raise InvalidAmount("The amount to charge must be more than zero.")
    return amount


class _UnsupportedCurrency(InvalidInput):
    message = "Only payments in US dollars are accepted."


def _error_code(exc: DomainError) -> str:
    # Most specific first: InvalidRoutingNumber and InvalidAmount are InvalidInput too.
    for kind, code in (
        (_UnsupportedCurrency, "unsupported_currency"),
        (InvalidRoutingNumber, "invalid_routing_number"),
        (InvalidAmount, "invalid_amount"),
        (InvalidPaymentMethod, "invalid_payment_method"),
        (IdempotencyConflict, "idempotency_conflict"),
    ):
        if isinstance(exc, kind):
            return code
    return "invalid_request"


def _connector_error(id_field: str, code: str, message: str) -> dict[str, Any]:
    return {id_field: None, "error_code": code, "error_message": message, "parameters": {}}
