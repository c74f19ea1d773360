"""classify layer: classifiers trained on the human codes, evaluated against them, applied at scale.

See docs/classify.md. Importing this package also registers the `uncertainty` sampling
strategy with `peelian.coding.samples`.
"""

from peelian.classify.active import UncertaintySampler, propose_uncertain
from peelian.classify.apply import ApplyResult, apply_model, effective_labels, effective_labels_sql
from peelian.classify.evaluation import CrossValidation, cohen_kappa, score_predictions
from peelian.classify.files import predict_file, train_file
from peelian.classify.models import ALGORITHMS, TextClassifier
from peelian.classify.normalise import normalise
from peelian.classify.prevalence import AdjustedClassifyCount, estimate_prevalence
from peelian.classify.registry import ModelInfo, current_model, get_model, list_models
from peelian.classify.starter import StarterClassifier, create_starter
from peelian.classify.training import TrainResult, evaluate_model, human_agreement, train_model

__all__ = [
    "ALGORITHMS", "AdjustedClassifyCount", "ApplyResult", "CrossValidation", "ModelInfo", "StarterClassifier",
    "TextClassifier", "TrainResult", "UncertaintySampler", "apply_model", "cohen_kappa", "create_starter",
    "current_model", "effective_labels", "effective_labels_sql", "estimate_prevalence", "evaluate_model",
    "get_model", "human_agreement", "list_models", "normalise", "predict_file", "propose_uncertain",
    "score_predictions", "train_file", "train_model",
]
