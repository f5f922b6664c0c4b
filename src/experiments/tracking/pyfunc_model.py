"""The saved classifier as an MLflow 3 logged model: ``mlflow.pyfunc.load_model("models:/<model id>")`` predicts
what :class:`experiments.models.decision.PairClassifier` predicts.

The model folder written by :func:`experiments.models.decision.save_classifier` travels as the model's artifact
``classifier``; this package's source travels as its code, so the model loads where the package is not installed
(its pip requirements name the packages it needs).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.entities import LoggedModel, LoggedModelOutput, LoggedModelStatus, Metric
from mlflow.exceptions import MlflowException
from mlflow.models import Model, ModelSignature
from mlflow.models.model import MLMODEL_FILE_NAME
from mlflow.pyfunc import PythonModel, PythonModelContext
from mlflow.tracking import MlflowClient
from mlflow.types import ColSpec, Schema
from mlflow.utils.mlflow_tags import MLFLOW_MODEL_VERSIONS

import experiments
from experiments.models.decision import DECISION_FILE, PairClassifier
from experiments.tracking.credentials import redact
from experiments.tracking.provenance import package_versions
from experiments.tracking.tags import REGISTRATION_ERROR_TAG

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
BATCH_SIZE = 100
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
            scores = scores.max(axis=1, initial=0.0)  # probabilities: the same maximum, and no error on no rows
        return pd.DataFrame({LABEL: labels, SCORE: scores.astype(float)})


def requirements() -> list[str]:
    versions = package_versions(REQUIREMENTS)
    return [f"{name}=={versions[f'version_{name}']}" for name in REQUIREMENTS if f"version_{name}" in versions]


def log_classifier(client: MlflowClient, run_id: str, model_dir: str | Path, register_as: str | None = None) -> str:
    """Log the classifier in ``model_dir`` as an MLflow 3 logged model ``model`` of the run.

    The logged model (the experiment's Models tab; "Logged models" on the run's page) carries the run's params
    and, linked to it, the metrics that describe it (:func:`model_metrics`); the run records it as an output at
    its best epoch. It is registered as a new version of ``register_as`` when given. Returns its URI
    ``models:/<model id>``.
    """
    decision = json.loads((Path(model_dir) / DECISION_FILE).read_text(encoding="utf-8"))
    metadata = {key: decision[key] for key in ("head", "label_names", "threshold", "threshold_metric", "best_epoch")}
    run = client.get_run(run_id)
    logged = client.create_logged_model(
        run.info.experiment_id, name=MODEL_ARTIFACT, source_run_id=run_id, params=dict(run.data.params)
    )
    try:
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
                    mlflow_model=Model(
                        artifact_path=logged.artifact_location,
                        run_id=run_id,
                        model_id=logged.model_id,
                        model_uuid=logged.model_id,
                    ),
                )
            without_local_paths(path)
            client.log_model_artifacts(logged.model_id, str(path))
        best_epoch = int(decision["best_epoch"])
        client.log_outputs(run_id, [LoggedModelOutput(logged.model_id, step=best_epoch)])
        metrics = model_metrics(client, run_id, best_epoch, logged.model_id)
        for start in range(0, len(metrics), BATCH_SIZE):
            client.log_batch(run_id, metrics=metrics[start : start + BATCH_SIZE])
    except BaseException:
        with contextlib.suppress(Exception):  # the error that stopped the logging is the one to report
            client.finalize_logged_model(logged.model_id, LoggedModelStatus.FAILED)
        raise
    client.finalize_logged_model(logged.model_id, LoggedModelStatus.READY)
    uri = f"models:/{logged.model_id}"
    if register_as:
        try:
            version = register(client, logged, register_as)
        except MlflowException as error:  # the run's results and model are complete: it is not a failed run
            reason = redact(str(error)).splitlines()[0][:300] if str(error) else type(error).__name__
            logger.warning("The model %s is logged but could not be registered as %r: %s", uri, register_as, reason)
            client.set_tag(run_id, REGISTRATION_ERROR_TAG, f"{register_as!r}: {reason}")
        else:
            logger.info("Registered %s as model %r version %s", uri, register_as, version)
    return uri


def without_local_paths(model_path: Path) -> None:
    """Drop the paths of the logging machine that MLflow writes into ``MLmodel``.

    MLflow records where the code file and each artifact came from (``model_code_path``, ``artifacts.*.uri``);
    loading reads only their place inside the model folder (the code file's name, ``artifacts.*.path``).
    """
    model = Model.load(str(model_path))
    flavor = model.flavors[mlflow.pyfunc.FLAVOR_NAME]
    flavor["model_code_path"] = Path(flavor["model_code_path"]).name
    for artifact in flavor.get("artifacts", {}).values():
        artifact["uri"] = artifact["path"]
    model.save(str(model_path / MLMODEL_FILE_NAME))


def model_metrics(client: MlflowClient, run_id: str, best_epoch: int, model_id: str) -> list[Metric]:
    """The run's metrics that describe the model, as points linked to ``model_id``.

    A metric logged per epoch gives its value at ``best_epoch`` (the epoch the model comes from); one logged
    once (``test/*``, ``dev/best_epoch``, timings) gives that value. The points are those the run logged
    (same step and time), so the run's histories do not change.
    """
    linked = []
    for key in sorted(client.get_run(run_id).data.metrics):
        history = sorted(client.get_metric_history(run_id, key), key=lambda point: (point.timestamp, point.step))
        per_epoch = len({point.step for point in history}) > 1
        points = [point for point in history if point.step == best_epoch] if per_epoch else history
        if points:
            point = points[-1]
            linked.append(Metric(key, point.value, point.timestamp, point.step, model_id=model_id, run_id=run_id))
    return linked


def register(client: MlflowClient, logged: LoggedModel, name: str) -> str:
    """A new version of registered model ``name`` (created when missing) from ``logged``; its number.

    As :func:`mlflow.register_model` does for ``models:/<id>``, the logged model's tag ``mlflow.modelVersions``
    lists the version. The source is the logged model's artifact location: MLflow's registry would look a
    ``models:/<id>`` source up in the process's default tracking store, not in ``client``'s.
    """
    if not client.search_registered_models(filter_string=f"name = '{name}'"):
        client.create_registered_model(name)
    version = client.create_model_version(
        name, logged.artifact_location, run_id=logged.source_run_id, model_id=logged.model_id
    )
    listed = json.loads(client.get_logged_model(logged.model_id).tags.get(MLFLOW_MODEL_VERSIONS, "[]"))
    listed.append({"name": version.name, "version": version.version})
    client.set_logged_model_tags(logged.model_id, {MLFLOW_MODEL_VERSIONS: json.dumps(listed)})
    return str(version.version)
