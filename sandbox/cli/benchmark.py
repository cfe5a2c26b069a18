"""`payline benchmark-runner`: the runner's payments/second beside the database floor.
`payline benchmark-calls`: voice turns/second and per-turn latency beside a fixed-TwiML floor.
`payline benchmark-chat`: chatbot per-turn latency beside the stock `rasa init` bot.
`payline benchmark-nlu`: intent accuracy and macro F1 on a held-out set over seeded trainings."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import click
import requests

from ivr.cli.support import CliError, friendly_errors, open_container
from sandbox import chatbot_stack as chatbot_process
from sandbox.benchmarks import calls as call_benchmark
from sandbox.benchmarks import chat as chat_benchmark
from sandbox.benchmarks import nlu as nlu_benchmark
from sandbox.benchmarks import runner as runner_benchmark

ROOT = Path(__file__).resolve().parents[2]


@click.command("benchmark-runner")
@click.option("--payments", "count", default=10_000, show_default=True,
              type=click.IntRange(min=1))
@click.option("--runners", default=2, show_default=True, type=click.IntRange(1, 16))
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append the result as a Markdown table row to this file.")
@friendly_errors
def benchmark_runner(count: int, runners: int, report: Path | None) -> None:
    """Write COUNT due payments, process them with RUNNERS runner processes, compare with
    COUNT bare UPDATEs in one transaction. Writes test payments: use a benchmark database."""
    with open_container() as container:
        if not container.settings.database_url.startswith("postgresql"):
            raise CliError("The benchmark is meant for PostgreSQL (PAYLINE_DATABASE_URL).")
        with click.progressbar(length=count, label="Writing due payments") as bar:
            ids = runner_benchmark.prepare(container.engine, container.gateway, count,
                                           container.clock.now(), progress=bar.update)
        floor_seconds = runner_benchmark.floor(container.engine, ids)
        click.echo(f"Floor: {count:,} bare UPDATEs in one transaction: {floor_seconds:.1f} s "
                   f"({count / floor_seconds:,.0f}/s).")
        started = time.perf_counter()
        processes = [subprocess.Popen(  # the same command an operator runs
            [sys.executable, "-m", "ivr.cli.main", "process-due"], cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL)
            for _ in range(runners)]
        codes = [p.wait() for p in processes]
        elapsed = time.perf_counter() - started
        outcomes = runner_benchmark.outcome_counts(container.engine)
    rate = count / elapsed
    click.echo(f"Runner: {runners} process(es), {count:,} payments in {elapsed:.1f} s "
               f"({rate:,.0f}/s); outcomes {outcomes}; exit codes {codes}.")
    click.echo(f"The runner does {count / floor_seconds / rate:,.0f}x the floor's time per "
               "payment (three transactions, a processor call and an audit trail each).")
    if report:
        with report.open("a", encoding="utf-8") as handle:
            handle.write(f"| {time.strftime('%Y-%m-%d')} | {count:,} | {runners} | "
                         f"{elapsed:.0f} s | {rate:,.0f}/s | {floor_seconds:.1f} s | "
                         f"{count / floor_seconds:,.0f}/s |\n")


def _ms(seconds: float) -> str:
    """Milliseconds; a decimal below 10 ms, where loopback latencies live when unloaded."""
    ms = seconds * 1000
    return f"{ms:.1f} ms" if ms < 10 else f"{ms:,.0f} ms"


def _summary(name: str, result: call_benchmark.LoadResult) -> str:
    p = result.percentiles
    return (f"{name}: {result.calls:,} calls ({len(result.failures):,} failed), "
            f"{result.turns:,} turns in {result.wall_seconds:.1f} s = "
            f"{result.turns_per_second:,.1f} turns/s; per turn p50 {_ms(p.p50)}, "
            f"p95 {_ms(p.p95)}, p99 {_ms(p.p99)}, max {_ms(p.max)}; "
            f"{result.http_errors:,} HTTP errors.")


def _report_row(calls: int, concurrency: int, threads: int | None,
                app: call_benchmark.LoadResult, floor: call_benchmark.LoadResult | None) -> str:
    def figures(result: call_benchmark.LoadResult | None) -> list[str]:
        if result is None:
            return ["-"] * 5
        p = result.percentiles
        return [f"{result.turns_per_second:,.1f}/s", _ms(p.p50), _ms(p.p95), _ms(p.p99),
                _ms(p.max)]

    cells = [time.strftime("%Y-%m-%d"), f"{calls:,}", str(concurrency),
             str(threads) if threads else "-", f"{app.turns:,}", f"{app.wall_seconds:.1f} s",
             *figures(app), *figures(floor)]
    return "| " + " | ".join(cells) + " |\n"


def _play(url: str, scripts: list[call_benchmark.CallScript],
          concurrency: int) -> call_benchmark.LoadResult:
    with click.progressbar(length=len(scripts), label="Calls", show_pos=True) as bar:
        return call_benchmark.run_calls(url, scripts, concurrency,
                                        on_call=lambda _outcome: bar.update(1))


def _floor(url: str, app: call_benchmark.LoadResult,
           concurrency: int) -> call_benchmark.LoadResult:
    with click.progressbar(length=app.calls, label="Floor", show_pos=True) as bar:
        return call_benchmark.run_floor(url, app.turns_per_call, concurrency,
                                        on_call=lambda: bar.update(1))


@click.command("benchmark-calls")
@click.option("--calls", default=100, show_default=True, type=click.IntRange(min=1))
@click.option("--concurrency", default=100, show_default=True, type=click.IntRange(1, 1000),
              help="Calls in progress at once.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="waitress threads of the servers this command starts.")
@click.option("--url", default=None,
              help="Drive an app already running here (its PAYLINE_PUBLIC_URL must be this "
                   "URL) instead of starting one.")
@click.option("--floor-url", default=None,
              help="With --url: a running floor app (waitress-serve --call "
                   "sandbox.benchmarks.floor:create_floor_app); without it, no floor.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append the result as a Markdown table row to this file.")
@friendly_errors
def benchmark_calls(calls: int, concurrency: int, threads: int, url: str | None,
                    floor_url: str | None, report: Path | None) -> None:
    """Play CALLS simulated phone calls, CONCURRENCY at a time, through the app on PostgreSQL
    and report turns/second and per-turn latency beside a fixed-TwiML floor on the same server.
    Makes $1.00 card payments on two demo personas: use a benchmark database."""
    scripts = call_benchmark.scripts_for(calls)
    app: call_benchmark.LoadResult
    floor: call_benchmark.LoadResult | None
    approved: int | None
    if url is None:
        app, floor, approved = _benchmark_own_servers(scripts, concurrency, threads)
    else:
        app, floor, approved = _benchmark_running(url, floor_url, scripts, concurrency)
    click.echo(_summary("App", app) + f" {app.connector_calls:,} pay-connector requests "
               "(not counted as turns).")
    if floor is not None:
        click.echo(_summary("Floor", floor))
        if floor.turns_per_second > 0 and app.turns_per_second > 0:
            cost = floor.turns_per_second / app.turns_per_second
            median = app.percentiles.p50 / max(floor.percentiles.p50, 1e-9)
            click.echo(f"The floor serves {cost:,.1f}x the app's turns/s; the app's median "
                       f"turn takes {median:,.1f}x the floor's.")
    paid = len(app.call_sids.get("pay-card", []))
    if approved is not None:
        click.echo(f"Database: {approved:,} approved $1.00 payments for the {paid:,} payment "
                   "calls that heard their approval.")
    for failure in (app.failures + (floor.failures if floor else []))[:10]:
        click.echo(f"  failed: {failure}", err=True)
    if app.failures or app.http_errors or (floor and (floor.failures or floor.http_errors)) \
            or (approved is not None and approved != paid):
        hint = (f" (Answers of HTTP 403? The app's PAYLINE_PUBLIC_URL must be {url}.)"
                if url and app.http_errors else "")
        raise CliError(f"The run had failures; nothing recorded.{hint}")
    if report:
        with report.open("a", encoding="utf-8") as handle:
            handle.write(_report_row(calls, concurrency, None if url else threads, app, floor))
        click.echo(f"Recorded in {report}.")


def _benchmark_own_servers(
        scripts: list[call_benchmark.CallScript], concurrency: int, threads: int,
) -> tuple[call_benchmark.LoadResult, call_benchmark.LoadResult, int]:
    with open_container() as container:
        if not container.settings.database_url.startswith("postgresql"):
            raise CliError("The benchmark is meant for PostgreSQL (PAYLINE_DATABASE_URL).")
        problems = call_benchmark.persona_problems(
            container.engine, container.payment_service().payable, scripts)
        if problems:
            raise CliError("The database cannot take these calls: " + "; ".join(problems))
        try:
            with call_benchmark.serve(call_benchmark.APP_TARGET, threads) as app_url:
                click.echo(f"App: waitress-serve --threads {threads} --call "
                           f"{call_benchmark.APP_TARGET} at {app_url}")
                app = _play(app_url, scripts, concurrency)
            approved = call_benchmark.approved_payments(
                container.engine, app.call_sids.get("pay-card", []))
            with call_benchmark.serve(call_benchmark.FLOOR_TARGET, threads) as floor_url:
                click.echo(f"Floor: waitress-serve --threads {threads} --call "
                           f"{call_benchmark.FLOOR_TARGET} at {floor_url}")
                floor = _floor(floor_url, app, concurrency)
        except call_benchmark.ServerFailed as exc:
            raise CliError(str(exc)) from None
    return app, floor, approved


def _benchmark_running(
        url: str, floor_url: str | None, scripts: list[call_benchmark.CallScript],
        concurrency: int,
) -> tuple[call_benchmark.LoadResult, call_benchmark.LoadResult | None, None]:
    try:
        state = call_benchmark.health(url)
    except (requests.RequestException, ValueError) as exc:
        raise CliError(f"No Payline /health at {url} ({type(exc).__name__}).") from None
    if state.get("status") != "ok":
        raise CliError(f"The app at {url} is not healthy: {state}.")
    if not state.get("accounts"):
        raise CliError("The app's database has no accounts: run `payline db upgrade` and "
                       "`payline seed` on it first.")
    app = _play(url.rstrip("/"), scripts, concurrency)
    floor = _floor(floor_url.rstrip("/"), app, concurrency) if floor_url else None
    return app, floor, None


def _note(text: str) -> None:
    """Progress and setup lines go to stderr, so --json leaves stdout to the results."""
    click.echo(text, err=True)


@contextmanager
def _conversation_progress(label: str, total: int,
                           batch: int) -> Iterator[Callable[[object], None]]:
    """A progress bar on a terminal; elsewhere (a log, CI) a line per batch of completed
    conversations, at most about ten lines per level."""
    if sys.stderr.isatty():
        with click.progressbar(length=total, label=label, show_pos=True,
                               file=sys.stderr) as bar:
            yield lambda _outcome: bar.update(1)
        return
    step = max(batch, math.ceil(total / 10))
    started = time.perf_counter()
    done = 0

    def update(_outcome: object) -> None:
        nonlocal done
        done += 1
        if done % step == 0 or done == total:
            _note(f"  {label}: {done:,}/{total:,} conversations "
                  f"({time.perf_counter() - started:.1f} s)")

    yield update


def _measure(bot_id: str, bot: chat_benchmark.RunningBot,
             script: Sequence[chat_benchmark.Turn], levels: Sequence[int], rounds: int,
             metadata: dict[str, str] | None) -> list[chat_benchmark.ChatResult]:
    """A warm-up conversation (unmeasured; it must follow the script), then every level."""
    name = chat_benchmark.BOT_NAMES[bot_id]
    warm = chat_benchmark.warm_up(bot.url, script, metadata)
    if warm.problem:
        raise CliError(f"{name} at {bot.url} did not follow the script in the warm-up "
                       f"conversation: {warm.problem}")
    results = []
    for level in levels:
        chat_benchmark.wait_for_training(
            lambda pids: _note(f"Waiting for `rasa train` (pid {', '.join(map(str, pids))}) "
                               "to finish: it would take the CPU this measures."))
        with _conversation_progress(f"{name}, {level} concurrent", level * rounds,
                                    level) as update:
            results.append(chat_benchmark.run_conversations(
                bot.url, script, level, rounds, bot=bot_id, metadata=metadata,
                server_pids=bot.pids, on_conversation=update))
    return results


@contextmanager
def _payline_bot(rasa_url: str | None, workdir: Path) -> Iterator[chat_benchmark.RunningBot]:
    if rasa_url:
        yield chat_benchmark.RunningBot(rasa_url.rstrip("/"))
        return
    _note(f"Starting Payline: Rasa with {chatbot_process.MODEL.relative_to(ROOT)} and the "
          f"action server over a fresh demo city in {workdir} (about a minute)")
    try:
        with chat_benchmark.payline_bot(workdir) as bot:
            _note(f"Payline: {bot.url}")
            yield bot
    except chat_benchmark.BotFailed as exc:
        raise CliError(str(exc)) from None


@contextmanager
def _stock_bot(floor_url: str | None, workdir: Path) -> Iterator[chat_benchmark.RunningBot]:
    if floor_url:
        yield chat_benchmark.RunningBot(floor_url.rstrip("/"))
        return
    try:
        with chat_benchmark.stock_bot(workdir, on_step=_note) as bot:
            _note(f"rasa init floor: {bot.url}")
            yield bot
    except chat_benchmark.BotFailed as exc:
        raise CliError(str(exc)) from None


@click.command("benchmark-chat")
@click.option("--conversations", "levels", multiple=True, type=click.IntRange(1, 500),
              help="Concurrent conversations [default: 10]. Repeat the option to measure "
                   "several levels with one start-up: --conversations 1 --conversations 10.")
@click.option("--rounds", default=3, show_default=True, type=click.IntRange(1, 1000),
              help="Conversations each concurrent sender plays back to back (a new sender "
                   "id each time).")
@click.option("--rasa-url", default=None,
              help="Drive a Payline bot already running here (its action server's database "
                   "must hold the demo personas) instead of starting one.")
@click.option("--floor", is_flag=True,
              help="Also measure the stock `rasa init` bot: created and trained in a "
                   "temporary directory (1-2 minutes), served with `rasa run --enable-api`.")
@click.option("--floor-url", default=None,
              help="A stock `rasa init` bot already running (`rasa run --enable-api`) to "
                   "measure as the floor instead of training one (implies --floor).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the results as JSON on stdout (progress stays on stderr).")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append the results as Markdown table rows to this file.")
@friendly_errors
def benchmark_chat(levels: tuple[int, ...], rounds: int, rasa_url: str | None, floor: bool,
                   floor_url: str | None, as_json: bool, report: Path | None) -> None:
    """Per-turn latency of the chatbot through Rasa's REST channel: CONVERSATIONS scripted
    conversations at once (greet, balance, verify, pay $1 with the saved checking account,
    decline, goodbye: no money moves), ROUNDS each, timed at the client per POST; with
    --floor, the same for the stock `rasa init` bot on this machine."""
    levels = tuple(dict.fromkeys(levels or (10,)))  # in order, once each
    floor = floor or floor_url is not None
    if rasa_url is None or (floor and floor_url is None):
        if not chatbot_process.RASA.exists():
            raise CliError("The Rasa environment (.venv-rasa) is not installed: run "
                           "`make bootstrap`.")
    if rasa_url is None and not chatbot_process.MODEL.exists():
        raise CliError("No trained chatbot model: run `make model`.")
    started_at = time.strftime("%Y-%m-%d %H:%M")
    results: list[chat_benchmark.ChatResult] = []
    floor_problem: str | None = None
    with tempfile.TemporaryDirectory(prefix="payline-chat-benchmark-") as tmp:
        with _payline_bot(rasa_url, Path(tmp) / "payline") as bot:
            results += _measure("payline", bot, chat_benchmark.PAYLINE_SCRIPT, levels, rounds,
                                chat_benchmark.PAYLINE_METADATA)
        if floor:
            try:
                with _stock_bot(floor_url, Path(tmp) / "floor") as bot:
                    results += _measure("rasa-init", bot, chat_benchmark.FLOOR_SCRIPT,
                                        levels, rounds, None)
            except CliError as exc:  # still show Payline's figures
                floor_problem = exc.message
    payline = {r.concurrency: r for r in results if r.bot == "payline"}
    stock = {r.concurrency: r for r in results if r.bot == "rasa-init"}
    if as_json:
        click.echo(chat_benchmark.to_json(results, {
            "started": started_at, "cpus": os.cpu_count(), "rounds": rounds,
            "turns_per_conversation": len(chat_benchmark.PAYLINE_SCRIPT)}))
    else:
        for result in results:
            click.echo(chat_benchmark.summary(result))
        for level in levels:
            if level in payline and level in stock:
                line = chat_benchmark.comparison(payline[level], stock[level])
                if line:
                    click.echo(line)
    failures = [f for r in results for f in r.failures]
    for failure in failures[:10]:
        click.echo(f"  failed: {failure}", err=True)
    if floor_problem:
        raise CliError(f"{floor_problem}\nThe floor was not measured; nothing recorded.")
    if failures:
        raise CliError(f"{len(failures):,} conversation(s) went wrong; nothing recorded.")
    if report:
        date = time.strftime("%Y-%m-%d")
        with report.open("a", encoding="utf-8") as handle:
            for level in levels:
                handle.write(chat_benchmark.report_row(payline.get(level), stock.get(level),
                                                       date))
        _note(f"Recorded in {report}.")


def _overlap(language: str, heldout: Path, show: int) -> list[nlu_benchmark.Closest]:
    """Each held-out message's closest training example; prints the `show` closest pairs."""
    from ivr.bot import rasa_training

    training = [e for f in rasa_training.nlu_files(language)
                for e in nlu_benchmark.read_examples(f)]
    if not training:
        _note(f"No {language} training data ({rasa_training.NLU_DIRS[language]}): "
              "the held-out set is not checked against it.")
        return []
    matches = nlu_benchmark.closest_training(nlu_benchmark.read_examples(heldout), training)
    for m in sorted(matches, key=lambda m: -m.ratio)[:show]:
        closest = m.training
        click.echo(f"{m.ratio:.3f}  {m.heldout.intent}: {m.heldout.text!r}  ~  "
                   f"{closest.intent if closest else '-'}: {closest.text if closest else ''!r}")
    near = nlu_benchmark.near_copies(matches)
    _note(f"{len(near)} of {len(matches)} held-out messages are within "
          f"{nlu_benchmark.NEAR_COPY:.2f} similarity of one of {len(training):,} training "
          "examples.")
    return near


