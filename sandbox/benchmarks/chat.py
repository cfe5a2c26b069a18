"""Chatbot latency benchmark: N concurrent scripted conversations through Rasa's REST channel,
beside the same conversations with the stock `rasa init` bot (the floor).

Behind `payline benchmark-chat` (sandbox/cli/benchmark.py); no click here, so tests drive it too.

- `PAYLINE_SCRIPT` is one resident's whole conversation with the Payline bot: greet, ask for
  the balance, verify as Samuel Park (account number + street number, docs/demo-identities.md),
  start a payment of $1, choose the saved checking account, decline at "Shall I go ahead?"
  and say goodbye. Declining keeps every run from changing a balance, so the benchmark can be
  repeated against the same (running) bot. Each turn names a fragment the bot's answer must
  hold: a conversation that goes off script is a failure, not a measurement.
- `FLOOR_SCRIPT` is a moodbot conversation of the same number of turns for the stock bot, in
  turns its stories and rules fix.
- `run_conversations()` plays the script `rounds` times in each of N threads at once, every
  conversation with a sender id of its own, timing each POST /webhooks/rest/webhook round trip
  at the client (`time.perf_counter()`, no think time between turns).
- `payline_bot()` starts the real stack (sandbox/chatbot_stack.py: Rasa with the trained model,
  the action server, a freshly seeded SQLite city, an SQLite tracker store); `stock_bot()`
  creates, trains and serves a `rasa init --no-prompt` project in a directory of its own.
- `training_processes()` finds running `rasa train` processes: they would take the CPU the
  measurement needs, so the command waits for them.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from sandbox import chatbot_stack as chatbot_process
from sandbox.benchmarks.calls import TurnRates

WEBHOOK_PATH = "/webhooks/rest/webhook"
TURN_TIMEOUT_S = 120.0
INIT_TIMEOUT_S = 1200.0  # `rasa init` trains the moodbot: about 1-2 minutes on 2 free cores


# --- the conversations ----------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """What the resident types, and a fragment the bot's answer must contain (any case)."""

    text: str
    expect: str


# Samuel Park (saved checking account ending 6789, no fee), docs/demo-identities.md.
SAMUEL, SAMUEL_STREET = "7730264415", "3021"

PAYLINE_SCRIPT: tuple[Turn, ...] = (
    Turn("hi", "I'm Payline"),
    Turn("what's my balance", "account number"),
    Turn(SAMUEL, "street number"),
    Turn(SAMUEL_STREET, "you're verified"),
    Turn("pay my bill", "How much would you like to pay"),
    Turn("$1", "How would you like to pay"),
    Turn("checking account ending 6789", "Shall I go ahead"),
    Turn("no", "I haven't made any payment"),
    Turn("bye", "Goodbye"),
)

# The stock bot's own training examples (rasa/cli/initial_project/data), in turns its training
# fixes: the start of the "sad path 1" story, then the two rules that apply at any time (bot
# challenge, goodbye). Turns that depend on TED's predictions deep into a conversation are
# left out: the moodbot is trained without a fixed random seed, and one training in a few
# answered nothing to a late "no".
FLOOR_SCRIPT: tuple[Turn, ...] = (
    Turn("hello", "How are you"),
    Turn("I am sad", "Did that help you"),
    Turn("yes", "Great, carry on"),
    Turn("are you a bot?", "I am a bot"),
    Turn("goodbye", "Bye"),
    Turn("am I talking to a human?", "I am a bot"),
    Turn("see you later", "Bye"),
    Turn("are you a human?", "I am a bot"),
    Turn("bye", "Bye"),
)

PAYLINE_METADATA = {"channel": "chat"}


@dataclass
class ConversationOutcome:
    sender: str
    latencies: list[float]  # seconds, one per turn answered
    http_errors: int
    problem: str | None  # None: every answer held its expected fragment


def _texts(body: Any) -> str:
    if not isinstance(body, list):
        raise ValueError("not a JSON list")
    return "\n".join(str(m.get("text") or "") for m in body if isinstance(m, dict))


