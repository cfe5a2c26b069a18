"""Voice-call load benchmark: N concurrent simulated calls through the running app, beside a floor.

Behind `payline benchmark-calls` (sandbox/cli/benchmark.py); no click here, so tests drive it too.

- `scripts_for(n)` deals N call scripts round robin over six realistic flows on the demo
  personas: balance (Dana, Samuel), general-billing balance (Jordan Ellis), a $1.00 card
  payment with the sandbox approve card (Dana, Samuel) and a no-input/garbage call that ends in
  the app's goodbye. None fails verification, so neither the account lock-out nor the
  per-caller throttle ever kicks in, and callers come from +1312555-9xxx, numbers no account
  has on file, so no caller-ID hint changes a script.
- `run_calls()` plays them with the phone simulator (`PhoneCall` over HTTP, as Twilio would),
  `concurrency` at a time, timing every webhook POST (a "turn"); the <Pay> connector's JSON
  call is counted apart, not as a turn. Every call must end as its script expects, or it is
  reported as a failure: a benchmark that silently fails calls measures nothing.
- `run_floor()` sends the same number of form POSTs per call, with the same concurrency, to
  `sandbox.benchmarks.floor` (a fixed TwiML document): what waitress + Flask + this client cost
  with no work at all.
- `serve()` starts a server with the same waitress command as the Procfile on a free port.

Latencies are measured at the client around each POST. On loopback that is the server's time
plus a small client overhead (and the client's own thread scheduling under load), which the
floor pays too.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import requests
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from domain.adapters.orm import accounts_table, payments_table
from domain.model import PaymentStatus
from domain.money import Money
from sandbox.benchmarks.floor import FLOOR_PATH
from sandbox.simulators.phone import (
    APP_HANGUP,
    CALLER_HANGUP,
    DEFAULT_CALLED,
    HttpTransport,
    PhoneCall,
    SimulatorError,
)

ROOT = Path(__file__).resolve().parents[2]
APP_TARGET = "ivr:create_app"
FLOOR_TARGET = "sandbox.benchmarks.floor:create_floor_app"
READY_TIMEOUT_SECONDS = 60.0

# The personas (sandbox/demo_city.py) and the sandbox processor's approve card.
DANA, DANA_STREET = "0104200731", "1234"
SAMUEL, SAMUEL_STREET = "7730264415", "3021"
GENERAL_CUSTOMER, GENERAL_BILL = "200145", "610025"
APPROVE_CARD = ("4242424242424242", "1230", "123", "60601")
PAYMENT_AMOUNT = Money.of("1.00")
PAYMENT_KEYS = "100#"  # $1.00 typed as dollars and cents, as the prompt asks
PERSONA_ACCOUNTS = (DANA, SAMUEL, GENERAL_CUSTOMER)

BALANCE_HEARD = "your total balance due is"
APPROVED_HEARD = "Your payment of one dollar was approved"
GOODBYE_HEARD = "It seems we're having trouble"


# --- the calls ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallScript:
    """One call: what the caller presses, and how the call must end to count as completed."""

    flow: str
    caller: str
    tokens: tuple[str, ...]
    expect: str  # a phrase the caller must hear
    ended_by: str  # Transcript.ended_by
    pays_on: str | None = None  # the account a $1.00 card payment goes to


def _utility(account: str, street: str) -> list[str]:
    """Utility account number, then the house number of the service address."""
    return ["1", f"{account}#", "1", f"{street}#"]


def _balance(account: str, street: str) -> tuple[str, ...]:
    return ("1", "1", *_utility(account, street), "hangup")


def _pay_one_dollar(account: str, street: str) -> tuple[str, ...]:
    # Pay now, "another amount", $1.00, by card, confirm, <Pay>, then the main menu.
    return ("1", "2", *_utility(account, street), "3", PAYMENT_KEYS, "1", "1", *APPROVE_CARD,
            "2", "hangup")


# (flow, tokens, phrase heard, how it ends, account paid)
FLOWS: tuple[tuple[str, tuple[str, ...], str, str, str | None], ...] = (
    ("balance", _balance(DANA, DANA_STREET), BALANCE_HEARD, CALLER_HANGUP, None),
    ("pay-card", _pay_one_dollar(DANA, DANA_STREET), APPROVED_HEARD, CALLER_HANGUP, DANA),
    ("general-balance", ("1", "1", "2", f"{GENERAL_CUSTOMER}#", f"{GENERAL_BILL}#", "hangup"),
     BALANCE_HEARD, CALLER_HANGUP, None),
    ("balance", _balance(SAMUEL, SAMUEL_STREET), BALANCE_HEARD, CALLER_HANGUP, None),
    ("pay-card", _pay_one_dollar(SAMUEL, SAMUEL_STREET), APPROVED_HEARD, CALLER_HANGUP,
     SAMUEL),
    # English, silence, a key the menu does not have, silence, silence: the app says goodbye.
    ("no-input", ("1", "", "7", "", ""), GOODBYE_HEARD, APP_HANGUP, None),
)


def scripts_for(n: int) -> list[CallScript]:
    """N call scripts, the flows dealt round robin, each from its own caller number.

    +1312555-9000..9999: no account has these on file (the personas use 555-01xx), so the
    app offers no caller-ID hint and every script stays valid.
    """
    scripts = []
    for i in range(n):
        flow, tokens, expect, ended_by, pays_on = FLOWS[i % len(FLOWS)]
        scripts.append(CallScript(flow, f"+13125559{i % 1000:03d}", tokens, expect, ended_by,
                                  pays_on))
    return scripts


def payments_needed(scripts: Sequence[CallScript]) -> dict[str, Money]:
    """What the scripts will pay on each account: each needs at least that much payable."""
    needed: dict[str, Money] = {}
    for script in scripts:
        if script.pays_on:
            needed[script.pays_on] = needed.get(script.pays_on, Money.zero()) + PAYMENT_AMOUNT
    return needed


# --- statistics -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Percentiles:
    """Latency percentiles in seconds."""

    p50: float
    p95: float
    p99: float
    max: float


def percentiles(samples: Sequence[float]) -> Percentiles:
    """p50/p95/p99/max; inclusive quantiles, so each lies between the min and the max."""
    if not samples:
        return Percentiles(0.0, 0.0, 0.0, 0.0)
    if len(samples) == 1:
        only = float(samples[0])
        return Percentiles(only, only, only, only)
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return Percentiles(cuts[49], cuts[94], cuts[98], max(samples))


class TurnRates:
    """Throughput and latency of timed turns; the benchmarks' results mix it in (they hold
    `latencies`, seconds one per turn, and `wall_seconds`)."""

    latencies: list[float]
    wall_seconds: float

    @property
    def turns(self) -> int:
        return len(self.latencies)

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.wall_seconds if self.wall_seconds > 0 else 0.0

    @property
    def percentiles(self) -> Percentiles:
        return percentiles(self.latencies)


@dataclass
class LoadResult(TurnRates):
    """One run (the app's calls or the floor's requests)."""

    calls: int
    latencies: list[float]  # seconds, one per turn
    wall_seconds: float
    http_errors: int = 0  # non-2xx answers, or no answer at all
    failures: list[str] = field(default_factory=list)  # one line per call gone wrong
    connector_calls: int = 0  # <Pay> connector JSON requests (not turns)
    turns_per_call: list[int] = field(default_factory=list)  # in script order
    call_sids: dict[str, list[str]] = field(default_factory=dict)  # flow -> completed calls


# --- playing the calls ----------------------------------------------------------------------


class TimedTransport(HttpTransport):
    """HttpTransport that times each webhook POST; connector JSON calls are only counted."""

    def __init__(self, base_url: str, session: requests.Session) -> None:
        super().__init__(base_url, session=session)
        self.latencies: list[float] = []
        self.http_errors = 0
        self.connector_calls = 0

    def post(self, url: str, params: Mapping[str, str],
             headers: Mapping[str, str] | None = None) -> tuple[int, str]:
        started = time.perf_counter()
        try:
            status, text = super().post(url, params, headers)
        except SimulatorError:
            self.http_errors += 1
            raise
        self.latencies.append(time.perf_counter() - started)
        if not 200 <= status < 300:
            self.http_errors += 1
        return status, text

    def post_json(self, url: str, body: Mapping[str, Any],
                  auth: tuple[str, str]) -> tuple[int, str]:
        self.connector_calls += 1
        status, text = super().post_json(url, body, auth)
        if status != 200:
            self.http_errors += 1
        return status, text


@dataclass
class CallOutcome:
    script: CallScript
    call_sid: str
    latencies: list[float]
    http_errors: int
    connector_calls: int
    problem: str | None  # None: the call ended as its script expects


def play(base_url: str, script: CallScript) -> CallOutcome:
    """One simulated call; its own HTTP session, closed at the end so no idle keep-alive
    connection holds one of the server's connection slots."""
    with requests.Session() as session:
        transport = TimedTransport(base_url, session)
        call = PhoneCall(transport, caller=script.caller, called=DEFAULT_CALLED)
        problem: str | None
        try:
            transcript = call.run(script.tokens)
        except SimulatorError as exc:
            return CallOutcome(script, call.call_sid, transport.latencies,
                               transport.http_errors or 1, transport.connector_calls, str(exc))
    errors = transcript.of_kind("http_error")
    if errors:
        problem = errors[0].text
    elif transcript.ended_by != script.ended_by:
        problem = f"ended by {transcript.ended_by}, expected {script.ended_by}"
    elif script.expect not in transcript.said:
        last = (transcript.said.strip().splitlines() or [""])[-1][:100]
        problem = f"never heard {script.expect!r}; last heard {last!r}"
    else:
        problem = None
    return CallOutcome(script, transcript.call_sid, transport.latencies, transport.http_errors,
                       transport.connector_calls, problem)


