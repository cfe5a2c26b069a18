"""The intent classifier of both pipelines (chatbot/nlu/linear_intents.py): trained through
Rasa's own model storage, it ranks intents with real probabilities, gives the same answer after
a save and load, uses the dense sentence vectors when the pipeline has them, and refuses a
saved file that holds types it has no business holding. Runs inside .venv-rasa."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ivr.bot.rasa_process import rasa_env

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

PROBE = """
import json, sys
from decimal import Decimal
from pathlib import Path
import numpy as np
import skops.io as sio
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from chatbot.nlu import linear_intents
from chatbot.nlu.linear_intents import LinearIntentClassifier
from chatbot.nlu.sentence_vectors import MiniLMFeaturizer

EXAMPLES = {
    "check_balance": ["how much do i owe", "whats my balance", "what is the amount due",
                      "balance please", "how much is my bill", "what do i owe the city"],
    "pay_bill": ["i want to pay my bill", "pay my water bill now", "make a payment",
                 "pay the full amount today", "i need to pay", "can i pay now"],
    "greet": ["hi", "hello there", "good morning", "hey", "hiya", "good evening"],
}
UNSEEN = {"how much money do i owe": "check_balance", "i wanna pay now": "pay_bill",
          "hello": "greet"}
folder = Path(sys.argv[1])
tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
minilm = MiniLMFeaturizer("minilm", MiniLMFeaturizer.get_default_config())
context = ExecutionContext(GraphSchema({}), "probe")

def storage_in(name):
    (folder / name).mkdir()
    return LocalModelStorage(folder / name)

def training(with_vectors):
    data = TrainingData([Message(data={"text": t, "intent": i})
                         for i, texts in EXAMPLES.items() for t in texts])
    tokenizer.process_training_data(data)
    if with_vectors:
        minilm.process_training_data(data)
    return data

def said(texts, with_vectors):
    messages = [Message(data={"text": t}) for t in texts]
    tokenizer.process(messages)
    if with_vectors:
        minilm.process(messages)
    return messages

def rankings(classifier, texts, with_vectors):
    return [m.get("intent_ranking") for m in classifier.process(said(texts, with_vectors))]

out = {}
for name, with_vectors in (("sparse", False), ("dense", True)):
    storage = storage_in(name)
    resource = Resource(f"linear-{name}")
    trained = LinearIntentClassifier.create({}, storage, resource, context)
    trained.train(training(with_vectors))
    loaded = LinearIntentClassifier.load({}, storage, resource, context)
    texts = list(UNSEEN)
    before, after = rankings(trained, texts, with_vectors), rankings(loaded, texts, with_vectors)
    out[name] = {
        "top": [r[0]["name"] for r in after],
        "sums": [sum(i["confidence"] for i in r) for r in after],
        "ordered": all(all(a["confidence"] >= b["confidence"] for a, b in zip(r, r[1:]))
                       for r in after),
        "same_after_load": all(
            [i["name"] for i in a] == [i["name"] for i in b]
            and np.allclose([i["confidence"] for i in a], [i["confidence"] for i in b])
            for a, b in zip(before, after)),
        "dense_size": loaded._model["dense_size"],
    }
    if with_vectors:  # a message the featurizer skipped (no tokens) still gets an answer
        bare = Message(data={"text": "how much do i owe"})
        loaded.process([bare])
        out[name]["without_vectors"] = bare.get("intent")["name"]

storage = storage_in("none")
resource = Resource("linear-none")
untrained = LinearIntentClassifier.create({}, storage, resource, context)
untrained.train(TrainingData([Message(data={"text": "hi", "intent": "greet"})]))
empty = LinearIntentClassifier.load({}, storage, resource, context)
message = Message(data={"text": "hi"})
empty.process([message])
out["one_intent_leaves_intent_unset"] = message.get("intent") is None

bad = folder / "bad.skops"
sio.dump({"classifier": Decimal("1")}, bad)
try:
    linear_intents._read_model(bad)
    out["untrusted"] = "loaded"
except linear_intents.UntrustedModelFile as exc:
    out["untrusted"] = str(exc)
out["negation"] = [linear_intents.negation_marked(t) for t in (
    "No more bills by email, just paper", "i don't want paper bills anymore", "yes please")]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not RASA_PYTHON.exists():
        pytest.skip("the Rasa environment (.venv-rasa) is not installed")
    folder = tmp_path_factory.mktemp("linear-intents")
    result = subprocess.run([str(RASA_PYTHON), "-c", PROBE, str(folder)], cwd=folder,
                            capture_output=True, text=True, timeout=300,
                            env={**rasa_env(), "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("features", ["sparse", "dense"])
def test_unseen_phrasings_get_their_intent_with_a_probability_ranking(
        probe: dict[str, Any], features: str) -> None:
    result = probe[features]
    assert result["top"] == ["check_balance", "pay_bill", "greet"]
    assert result["sums"] == pytest.approx([1.0, 1.0, 1.0], abs=1e-6)  # all 3 intents ranked
    assert result["ordered"]


@pytest.mark.parametrize("features", ["sparse", "dense"])
def test_a_loaded_model_answers_what_the_trained_one_did(
        probe: dict[str, Any], features: str) -> None:
    assert probe[features]["same_after_load"]


def test_the_sentence_vectors_are_used_when_the_pipeline_has_them(
        probe: dict[str, Any]) -> None:
    assert probe["sparse"]["dense_size"] == 0
    assert probe["dense"]["dense_size"] == 384
    assert probe["dense"]["without_vectors"] == "check_balance"  # zeros, then the n-grams


def test_data_with_a_single_intent_trains_nothing_and_sets_nothing(
        probe: dict[str, Any]) -> None:
    assert probe["one_intent_leaves_intent_unset"]


def test_a_saved_file_holding_other_types_is_refused(probe: dict[str, Any]) -> None:
    assert "decimal.Decimal" in probe["untrusted"]


def test_words_inside_a_negation_count_apart_until_the_clause_turns(
        probe: dict[str, Any]) -> None:
    assert probe["negation"] == [
        "no not_more not_bills not_by not_email just paper",
        "i don't not_want not_paper not_bills not_anymore",
        "yes please"]
