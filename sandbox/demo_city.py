"""A deterministic demo city: Riverton, IL, its utility residents and general-billing customers.

`DemoCity(size, seed, today)` describes the same city every time for the same arguments, with
every date relative to `today` so the demo is always current (bills due next week, a payment
pending since yesterday). The first accounts are hand-written personas that the README lists
(see `PERSONAS` and `persona_table_markdown()`); the rest are random but consistent:
- every bill's unpaid part is between 0 and its total; approved payments were applied to the
  oldest open bills, pending/scheduled/rejected/cancelled ones were not;
- money is Money, never float; confirmation numbers are unique; phones are valid E.164 in the
  fictional 555-01xx range;
- saved methods name a sandbox test instrument (e.g. "visa-approve"), never card digits: the
  loader (sandbox.demo_seed) has the sandbox processor tokenize them.

The SSN/Tax ID last 4 is kept in clear here (it is fictional and the personas must be
documented); the loader stores only a salted hash of it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from domain.confirmation import new_confirmation_number
from domain.model import AccountKind, BankAccountType, Channel, MethodKind, PaymentStatus
from domain.money import Money

CITY = "Riverton"
STATE = "IL"
DEFAULT_TZ = ZoneInfo("America/Chicago")
DEFAULT_SEED = 2024
DEFAULT_SIZE = 300
CARD_FEE = Money.of("1.25")
UTILITY_BILL_TYPE = "WATER/SEWER"
DAYS_TO_PAY_UTILITY = 21
DAYS_TO_PAY_GENERAL = 30
HISTORY_MONTHS = 24

# Streets of Riverton and the zip code each lies in.
STREETS: tuple[tuple[str, str], ...] = (
    ("Main St", "62561"), ("Elm St", "62561"), ("Oak Ave", "62561"), ("Church St", "62561"),
    ("Depot St", "62561"), ("Mill St", "62561"), ("Lincoln Ave", "62562"),
    ("Washington St", "62562"), ("Prairie Ln", "62562"), ("Willow Way", "62562"),
    ("Cedar Ct", "62562"), ("Maple Dr", "62563"), ("River Rd", "62563"),
    ("Bluff St", "62563"), ("Hickory Ln", "62563"), ("Orchard Rd", "62563"),
    ("Sycamore Ave", "62564"), ("Lakeview Dr", "62564"), ("Fox Run", "62564"),
    ("Sangamon Ave", "62564"),
)

GENERAL_BILL_TYPES: dict[str, tuple[int, int, int]] = {
    # type: (min cents, max cents, step cents) - fixed fees come in round steps
    "CLAIMS": (5000, 150000, 2500),
    "FALSE ALARM": (5000, 25000, 5000),
    "GARBAGE CART": (6500, 7500, 1000),
    "RECYCLING CART": (5500, 5500, 100),
    "WEED MOWING": (12500, 40000, 2500),
    "SIDEWALK REPAIR": (30000, 120000, 5000),
}

# Fictional numbers (NANPA reserves 555-0100..0199 for fiction). The personas own 312-555-01xx;
# the rest of the city shares the same range in other Illinois area codes.
PERSONA_AREA_CODE = "312"
BULK_AREA_CODES = ("217", "309", "618", "630", "708", "773", "779", "815", "847", "872",
                   "224", "331")

# Sandbox test instruments a saved method can name: (kind, brand, last4, bank type).
# The loader maps each name to the processor's test numbers; digits never appear here.
INSTRUMENTS: dict[str, tuple[MethodKind, str | None, str, BankAccountType | None]] = {
    "visa-approve": (MethodKind.CARD, "VISA", "4242", None),
    "mastercard-approve": (MethodKind.CARD, "MASTERCARD", "4444", None),
    "discover-approve": (MethodKind.CARD, "DISCOVER", "1117", None),
    "amex-approve": (MethodKind.CARD, "AMEX", "8431", None),
    "visa-decline": (MethodKind.CARD, "VISA", "0002", None),
    "visa-insufficient-funds": (MethodKind.CARD, "VISA", "9995", None),
    "checking-approve": (MethodKind.BANK, None, "6789", BankAccountType.CHECKING),
    "savings-approve": (MethodKind.BANK, None, "4321", BankAccountType.SAVINGS),
    "checking-insufficient-funds": (MethodKind.BANK, None, "1116", BankAccountType.CHECKING),
}

_FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty",
    "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily", "Kenneth",
    "Donna", "Joshua", "Michelle", "Kevin", "Carol", "Brian", "Amanda", "George", "Melissa",
    "Timothy", "Deborah", "Ronald", "Stephanie", "Jason", "Rebecca", "Ryan", "Laura", "Jacob",
    "Helen", "Gary", "Sharon", "Nicholas", "Cynthia", "Eric", "Kathleen", "Wei", "Priya",
    "Kwame", "Fatima", "Hiroshi", "Nadia", "Tomasz", "Olga", "Darnell", "Keisha", "Ngozi",
)
_LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner",
    "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris",
    "Murphy", "Cook", "Rogers", "Kowalski", "Nguyen", "Patel", "Chen", "Okafor", "Schmidt",
    "Novak", "Olson", "Hansen", "Sullivan", "O'Brien", "Washington", "Jefferson",
)
_SPANISH_FIRST_NAMES = (
    "José", "María", "Juan", "Guadalupe", "Luis", "Carmen", "Carlos", "Rosa", "Miguel",
    "Ana", "Jorge", "Lucía", "Francisco", "Sofía", "Alejandro", "Isabel", "Ricardo", "Elena",
    "Fernando", "Verónica", "Javier", "Patricia", "Raúl", "Marisol", "Andrés", "Gabriela",
)
_SPANISH_LAST_NAMES = (
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
    "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz",
    "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Ruiz", "Mendoza", "Castillo", "Vargas",
)
_BUSINESS_WORDS = (
    "Riverside", "Prairie", "Bluffview", "Sangamon", "Heartland", "Millrace", "Cornerstone",
    "Lakeside", "Orchard", "Depot Street", "Willow Creek", "Foxhollow",
)
_BUSINESS_KINDS = (
    "Hardware LLC", "Properties LLC", "Auto Repair", "Family Dental", "Bakery", "Storage Inc",
    "Lawn Care", "Realty Group", "Diner", "Veterinary Clinic", "Church", "Apartments LLC",
)
_AGENTS = ("A101", "A102", "A117", "A123")
_REJECTIONS = {
    "visa-decline": "The card was declined.",
    "visa-insufficient-funds": "Insufficient funds.",
    "checking-insufficient-funds": "Insufficient funds in the bank account.",
}

# --- what the generator produces ----------------------------------------------------------


@dataclass(slots=True, eq=False)
class SeedPhone:
    number: str  # E.164
    label: str = "mobile"


@dataclass(slots=True, eq=False)
class SeedCustomer:
    customer_number: str
    name: str
    mailing_street: str
    mailing_city: str
    mailing_state: str
    mailing_zip: str
    email: str | None
    language: str
    ssn_last4: str  # fictional; the loader stores only a salted hash
    phones: list[SeedPhone] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class SeedMethod:
    """A payment method by sandbox test instrument name; `saved` ones become PaymentMethods,
    the others were used once (e.g. a card typed into <Pay>) and only appear on payments."""

    instrument: str
    nickname: str = ""
    exp_month: int | None = None
    exp_year: int | None = None
    saved: bool = True
    created_at: datetime | None = None

    @property
    def kind(self) -> MethodKind:
        return INSTRUMENTS[self.instrument][0]

    @property
    def brand(self) -> str | None:
        return INSTRUMENTS[self.instrument][1]

    @property
    def last4(self) -> str:
        return INSTRUMENTS[self.instrument][2]

    @property
    def bank_account_type(self) -> BankAccountType | None:
        return INSTRUMENTS[self.instrument][3]

    def label(self) -> str:
        # Same wording as model.PaymentMethod.label(), which is what residents hear.
        if self.kind == MethodKind.CARD:
            return f"{self.brand or 'card'} ending {self.last4}"
        return f"{self.bank_account_type or 'bank'} account ending {self.last4}"


@dataclass(slots=True, eq=False)
class SeedBill:
    bill_number: str
    bill_type: str
    issued_on: date
    due_date: date
    total: Money
    unpaid: Money


@dataclass(slots=True, eq=False)
class SeedPayment:
    confirmation_number: str
    amount: Money
    fee: Money
    method: SeedMethod
    scheduled_for: date
    status: PaymentStatus
    channel: Channel
    created_by: str
    created_at: datetime
    submitted_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    rejection_reason: str | None = None
    processor_reference: str | None = None  # the sandbox's "SBX-..." form, once submitted

    @property
    def idempotency_key(self) -> str:
        return f"demo-seed-{self.confirmation_number}"


@dataclass(slots=True, eq=False)
class SeedAccount:
    account_number: str
    kind: AccountKind
    customer: SeedCustomer
    service_street_number: str | None = None
    service_street_name: str = ""
    service_city: str = ""
    service_state: str = ""
    service_zip: str = ""
    paperless: bool = False
    paperless_email: str | None = None
    paperless_since: datetime | None = None
    failed_verifications: int = 0
    locked_at: datetime | None = None
    lock_reason: str | None = None
    bills: list[SeedBill] = field(default_factory=list)
    methods: list[SeedMethod] = field(default_factory=list)  # saved ones only
    payments: list[SeedPayment] = field(default_factory=list)
    persona: str | None = None

    def balance(self) -> Money:
        return sum((b.unpaid for b in self.bills), Money.zero())

    def past_due(self, today: date) -> Money:
        return sum((b.unpaid for b in self.bills if b.due_date < today), Money.zero())


# --- the personas the README lists ------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    key: str
    name: str
    kind: AccountKind
    account_number: str
    customer_number: str
    street_number: str | None  # a utility factor
    ssn_last4: str  # the other utility factor (SSN or Tax ID)
    phone: str | None
    email: str | None
    language: str
    good_for: str
    bill_numbers: tuple[str, ...] = ()  # general billing: any one identifies with the customer ID
    other_accounts: tuple[str, ...] = ()


PERSONAS: tuple[Persona, ...] = (
    Persona("past-due", "Dana Whitfield", AccountKind.UTILITY, "0104200731", "100101",
            "1234", "4821", "+13125550101", "dana.whitfield@example.com", "en",
            "Past-due balance ($84.17 past due, $146.57 in all); pay now with the saved "
            "VISA ending 4242 (the $1.25 card fee is quoted first)."),
    Persona("spanish", "Lucía Hernández", AccountKind.UTILITY, "2201458890", "100102",
            "507", "3390", "+13125550102", None, "es",
            "Spanish prompts and texts (language es); $58.23 due in 12 days; no saved method, "
            "so pay by phone (card digits on the keypad) or with a secure pay link; SMS receipts "
            "only."),
    Persona("paperless-scheduled", "Grace Okafor", AccountKind.UTILITY, "3300917254",
            "100103", "88", "7716", "+13125550103", "grace.okafor@example.com", "en",
            "Paperless (try unenroll); $71.90 due in 15 days with a scheduled payment from the "
            "saved savings account ending 4321 in 10 days, still cancellable."),
    Persona("zero-balance", "Tom Brennan", AccountKind.UTILITY, "0045129907", "100104",
            "2210", "1208", "+13125550104", "tom.brennan@example.com", "en",
            "Nothing due (all paid 3 days ago): the 'no balance' path and 24 months of "
            "approved payments; account number with two leading zeros."),
    Persona("locked", "Victor Lindqvist", AccountKind.UTILITY, "5512093384", "100105",
            "45", "6650", "+13125550105", "victor.lindqvist@example.com", "en",
            "Locked after 3 failed verifications: self-service refuses, a 311 agent unlocks "
            "it (payline accounts unlock 5512093384 --agent A101 --reason ...)."),
    Persona("munis-claims", "Jordan Ellis", AccountKind.GENERAL, "200145", "200145",
            None, "5543", "+13125550106", "jordan.ellis@example.com", "en",
            "General billing like the Munis seed: customer ID 200145 + bill 610025 or 610026; "
            "two CLAIMS bills of $250.00 due in 17 days, total $500.00, a pending web "
            "payment exists.", bill_numbers=("610025", "610026")),
    Persona("saved-checking", "Samuel Park", AccountKind.UTILITY, "7730264415", "100107",
            "3021", "9054", "+13125550107", "samuel.park@example.com", "en",
            "Pay with the saved checking account ending 6789 (no fee), or schedule a bank "
            "payment for a later date; $112.64 due in 6 days."),
    Persona("declined-card", "Aisha Rahman", AccountKind.UTILITY, "6604381127", "100108",
            "19", "2477", "+13125550108", "aisha.rahman@example.com", "en",
            "Paperless enroll (paper bills today, email on file); her saved VISA ending 0002 "
            "is declined by the sandbox; $47.85 due in 4 days."),
    Persona("munis-mixed", "Riverside Hardware LLC", AccountKind.GENERAL, "200146", "200146",
            None, "7310", "+13125550109", "billing@riverside-hardware.example.com", "en",
            "General billing with several bill types: FALSE ALARM $150.00 past due (bill "
            "610031), WEED MOWING $275.00 due in 20 days (610032), GARBAGE CART paid (610030).",
            bill_numbers=("610030", "610031", "610032")),
    Persona("landlord", "Miguel Torres", AccountKind.UTILITY, "8807120043", "100110",
            "1500", "8122", "+13125550110", "miguel.torres@example.com", "en",
            "Two utility accounts on one phone (1500 and 1502 Main St): calling from it, his SSN "
            "last 4 verifies both, then he picks one; $64.10 due on this one, the other "
            "(8807120051) is paid up.",
            other_accounts=("8807120051",)),
)


def persona(key: str) -> Persona:
    for p in PERSONAS:
        if p.key == key:
            return p
    raise KeyError(key)


def persona_table_markdown() -> str:
    """The table of demo identities for the README and docs/demo-identities.md."""
    lines = [
        "| persona | name | account | identify with | phone on file | email | good for |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in PERSONAS:
        if p.kind == AccountKind.UTILITY:
            account = f"`{p.account_number}` (utility)"
            if p.other_accounts:
                account += ", " + ", ".join(f"`{n}`" for n in p.other_accounts)
            identify = f"street number `{p.street_number}` or SSN last 4 `{p.ssn_last4}`"
        else:
            account = f"customer ID `{p.customer_number}` (general billing)"
            identify = "bill " + " or ".join(f"`{b}`" for b in p.bill_numbers)
        lines.append(
            f"| {p.key} | {p.name} | {account} | {identify} | {p.phone or '-'} | "
            f"{p.email or '-'} | {p.good_for.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


# --- the city -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCity:
    """`size` accounts in all (at least the personas), the same for the same seed and today."""

    size: int = DEFAULT_SIZE
    seed: int = DEFAULT_SEED
    today: date = field(default_factory=date.today)
    tz: tzinfo = DEFAULT_TZ

    @property
    def total_accounts(self) -> int:
        return max(self.size, _persona_account_count())

    def accounts(self) -> Iterator[SeedAccount]:
        """Personas first, then the rest of the city; a stream, so 100,000 accounts never sit
        in memory at once. Each call starts over and yields the same accounts."""
        state = _State(self.today, self.tz, random.Random(self.seed))
        produced = 0
        for account in _persona_accounts(state):
            produced += 1
            yield account
        while produced < self.total_accounts:
            # About one account in seven is a general-billing (Munis) customer.
            if state.rng.random() < 0.14:
                yield _general_account(state)
            else:
                yield _utility_account(state)
            produced += 1


def _persona_account_count() -> int:
    return sum(1 + len(p.other_accounts) for p in PERSONAS)


class _State:
    """The generator's running state: one rng and the sets that keep numbers unique."""

    def __init__(self, today: date, tz: tzinfo, rng: random.Random) -> None:
        self.today = today
        self.tz = tz
        self.rng = rng
        self.account_numbers: set[str] = set()
        self.confirmations: set[str] = set()
        self.next_customer = 300001
        self.next_bill = 1000001
        for p in PERSONAS:
            self.account_numbers.add(p.account_number)
            self.account_numbers.update(p.other_accounts)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def confirmation(self, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        while True:
            number = new_confirmation_number(rng)
            if number not in self.confirmations:
                self.confirmations.add(number)
                return number

    def customer_number(self) -> str:
        number = str(self.next_customer)
        self.next_customer += self.rng.randint(1, 3)  # Munis numbers have gaps (closed ones)
        return number

    def bill_number(self) -> str:
        number = str(self.next_bill)
        self.next_bill += 1
        return number

    def account_number(self) -> str:
        while True:
            # Uniform over 10 digits: about one in ten starts with a zero, as printed.
            number = f"{self.rng.randrange(10**10):010d}"
            if number not in self.account_numbers:
                self.account_numbers.add(number)
                return number


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, 28))


