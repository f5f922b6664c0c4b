"""Calibration through the runner with the tiny model: metrics, artifacts, and the saved classifier."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mlflow.tracking import MlflowClient
from sklearn.metrics import average_precision_score, f1_score

from experiments.config import check_config
from experiments.data.wikiqa import load_wikiqa
from experiments.errors import ConfigurationError
from experiments.evaluation.metrics import brier_score, expected_calibration_error
from experiments.heads import BinarySigmoidHead
from experiments.models import tiny_cross_encoder
from experiments.models.decision import DECISION_FILE, DecisionRule, PairClassifier, save_classifier
from experiments.run.runner import train
from tests.conftest import fast_overrides
from tests.factories import use_nli_sample

LOAD_AND_SCORE = """
import json, sys
from experiments.models.decision import PairClassifier
classifier = PairClassifier.load(sys.argv[1])
pairs = [tuple(pair) for pair in json.load(open(sys.argv[2]))]
print(json.dumps({"probabilities": classifier.predict_proba(pairs).tolist(), "labels": classifier.predict(pairs)}))
"""


def only_run(tracking_uri: str) -> str:
    client = MlflowClient(tracking_uri)
    (run,) = client.search_runs([client.get_experiment_by_name("crossencoder-imbalance").experiment_id])
    return run.info.run_id


def test_the_saved_classifier_gives_the_runs_calibrated_test_scores_in_a_fresh_process(
    compose_config, tiny_wikiqa: Path, tmp_path: Path, tracking_uri: str
):
    summary = train(compose_config(*fast_overrides(tiny_wikiqa), "sampling=rotating", "calibration=platt"))
    decision = json.loads((tmp_path / "run" / "model" / DECISION_FILE).read_text())
    assert decision["calibration"]["name"] == "platt"
    assert set(decision["calibration"]["values"]) == {"coef", "intercept"}
    assert decision["threshold"] == pytest.approx(summary["best_dev_f1_threshold"])

    test = load_wikiqa(str(tiny_wikiqa)).test
    pairs_file = tmp_path / "pairs.json"
    pairs_file.write_text(json.dumps(list(zip(test["sentence_a"], test["sentence_b"], strict=True))))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    output = subprocess.run(
        [sys.executable, "-c", LOAD_AND_SCORE, str(tmp_path / "run" / "model"), str(pairs_file)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    loaded = json.loads(output.strip().splitlines()[-1])
    probabilities, labels = np.array(loaded["probabilities"]), np.array(test["label"])
    # The run's test metrics were computed on calibrated scores: the fresh process reproduces them.
    assert brier_score(probabilities, labels) == pytest.approx(summary["test_brier"], rel=1e-9)
    assert expected_calibration_error(probabilities, labels) == pytest.approx(summary["test_ece"], rel=1e-9)
    assert average_precision_score(labels, probabilities) == pytest.approx(summary["test_average_precision"])
    predicted = np.array([int(label) for label in loaded["labels"]])
    assert (predicted == (probabilities > decision["threshold"])).all()
    assert f1_score(labels, predicted, zero_division=0) == pytest.approx(summary["test_f1"])
    # ... and before / after are both on record, and dev ECE and Brier every epoch.
    assert summary["test_brier_uncalibrated"] != pytest.approx(summary["test_brier"])
    assert {"best_dev_ece_uncalibrated", "test_ece_uncalibrated", "best_dev_brier_uncalibrated"} <= set(summary)
    client, run_id = MlflowClient(tracking_uri), only_run(tracking_uri)
    for key in ("dev/ece", "dev/brier"):  # MLflow names of dev_ece, dev_brier
        assert [metric.step for metric in client.get_metric_history(run_id, key)] == [1, 2]
    artifacts = {artifact.path for artifact in client.list_artifacts(run_id, "evaluation")}
    assert {"evaluation/reliability.png", "evaluation/calibration.json"} <= artifacts


def test_prior_correction_of_a_multiclass_run_uses_the_class_counts(compose_config, tmp_path: Path):
    cfg = use_nli_sample(
        compose_config("experiment=smoke", "trainer.epochs=1", "head=multiclass", "calibration=prior", "sampling=none"),
        rows_per_split=24,
    )
    summary = train(cfg)
    values = json.loads((tmp_path / "run" / "model" / DECISION_FILE).read_text())["calibration"]["values"]
    assert len(values["trained_priors"]) == 3
    assert values["trained_priors"] == pytest.approx(values["data_priors"])  # no sampling: nothing to correct
    assert summary["test_ece"] == pytest.approx(summary["test_ece_uncalibrated"])


def test_a_binary_only_calibrator_stops_a_multiclass_run_before_training(compose_config):
    cfg = use_nli_sample(compose_config("experiment=smoke", "head=multiclass", "calibration=isotonic"))
    with pytest.raises(ConfigurationError, match=r"^calibration=isotonic needs a binary head, got head=multiclass"):
        train(cfg)


def test_isotonic_calibration_with_a_few_dev_positives_stops_before_training(
    compose_config, tiny_wikiqa: Path, tmp_path: Path
):
    cfg = compose_config(*fast_overrides(tiny_wikiqa), "calibration=isotonic")  # dev: 4 answers in 40 pairs
    with pytest.raises(
        ConfigurationError,
        match=re.escape("calibration=isotonic needs at least 10 dev rows of each class to fit on, but dev has 4 of "),
    ):
        train(cfg)
    assert not (tmp_path / "run" / "checkpoints").exists()


@pytest.mark.parametrize("metric", ["dev_ece", "dev_brier"])
def test_a_lower_is_better_metric_cannot_select_the_epoch(compose_config, metric: str):
    with pytest.raises(
        ConfigurationError, match=rf"evaluation.select_metric must name a higher-is-better metric.*'{metric}'"
    ):
        check_config(compose_config(f"evaluation.select_metric={metric}"))


def test_a_model_saved_without_calibration_loads_uncalibrated(tmp_path: Path):
    model, head = tiny_cross_encoder(num_labels=1), BinarySigmoidHead()
    save_classifier(model, head, DecisionRule("binary_sigmoid", ["0", "1"], 0.5, "f1", 1, "dev_f1"), tmp_path / "m")
    decision = tmp_path / "m" / DECISION_FILE
    payload = json.loads(decision.read_text())
    del payload["calibration"]  # as written before calibration existed
    decision.write_text(json.dumps(payload))
    classifier = PairClassifier.load(tmp_path / "m")
    pairs = [("a question", "an answer"), ("another question", "no answer")]
    np.testing.assert_allclose(classifier.predict_proba(pairs), head.scores(classifier.model, pairs, 8))
