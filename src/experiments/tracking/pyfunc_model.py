"""The saved classifier as an MLflow pyfunc model: ``mlflow.pyfunc.load_model("runs:/<id>/model")`` predicts
what :class:`experiments.models.decision.PairClassifier` predicts.

The model folder written by :func:`experiments.models.decision.save_classifier` travels as the model's artifact
``classifier``; this package's source travels as its code, so the model loads where the package is not installed
(its pip requirements name the packages it needs).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.pyfunc import PythonModel, PythonModelContext
from mlflow.tracking import MlflowClient
from mlflow.types import ColSpec, Schema

import experiments
from experiments.models.decision import DECISION_FILE, PairClassifier
from experiments.tracking.provenance import package_versions

logger = logging.getLogger(__name__)

MODEL_ARTIFACT = "model"
CLASSIFIER = "classifier"
TEXT_A, TEXT_B, LABEL, SCORE = "text_a", "text_b", "label", "score"
SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", TEXT_A), ColSpec("string", TEXT_B)]),
    outputs=Schema([ColSpec("string", LABEL), ColSpec("double", SCORE)]),
)
# The package's source travels with the model, without the embedded data sets and caches.
CODE_LEFT_OUT = shutil.ignore_patterns("resources", "__pycache__")
REQUIREMENTS = ("torch", "transformers", "sentence-transformers", "mlflow", "numpy", "pandas", "scikit-learn")


class PairClassifierModel(PythonModel):
    """A pyfunc over a saved :class:`PairClassifier`: a frame of ``text_a``, ``text_b`` → ``label``, ``score``.

    ``score`` is the positive-class probability for binary heads (compared with the threshold in the
    model's metadata) and the probability of the predicted label otherwise.
    """

    def load_context(self, context: PythonModelContext) -> None:
        self.classifier = PairClassifier.load(context.artifacts[CLASSIFIER])

    def predict(self, context: PythonModelContext, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        pairs = list(zip(model_input[TEXT_A].astype(str), model_input[TEXT_B].astype(str), strict=True))
        scores = self.classifier.scores(pairs)
        labels = self.classifier.labels(scores)
        if not self.classifier.head.binary:
            scores = scores.max(axis=1)
        return pd.DataFrame({LABEL: labels, SCORE: scores.astype(float)})


def requirements() -> list[str]:
    versions = package_versions(REQUIREMENTS)
    return [f"{name}=={versions[f'version_{name}']}" for name in REQUIREMENTS if f"version_{name}" in versions]


def log_classifier(client: MlflowClient, run_id: str, model_dir: str | Path, register_as: str | None = None) -> str:
    """Log the classifier in ``model_dir`` as the run's pyfunc model ``model``; register it when ``register_as``.

    Returns the model URI ``runs:/<run id>/model``.
    """
    decision = json.loads((Path(model_dir) / DECISION_FILE).read_text(encoding="utf-8"))
    metadata = {key: decision[key] for key in ("head", "label_names", "threshold", "threshold_metric", "best_epoch")}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / MODEL_ARTIFACT
        code = shutil.copytree(
            Path(experiments.__file__).parent, Path(folder) / "code" / "experiments", ignore=CODE_LEFT_OUT
        )
        with warnings.catch_warnings():  # the example would load the model once more to check the signature
            warnings.filterwarnings("ignore", message=".*input example was not provided")
            mlflow.pyfunc.save_model(
                path=str(path),
                python_model=str(Path(__file__).with_name("pyfunc_code.py")),
                artifacts={CLASSIFIER: str(model_dir)},
                code_paths=[str(code)],
                signature=SIGNATURE,
                pip_requirements=requirements(),
                metadata=metadata,
            )
        client.log_artifacts(run_id, str(path), MODEL_ARTIFACT)
    uri = f"runs:/{run_id}/{MODEL_ARTIFACT}"
    if register_as:
        version = register(client, run_id, register_as)
        logger.info("Registered %s as model %r version %s", uri, register_as, version)
    return uri


def register(client: MlflowClient, run_id: str, name: str) -> str:
    """A new version of registered model ``name`` (created when missing) from the run's ``model``; its number."""
    if not client.search_registered_models(filter_string=f"name = '{name}'"):
        client.create_registered_model(name)
    source = f"{client.get_run(run_id).info.artifact_uri}/{MODEL_ARTIFACT}"
    version = client.create_model_version(name, source, run_id=run_id)
    return str(version.version)