def run_calls(base_url: str, scripts: Sequence[CallScript], concurrency: int,
              on_call: Callable[[CallOutcome], None] | None = None) -> LoadResult:
    """Play every script against the app at base_url, `concurrency` calls at a time.

    The app must sign-check against the URL the simulator signs: its PAYLINE_PUBLIC_URL must
    be base_url (serve() sets it).
    """
    outcomes: list[CallOutcome | None] = [None] * len(scripts)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="call") as pool:
        futures = {pool.submit(play, base_url, script): i for i, script in enumerate(scripts)}
        for future in as_completed(futures):
            done = future.result()
            outcomes[futures[future]] = done
            if on_call:
                on_call(done)
    wall = time.perf_counter() - started
    result = LoadResult(calls=len(scripts), latencies=[], wall_seconds=wall)
    for outcome in outcomes:
        assert outcome is not None  # every future was collected above
        result.latencies.extend(outcome.latencies)
        result.http_errors += outcome.http_errors
        result.connector_calls += outcome.connector_calls
        result.turns_per_call.append(len(outcome.latencies))
        if outcome.problem:
            result.failures.append(f"{outcome.script.flow} from {outcome.script.caller} "
                                   f"({outcome.call_sid}): {outcome.problem}")
        else:
            result.call_sids.setdefault(outcome.script.flow, []).append(outcome.call_sid)
    return result