def converse(session: requests.Session, webhook_url: str, sender: str,
             script: Sequence[Turn], metadata: dict[str, Any] | None = None,
             timeout: float = TURN_TIMEOUT_S) -> ConversationOutcome:
    """One scripted conversation; stops at the first turn that goes wrong (what follows would
    not be the scripted conversation any more)."""
    latencies: list[float] = []
    for number, turn in enumerate(script, 1):
        body: dict[str, Any] = {"sender": sender, "message": turn.text}
        if metadata is not None:
            body["metadata"] = metadata
        started = time.perf_counter()
        try:
            response = session.post(webhook_url, json=body, timeout=timeout)
        except requests.RequestException as exc:
            return ConversationOutcome(sender, latencies, 1,
                                       f"turn {number} ({turn.text!r}): no answer "
                                       f"({type(exc).__name__})")
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            return ConversationOutcome(sender, latencies, 1,
                                       f"turn {number} ({turn.text!r}): HTTP "
                                       f"{response.status_code}")
        try:
            said = _texts(response.json())
        except ValueError:
            return ConversationOutcome(sender, latencies, 1,
                                       f"turn {number} ({turn.text!r}): not Rasa's JSON list")
        if turn.expect.lower() not in said.lower():
            heard = " / ".join(said.split("\n"))[:120]
            return ConversationOutcome(sender, latencies, 0,
                                       f"turn {number} ({turn.text!r}): expected "
                                       f"{turn.expect!r}, heard {heard!r}")
    return ConversationOutcome(sender, latencies, 0, None)


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # a local server: never through an HTTP proxy
    return session


def warm_up(rasa_url: str, script: Sequence[Turn], metadata: dict[str, Any] | None = None,
            prefix: str = "bench") -> ConversationOutcome:
    """One unmeasured conversation: the first answers of a fresh Rasa server include one-off
    work (TensorFlow's first predictions), and it proves the bot follows the script."""
    with _session() as session:
        return converse(session, rasa_url.rstrip("/") + WEBHOOK_PATH,
                        f"{prefix}-warmup-{uuid.uuid4().hex[:8]}", script, metadata)


# --- statistics -----------------------------------------------------------------------------


@dataclass
class ChatResult(TurnRates):
    """One level of one bot: `concurrency` threads, each playing `rounds` conversations."""

    bot: str  # "payline" or "rasa-init"
    concurrency: int
    rounds: int
    latencies: list[float]  # seconds, one per answered turn
    wall_seconds: float
    http_errors: int = 0  # non-200 answers, bodies that are not Rasa's list, no answer
    failures: list[str] = field(default_factory=list)  # one line per conversation gone wrong
    load_average: float | None = None  # the 1-minute load average when the level started
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # server process -> CPU used

    @property
    def conversations(self) -> int:
        return self.concurrency * self.rounds

    @property
    def errors(self) -> int:
        """Conversations that went wrong (an HTTP error or an answer off script)."""
        return len(self.failures)

    def cpu_ms_per_turn(self) -> dict[str, float]:
        return {name: seconds * 1000 / self.turns for name, seconds in self.cpu_seconds.items()
                if self.turns}

    def as_dict(self) -> dict[str, Any]:
        p = self.percentiles
        return {
            "bot": self.bot, "concurrency": self.concurrency, "rounds": self.rounds,
            "conversations": self.conversations, "turns": self.turns,
            "wall_seconds": round(self.wall_seconds, 3),
            "turns_per_second": round(self.turns_per_second, 2),
            "p50_ms": round(p.p50 * 1000, 2), "p95_ms": round(p.p95 * 1000, 2),
            "p99_ms": round(p.p99 * 1000, 2), "max_ms": round(p.max * 1000, 2),
            "http_errors": self.http_errors, "errors": self.errors,
            "failures": self.failures[:20],
            "load_average": self.load_average,
            "cpu_ms_per_turn": {k: round(v, 1) for k, v in self.cpu_ms_per_turn().items()},
        }


def ms(seconds: float) -> str:
    """Milliseconds; a decimal below 10 ms."""
    value = seconds * 1000
    return f"{value:.1f} ms" if value < 10 else f"{value:,.0f} ms"


BOT_NAMES = {"payline": "Payline", "rasa-init": "rasa init floor"}


def summary(result: ChatResult) -> str:
    p = result.percentiles
    rounds = f"{result.rounds} round{'' if result.rounds == 1 else 's'}"
    text = (f"{BOT_NAMES.get(result.bot, result.bot)}, {result.concurrency} concurrent x "
            f"{rounds}: {result.conversations:,} conversations "
            f"({result.errors:,} failed), {result.turns:,} turns in "
            f"{result.wall_seconds:.1f} s = {result.turns_per_second:,.1f} turns/s; per turn "
            f"p50 {ms(p.p50)}, p95 {ms(p.p95)}, p99 {ms(p.p99)}, max {ms(p.max)}; "
            f"{result.http_errors:,} HTTP errors.")
    cpu = result.cpu_ms_per_turn()
    if cpu:
        text += " CPU per turn: " + ", ".join(f"{name} {value:,.1f} ms"
                                              for name, value in cpu.items()) + "."
    if result.load_average is not None:
        text += f" (Load average {result.load_average:.2f} at the start.)"
    return text