def _cents(rng: random.Random, low: int, high: int, step: int = 1) -> Money:
    return Money.from_cents(rng.randrange(low, high + 1, step))


# --- a payment history that adds up ---------------------------------------------------------


class _Ledger:
    """Applies approved payments to open bills, oldest due first (like Account.apply_payment).

    Works in integer cents (Money arithmetic is exact but slow for a million bills) and writes
    the unpaid amounts back as Money in close().
    """

    def __init__(self, bills: list[SeedBill] | None = None) -> None:
        self.bills: list[SeedBill] = []
        self.unpaid: list[int] = []
        for bill in bills or ():
            self.add(bill)

    def add(self, bill: SeedBill) -> None:
        self.bills.append(bill)
        self.unpaid.append(bill.unpaid.cents)

    def balance(self) -> int:
        return sum(self.unpaid)

    def apply(self, cents: int) -> None:
        order = sorted(range(len(self.bills)),
                       key=lambda i: (self.bills[i].due_date, self.bills[i].bill_number))
        for i in order:
            if cents == 0:
                break
            applied = min(cents, self.unpaid[i])
            self.unpaid[i] -= applied
            cents -= applied
        assert cents == 0, "the demo never overpays"

    def close(self) -> None:
        for bill, cents in zip(self.bills, self.unpaid, strict=True):
            if cents != bill.unpaid.cents:
                bill.unpaid = Money.from_cents(cents)


