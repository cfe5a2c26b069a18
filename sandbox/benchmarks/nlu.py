"""NLU benchmark: train an NLU-only model N times with different seeds, score each on a
held-out set (tests/nlu/heldout_<language>.yml), and report the run-to-run spread.

Behind `payline benchmark-nlu` (sandbox/cli/benchmark.py); no click here, so tests drive it too.

- `seeded_config()` rewrites a Rasa config with a run's random seed for DIETClassifier and
  ResponseSelector: one training is one draw, and the spread across draws is the error bar
  that a single figure hides (docs/nlu-report.md).
- `train_command()` / `test_command()` are the `rasa train nlu` / `rasa test nlu` of one run;
  `run_env()` is Rasa's environment (rasa_env: the TensorFlow thread limits, the project on
  PYTHONPATH) with PYTHONHASHSEED=0, as `make model` trains.
- `read_run()` takes accuracy, macro F1 and (when a ResponseSelector ran) the FAQ response
  selection accuracy from the reports `rasa test nlu` writes.
- `summarize()` gives mean, min, max and spread per metric; `to_json()` and `markdown()` the
  files written beside the runs.
- `closest_training()` finds, for each held-out message, the most similar training example
  (difflib on lowercased text without entity markup): a held-out set is only held out when
  nothing in training is a near copy of it.
"""

from __future__ import annotations

import difflib
import io
import json
import re
import statistics
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from ivr.bot.rasa_process import RASA, ROOT, rasa_env

HELDOUT = {language: ROOT / "tests" / "nlu" / f"heldout_{language}.yml"
           for language in ("en", "es")}
# A second set per language, written blind after data round 4 (docs/nlu-report.md): the one
# the next data round or pipeline change is measured on without the first set's caveats.
HELDOUT_SECOND = {language: ROOT / "tests" / "nlu" / f"heldout2_{language}.yml"
                  for language in ("en", "es")}
# A third, written blind on 2026-12-03 before the intent classifier changed: from then on the
# first two sets are development sets (their errors may be read), and this one is the measure.
HELDOUT_THIRD = {language: ROOT / "tests" / "nlu" / f"heldout3_{language}.yml"
                 for language in ("en", "es")}
SEEDED_COMPONENTS = ("DIETClassifier", "ResponseSelector")
BASE_SEED = 42  # run 1 trains with the product config's own seed
NEAR_COPY = 0.90
METRICS = ("accuracy", "macro_f1", "weighted_f1", "response_selection_accuracy")


# --- config and commands --------------------------------------------------------------------


def run_seed(run: int) -> int:
    """The random seed of run `run` (1-based)."""
    if run < 1:
        raise ValueError("runs count from 1")
    return BASE_SEED + run - 1


def seeded_config(config_text: str, seed: int) -> str:
    """The config with `random_seed: seed` on every DIETClassifier and ResponseSelector.
    Raises ValueError when the pipeline has neither (nothing a seed could vary)."""
    yaml = YAML()  # round trip: the run's config keeps the original's order and comments
    config = yaml.load(config_text)
    pipeline = config.get("pipeline") if isinstance(config, dict) else None
    seeded = 0
    for component in pipeline or []:
        if isinstance(component, dict) and component.get("name") in SEEDED_COMPONENTS:
            component["random_seed"] = seed
            seeded += 1
    if not seeded:
        raise ValueError("the pipeline has no DIETClassifier or ResponseSelector to seed")
    out = io.StringIO()
    yaml.dump(config, out)
    return out.getvalue()


def train_command(config: Path, nlu: Path, domain: Path, out_dir: Path,
                  name: str) -> list[str]:
    """`rasa train nlu` of the data in `nlu` (a file or a folder) into out_dir/name.tar.gz."""
    return [str(RASA), "train", "nlu", "--config", str(config), "--nlu", str(nlu),
            "--domain", str(domain), "--out", str(out_dir), "--fixed-model-name", name]


def test_command(model: Path, heldout: Path, out_dir: Path) -> list[str]:
    """`rasa test nlu` of `model` on the held-out set; reports land in out_dir."""
    return [str(RASA), "test", "nlu", "--nlu", str(heldout), "--model", str(model),
            "--out", str(out_dir), "--no-plot", "--successes"]