def comparison(app: ChatResult, floor: ChatResult) -> str | None:
    if not (app.turns_per_second > 0 and floor.turns_per_second > 0):
        return None
    rate = floor.turns_per_second / app.turns_per_second
    median = app.percentiles.p50 / max(floor.percentiles.p50, 1e-9)
    return (f"At {app.concurrency} concurrent, the floor serves {rate:,.1f}x Payline's "
            f"turns/s; Payline's median turn takes {median:,.1f}x the floor's.")


def report_row(app: ChatResult | None, floor: ChatResult | None, date: str) -> str:
    """A Markdown table row: date, concurrent, rounds, turns, then turns/s, p50, p95, p99,
    max for Payline and for the floor ("-" for a bot not measured)."""
    def figures(result: ChatResult | None) -> list[str]:
        if result is None:
            return ["-"] * 5
        p = result.percentiles
        return [f"{result.turns_per_second:,.1f}/s", ms(p.p50), ms(p.p95), ms(p.p99),
                ms(p.max)]

    known = app or floor
    assert known is not None, "a row needs at least one result"
    cells = [date, str(known.concurrency), str(known.rounds), f"{known.turns:,}",
             *figures(app), *figures(floor)]
    return "| " + " | ".join(cells) + " |\n"


def to_json(results: Sequence[ChatResult], context: dict[str, Any]) -> str:
    return json.dumps({**context, "results": [r.as_dict() for r in results]}, indent=2)


# --- playing the conversations --------------------------------------------------------------


