"""The chatbot benchmark's driver against a stub Rasa REST channel (tests/rasa_stub.py):
concurrent conversations with their own sender ids, turns timed, answers off script and HTTP
errors reported, and `payline benchmark-chat --rasa-url --floor-url` end to end. Fast: no real
Rasa (the real measurement is in docs/benchmarks.md)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from ivr.cli.main import main
from sandbox.benchmarks import chat as chat_benchmark
from sandbox.benchmarks.chat import FLOOR_SCRIPT, PAYLINE_SCRIPT, Turn, run_conversations, warm_up
from tests.rasa_stub import StubAnswer, StubRasa


def scripted(script: Sequence[Turn]) -> Any:
    """A stub bot that answers each scripted message with its expected fragment."""
    answers = {turn.text: turn.expect for turn in script}

    def respond(body: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"recipient_id": body["sender"], "text": f"... {answers[body['message']]} ..."}]

    return respond


def test_concurrent_conversations_each_with_its_own_sender() -> None:
    with StubRasa(respond=scripted(PAYLINE_SCRIPT), delay=0.01) as rasa:
        done: list[str] = []
        result = run_conversations(rasa.url, PAYLINE_SCRIPT, concurrency=4, rounds=3,
                                   bot="payline", metadata={"channel": "chat"},
                                   on_conversation=lambda outcome: done.append(outcome.sender))
    assert result.failures == [] and result.http_errors == 0
    assert result.conversations == 12 and len(done) == 12
    assert result.turns == 12 * len(PAYLINE_SCRIPT)
    assert all(latency >= 0.01 for latency in result.latencies)
    assert 0.01 <= result.percentiles.p50 <= result.percentiles.max
    assert result.wall_seconds > 0 and result.turns_per_second > 0
    per_sender = Counter(rasa.senders)
    assert len(per_sender) == 12 and set(per_sender.values()) == {len(PAYLINE_SCRIPT)}
    assert set(done) == set(per_sender)
    first = rasa.senders[0]
    assert [m for s, m in zip(rasa.senders, rasa.messages, strict=True) if s == first] == \
        [turn.text for turn in PAYLINE_SCRIPT]
    assert all(body["metadata"] == {"channel": "chat"} for body in rasa.requests)


def test_off_script_answers_and_http_errors_are_failures_that_end_the_conversation() -> None:
    def respond(body: dict[str, Any]) -> list[dict[str, Any]] | StubAnswer:
        if body["message"] == "are you a bot?":
            return StubAnswer(500, b'{"error": "boom"}')
        if body["message"] == "yes":
            return [{"text": "Sorry, I didn't get that."}]
        return scripted(FLOOR_SCRIPT)(body)

    with StubRasa(respond=respond) as rasa:
        result = run_conversations(rasa.url, FLOOR_SCRIPT, concurrency=2, rounds=1,
                                   bot="rasa-init")
    assert result.errors == 2 and result.http_errors == 0
    assert all("turn 3 ('yes'): expected 'Great, carry on', heard \"Sorry, I didn't get "
               "that.\"" in failure for failure in result.failures)
    assert result.turns == 2 * 3  # each stopped at its third turn
    assert "metadata" not in rasa.requests[0]

    with StubRasa(respond=lambda body: StubAnswer(500, b"{}")) as rasa:
        outcome = warm_up(rasa.url, FLOOR_SCRIPT)
    assert outcome.http_errors == 1 and outcome.problem == "turn 1 ('hello'): HTTP 500"
    assert outcome.sender.startswith("bench-warmup-")


def test_the_command_against_running_bots_prints_json_and_records_rows(tmp_path: Path) -> None:
    report = tmp_path / "benchmarks.md"
    with StubRasa(respond=scripted(PAYLINE_SCRIPT)) as payline, \
            StubRasa(respond=scripted(FLOOR_SCRIPT)) as floor:
        outcome = CliRunner().invoke(main, [
            "benchmark-chat", "--rasa-url", payline.url, "--floor-url", floor.url,
            "--conversations", "1", "--conversations", "3", "--rounds", "1", "--json",
            "--report", str(report)], catch_exceptions=False)
        assert outcome.exit_code == 0, outcome.output
        turns = len(PAYLINE_SCRIPT)
        # a warm-up conversation, then 1 x 1 and 3 x 1 conversations
        assert len(payline.requests) == len(floor.requests) == (1 + 1 + 3) * turns
    data = json.loads(outcome.stdout)
    assert [(r["bot"], r["concurrency"], r["turns"]) for r in data["results"]] == [
        ("payline", 1, turns), ("payline", 3, 3 * turns),
        ("rasa-init", 1, turns), ("rasa-init", 3, 3 * turns)]
    assert all(r["errors"] == 0 and r["p50_ms"] > 0 for r in data["results"])
    rows = report.read_text().splitlines()
    assert len(rows) == 2
    assert rows[1].startswith(f"| {data['started'][:10]} | 3 | 1 | {3 * turns} | ")


def test_the_command_refuses_a_bot_that_does_not_follow_the_script() -> None:
    with StubRasa() as echo:  # "You said: hi"
        outcome = CliRunner().invoke(main, ["benchmark-chat", "--rasa-url", echo.url])
    assert outcome.exit_code == 1
    assert "did not follow the script in the warm-up conversation: turn 1 ('hi'): expected " \
           "\"I'm Payline\"" in outcome.output
    assert chat_benchmark.BOT_NAMES["payline"] in outcome.output


def test_a_floor_off_script_still_shows_paylines_figures(tmp_path: Path) -> None:
    report = tmp_path / "benchmarks.md"
    with StubRasa(respond=scripted(PAYLINE_SCRIPT)) as payline, StubRasa() as echo:
        outcome = CliRunner().invoke(main, [
            "benchmark-chat", "--rasa-url", payline.url, "--floor-url", echo.url,
            "--conversations", "2", "--rounds", "1", "--report", str(report)])
    assert outcome.exit_code == 1
    assert "Payline, 2 concurrent x 1 round: 2 conversations (0 failed)" in outcome.stdout
    assert "rasa init floor at" in outcome.output and "not measured" in outcome.output
    assert not report.exists()