def _payment(state: _State, rng: random.Random, *, amount: Money, method: SeedMethod,
             status: PaymentStatus, day: date, created: datetime | None = None,
             channel: Channel | None = None, rejection: str | None = None) -> SeedPayment:
    """A payment in its final state; `day` is when it was (or will be) submitted."""
    channel = channel or rng.choices(
        (Channel.WEB, Channel.VOICE, Channel.SMS, Channel.CHAT, Channel.AGENT),
        (50, 25, 10, 10, 5))[0]
    created_by = (f"agent:{rng.choice(_AGENTS)}" if channel == Channel.AGENT
                  else "resident:demo")
    fee = CARD_FEE if method.kind == MethodKind.CARD else Money.zero()
    created = created or state.at(day, rng.randint(7, 21), rng.randint(0, 59))
    payment = SeedPayment(
        confirmation_number=state.confirmation(rng), amount=amount, fee=fee, method=method,
        scheduled_for=day, status=status, channel=channel, created_by=created_by,
        created_at=created)
    submitted = max(created, state.at(day, 6)) if day > created.date() else created
    if status in (PaymentStatus.PENDING, PaymentStatus.APPROVED, PaymentStatus.REJECTED):
        payment.submitted_at = submitted
        payment.processor_reference = f"SBX-{rng.getrandbits(48):012X}"
    if status == PaymentStatus.APPROVED:
        # Cards settle in minutes; bank (ACH) payments a business day or two later.
        delay = (timedelta(minutes=rng.randint(1, 5)) if method.kind == MethodKind.CARD
                 else timedelta(days=rng.randint(1, 2)))
        if (submitted + delay).date() >= state.today:
            delay = timedelta(minutes=rng.randint(1, 5))  # nothing is settled in the future
        payment.completed_at = submitted + delay
    elif status == PaymentStatus.REJECTED:
        payment.completed_at = submitted + timedelta(minutes=rng.randint(1, 30))
        payment.rejection_reason = rejection or _REJECTIONS.get(
            method.instrument, "The payment was declined.")
    elif status == PaymentStatus.CANCELLED:
        payment.cancelled_at = created + timedelta(hours=rng.randint(2, 72))
    return payment


