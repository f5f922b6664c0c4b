"""``experiments-compare`` on runs that saved their test scores: bootstrap p-values, Holm, intervals, ASO, power."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient

from experiments.evaluation.metrics import binary_metrics_at
from experiments.evaluation.ranking import ranking_metrics
from experiments.evaluation.test_scores import TEST_SCORES_ARTIFACT, TestScores
from experiments.reporting.compare import main
from experiments.reporting.comparison import compare_groups
from experiments.reporting.power import seeds_needed
from experiments.reporting.significance import example_bootstrap, holm

THRESHOLDS = {"accuracy": 0.5, "f1": 0.5, "fbeta": 0.5, "mcc": 0.5}
SIGNAL = {"focal": 1.6, "plain": 1.0}


def scores_of(rng: np.random.Generator, loss: str) -> TestScores:
    labels = np.tile([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], 25)  # 300 pairs, 50 questions of 6, 2 or 0 or 1 right
    groups = np.repeat([f"q{k}" for k in range(50)], 6)
    logits = SIGNAL[loss] * (2 * labels - 1) + rng.normal(0, 1, len(labels))
    return TestScores(1 / (1 + np.exp(-logits)), labels, groups, THRESHOLDS, ["0", "1"])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, TestScores]]:
    """Focal separates the classes better than plain; 3 seeds each; every run logs its metrics from its scores
    (as the runner does) and saves them as ``evaluation/test_scores.npz``."""
    folder = tmp_path_factory.mktemp("store")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("losses", artifact_location=str(folder / "artifacts"))
    rng = np.random.default_rng(0)
    saved: dict[str, TestScores] = {}
    for seed in (1, 2, 3):
        for loss in ("plain", "focal"):
            scores = scores_of(rng, loss)
            metrics = binary_metrics_at(scores.scores, scores.labels, THRESHOLDS)
            metrics |= ranking_metrics(scores.scores, scores.labels, scores.groups)
            run_id = client.create_run(experiment, tags={"loss": loss, "seed": str(seed)}).info.run_id
            client.log_batch(run_id, metrics=[Metric(f"test/{k}", v, 0, 0) for k, v in metrics.items()],
                             params=[Param("loss._target_", loss)])  # fmt: skip
            path = scores.save(folder / "test_scores.npz")
            client.log_artifact(run_id, str(path), TEST_SCORES_ARTIFACT.rsplit("/", 1)[0])
            client.set_terminated(run_id)
            saved[run_id] = scores
    return uri, saved


def test_the_table_prints_bootstrap_p_holm_and_intervals(store, tmp_path: Path, capsys):
    uri, saved = store
    out = tmp_path / "out"
    assert main(["--tracking-uri", uri, "--experiment", "losses", "--metric", "test_f1", "test_map", "--baseline",
                 "plain", "--resamples", "2000", "--aso", "--power", "0.05", "--curve-metric", "", "--out",
                 str(out)]) == 0  # fmt: skip
    table = pd.read_csv(out / "comparison.csv").set_index("loss")
    focal = [scores for run_id, scores in saved.items() if SIGNAL["focal"] == _signal(run_id, uri)]
    plain = [scores for run_id, scores in saved.items() if SIGNAL["plain"] == _signal(run_id, uri)]
    for metric in ("f1", "map"):
        expected = example_bootstrap(focal, plain, metric, resamples=2000)
        row = table.loc["focal"]
        assert row[f"test_{metric}_p_examples"] == pytest.approx(expected.p)
        assert (row[f"test_{metric}_low"], row[f"test_{metric}_high"]) == pytest.approx((expected.low, expected.high))
        assert row[f"test_{metric}_delta"] == pytest.approx(expected.delta)
        assert row[f"test_{metric}_p_raw"] == row[f"test_{metric}_p_examples"]  # every run has scores
    raw = [table.loc["focal", "test_f1_p_raw"], table.loc["focal", "test_map_p_raw"]]
    assert table.loc["focal", ["test_f1_p", "test_map_p"]].tolist() == pytest.approx(holm(raw).tolist())
    assert table.loc["focal", "test_f1_p"] < 0.05 and table.loc["focal", "test_f1_aso"] < 0.5
    printed = capsys.readouterr().out
    ranked = sum(0 < labels.sum() < 6 for labels in np.split(next(iter(saved.values())).labels, 50))
    assert (
        f"p: two-sided paired bootstrap over the 300 test pairs ({ranked} questions for the ranking metrics), "
        "each row's seeds pooled, 2,000 resamples, Holm-adjusted over the 2 tests of the table" in printed
    )
    assert "## Tests against the baseline" in printed and "| Loss focal | F1 (test) | +0." in printed
    assert "ε_min (ASO)" in printed and "## Seeds needed" in printed
    power = pd.read_csv(out / "power.csv").set_index("metric")
    f1 = power.loc["test_f1"]
    assert f1["seeds"] == 3 and f1["seeds_needed_0.05"] == seeds_needed(0.05, f1["spread"])
    latex = (out / "comparison.tex").read_text()
    assert "paired bootstrap over the 300 test pairs" in latex and "Loss plain" in latex


def _signal(run_id: str, uri: str) -> float:
    return SIGNAL[MlflowClient(uri).get_run(run_id).data.tags["loss"]]


def test_the_seed_test_is_primary_when_asked_or_when_a_run_has_no_scores(store):
    uri, saved = store
    client = MlflowClient(uri)
    rows = []
    for run_id in saved:
        run = client.get_run(run_id)
        rows.append({"run_id": run_id, "status": "FINISHED", "seed": run.data.tags["seed"],
                     "loss": run.data.tags["loss"], "test_f1": run.data.metrics["test/f1"]})  # fmt: skip
    frame = pd.DataFrame(rows)
    everything = compare_groups(frame, ["test_f1"], ["loss"], baseline="plain", scores=saved, resamples=200)
    assert everything.primary == "examples" and everything.units == {"test_f1": (300, "pairs")}
    forced = compare_groups(frame, ["test_f1"], ["loss"], baseline="plain", scores=saved, primary="seeds",
                            resamples=200)  # fmt: skip
    assert forced.primary == "seeds"
    focal = forced.table.set_index("loss").loc["focal"]
    assert focal["test_f1_p_raw"] == focal["test_f1_p_seeds"] and np.isfinite(focal["test_f1_p_seeds"])
    one_missing = dict(list(saved.items())[1:])
    partial = compare_groups(frame, ["test_f1"], ["loss"], baseline="plain", scores=one_missing, resamples=200)
    assert partial.primary == "seeds"  # a pooled arm with a seed left out would not be the arm of the table
