"""The comparison table from a hand-made frame of runs: grouping, mean ± std, paired tests, Markdown, LaTeX."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from experiments.compare import (
    compare_groups,
    main,
    override_pairs,
    paired_pvalue,
    swept_keys,
    to_latex,
    to_markdown,
)
from experiments.errors import ConfigurationError
from experiments.metric_direction import lower_is_better


def runs() -> pd.DataFrame:
    rows = [
        ("r1", "FINISHED", "1", "a", "plain", 0.5),
        ("r2", "FINISHED", "2", "a", "plain", 0.6),
        ("r3", "FINISHED", "3", "a", "plain", 0.7),
        ("r4", "FINISHED", "1", "b", "plain", 0.4),
        ("r5", "FINISHED", "2", "b", "plain", 0.5),
        ("r6", "FINISHED", "3", "b", "plain", 0.7),
        ("r7", "FAILED", "4", "b", "plain", float("nan")),
        ("r8", "FAILED", "1", "c", "plain", float("nan")),
    ]
    return pd.DataFrame(rows, columns=["run_id", "status", "seed", "head", "loss", "test_f1"])


def test_override_pairs_reads_the_hydra_override_string():
    assert override_pairs("loss=focal +data.x=1 'data.root=/a b' seed=3") == {
        "loss": "focal", "data.x": "1", "data.root": "/a b", "seed": "3"}  # fmt: skip


def test_only_keys_that_vary_group_the_runs():
    assert swept_keys(runs(), ["head", "loss", "missing"]) == ["head"]


def test_groups_are_aggregated_over_seeds_and_sorted_best_first():
    table = compare_groups(runs(), "test_f1", ["head"])
    assert table["head"].tolist() == ["a", "b", "c"]
    assert table["group"].tolist() == ["head=a", "head=b", "head=c"]
    assert table["mean"].tolist()[:2] == pytest.approx([0.6, 1.6 / 3])
    assert table["std"].tolist()[:2] == pytest.approx([0.1, np.std([0.4, 0.5, 0.7], ddof=1)])
    assert table["n"].tolist() == [3, 3, 0]
    assert table["failed"].tolist() == [0, 1, 1]
    assert table["best"].tolist() == [True, False, False]
    # differences a - b by seed: 0.1, 0.1, 0.0 -> t = 2 with 2 degrees of freedom; P(T > 2) = (1 - 2 / sqrt(6)) / 2
    assert table["n_pairs"].tolist() == [0, 3, 0]
    assert math.isnan(table.loc[0, "p_value"])
    assert table.loc[1, "p_value"] == pytest.approx((1 - 2 / math.sqrt(6)) / 2)


def test_lower_is_better_puts_the_smallest_mean_first():
    table = compare_groups(runs(), "test_f1", ["head"], higher_is_better=False)
    assert table["head"].tolist() == ["b", "a", "c"]
    assert table.loc[1, "p_value"] == pytest.approx((1 - 2 / math.sqrt(6)) / 2)


def test_paired_bootstrap_counts_resamples_not_in_favour_of_the_best():
    # differences 0.1, 0.1, 0.0: the mean is <= 0 only when all three draws are the 0.0 -> (1/3)^3
    p = paired_pvalue(np.array([0.5, 0.6, 0.7]), np.array([0.4, 0.5, 0.7]), "bootstrap", higher_is_better=True)
    assert p == pytest.approx(1 / 27, abs=0.01)


def test_one_pair_has_no_p_value():
    assert math.isnan(paired_pvalue(np.array([0.5]), np.array([0.4]), "ttest", higher_is_better=True))


def test_markdown_marks_the_best_row():
    text = to_markdown(compare_groups(runs(), "test_f1", ["head"]), ["head"], "test_f1")
    assert text.splitlines() == [
        "| head | test_f1 | n | failed | p |",
        "|---|---|---|---|---|",
        "| **a** | **0.6000 ± 0.1000** | **3** | **0** | **–** |",
        "| b | 0.5333 ± 0.1528 | 3 | 1 | 0.0918 |",
        "| c | – | 0 | 1 | – |",
    ]


def test_latex_escapes_and_bolds_the_best_row():
    text = to_latex(compare_groups(runs(), "test_f1", ["head"]), ["head"], "test_f1")
    assert r"\textbf{0.6000 $\pm$ 0.1000}" in text
    assert "test\\_f1" in text and "\\toprule" in text


def test_an_unknown_metric_is_named():
    with pytest.raises(ConfigurationError, match="metric 'test_nope' is in none of the runs"):
        compare_groups(runs(), "test_nope", ["head"])


@pytest.mark.parametrize(
    ("metric", "lower"),
    [("test_ece", True), ("dev_brier", True), ("best_dev_ece_uncalibrated", True), ("test_f1", False),
     ("test_precision", False)],
)  # fmt: skip
def test_ece_and_brier_are_lower_is_better(metric: str, lower: bool):
    assert lower_is_better(metric) is lower


def test_experiments_compare_ranks_ece_lowest_first_without_a_flag(tmp_path, capsys):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri)
    experiment = client.create_experiment("calibration", artifact_location=str(tmp_path / "artifacts"))
    for seed in ("1", "2"):
        for calibration, ece in (("none", 0.40), ("prior", 0.03)):
            run = client.create_run(experiment, tags={"calibration": calibration, "seed": seed})
            client.log_param(run.info.run_id, "calibration._target_", calibration)
            client.log_metric(run.info.run_id, "test_ece", ece + 0.01 * int(seed))
            client.set_terminated(run.info.run_id)
    code = main(["--tracking-uri", uri, "--experiment", "calibration", "--metric", "test_ece", "--curve-metric",
                 "", "--group-by", "calibration", "--out", str(tmp_path / "out")])  # fmt: skip
    assert code == 0
    table = pd.read_csv(tmp_path / "out" / "comparison.csv")
    assert table["calibration"].tolist() == ["prior", "none"]
    assert "**" in capsys.readouterr().out