def _one_time_method(state: _State, rng: random.Random) -> SeedMethod:
    instrument = rng.choices(
        ("visa-approve", "mastercard-approve", "discover-approve", "amex-approve",
         "checking-approve", "savings-approve"), (35, 25, 8, 7, 18, 7))[0]
    month, year = _expiry(state, rng, instrument)
    return SeedMethod(instrument, saved=False, exp_month=month, exp_year=year)


def _expiry(state: _State, rng: random.Random, instrument: str) -> tuple[int | None, int | None]:
    """A card's expiry month and year, always in the future; (None, None) for a bank."""
    if INSTRUMENTS[instrument][0] != MethodKind.CARD:
        return None, None
    return rng.randint(1, 12), state.today.year + rng.randint(1, 5)


def _pay_cycle(state: _State, rng: random.Random, account: SeedAccount, ledger: _Ledger,
               cents: int, day: date, *, issued: date, allow_open: bool = True) -> None:
    """One payment decision for a bill issued on `issued`: approved if `day` is past,
    otherwise scheduled, pending (since yesterday) or not paid yet."""
    today = state.today
    if cents <= 0:
        return
    amount = Money.from_cents(cents)
    method = (rng.choice(account.methods) if account.methods and rng.random() < 0.85
              else _one_time_method(state, rng))
    if day < today:
        if rng.random() < 0.03:
            # A first try that bounced, then the resident paid again.
            bad = SeedMethod(rng.choice(tuple(_REJECTIONS)), saved=False)
            account.payments.append(_payment(state, rng, amount=amount, method=bad,
                                             status=PaymentStatus.REJECTED,
                                             day=day - timedelta(days=2)))
        if rng.random() < 0.02:
            # A payment scheduled for earlier, cancelled by the resident, then paid.
            earlier = day - timedelta(days=rng.randint(3, 9))
            account.payments.append(_payment(
                state, rng, amount=amount, method=method, status=PaymentStatus.CANCELLED,
                day=earlier, created=state.at(earlier - timedelta(days=5), 19)))
        account.payments.append(_payment(state, rng, amount=amount, method=method,
                                         status=PaymentStatus.APPROVED, day=day))
        ledger.apply(cents)
        return
    if not allow_open:
        return
    roll = rng.random()
    saved_bank = [m for m in account.methods if m.kind == MethodKind.BANK]
    if roll < 0.22 and account.methods:
        # Scheduled ahead, from a saved method (preferably the bank, as the FAQ describes).
        method = saved_bank[0] if saved_bank else account.methods[0]
        created_day = max(issued, today - timedelta(days=rng.randint(1, 12)))
        day = min(max(day, today + timedelta(days=1)), today + timedelta(days=90))
        account.payments.append(_payment(state, rng, amount=amount, method=method,
                                         status=PaymentStatus.SCHEDULED, day=day,
                                         created=state.at(created_day, rng.randint(8, 21))))
    elif roll < 0.30:
        # An e-check sent yesterday, still clearing through ACH: not yet applied to the bills.
        # (Card payments are approved or rejected on the spot, so never linger as pending.)
        yesterday = today - timedelta(days=1)
        bank = saved_bank[0] if saved_bank else SeedMethod("checking-approve", saved=False)
        account.payments.append(_payment(state, rng, amount=amount, method=bank,
                                         status=PaymentStatus.PENDING, day=yesterday))