FLOOR_FORM = {"CallSid": "CA" + "0" * 32, "AccountSid": "AC" + "0" * 32,
              "From": "+13125559000", "To": DEFAULT_CALLED, "CallStatus": "in-progress",
              "Direction": "inbound", "ApiVersion": "2010-04-01", "Digits": "1"}


def _floor_call(url: str, turns: int) -> tuple[list[float], int, str | None]:
    latencies: list[float] = []
    errors = 0
    problem: str | None = None
    with requests.Session() as session:
        for _ in range(turns):
            started = time.perf_counter()
            try:
                response = session.post(url, data=FLOOR_FORM, timeout=30,
                                        allow_redirects=False)
            except requests.RequestException as exc:
                return latencies, errors + 1, f"could not reach {url} ({type(exc).__name__})"
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200 or "<Gather" not in response.text:
                errors += 1
                problem = problem or f"HTTP {response.status_code} without the fixed TwiML"
    return latencies, errors, problem


def run_floor(base_url: str, turns_per_call: Sequence[int], concurrency: int,
              on_call: Callable[[], None] | None = None) -> LoadResult:
    """As many "calls" as turns_per_call has entries, each POSTing that many times (one HTTP
    session per call, like the simulator) to the floor app at base_url."""
    url = base_url.rstrip("/") + FLOOR_PATH
    result = LoadResult(calls=len(turns_per_call), latencies=[], wall_seconds=0.0,
                        turns_per_call=list(turns_per_call))
    lock = threading.Lock()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="floor") as pool:
        futures = [pool.submit(_floor_call, url, turns) for turns in turns_per_call]
        for future in as_completed(futures):
            latencies, errors, problem = future.result()
            with lock:
                result.latencies.extend(latencies)
                result.http_errors += errors
                if problem:
                    result.failures.append(problem)
            if on_call:
                on_call()
    result.wall_seconds = time.perf_counter() - started
    return result


