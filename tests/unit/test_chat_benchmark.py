"""The chatbot benchmark's statistics and reporting (no Rasa, no HTTP)."""

from __future__ import annotations

import json

import pytest

from sandbox.benchmarks import chat as chat_benchmark
from sandbox.benchmarks.chat import (
    FLOOR_SCRIPT,
    PAYLINE_SCRIPT,
    ChatResult,
    comparison,
    ms,
    report_row,
    summary,
    to_json,
)


def result(bot: str = "payline", latencies: list[float] | None = None, wall: float = 2.0,
           concurrency: int = 2, rounds: int = 1, **extra: object) -> ChatResult:
    samples = [i / 1000 for i in range(1, 101)] if latencies is None else latencies
    return ChatResult(bot=bot, concurrency=concurrency, rounds=rounds, latencies=samples,
                      wall_seconds=wall, **extra)  # type: ignore[arg-type]


def test_both_scripts_have_the_same_number_of_turns() -> None:
    assert len(PAYLINE_SCRIPT) == len(FLOOR_SCRIPT) == 9
    assert all(turn.text and turn.expect for turn in PAYLINE_SCRIPT + FLOOR_SCRIPT)


def test_the_payline_conversation_declines_so_no_money_moves() -> None:
    texts = [turn.text for turn in PAYLINE_SCRIPT]
    confirm = next(i for i, t in enumerate(PAYLINE_SCRIPT) if "Shall I go ahead" in t.expect)
    assert texts[confirm + 1] == "no" and "yes" not in texts


def test_rates_percentiles_and_counts() -> None:
    r = result(wall=2.0, concurrency=5, rounds=3,
               failures=["s1: turn 3 ('x'): HTTP 500"], http_errors=1)
    assert r.turns == 100 and r.conversations == 15 and r.errors == 1
    assert r.turns_per_second == 50.0
    p = r.percentiles
    assert p.p50 == pytest.approx(0.0505) and p.p99 == pytest.approx(0.09901)
    assert p.max == 0.1


def test_nothing_measured_is_zero_not_an_error() -> None:
    r = result(latencies=[], wall=0.0)
    assert r.turns == 0 and r.turns_per_second == 0.0
    assert r.percentiles.p95 == 0.0 and r.cpu_ms_per_turn() == {}


def test_cpu_time_per_turn() -> None:
    r = result(cpu_seconds={"Rasa": 4.0, "action server": 0.5})
    assert r.cpu_ms_per_turn() == {"Rasa": 40.0, "action server": 5.0}


def test_as_dict_is_json_in_milliseconds() -> None:
    r = result(load_average=1.5, cpu_seconds={"Rasa": 1.0})
    data = json.loads(to_json([r], {"cpus": 2}))
    assert data["cpus"] == 2
    [row] = data["results"]
    assert row["bot"] == "payline" and row["turns"] == 100 and row["turns_per_second"] == 50.0
    assert row["p50_ms"] == 50.5 and row["p95_ms"] == 95.05 and row["max_ms"] == 100.0
    assert row["errors"] == 0 and row["load_average"] == 1.5
    assert row["cpu_ms_per_turn"] == {"Rasa": 10.0}


def test_milliseconds_keep_a_decimal_only_when_small() -> None:
    assert ms(0.0034) == "3.4 ms"
    assert ms(0.0456) == "46 ms"
    assert ms(1.5) == "1,500 ms"


def test_summary_line() -> None:
    line = summary(result(cpu_seconds={"Rasa": 2.0}, load_average=0.5))
    assert line.startswith("Payline, 2 concurrent x 1 round: 2 conversations (0 failed), "
                           "100 turns in 2.0 s = 50.0 turns/s; per turn p50 50 ms")
    assert "CPU per turn: Rasa 20.0 ms." in line and "Load average 0.50" in line
    assert summary(result("rasa-init")).startswith("rasa init floor, ")


def test_comparison_with_the_floor() -> None:
    app = result(wall=4.0)  # 25 turns/s, p50 50.5 ms
    floor = result("rasa-init", latencies=[x / 2 for x in app.latencies], wall=1.0)
    assert comparison(app, floor) == ("At 2 concurrent, the floor serves 4.0x Payline's "
                                      "turns/s; Payline's median turn takes 2.0x the floor's.")
    assert comparison(result(latencies=[]), floor) is None


def test_report_row_side_by_side_and_without_a_floor() -> None:
    app = result()
    floor = result("rasa-init", latencies=[0.002] * 100, wall=0.5)
    assert report_row(app, floor, "2026-11-23") == (
        "| 2026-11-23 | 2 | 1 | 100 | 50.0/s | 50 ms | 95 ms | 99 ms | 100 ms "
        "| 200.0/s | 2.0 ms | 2.0 ms | 2.0 ms | 2.0 ms |\n")
    assert report_row(app, None, "d").endswith("| - | - | - | - | - |\n")


def test_training_processes_are_found_by_command_line(tmp_path) -> None:
    proc = tmp_path / "proc"
    for pid, args in {"10": [b"/x/.venv-rasa/bin/python", b"/x/.venv-rasa/bin/rasa", b"train",
                             b"--config", b"c.yml"],
                      "11": [b"/x/bin/rasa", b"run", b"--enable-api"],
                      "12": [b"grep", b"rasa train"]}.items():
        (proc / pid).mkdir(parents=True)
        (proc / pid / "cmdline").write_bytes(b"\0".join(args) + b"\0")
    assert chat_benchmark.training_processes(proc) == [10]


def test_cpu_time_of_a_process_and_its_descendants(tmp_path) -> None:
    ticks = chat_benchmark.os.sysconf("SC_CLK_TCK")
    proc = tmp_path / "proc"
    # pid (comm) state ppid ... utime stime: fields 1, 2, 3, 4, ..., 14, 15
    for pid, ppid, utime, stime in [(100, 1, 2, 1), (101, 100, 5, 0), (102, 101, 1, 1),
                                    (200, 1, 50, 50)]:
        (proc / str(pid)).mkdir(parents=True)
        rest = ["S", str(ppid)] + ["0"] * 9 + [str(utime * ticks), str(stime * ticks)]
        (proc / str(pid) / "stat").write_text(f"{pid} (py thon) " + " ".join(rest) + " 0 0\n")
    assert chat_benchmark.process_tree_cpu_seconds(100, proc) == 10.0
    assert chat_benchmark.process_tree_cpu_seconds(102, proc) == 2.0
    assert chat_benchmark.process_tree_cpu_seconds(999, proc) is None
