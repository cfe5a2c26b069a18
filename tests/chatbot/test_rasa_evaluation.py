"""Each language's trained chatbot model measured by Rasa itself: its test stories in
tests/stories/<language>/ (the dialogue and the NLU of every message in them) and its held-out
NLU test set (tests/nlu/nlu_test.yml; Spanish: tests/nlu/heldout_es.yml), in ONE `rasa test`
run per language; plus `rasa data validate` on each language's training data.

`rasa test` does not call the action server: each story states the events the forms and
actions produce, and the model must predict every action and find every intent and entity
(Rasa reads stories only from files named test_*.yml). The run takes 1 to 1.5 minutes on 2
cores (it loads the model twice: stories, then NLU); its log is written to rasa-test.log in
the output directory while it runs. The numbers are recorded in docs/nlu-report.md.

Like the live chatbot tests, these skip locally when .venv-rasa or the trained model
(`make model`) is missing, and fail under CI=true.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chatbot.actions.finish import SMALL_TALK_RESPONSES
from ivr.bot import rasa_training
from sandbox.chatbot_stack import rasa_env
from tests import chatbot_stack

ROOT = chatbot_stack.ROOT
RASA = chatbot_stack.RASA
MODELS = chatbot_stack.MODELS
# Each language's test stories and held-out NLU set (Spanish: the set written for issue 17).
STORIES = {language: ROOT / "tests" / "stories" / language for language in MODELS}
NLU_TEST = {"en": ROOT / "tests" / "nlu" / "nlu_test.yml",
            "es": ROOT / "tests" / "nlu" / "heldout_es.yml"}
RUN_TIMEOUT_S = 600
VALIDATE_TIMEOUT_S = 180

pytestmark = [pytest.mark.slow, pytest.mark.timeout(RUN_TIMEOUT_S + 120)]

# Warnings `rasa data validate` prints that are Rasa's own false positives:
# - retrieval intents are added to the domain from the NLU data, so listing `faq` in
#   domain.yml (as it must be for the rule that uses it) reports a duplicate;
# - form questions (utter_ask_<slot>) are used by the forms, not by stories or rules.
KNOWN_VALIDATE_WARNINGS = (
    re.compile(r"The following duplicated intents have been found across multiple domain "
               r"files: faq$"),
    re.compile(r"The utterance 'utter_ask_\w+' is not used in any story or rule\.$"),
    # - the answers between tasks are uttered by action_small_talk (it ends the conversation
    #   instead when the words take leave), not by a rule.
    re.compile(r"The utterance '(" + "|".join(sorted(set(SMALL_TALK_RESPONSES.values())))
               + r")' is not used in any story or rule\.$"),
)
ANSI_COLOR = re.compile(r"\x1b\[[0-9;]*m")


def _require_rasa(model: bool = True) -> None:
    reason = chatbot_stack.missing()
    if reason and not model and RASA.exists():
        reason = None  # only the model is missing, and it is not needed
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _rasa(args: list[str], log: Path, timeout: int) -> subprocess.CompletedProcess[bytes]:
    """Runs .venv-rasa's rasa from the repository root, its output going to `log` as it
    runs (`tail -f` it to follow a slow run)."""
    with log.open("wb") as out:
        try:
            return subprocess.run([str(RASA), *args], cwd=ROOT, env=rasa_env(),
                                  stdout=out, stderr=subprocess.STDOUT, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`rasa {args[0]}` did not finish within {timeout} s; see {log}:\n"
                        f"{_tail(log)}")


def _tail(path: Path, lines: int = 40) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class RasaResults:
    out: Path
    log: Path
    language: str

    def report(self, name: str) -> dict[str, Any]:
        path = self.out / name
        assert path.exists(), f"`rasa test` wrote no {name}; see {self.log}:\n{_tail(self.log)}"
        return dict(json.loads(path.read_text()))

    def text(self, name: str) -> str:
        path = self.out / name
        return path.read_text() if path.exists() else ""


@pytest.fixture(scope="session", params=list(MODELS))
def rasa_results(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> RasaResults:
    """One `rasa test` of a language's trained model: its stories end to end, then its NLU
    test set."""
    _require_rasa()
    language = request.param
    out = tmp_path_factory.mktemp(f"rasa-test-{language}")
    log = out / "rasa-test.log"
    done = _rasa(["test", "--model", str(MODELS[language]), "--stories",
                  str(STORIES[language]), "--nlu", str(NLU_TEST[language]), "--out", str(out),
                  "--successes", "--no-plot"], log, RUN_TIMEOUT_S)
    assert done.returncode == 0, (f"`rasa test` exited with {done.returncode}; see {log}:\n"
                                  f"{_tail(log)}")
    return RasaResults(out, log, language)


def _story_names(language: str) -> list[str]:
    names = []
    for path in sorted(STORIES[language].glob("*.yml")):
        names += re.findall(r"^- story: (.+)$", path.read_text(), flags=re.MULTILINE)
    return names


def _overall(report: dict[str, Any]) -> float:
    """sklearn's accuracy, or the micro average when the report has no accuracy row."""
    if "accuracy" in report:
        return float(report["accuracy"])
    return float(report["micro avg"]["f1-score"])