def run_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Rasa's environment for a run: a fixed hash seed (the featurizers' vocabulary order
    follows it) and the thread limits of two shared cores."""
    return {**rasa_env(base), "PYTHONHASHSEED": "0"}


def link_data(files: Iterable[Path], into: Path) -> Path:
    """A folder of symlinks to `files`: `rasa train nlu --nlu` takes one path and reads a
    folder recursively, so data/nlu itself would pull in data/nlu/es."""
    into.mkdir(parents=True, exist_ok=True)
    for path in files:
        link = into / path.name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(path.resolve())
    return into


# --- reports and statistics -----------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    run: int
    seed: int
    train_seconds: float
    accuracy: float
    macro_f1: float
    weighted_f1: float
    response_selection_accuracy: float | None
    messages: int


def read_run(results_dir: Path, run: int, seed: int, train_seconds: float) -> RunResult:
    """A run's figures from the reports `rasa test nlu` wrote into results_dir."""
    intents = json.loads((results_dir / "intent_report.json").read_text(encoding="utf-8"))
    selection_path = results_dir / "response_selection_report.json"
    selection = (json.loads(selection_path.read_text(encoding="utf-8"))
                 if selection_path.exists() else None)
    return RunResult(
        run=run, seed=seed, train_seconds=round(train_seconds, 1),
        accuracy=float(intents["accuracy"]),
        macro_f1=float(intents["macro avg"]["f1-score"]),
        weighted_f1=float(intents["weighted avg"]["f1-score"]),
        response_selection_accuracy=(float(selection["accuracy"])
                                     if selection and "accuracy" in selection else None),
        messages=int(intents["macro avg"]["support"]))


def accuracy_without(results_dir: Path, excluded: set[str]) -> tuple[float, int] | None:
    """Intent accuracy over the held-out messages whose lowercased text is not in `excluded`
    (the near copies of training examples), and how many that is, from the successes and
    errors `rasa test nlu --successes` wrote; None when there are none."""
    counts = {True: 0, False: 0}
    for name, right in (("intent_successes.json", True), ("intent_errors.json", False)):
        path = results_dir / name
        rows = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
        for row in rows:
            if str(row.get("text", "")).strip().lower() not in excluded:
                counts[right] += 1
    total = counts[True] + counts[False]
    return (counts[True] / total, total) if total else None


@dataclass(frozen=True)
class Stat:
    mean: float
    min: float
    max: float
    spread: float  # max - min: what a single run can land anywhere within
    stdev: float | None  # sample standard deviation; None for one run


def summarize(values: Sequence[float]) -> Stat:
    if not values:
        raise ValueError("no values to summarize")
    return Stat(mean=statistics.fmean(values), min=min(values), max=max(values),
                spread=max(values) - min(values),
                stdev=statistics.stdev(values) if len(values) > 1 else None)


def summary(results: Sequence[RunResult]) -> dict[str, Stat]:
    """Per metric over the runs; a metric missing from any run (no ResponseSelector) is left
    out rather than averaged over fewer runs."""
    stats = {}
    for metric in METRICS:
        values = [getattr(r, metric) for r in results]
        if values and all(v is not None for v in values):
            stats[metric] = summarize(values)
    return stats