# --- utility residents ----------------------------------------------------------------------


def _phone(state: _State, used: set[str]) -> str:
    while True:
        number = f"+1{state.rng.choice(BULK_AREA_CODES)}55501{state.rng.randint(0, 99):02d}"
        if number not in used:
            used.add(number)
            return number


def _email_local(name: str) -> str:
    plain = name.lower().translate(str.maketrans("áéíóúñü", "aeiounu"))
    return "".join(ch if ch.isalnum() else "." for ch in plain).strip(".").replace("..", ".")


def _customer(state: _State, name: str, language: str, street: str, zip_code: str,
              email_rate: float) -> SeedCustomer:
    rng = state.rng
    number = state.customer_number()
    email = None
    if rng.random() < email_rate:
        domain = rng.choice(("example.com", "example.net", "example.org"))
        email = f"{_email_local(name)}{rng.randint(1, 99)}@{domain}"
    phones: list[SeedPhone] = []
    used: set[str] = set()
    if rng.random() < 0.85:
        phones.append(SeedPhone(_phone(state, used), "mobile"))
    if rng.random() < 0.2:
        phones.append(SeedPhone(_phone(state, used), "home"))
    return SeedCustomer(
        customer_number=number, name=name, mailing_street=street, mailing_city=CITY,
        mailing_state=STATE, mailing_zip=zip_code, email=email, language=language,
        ssn_last4=f"{rng.randrange(10000):04d}", phones=phones)