def _errors(report: dict[str, Any], limit: int = 20) -> str:
    """The worst labels of a classification report, for assertion messages."""
    rows = [(label, row) for label, row in report.items()
            if isinstance(row, dict) and "f1-score" in row and not label.endswith(" avg")]
    rows.sort(key=lambda item: item[1]["f1-score"])
    return "\n".join(f"  {label}: f1 {row['f1-score']:.3f}, support {row['support']}"
                     + (f", confused with {row['confused_with']}" if row.get("confused_with")
                        else "")
                     for label, row in rows[:limit])


# Regression alarms below the spread measured (docs/nlu-report.md), not the goals (0.97
# English, 0.95 Spanish).
NLU_GATE = {"en": 0.92, "es": 0.88}


# --- the test stories ---------------------------------------------------------------------
def test_every_test_story_passes(rasa_results: RasaResults) -> None:
    names = _story_names(rasa_results.language)
    assert names, f"no test stories for {rasa_results.language}"
    assert len(names) == len(set(names)), "two test stories share a name"
    failed = rasa_results.text("failed_test_stories.yml")
    conversations = rasa_results.report("story_report.json")["conversation_accuracy"]
    assert conversations["correct"] == conversations["total"], (
        f"{conversations['total'] - conversations['correct']} of {conversations['total']} test "
        f"stories failed (`# predicted:` marks each wrong intent, entity or action; a failed "
        f"story without a mark has an extra entity the NLU found: parse its messages with "
        f"`rasa shell nlu`):\n{failed}")
    assert conversations["total"] == len(names), (
        f"`rasa test` ran {conversations['total']} stories, "
        f"{STORIES[rasa_results.language]} has {len(names)}")
    assert "- story:" not in failed, failed


# --- NLU on the held-out set --------------------------------------------------------------
def test_intent_accuracy_and_macro_f1_on_the_held_out_set(rasa_results: RasaResults) -> None:
    report = rasa_results.report("intent_report.json")
    accuracy = _overall(report)
    macro_f1 = float(report["macro avg"]["f1-score"])
    detail = f"accuracy {accuracy:.3f}, macro F1 {macro_f1:.3f}; weakest intents:\n" + _errors(
        report)
    # An alarm, not the goal (docs/nlu-report.md has the held-out figures): the linear intent
    # classifier gives the same intents for every seed, so a fall below it is the data's or
    # the pipeline's doing, not a training's luck.
    gate = NLU_GATE[rasa_results.language]
    assert accuracy >= gate, detail
    assert macro_f1 >= gate, detail


def test_entity_micro_f1_on_the_held_out_set(rasa_results: RasaResults) -> None:
    report = rasa_results.report("DIETClassifier_report.json")
    micro_f1 = float(report["micro avg"]["f1-score"])
    # Spanish entities are the known gap (docs/nlu-report.md: 0.84): an alarm below it.
    gate = {"en": 0.90, "es": 0.80}[rasa_results.language]
    assert micro_f1 >= gate, f"entity micro F1 {micro_f1:.3f}; weakest:\n{_errors(report)}"


def test_faq_response_selection_on_the_held_out_set(rasa_results: RasaResults) -> None:
    report = rasa_results.report("response_selection_report.json")
    accuracy = _overall(report)
    assert accuracy >= 0.9, f"FAQ response selection {accuracy:.3f}; weakest:\n{_errors(report)}"


# --- the training data ----------------------------------------------------------------------
@pytest.mark.parametrize("language", list(MODELS))
def test_training_data_validates_without_unexpected_warnings(
        language: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    _require_rasa(model=False)
    workdir = tmp_path_factory.mktemp(f"rasa-validate-{language}")
    log = workdir / "rasa-validate.log"
    domain = rasa_training.assemble_domain(language, workdir / "domain")
    done = _rasa(rasa_training.validate_command(language, domain)[1:], log,
                 VALIDATE_TIMEOUT_S)
    output = ANSI_COLOR.sub("", log.read_text(errors="replace"))
    assert done.returncode == 0, output
    # Rasa reports data problems as UserWarnings and as WARNING/ERROR log lines. (Python's
    # DeprecationWarnings about Rasa's own imports are not about the data.)
    warnings = [m.group(1).strip() for m in re.finditer(r"UserWarning: (.+)", output)]
    warnings += [line.strip() for line in output.splitlines()
                 if re.search(r"\s(WARNING|ERROR)\s", line)]
    unexpected = [w for w in warnings
                  if not any(known.search(w) for known in KNOWN_VALIDATE_WARNINGS)]
    assert not unexpected, "unexpected `rasa data validate` warnings:\n" + "\n".join(unexpected)
    assert "No story structure conflicts found" in output, output