def to_json(results: Sequence[RunResult], meta: Mapping[str, Any]) -> str:
    return json.dumps({**meta, "runs": [asdict(r) for r in results],
                       "summary": {k: asdict(v) for k, v in summary(results).items()}},
                      indent=2) + "\n"


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def markdown(results: Sequence[RunResult], title: str) -> str:
    """Runs as rows, then mean/min/max/spread rows."""
    lines = [f"### {title}", "",
             "| run | seed | training | accuracy | macro F1 | weighted F1 | FAQ selection |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.run} | {r.seed} | {r.train_seconds:.0f} s | {_cell(r.accuracy)} | "
                     f"{_cell(r.macro_f1)} | {_cell(r.weighted_f1)} | "
                     f"{_cell(r.response_selection_accuracy)} |")
    stats = summary(results)
    for label in ("mean", "min", "max", "spread"):
        cells = [_cell(getattr(stats[m], label)) if m in stats else "-" for m in METRICS]
        lines.append(f"| {label} | | | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# --- held-out against training --------------------------------------------------------------

_ENTITY = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def plain_text(example: str) -> str:
    """The message without entity markup: "[0104200731](account_number)" -> "0104200731"."""
    return _ENTITY.sub(r"\1", example).strip()


@dataclass(frozen=True)
class Example:
    intent: str
    text: str


def read_examples(path: Path) -> list[Example]:
    """The intent examples of a Rasa NLU YAML file (regexes, synonyms and lookups skipped)."""
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for block in data.get("nlu") or []:
        if not isinstance(block, dict) or "intent" not in block:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(Example(str(block["intent"]), plain_text(line[2:])))
    return examples


@dataclass(frozen=True)
class Closest:
    heldout: Example
    training: Example | None
    ratio: float


def closest_training(heldout: Sequence[Example],
                     training: Sequence[Example]) -> list[Closest]:
    """For each held-out message, the training example with the highest difflib ratio on
    lowercased text (ties: the first in training order)."""
    matcher = difflib.SequenceMatcher(autojunk=False)
    lowered = [(t, t.text.lower()) for t in training]
    found = []
    for example in heldout:
        matcher.set_seq2(example.text.lower())
        best: Example | None = None
        best_ratio = 0.0
        for candidate, text in lowered:
            matcher.set_seq1(text)
            # The quick bounds skip most pairs without the full comparison.
            if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio > best_ratio:
                best, best_ratio = candidate, ratio
        found.append(Closest(example, best, best_ratio))
    return found


def near_copies(matches: Iterable[Closest], threshold: float = NEAR_COPY) -> list[Closest]:
    return sorted((m for m in matches if m.ratio >= threshold), key=lambda m: -m.ratio)


# --- the runs -------------------------------------------------------------------------------


class RunFailed(RuntimeError):
    """A `rasa train nlu` or `rasa test nlu` exited non-zero (its log's tail is the message)."""


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _call(command: Sequence[str], log: Path) -> None:
    with log.open("wb") as handle:
        code = subprocess.call(  # noqa: S603 (the Rasa CLI, our own arguments)
            list(command), cwd=ROOT, env=run_env(), stdout=handle, stderr=subprocess.STDOUT)
    if code != 0:
        raise RunFailed(f"{Path(command[0]).name} {command[1]} {command[2]} exited {code} "
                        f"(log {log}):\n{_tail(log)}")


def heldout_sets(language: str) -> tuple[Path, ...]:
    """Every held-out set of the language, the first set first."""
    return tuple(sets[language] for sets in (HELDOUT, HELDOUT_SECOND, HELDOUT_THIRD)
                 if language in sets)


@dataclass(frozen=True)
class Bench:
    """One benchmark: `runs` trainings of `nlu_files` with `config`, each scored on every
    set in `heldouts`; everything lands under `work`."""
    language: str
    config: Path
    nlu_files: tuple[Path, ...]
    domain: Path
    heldouts: tuple[Path, ...]
    work: Path


def results_dir(bench: Bench, run: int, heldout: Path) -> Path:
    """Where `rasa test nlu` writes run `run`'s reports on `heldout`."""
    return bench.work / f"run-{run}" / f"results-{heldout.stem}"


def run_one(bench: Bench, run: int,
            on_note: Callable[[str], None]) -> dict[Path, RunResult]:
    """Train run `run`'s model once and score it on each held-out set; files under
    bench.work/run-<run>/."""
    seed = run_seed(run)
    folder = bench.work / f"run-{run}"
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.yml"
    config.write_text(seeded_config(bench.config.read_text(encoding="utf-8"), seed),
                      encoding="utf-8")
    data = link_data(bench.nlu_files, folder / "data")
    on_note(f"Run {run}: training (seed {seed}, {len(bench.nlu_files)} NLU files) ...")
    started = time.perf_counter()
    _call(train_command(config, data, bench.domain, folder, "nlu"), folder / "train.log")
    seconds = time.perf_counter() - started
    on_note(f"Run {run}: training done in {seconds:.0f} s")
    scored = {}
    for heldout in bench.heldouts:
        on_note(f"Run {run}: testing on {_shown(heldout)}")
        results = results_dir(bench, run, heldout)
        _call(test_command(folder / "nlu.tar.gz", heldout, results),
              folder / f"test-{heldout.stem}.log")
        scored[heldout] = read_run(results, run, seed, seconds)
    return scored