def _person_name(rng: random.Random, spanish: bool) -> str:
    if spanish:
        return f"{rng.choice(_SPANISH_FIRST_NAMES)} {rng.choice(_SPANISH_LAST_NAMES)}"
    return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"


def _street_number(rng: random.Random) -> str:
    return str(rng.choice((rng.randint(1, 99), rng.randint(100, 999), rng.randint(100, 999),
                           rng.randint(1000, 4999), rng.randint(1000, 4999))))


def _saved_methods(state: _State, rng: random.Random) -> list[SeedMethod]:
    methods: list[SeedMethod] = []
    created = state.at(state.today - timedelta(days=rng.randint(30, 700)), 12)
    if rng.random() < 0.30:
        instrument = rng.choices(
            ("visa-approve", "mastercard-approve", "discover-approve", "amex-approve",
             "visa-decline"), (45, 30, 10, 10, 5))[0]
        nickname = rng.choice(("", "my card", "Visa"))
        month, year = _expiry(state, rng, instrument)
        methods.append(SeedMethod(instrument, nickname=nickname, exp_month=month,
                                  exp_year=year, created_at=created))
        if methods[0].brand != "VISA" and methods[0].nickname == "Visa":
            methods[0].nickname = ""
    if rng.random() < 0.15:
        instrument = rng.choices(("checking-approve", "savings-approve",
                                  "checking-insufficient-funds"), (70, 25, 5))[0]
        methods.append(SeedMethod(instrument, nickname=rng.choice(("", "checking", "bank")),
                                  created_at=created))
    return methods


def _last_issue(today: date, cycle_day: int) -> date:
    """The most recent billing-cycle date strictly before today."""
    candidate = date(today.year, today.month, cycle_day)
    return candidate if candidate < today else add_months(candidate, -1)


def _utility_bills(state: _State, rng: random.Random, months: int) -> list[SeedBill]:
    cycle_day = rng.randint(1, 28)
    last = _last_issue(state.today, cycle_day)
    base = rng.randint(3800, 14000)
    bills = []
    for k in range(months - 1, -1, -1):
        issued = add_months(last, -k)
        summer = 1.3 if issued.month in (6, 7, 8) else 1.0  # lawn watering
        cents = int(base * summer * rng.uniform(0.85, 1.15))  # int cents: float never leaks
        total = Money.from_cents(cents)
        bills.append(SeedBill(state.bill_number(), UTILITY_BILL_TYPE, issued,
                              issued + timedelta(days=DAYS_TO_PAY_UTILITY), total, total))
    return bills


def _utility_account(state: _State) -> SeedAccount:
    rng = state.rng
    spanish = rng.random() < 0.15
    street, zip_code = rng.choice(STREETS)
    number = _street_number(rng)
    customer = _customer(state, _person_name(rng, spanish), "es" if spanish else "en",
                         f"{number} {street}", zip_code, email_rate=0.55)
    if rng.random() < 0.08:  # landlords and snowbirds get their bills elsewhere
        other_street, other_zip = rng.choice(STREETS)
        customer.mailing_street = f"{_street_number(rng)} {other_street}"
        customer.mailing_zip = other_zip
    account = SeedAccount(
        account_number=state.account_number(), kind=AccountKind.UTILITY, customer=customer,
        service_street_number=number, service_street_name=street, service_city=CITY,
        service_state=STATE, service_zip=zip_code)
    if customer.email and rng.random() < 0.45:
        account.paperless = True
        account.paperless_email = customer.email
        account.paperless_since = state.at(state.today - timedelta(days=rng.randint(20, 900)), 9)
    account.methods = _saved_methods(state, rng)
    if rng.random() < 0.01:
        account.failed_verifications = rng.randint(1, 2)  # a typo or two, not locked

    months = rng.randint(3, 12)
    account.bills = _utility_bills(state, rng, months)
    ledger = _Ledger()  # grows bill by bill: a payment covers what was billed so far
    behaviour = rng.choices(("on-time", "late", "partial"), (75, 15, 10))[0]
    skipped = rng.randint(1, 3) if behaviour == "late" else 0
    for index, bill in enumerate(account.bills):
        ledger.add(bill)
        if index >= months - skipped:
            continue  # behind on the last few bills: past due
        cents = ledger.balance()
        if behaviour == "partial" and rng.random() < 0.6:
            cents = cents * rng.choice((50, 60, 75)) // 100
        # Most pay in the week or two before the due date; late payers well after it.
        low, high = (14, 40) if behaviour == "late" else (5, DAYS_TO_PAY_UTILITY)
        day = bill.issued_on + timedelta(days=rng.randint(low, high))
        _pay_cycle(state, rng, account, ledger, cents, day, issued=bill.issued_on)
    ledger.close()
    return account


# --- general billing (Munis) customers ------------------------------------------------------


