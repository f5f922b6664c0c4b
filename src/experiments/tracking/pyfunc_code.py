"""The pyfunc model's code file (MLflow "models from code"): MLflow runs it to build the model when loading."""

from __future__ import annotations

from mlflow.models import set_model

from experiments.tracking.pyfunc_model import PairClassifierModel

set_model(PairClassifierModel())