@click.command("benchmark-nlu")
@click.option("--language", type=click.Choice(["en", "es"]), default="en", show_default=True)
@click.option("--runs", default=3, show_default=True, type=click.IntRange(1, 50),
              help="Trainings, each with its own DIET/ResponseSelector seed (42, 43, ...).")
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Rasa config to train with (default: chatbot/config.yml, "
                                 "chatbot/config.es.yml for es).")
@click.option("--heldout", "heldouts", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Test set, repeatable (default: every held-out set of the language, "
                   "tests/nlu/heldout_<language>.yml, heldout2_ and heldout3_).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=ROOT / "var" / "nlu-bench", show_default="var/nlu-bench")
@click.option("--overlap", "overlap_only", is_flag=True,
              help="Only list the held-out messages closest to a training example (difflib "
                   "ratio, lowercased) and how many come within 0.90; train nothing.")
@friendly_errors
def benchmark_nlu(language: str, runs: int, config: Path | None, heldouts: tuple[Path, ...],
                  out_dir: Path, overlap_only: bool) -> None:
    """Train an NLU-only model RUNS times (PYTHONHASHSEED=0, one seed per run) on the
    language's data and score each training on every held-out set with `rasa test nlu`:
    accuracy, macro F1 and FAQ response selection per run and set, then mean, min, max and
    spread. Writes <out>/<language>-<config>-<set>.json and .md per set; each run's model and
    reports stay in <out>/<language>-<config>/run-N/. One training at a time (it waits for
    others)."""
    from ivr.bot import rasa_training

    config = (config or rasa_training.CONFIGS[language]).resolve()
    heldouts = tuple(h.resolve() for h in heldouts or nlu_benchmark.heldout_sets(language))
    absent = [str(h) for h in heldouts if not h.exists()]
    if absent:
        raise CliError(f"No held-out set at {', '.join(absent)}.")
    near: dict[Path, list[nlu_benchmark.Closest]] = {}
    for heldout in heldouts:
        _note(f"{_relative(heldout)}:")
        near[heldout] = _overlap(language, heldout, show=25 if overlap_only else 0)
    if overlap_only:
        return
    for heldout, close in near.items():
        if close:
            _note(f"Warning: {len(close)} message(s) of {_relative(heldout)} are near copies "
                  "of training examples (see --overlap); its figures overstate unseen "
                  "accuracy.")
    files = tuple(rasa_training.nlu_files(language))
    problems = [text for missing, text in (
        (not chatbot_process.RASA.exists(),
         "the Rasa environment (.venv-rasa) is not installed: run `make bootstrap`"),
        (not config.exists(), f"no config at {config}"),
        (not files, f"no NLU data in {rasa_training.NLU_DIRS[language]}"),
        (not rasa_training.responses_file(language).exists(),
         f"no responses at {rasa_training.responses_file(language)}"),
    ) if missing]
    if problems:
        raise CliError("Cannot benchmark: " + "; ".join(problems) + ".")
    out_dir.mkdir(parents=True, exist_ok=True)
    label = f"{language}-{config.stem}"
    work = out_dir.resolve() / label
    bench = nlu_benchmark.Bench(
        language=language, config=config, nlu_files=files,
        domain=rasa_training.assemble_domain(language, work / "domain"), heldouts=heldouts,
        work=work)
    started_at = time.strftime("%Y-%m-%d %H:%M")
    results: dict[Path, list[nlu_benchmark.RunResult]] = {h: [] for h in heldouts}
    for run in range(1, runs + 1):
        chat_benchmark.wait_for_training(
            lambda pids: _note(f"Waiting for `rasa train` (pid {', '.join(map(str, pids))}) "
                               "to finish: two shared cores, one training at a time."))
        try:
            scored = nlu_benchmark.run_one(bench, run, _note)
        except nlu_benchmark.RunFailed as exc:
            raise CliError(str(exc)) from None
        for heldout, result in scored.items():
            _echo_run(result, heldout, nlu_benchmark.results_dir(bench, run, heldout),
                      near[heldout])
            results[heldout].append(result)
    for heldout, runs_of_set in results.items():
        click.echo(f"{_relative(heldout)}:")
        for metric, stat in nlu_benchmark.summary(runs_of_set).items():
            click.echo(f"  {metric}: mean {stat.mean:.3f}, min {stat.min:.3f}, "
                       f"max {stat.max:.3f}, spread {stat.spread:.3f}")
        name = f"{label}-{heldout.stem}"
        title = (f"{label}: {_relative(config)} on {_relative(heldout)}, {runs} run(s), "
                 f"{started_at}")
        meta = {"language": language, "config": _relative(config),
                "heldout": _relative(heldout), "nlu_files": [_relative(f) for f in files],
                "started": started_at, "cpus": os.cpu_count(),
                "near_copies": len(near[heldout])}
        (out_dir / f"{name}.json").write_text(nlu_benchmark.to_json(runs_of_set, meta),
                                              encoding="utf-8")
        (out_dir / f"{name}.md").write_text(nlu_benchmark.markdown(runs_of_set, title),
                                            encoding="utf-8")
        _note(f"Wrote {out_dir / name}.json and .md")


def _echo_run(result: nlu_benchmark.RunResult, heldout: Path, reports: Path,
              near: list[nlu_benchmark.Closest]) -> None:
    selection = (f", FAQ selection {result.response_selection_accuracy:.3f}"
                 if result.response_selection_accuracy is not None else "")
    click.echo(f"Run {result.run} (seed {result.seed}) on {_relative(heldout)}: accuracy "
               f"{result.accuracy:.3f}, macro F1 {result.macro_f1:.3f}{selection} on "
               f"{result.messages} messages; training {result.train_seconds:.0f} s")
    novel = nlu_benchmark.accuracy_without(reports, {m.heldout.text.lower() for m in near})
    if near and novel is not None:
        click.echo(f"Run {result.run} without the {len(near)} near copies: accuracy "
                   f"{novel[0]:.3f} on {novel[1]} messages")


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


commands: list[click.Command] = [benchmark_runner, benchmark_calls, benchmark_chat,
                                 benchmark_nlu]
