"""A Rasa 3.6 intent classifier: logistic regression over tf-idf n-grams and sentence vectors.

Why not DIET's intent head: on the same training data and held-out sets, a linear model over
tf-idf word (1-2) and character (2-5) n-grams of the message, plus the pipeline's dense
sentence vectors where there are any (MiniLM in English), scored higher in both languages, is
deterministic (no run-to-run spread) and trains in seconds (docs/nlu-report.md). It comes
after DIET in the configs and replaces DIET's intent and ranking; DIET keeps the entities (it
still trains on intents too: alone on entities it found fewer), the ResponseSelector the FAQ
sub-intents. The probabilities are a real distribution, so the FallbackClassifier's
threshold reads as "less than even odds of being right".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

MODEL_FILE = "linear_intents.skops"
# What the saved file may hold besides sklearn's own estimators: the idf matrix. Anything
# else found in it is refused rather than loaded (skops, unlike pickle, runs no code it is not
# told to trust).
TRUSTED_TYPES = ["scipy.sparse._csr.csr_matrix"]
# Words of one character count too ("i", "u", "y", "a"): residents' short forms.
WORD = r"(?u)\b\w+\b"
# English negation (`mark_negation`): each word after one of these, to the end of its clause
# or a word that turns the sentence, counts as a word of its own ("no more bills by email":
# no, not_more, not_bills, not_by, not_email), so a negated request stops lending its words
# to the opposite one ("i want my bills by email" had read as leaving paperless).
NEGATIONS = frozenset({"no", "not", "never", "dont", "don't", "stop", "quit", "cant", "can't",
                       "wont", "won't", "didnt", "didn't", "doesnt", "doesn't", "rather"})
TURNS = frozenset({"but", "instead", "just", "only", "and"})
_CLAUSE = re.compile(r"[,.;:!?]+")
_WORDS = re.compile(r"[\w']+")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
                          is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Intent and ranking from a multinomial logistic regression."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 100.0,  # weak regularisation: the n-gram space is sparse and the data clean
            "word_ngrams": [1, 2],
            "char_ngrams": [2, 5],
            "char_min_df": 2,  # a character n-gram seen once is noise more often than a cue
            "max_iter": 5000,
            "mark_negation": False,  # English only: measured lower in Spanish (docs/nlu-report.md)
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "skops"]

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage,
                 resource: Resource, model: dict[str, Any] | None = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as folder:
                model = _read_model(folder / MODEL_FILE)
        except ValueError:  # Rasa's word for "nothing was persisted": no intents to learn
            model = None
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        labels = [str(m.get(INTENT)) for m in examples]
        if len(set(labels)) < 2:
            return self._resource
        word = TfidfVectorizer(analyzer="word", ngram_range=tuple(self._config["word_ngrams"]),
                               sublinear_tf=True, token_pattern=WORD)
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self._config["char_ngrams"]),
                               sublinear_tf=True, min_df=self._config["char_min_df"])
        mark = bool(self._config["mark_negation"])
        texts = [_lowered(m) for m in examples]
        word.fit([negation_marked(t) if mark else t for t in texts])
        char.fit(texts)
        # The width of the pipeline's sentence vectors (0: it has none); an example the dense
        # featurizer skipped does not decide it.
        dense_size = next((vector.features.shape[-1] for m in examples
                           if (vector := m.get_dense_features(TEXT)[1]) is not None), 0)
        model: dict[str, Any] = {"word": word, "char": char, "mark_negation": mark,
                                 "dense_size": dense_size}
        classifier = LogisticRegression(C=self._config["C"], max_iter=self._config["max_iter"])
        classifier.fit(_features(model, examples), labels)
        model["classifier"] = classifier
        self._model = model
        with self._model_storage.write_to(self._resource) as folder:
            sio.dump(model, folder / MODEL_FILE)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        scored = [m for m in messages if m.get(TEXT)]
        if self._model is None or not scored:
            return messages
        classifier: LogisticRegression = self._model["classifier"]
        probabilities = classifier.predict_proba(_features(self._model, scored))
        for message, row in zip(scored, probabilities, strict=True):
            order = np.argsort(-row)[:LABEL_RANKING_LENGTH]
            ranking = [{"name": str(classifier.classes_[i]), "confidence": float(row[i])}
                       for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages


class UntrustedModelFile(Exception):
    """The saved model holds object types it has no business holding."""


def _read_model(path: Path) -> dict[str, Any]:
    untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
    if untrusted:
        raise UntrustedModelFile(f"{path} holds types it may not: {sorted(untrusted)}")
    model: dict[str, Any] = sio.load(path, trusted=TRUSTED_TYPES)
    return model


def negation_marked(text: str) -> str:
    """The words of `text`, those inside a negation's scope prefixed with "not_"."""
    marked = []
    for clause in _CLAUSE.split(text.lower()):
        negated = False
        for word in _WORDS.findall(clause):
            if word in TURNS:
                negated = False
            marked.append(f"not_{word}" if negated else word)
            negated = negated or word in NEGATIONS
    return " ".join(marked)


def _lowered(message: Message) -> str:
    return str(message.get(TEXT)).lower()


def _features(model: dict[str, Any], messages: list[Message]) -> sparse.csr_matrix:
    """The n-grams of each message, and its dense sentence vector when the pipeline has one (a
    message the dense featurizer skipped, one without a token, gets zeros)."""
    texts = [_lowered(m) for m in messages]
    # .get: a model saved before the option existed has no such key and marks nothing.
    words = [negation_marked(t) for t in texts] if model.get("mark_negation") else texts
    parts = [model["word"].transform(words), model["char"].transform(texts)]
    size = model["dense_size"]
    if size:
        dense = np.zeros((len(messages), size), dtype=np.float32)
        for row, message in enumerate(messages):
            vector = message.get_dense_features(TEXT)[1]
            if vector is not None:
                dense[row] = vector.features[0]
        parts.append(sparse.csr_matrix(dense))
    return sparse.hstack(parts).tocsr()
