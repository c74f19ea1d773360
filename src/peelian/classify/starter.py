"""A starter classifier for before any human coding: the codebook's words, no training labels.

Each code becomes a prototype: the mean sentence embedding of its label with its definition,
its inclusion criteria and each of its examples. A post gets the code whose prototype its
embedding is most similar to (cosine), and the similarities are turned into shares with a
softmax at temperature 0.05. For multi-label dimensions every code with more than an equal
share (1/number of codes) is assigned.

Nothing here was checked against human judgement, so the shares are not calibrated
probabilities and the model is registered with `validated = false`: every output (CLI, JSON,
`models.validated`, prevalence) says UNVALIDATED. Use it to pick the first posts to code or to
explore, and replace it with a trained model as soon as there are gold labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from peelian.classify.embeddings import EncoderSpec, SentenceEncoder
from peelian.classify.models import Decisions
from peelian.classify.normalise import normalise_all
from peelian.classify.registry import ModelInfo, register_model
from peelian.coding.codebook import Dimension, active_codebook
from peelian.errors import ModelError
from peelian.store.project import Project

UNVALIDATED_NOTE = ("zero-shot starter built from the codebook's definitions and examples only; its agreement "
                    "with human coders is unknown")


def code_descriptions(dim: Dimension) -> dict[str, list[str]]:
    """The texts that describe each code: label and definition, inclusion criteria, examples."""
    out = {}
    for code in dim.codes:
        texts = [f"{code.label}: {code.definition}".strip(": ")]
        if code.include:
            texts.append(code.include)
        texts += list(code.examples)
        out[code.id] = texts
    return out


class StarterClassifier(Decisions):
    """Zero-shot classifier: similarity of post embeddings to code-description embeddings.

    Parameters
    ----------
    temperature : softmax temperature over cosine similarities (smaller: more decisive).
    encoder : sentence-encoder settings.

    Attributes
    ----------
    classes_ : code ids. prototypes_ : unit-length prototype per code (rows).
    thresholds_ : 1/number of codes for each code (multi-label decisions).
    """

    algorithm = "starter"

    def __init__(self, temperature: float = 0.05, encoder: EncoderSpec | None = None):
        self.temperature = temperature
        self.encoder = encoder or EncoderSpec()

    def fit(self, dimension: Dimension) -> StarterClassifier:
        descriptions = code_descriptions(dimension)
        if len(descriptions) < 2:
            raise ModelError(f"dimension {dimension.id!r} has fewer than two codes; nothing to choose between")
        encoder = SentenceEncoder(self.encoder)
        prototypes = []
        for texts in descriptions.values():
            centre = encoder.encode(normalise_all(texts)).mean(axis=0)
            prototypes.append(centre / max(float(np.linalg.norm(centre)), 1e-12))
        self.classes_ = np.asarray(list(descriptions), dtype=object)
        self.prototypes_ = np.vstack(prototypes)
        self.multi_label = dimension.multi_label
        self.thresholds_ = np.full(len(self.classes_), 1.0 / len(self.classes_))
        self.descriptions_ = descriptions
        return self

    def predict_proba(self, texts: Sequence[str | None], *, embeddings: np.ndarray | None = None) -> np.ndarray:
        """Softmax shares of the codes (not calibrated probabilities)."""
        if embeddings is None:
            embeddings = SentenceEncoder(self.encoder).encode(normalise_all(texts))
        logits = embeddings @ self.prototypes_.T / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        shares = np.exp(logits)
        return shares / shares.sum(axis=1, keepdims=True)

    def predict(self, texts: Sequence[str | None]) -> list[list[str]]:
        return self.decide(self.predict_proba(texts))

    def describe(self) -> dict[str, Any]:
        return {"algorithm": "starter", "multi_label": self.multi_label, "classes": self.classes_.tolist(),
                "temperature": self.temperature, "encoder": self.encoder.to_dict(),
                "descriptions": self.descriptions_, "validated": False, "note": UNVALIDATED_NOTE}


def create_starter(project: Project, dimension: str, *, temperature: float = 0.05) -> ModelInfo:
    """Build and register an UNVALIDATED zero-shot model for `dimension` from the active codebook."""
    codebook = active_codebook(project)
    dim = codebook.dimension(dimension)
    classifier = StarterClassifier(temperature=temperature).fit(dim)
    evaluation = {"validated": False, "status": "UNVALIDATED", "note": UNVALIDATED_NOTE,
                  "method": "none: no human labels were used or compared"}
    return register_model(project, classifier, dimension=dim.id, codebook_id=codebook.id,
                          codebook_version=codebook.version, algorithm="starter", validated=False,
                          training_posts=[], training_set_sha256=None, evaluation=evaluation,
                          params=classifier.describe())