def _stat(pid: int | str, proc: Path = Path("/proc")) -> list[str] | None:
    """/proc/<pid>/stat's fields after the command name (field 3 onwards), or None."""
    try:
        return (proc / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def process_tree_cpu_seconds(pid: int, proc: Path = Path("/proc")) -> float | None:
    """User + system CPU time so far of a process and its live descendants (Linux /proc), or
    None. The action server's Sanic runs its workers in child processes."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in proc.glob("[0-9]*"):
        fields = _stat(entry.name, proc)
        if fields is None or len(fields) < 13:
            continue
        parents[int(entry.name)] = int(fields[1])  # ppid (field 4)
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    if pid not in times:
        return None
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier += children
    return sum(times[p] for p in tree if p in times)


def _cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu for name, pid in pids.items()
            if (cpu := process_tree_cpu_seconds(pid)) is not None}


def run_conversations(rasa_url: str, script: Sequence[Turn], concurrency: int, rounds: int,
                      *, bot: str, metadata: dict[str, Any] | None = None,
                      prefix: str = "bench", server_pids: dict[str, int] | None = None,
                      on_conversation: Callable[[ConversationOutcome], None] | None = None,
                      ) -> ChatResult:
    """`concurrency` threads at once, each with its own HTTP session, each playing the script
    `rounds` times back to back; every conversation has a sender id of its own.

    `server_pids` (name -> pid of a local server process) adds the CPU time each used, with
    its child processes.
    `on_conversation` is called (from the worker threads, one at a time) after each
    conversation.
    """
    webhook = rasa_url.rstrip("/") + WEBHOOK_PATH
    run = uuid.uuid4().hex[:8]
    outcomes: list[ConversationOutcome] = []
    lock = threading.Lock()
    gate = threading.Barrier(concurrency)

    def worker(number: int) -> None:
        with _session() as session:
            gate.wait()  # every conversation starts together
            for round_ in range(rounds):
                sender = f"{prefix}-{run}-c{concurrency}-w{number:03d}-r{round_:03d}"
                outcome = converse(session, webhook, sender, script, metadata)
                with lock:
                    outcomes.append(outcome)
                    if on_conversation:
                        on_conversation(outcome)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    cpu_before = _cpu_snapshot(server_pids or {})
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="chat") as pool:
        for future in [pool.submit(worker, n) for n in range(concurrency)]:
            future.result()
    wall = time.perf_counter() - started
    cpu_after = _cpu_snapshot(server_pids or {})
    result = ChatResult(bot=bot, concurrency=concurrency, rounds=rounds, latencies=[],
                        wall_seconds=wall, load_average=load,
                        cpu_seconds={name: cpu_after[name] - cpu_before[name]
                                     for name in cpu_after if name in cpu_before})
    for outcome in outcomes:
        result.latencies.extend(outcome.latencies)
        result.http_errors += outcome.http_errors
        if outcome.problem:
            result.failures.append(f"{outcome.sender}: {outcome.problem}")
    return result


# --- the machine ----------------------------------------------------------------------------


def training_processes(proc: Path = Path("/proc")) -> list[int]:
    """Pids of running `rasa train` processes (Linux /proc; empty elsewhere)."""
    pids = []
    for entry in proc.glob("[0-9]*"):
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        for i, arg in enumerate(args[:-1]):
            if os.path.basename(arg) == b"rasa" and args[i + 1] == b"train":
                pids.append(int(entry.name))
                break
    return sorted(pid for pid in pids if pid != os.getpid())


def wait_for_training(on_wait: Callable[[list[int]], None], poll: float = 5.0) -> None:
    """Block while `rasa train` runs on this machine (it would take the measured CPU)."""
    told = False
    while pids := training_processes():
        if not told:
            on_wait(pids)
            told = True
        time.sleep(poll)


# --- the bots -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunningBot:
    url: str
    pids: dict[str, int] = field(default_factory=dict)  # server process -> pid (CPU time)


class BotFailed(RuntimeError):
    """A bot the benchmark starts did not come up (its log's last lines are in the message;
    the logs themselves go with the temporary directory)."""


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


@contextmanager
def payline_bot(workdir: Path) -> Iterator[RunningBot]:
    """The Payline stack (Rasa + action server + a fresh seeded SQLite city) in `workdir`."""
    try:
        stack = chatbot_process.start(workdir)
    except (RuntimeError, TimeoutError) as exc:
        raise BotFailed(f"{exc}\nrasa.log:\n{_tail(workdir / 'rasa.log')}\nactions.log:\n"
                        f"{_tail(workdir / 'actions.log')}") from None
    try:
        action, rasa = stack.processes
        yield RunningBot(stack.rasa_url, {"Rasa": rasa.pid, "action server": action.pid})
    finally:
        stack.stop()


def init_stock_project(workdir: Path) -> Path:
    """`rasa init --no-prompt` in `workdir`: the stock moodbot project, trained on the way
    (Rasa's own `rasa train` with the project's default config). Returns the model."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir.parent / f"{workdir.name}-init.log"
    with log_path.open("wb") as log:
        result = subprocess.run(  # noqa: S603 (our own fixed command)
            [str(chatbot_process.RASA), "init", "--no-prompt", "--init-dir", str(workdir)],
            cwd=workdir, env=chatbot_process.rasa_env(), stdout=log,
            stderr=subprocess.STDOUT, timeout=INIT_TIMEOUT_S, check=False)
    models = sorted((workdir / "models").glob("*.tar.gz"))
    if result.returncode != 0 or not models:
        raise BotFailed(f"`rasa init --no-prompt` failed (status {result.returncode}):\n"
                           f"{_tail(log_path)}")
    return models[-1]


@contextmanager
def stock_bot(workdir: Path, on_step: Callable[[str], None] = lambda _: None,
              ) -> Iterator[RunningBot]:
    """Create and train a `rasa init` project in workdir/rasa-init, then serve it with
    `rasa run --enable-api` (its own credentials.yml: the REST channel; its endpoints.yml:
    no action server, the in-memory tracker store) on a free port."""
    project = workdir / "rasa-init"
    on_step(f"rasa init --no-prompt --init-dir {project} (trains the moodbot, 1-2 minutes)")
    started = time.perf_counter()
    try:
        model = init_stock_project(project)
    except subprocess.TimeoutExpired:
        raise BotFailed(f"`rasa init --no-prompt` took more than {INIT_TIMEOUT_S:.0f} s") \
            from None
    on_step(f"trained {model.name} in {time.perf_counter() - started:.0f} s")
    port = chatbot_process.free_port()
    url = f"http://127.0.0.1:{port}"
    token = secrets.token_urlsafe(32)  # its HTTP API, like Payline's, needs a token
    log_path = workdir / "rasa-init-run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own fixed command)
            chatbot_process.rasa_run_command(model, port, auth_token=token), cwd=project,
            env=chatbot_process.rasa_env(), stdout=log, stderr=subprocess.STDOUT)
        try:
            try:
                chatbot_process.wait_until(lambda: chatbot_process.rasa_ready(url, token),
                                           [process],
                                           "the stock rasa init bot", str(log_path))
            except (RuntimeError, TimeoutError) as exc:
                raise BotFailed(f"{exc}\n{_tail(log_path)}") from None
            yield RunningBot(url, {"Rasa": process.pid})
        finally:
            chatbot_process.stop_processes([process])