# --- the database ---------------------------------------------------------------------------


def persona_problems(engine: Engine, payable: Callable[[int], Money],
                     scripts: Sequence[CallScript]) -> list[str]:
    """Why the database cannot take these scripts (empty list: it can): personas missing or
    locked, or too little left to pay on an account for its $1.00 payments."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(accounts_table.c.account_number, accounts_table.c.id,
                                      accounts_table.c.locked_at)
                            .where(accounts_table.c.account_number.in_(PERSONA_ACCOUNTS))).all()
    found = {row.account_number: row for row in rows}
    missing = [number for number in PERSONA_ACCOUNTS if number not in found]
    if missing:
        return [f"the demo personas are missing (no account {', '.join(missing)}): run "
                "`payline seed` on this database first"]
    problems = [f"account {number} is locked: `payline accounts unlock {number} ...` or "
                "re-seed the benchmark database" for number in PERSONA_ACCOUNTS
                if found[number].locked_at is not None]
    for number, needed in payments_needed(scripts).items():
        left = payable(found[number].id)
        if left < needed:
            problems.append(f"account {number} has ${left.amount} left to pay, the calls pay "
                            f"${needed.amount}: re-seed the benchmark database")
    return problems


def approved_payments(engine: Engine, call_sids: Sequence[str]) -> int:
    """How many approved $1.00 payments these calls made (the app records the CallSid as
    created_by "resident:<CallSid>")."""
    if not call_sids:
        return 0
    creators = [f"resident:{sid}" for sid in call_sids]
    with engine.connect() as conn:
        return int(conn.execute(
            sa.select(sa.func.count()).select_from(payments_table)
            .where(payments_table.c.created_by.in_(creators),
                   payments_table.c.status == PaymentStatus.APPROVED,
                   payments_table.c.amount_cents == PAYMENT_AMOUNT)).scalar_one())


# --- servers --------------------------------------------------------------------------------


class ServerFailed(RuntimeError):
    """A benchmark server did not come up (its log's last lines are in the message)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def health(base_url: str) -> dict[str, Any]:
    """The app's GET /health document (status, database, accounts, ...)."""
    response = requests.get(base_url.rstrip("/") + "/health", timeout=10)
    data = response.json()
    return data if isinstance(data, dict) else {}


def _tail(log: IO[bytes], lines: int = 15) -> str:
    log.seek(0)
    text = log.read().decode("utf-8", "replace")
    return "\n".join(text.strip().splitlines()[-lines:])


def _wait_ready(process: subprocess.Popen[bytes], log: IO[bytes], ready: Callable[[], bool],
                what: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"{what} exited with status {process.returncode}:\n{_tail(log)}")
        try:
            if ready():
                return
            last = "not ready"
        except requests.RequestException as exc:
            last = type(exc).__name__
        time.sleep(0.1)
    raise ServerFailed(f"{what} was not ready after {READY_TIMEOUT_SECONDS:.0f} s ({last}):\n"
                       f"{_tail(log)}")


@contextmanager
def serve(target: str, threads: int, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """Run `waitress-serve --call TARGET` (the Procfile's command, as `python -m waitress`)
    on a free loopback port until the block ends; yields its base URL.

    The child gets the current environment plus `env`, with PAYLINE_PUBLIC_URL set to the base
    URL so the app validates the signatures the simulator makes for that URL. Ready means
    /health answers 200 for the app, or the floor route answers 200.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    child_env = {**os.environ, **(env or {}), "PAYLINE_PUBLIC_URL": base_url,
                 "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                             os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}",
               f"--threads={threads}", "--call", target]
    if target == FLOOR_TARGET:
        def ready() -> bool:
            return requests.post(base_url + FLOOR_PATH, timeout=5).status_code == 200
    else:
        def ready() -> bool:
            return requests.get(base_url + "/health", timeout=5).status_code == 200
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=child_env,  # noqa: S603
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(process, log, ready, f"waitress-serve --call {target}")
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