def _general_account(state: _State) -> SeedAccount:
    rng = state.rng
    street, zip_code = rng.choice(STREETS)
    if rng.random() < 0.3:
        name = f"{rng.choice(_BUSINESS_WORDS)} {rng.choice(_BUSINESS_KINDS)}"
    else:
        name = _person_name(rng, rng.random() < 0.15)
    customer = _customer(state, name, "es" if rng.random() < 0.1 else "en",
                         f"{_street_number(rng)} {street}", zip_code, email_rate=0.5)
    # A Munis general-billing customer has one account whose number is the customer ID.
    account = SeedAccount(account_number=customer.customer_number, kind=AccountKind.GENERAL,
                          customer=customer)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        bill_type = rng.choice(tuple(GENERAL_BILL_TYPES))
        low, high, step = GENERAL_BILL_TYPES[bill_type]
        issued = state.today - timedelta(days=rng.randint(3, 700))
        total = _cents(rng, low, high, step)
        account.bills.append(SeedBill(state.bill_number(), bill_type, issued,
                                      issued + timedelta(days=DAYS_TO_PAY_GENERAL), total, total))
    account.bills.sort(key=lambda b: b.issued_on)
    ledger = _Ledger(account.bills)
    for index, bill in enumerate(account.bills):
        old = bill.due_date < state.today - timedelta(days=10)
        if old and rng.random() < 0.15:
            continue  # an old bill nobody paid: past due
        day = bill.issued_on + timedelta(days=rng.randint(5, 40))
        _pay_cycle(state, rng, account, ledger, ledger.unpaid[index], day,
                   issued=bill.issued_on, allow_open=not old)
    ledger.close()
    return account


# --- personas, written by hand --------------------------------------------------------------


def _persona_customer(p: Persona, street: str, zip_code: str) -> SeedCustomer:
    return SeedCustomer(
        customer_number=p.customer_number, name=p.name, mailing_street=street,
        mailing_city=CITY, mailing_state=STATE, mailing_zip=zip_code, email=p.email,
        language=p.language, ssn_last4=p.ssn_last4,
        phones=[SeedPhone(p.phone, "mobile")] if p.phone else [])


def _persona_utility(state: _State, p: Persona, street: str, *, rng: random.Random,
                     open_bills: tuple[tuple[str, int], ...] = (),
                     methods: tuple[SeedMethod, ...] = (), paid_months: int = HISTORY_MONTHS,
                     account_number: str | None = None, street_number: str | None = None,
                     customer: SeedCustomer | None = None) -> SeedAccount:
    """A utility account with `paid_months` monthly bills paid on time, followed by the open
    bills given as (amount, due in days; negative = past due). With no open bill, the last bill
    was paid 3 days ago."""
    today = state.today
    zip_code = dict(STREETS)[street]
    street_number = street_number or p.street_number
    customer = customer or _persona_customer(p, f"{street_number} {street}", zip_code)
    account = SeedAccount(
        account_number=account_number or p.account_number, kind=AccountKind.UTILITY,
        customer=customer, service_street_number=street_number, service_street_name=street,
        service_city=CITY, service_state=STATE, service_zip=zip_code, methods=list(methods),
        persona=p.key)
    open_dues = [today + timedelta(days=days) for _, days in open_bills]
    last_paid_issue = (add_months(open_dues[0] - timedelta(days=DAYS_TO_PAY_UTILITY), -1)
                       if open_dues else today - timedelta(days=10))
    history = []
    for k in range(paid_months - 1, -1, -1):
        issued = add_months(last_paid_issue, -k)
        total = Money.from_cents(rng.randint(4800, 9800))
        history.append(SeedBill(state.bill_number(), UTILITY_BILL_TYPE, issued,
                                issued + timedelta(days=DAYS_TO_PAY_UTILITY), total, total))
    # Numbered after the history: bill numbers grow with time, as printed.
    open_ = [SeedBill(state.bill_number(), UTILITY_BILL_TYPE,
                      due - timedelta(days=DAYS_TO_PAY_UTILITY), due, Money.of(amount),
                      Money.of(amount))
             for (amount, _), due in zip(open_bills, open_dues, strict=True)]
    ledger = _Ledger(history)
    usable = [m for m in account.methods if m.instrument.endswith("-approve")]
    for bill in history:
        pay_day = min(bill.due_date - timedelta(days=rng.randint(1, 8)),
                      today - timedelta(days=3))
        method = usable[0] if usable else _one_time_method(state, rng)
        account.payments.append(_payment(state, rng, amount=bill.total, method=method,
                                         status=PaymentStatus.APPROVED, day=pay_day))
        ledger.apply(bill.total.cents)
    ledger.close()
    account.bills = history + open_
    return account


