"""classify layer: classifiers trained on the human codes, evaluated against them, applied at scale.

See docs/classify.md. Importing this package registers the `uncertainty` sampling strategy with
`peelian.coding.samples`; the sampler itself (and scikit-learn) loads when a sample uses it. The text
normaliser is `peelian.classify.normalise.normalise` (not re-exported: a lazy name must not be its
module's, see peelian._lazy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peelian._lazy import lazy_exports
from peelian.coding.samples import PostKey, SamplingContext, register_strategy

if TYPE_CHECKING:
    from peelian.classify.active import UncertaintySampler, propose_uncertain
    from peelian.classify.apply import ApplyResult, apply_model, effective_labels, effective_labels_sql
    from peelian.classify.evaluation import CrossValidation, cohen_kappa, score_predictions
    from peelian.classify.files import predict_file, train_file
    from peelian.classify.models import ALGORITHMS, TextClassifier
    from peelian.classify.prevalence import AdjustedClassifyCount, estimate_prevalence
    from peelian.classify.registry import ModelInfo, current_model, get_model, list_models
    from peelian.classify.starter import StarterClassifier, create_starter
    from peelian.classify.training import TrainResult, evaluate_model, human_agreement, train_model


def _uncertainty(ctx: SamplingContext) -> list[PostKey]:
    """`create_sample(..., strategy="uncertainty")`, loading the classifier only when a sample uses it."""
    from peelian.classify.active import uncertainty_strategy

    return uncertainty_strategy(ctx)


register_strategy("uncertainty", _uncertainty)

# Each name's module is imported on first use (see peelian._lazy): scikit-learn and the embedding
# model load only when a classifier is trained or applied.
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "active": ("UncertaintySampler", "propose_uncertain"),
    "apply": ("ApplyResult", "apply_model", "effective_labels", "effective_labels_sql"),
    "evaluation": ("CrossValidation", "cohen_kappa", "score_predictions"),
    "files": ("predict_file", "train_file"),
    "models": ("ALGORITHMS", "TextClassifier"),
    "prevalence": ("AdjustedClassifyCount", "estimate_prevalence"),
    "registry": ("ModelInfo", "current_model", "get_model", "list_models"),
    "starter": ("StarterClassifier", "create_starter"),
    "training": ("TrainResult", "evaluate_model", "human_agreement", "train_model"),
})