def _persona_accounts(state: _State) -> Iterator[SeedAccount]:
    today, at = state.today, state.at
    year = today.year
    # Each persona has its own rng, so the personas are the same whatever the city's seed.
    rngs = {p.key: random.Random(f"persona-{p.key}") for p in PERSONAS}

    p = persona("past-due")
    visa = SeedMethod("visa-approve", "Visa", 12, year + 3,
                      created_at=at(today - timedelta(days=400), 18))
    yield _persona_utility(state, p, "Elm St", open_bills=(("84.17", -21), ("62.40", 9)),
                           methods=(visa,), rng=rngs[p.key])

    p = persona("spanish")
    yield _persona_utility(state, p, "Prairie Ln", open_bills=(("58.23", 12),), rng=rngs[p.key])

    p = persona("paperless-scheduled")
    savings = SeedMethod("savings-approve", "savings",
                         created_at=at(today - timedelta(days=500), 20))
    account = _persona_utility(state, p, "Willow Way", open_bills=(("71.90", 15),),
                               methods=(savings,), rng=rngs[p.key])
    account.paperless = True
    account.paperless_email = p.email
    account.paperless_since = at(today - timedelta(days=430), 9, 15)
    account.payments.append(_payment(
        state, rngs[p.key], amount=Money.of("71.90"), method=savings,
        status=PaymentStatus.SCHEDULED, day=today + timedelta(days=10), channel=Channel.WEB,
        created=at(today - timedelta(days=2), 20, 41)))
    yield account

    p = persona("zero-balance")
    yield _persona_utility(state, p, "Lincoln Ave", rng=rngs[p.key])

    p = persona("locked")
    account = _persona_utility(state, p, "Oak Ave", open_bills=(("93.05", 8),), rng=rngs[p.key])
    account.failed_verifications = 3
    account.locked_at = at(today - timedelta(days=1), 16, 42)
    account.lock_reason = "3 failed verification attempts"
    yield account

    p = persona("munis-claims")
    yield _munis_claims(state, p, rngs[p.key])

    p = persona("saved-checking")
    checking = SeedMethod("checking-approve", "checking",
                          created_at=at(today - timedelta(days=620), 10))
    yield _persona_utility(state, p, "River Rd", open_bills=(("112.64", 6),),
                           methods=(checking,), rng=rngs[p.key])

    p = persona("declined-card")
    declined = SeedMethod("visa-decline", "my Visa", 3, year + 2,
                          created_at=at(today - timedelta(days=90), 12))
    yield _persona_utility(state, p, "Cedar Ct", open_bills=(("47.85", 4),),
                           methods=(declined,), rng=rngs[p.key])

    p = persona("munis-mixed")
    yield _munis_mixed(state, p, rngs[p.key])

    p = persona("landlord")
    first = _persona_utility(state, p, "Main St", open_bills=(("64.10", 11),), paid_months=12,
                             rng=rngs[p.key])
    yield first
    yield _persona_utility(state, p, "Main St", paid_months=12, rng=rngs[p.key],
                           account_number=p.other_accounts[0], street_number="1502",
                           customer=first.customer)


def _munis_claims(state: _State, p: Persona, rng: random.Random) -> SeedAccount:
    """The Munis seed's 'Manage Bills' page: two CLAIMS bills of $250.00, a pending web
    payment, as of today."""
    today = state.today
    customer = _persona_customer(p, "123 Main St", "62561")
    account = SeedAccount(account_number=p.account_number, kind=AccountKind.GENERAL,
                          customer=customer, persona=p.key)
    issued, due = today - timedelta(days=13), today + timedelta(days=17)
    account.bills = [SeedBill(number, "CLAIMS", issued, due, Money.of("250.00"),
                              Money.of("250.00")) for number in p.bill_numbers]
    echeck = SeedMethod("checking-approve", saved=False)  # a web e-check, clearing via ACH
    yesterday = today - timedelta(days=1)
    account.payments.append(_payment(state, rng, amount=Money.of("250.00"), method=echeck,
                                     status=PaymentStatus.PENDING, day=yesterday,
                                     channel=Channel.WEB, created=state.at(yesterday, 21, 5)))
    return account


def _munis_mixed(state: _State, p: Persona, rng: random.Random) -> SeedAccount:
    today = state.today
    customer = _persona_customer(p, "410 Depot St", "62561")
    account = SeedAccount(account_number=p.account_number, kind=AccountKind.GENERAL,
                          customer=customer, persona=p.key)
    cart_issued = today - timedelta(days=120)
    alarm_issued = today - timedelta(days=45)
    mowing_issued = today - timedelta(days=10)
    cart, alarm, mowing = p.bill_numbers
    account.bills = [
        SeedBill(cart, "GARBAGE CART", cart_issued, cart_issued + timedelta(days=30),
                 Money.of("65.00"), Money.of("65.00")),
        SeedBill(alarm, "FALSE ALARM", alarm_issued, alarm_issued + timedelta(days=30),
                 Money.of("150.00"), Money.of("150.00")),
        SeedBill(mowing, "WEED MOWING", mowing_issued, mowing_issued + timedelta(days=30),
                 Money.of("275.00"), Money.of("275.00")),
    ]
    ledger = _Ledger(account.bills)
    card = SeedMethod("visa-approve", saved=False, exp_month=5, exp_year=today.year + 1)
    account.payments.append(_payment(state, rng, amount=Money.of("65.00"), method=card,
                                     status=PaymentStatus.APPROVED,
                                     day=cart_issued + timedelta(days=12), channel=Channel.WEB))
    ledger.apply(6500)
    ledger.close()
    return account
