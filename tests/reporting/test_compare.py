"""The comparison table from hand-made frames of runs: grouping, mean ± std, paired tests, names, Markdown, LaTeX."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient

from experiments.errors import ConfigurationError
from experiments.evaluation.direction import lower_is_better
from experiments.reporting.compare import main
from experiments.reporting.comparison import compare_groups
from experiments.reporting.paper_table import readable_metric, readable_value, to_latex, to_markdown
from experiments.reporting.plots import curves_figure
from experiments.reporting.runs import (
    REPRODUCES,
    canonical_metrics,
    metric_key,
    one_class_run,
    override_pairs,
    stored_name,
    swept_keys,
)
from experiments.reporting.significance import paired_pvalue

# differences a - b by seed: 0.1, 0.1, 0.0 -> t = 2 with 2 degrees of freedom; P(|T| > 2) = 1 - 2 / sqrt(6)
P_A_VS_B = 1 - 2 / math.sqrt(6)


def runs() -> pd.DataFrame:
    rows = [
        ("r1", "FINISHED", "1", "a", "plain", 0.5, None),
        ("r2", "FINISHED", "2", "a", "plain", 0.6, None),
        ("r3", "FINISHED", "3", "a", "plain", 0.7, None),
        ("r4", "FINISHED", "1", "b", "plain", 0.4, True),
        ("r5", "FINISHED", "2", "b", "plain", 0.5, False),
        ("r6", "FINISHED", "3", "b", "plain", 0.7, None),
        ("r7", "FAILED", "4", "b", "plain", float("nan"), None),
        ("r8", "FAILED", "1", "c", "plain", float("nan"), None),
    ]
    return pd.DataFrame(rows, columns=["run_id", "status", "seed", "head", "loss", "test_f1", "one_class"])


def separated() -> pd.DataFrame:
    """Group x beats y by 0.4 at every seed (give or take 0.01): every test finds it; MCC does not differ."""
    rows = [
        (f"r{i}", "FINISHED", str(seed), head, f1, mcc)
        for i, (seed, head, f1, mcc) in enumerate([
            (1, "x", 0.90, 0.30), (2, "x", 0.91, 0.20), (3, "x", 0.92, 0.10),
            (1, "y", 0.50, 0.25), (2, "y", 0.52, 0.15), (3, "y", 0.51, 0.20),
        ])
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["run_id", "status", "seed", "head", "test_f1", "test_mcc"])
    return frame.assign(one_class=None)


def test_override_pairs_reads_the_hydra_override_string():
    assert override_pairs("loss=focal +data.x=1 'data.root=/a b' seed=3") == {
        "loss": "focal", "data.x": "1", "data.root": "/a b", "seed": "3"}  # fmt: skip


def test_only_keys_that_vary_group_the_runs():
    assert swept_keys(runs(), ["head", "loss", "missing"]) == ["head"]


def test_a_metric_is_found_under_either_spelling_the_slash_one_first():
    assert stored_name(["test_f1", "dev_f1"], "test/f1") == "test_f1"
    assert stored_name(["test_f1", "test/f1"], "test_f1") == "test/f1"
    assert stored_name(["test/average_precision"], "test_average_precision") == "test/average_precision"
    assert stored_name(["test_f1"], "test_mcc") is None
    assert canonical_metrics({"test_f1": 0.1, "test/f1": 0.2, "dev/mcc": 0.3}) == {"test_f1": 0.2, "dev_mcc": 0.3}


def test_one_class_runs_are_told_from_recall_and_balanced_accuracy():
    # every pair positive: recall 1, true negative rate 0 -> balanced accuracy 0.5
    assert one_class_run({"test_recall": 1.0, "test_balanced_accuracy": 0.5}) is True
    # the run: 5,852 false positives and 20 true negatives, every positive found
    assert one_class_run({"test_recall": 1.0, "test_balanced_accuracy": (1 + 20 / 5872) / 2}) is True
    assert one_class_run({"test_recall": 0.0, "test_balanced_accuracy": 0.5}) is True  # every pair negative
    assert one_class_run({"test_recall": 0.8, "test_balanced_accuracy": 0.75}) is False
    # a tiny-model run of the quick grid: F1 0.0903 at a positive share of 0.047, 0.6% of the negatives found
    assert one_class_run({"test_recall": 0.9897610921501706, "test_balanced_accuracy": 0.4976904915791725}) is True
    assert one_class_run({"test_recall": 1.0, "test_balanced_accuracy": 0.53}) is False  # 6% of negatives found
    assert one_class_run({"test_recall_a": 1.0, "test_recall_b": 0.0, "test_recall_c": 0.04}) is True
    assert one_class_run({"test_recall_a": 1.0, "test_recall_b": 0.3, "test_recall_c": 0.0}) is False
    assert one_class_run({"test_f1": 0.4}) is None


def test_groups_are_aggregated_over_seeds_and_sorted_best_first():
    table = compare_groups(runs(), ["test_f1"], ["head"]).table
    assert table["head"].tolist() == ["a", "b", "c"]
    assert table["group"].tolist() == ["head=a", "head=b", "head=c"]
    assert table["test_f1_mean"].tolist()[:2] == pytest.approx([0.6, 1.6 / 3])
    assert table["test_f1_std"].tolist()[:2] == pytest.approx([0.1, np.std([0.4, 0.5, 0.7], ddof=1)])
    assert table["n"].tolist() == [3, 3, 0]
    assert table["failed"].tolist() == [0, 1, 1]
    assert table["one_class"].tolist() == [0, 1, 0]
    assert table["baseline"].tolist() == [True, False, False]  # default: the best group
    assert math.isnan(table.loc[0, "test_f1_p"])
    assert table.loc[1, "test_f1_p"] == pytest.approx(P_A_VS_B)
    assert table["test_f1_best"].tolist() == [True, False, False]
    assert table["test_f1_bold"].tolist() == [False, False, False]  # p = 0.18: not bold


def test_lower_is_better_puts_the_smallest_mean_first():
    table = compare_groups(runs(), ["test_f1"], ["head"], lower=["test_f1"]).table
    assert table["head"].tolist() == ["b", "a", "c"]
    assert table["test_f1_best"].tolist() == [True, False, False]
    assert table.loc[1, "test_f1_p"] == pytest.approx(P_A_VS_B)


@pytest.mark.parametrize("baseline", ["b", "head=b", "head=b"])
def test_a_named_baseline_is_the_group_every_other_is_tested_against(baseline: str):
    comparison = compare_groups(runs(), ["test_f1"], ["head"], baseline=baseline)
    assert comparison.baseline == "head=b"
    assert comparison.table["baseline"].tolist() == [False, True, False]
    assert comparison.table.loc[0, "test_f1_p"] == pytest.approx(P_A_VS_B)  # two-sided: same p either way
    assert math.isnan(comparison.table.loc[1, "test_f1_p"])


def test_an_unknown_baseline_names_the_groups():
    with pytest.raises(
        ConfigurationError, match=r"--baseline 'focal' matches no group; name one of: head=a; head=b \("
    ):
        compare_groups(runs(), ["test_f1"], ["head"], baseline="focal")


def test_a_baseline_matching_two_groups_names_both_and_two_parts_name_one():
    frame = runs().assign(loss=["plain"] * 6 + ["focal"] * 2)
    with pytest.raises(
        ConfigurationError, match=r"'plain' matches 2 groups \(head=a, loss=plain; head=b, loss=plain\)"
    ):
        compare_groups(frame, ["test_f1"], ["head", "loss"], baseline="plain")
    for baseline in ("head=b, loss=plain", "b,plain", "loss=plain,b"):
        assert compare_groups(frame, ["test_f1"], ["head", "loss"], baseline=baseline).baseline == "head=b, loss=plain"


def test_the_best_is_bold_only_where_it_beats_every_other_row():
    comparison = compare_groups(separated(), ["test_f1", "test_mcc"], ["head"], baseline="y")
    table = comparison.table
    assert table["head"].tolist() == ["x", "y"]
    assert table.loc[0, "test_f1_p"] < 0.01 and table.loc[0, "test_mcc_p"] > 0.5
    assert table["test_f1_bold"].tolist() == [True, False]
    assert table["test_mcc_best"].tolist() == [True, False] and not table["test_mcc_bold"].any()


@pytest.mark.parametrize("test", ["ttest", "wilcoxon", "bootstrap"])
def test_every_paired_test_gives_its_exact_p_on_separated_groups(test: str):
    table = compare_groups(separated(), ["test_f1"], ["head"], test=test).table
    # differences 0.40, 0.39, 0.41: t = 0.4 / (0.01 / sqrt(3)), 2 degrees of freedom: P(|T| > t) = 1 - t / sqrt(t² + 2);
    # wilcoxon on 3 pairs all one way: 2 / 2^3; bootstrap: no resample has a mean difference <= 0
    t = 0.4 / (0.01 / math.sqrt(3))
    expected = {"ttest": 1 - t / math.sqrt(t**2 + 2), "wilcoxon": 0.25, "bootstrap": 0.0}[test]
    assert table.loc[1, "test_f1_p"] == pytest.approx(expected, rel=1e-6)


def test_paired_bootstrap_is_two_sided():
    # differences 0.1, 0.1, 0.0: the resampled mean is <= 0 only when all three draws are the 0.0 -> 2 * (1/3)^3
    p = paired_pvalue(np.array([0.5, 0.6, 0.7]), np.array([0.4, 0.5, 0.7]), "bootstrap")
    assert p == pytest.approx(2 / 27, abs=0.01)


def test_one_pair_has_no_p_value():
    assert math.isnan(paired_pvalue(np.array([0.5]), np.array([0.4]), "ttest"))


@pytest.mark.parametrize("test", ["ttest", "wilcoxon", "bootstrap"])
def test_identical_paired_runs_show_no_difference(test: str):
    # e.g. inverse-frequency weights on 1:1 undersampled epochs: every weight is 1, the runs are plain's
    assert paired_pvalue(np.array([0.38, 0.41, 0.35]), np.array([0.38, 0.41, 0.35]), test) == 1.0


def test_metrics_logged_by_no_run_are_skipped_and_named():
    comparison = compare_groups(runs(), ["test/f1", "test_map"], ["head"])
    assert comparison.metrics == ["test_f1"] and comparison.skipped == ["test_map"]
    assert "Logged by no run, left out: test_map." in to_markdown(comparison)


def test_an_unknown_metric_is_named():
    with pytest.raises(ConfigurationError, match="metric 'test_nope' is in none of the runs"):
        compare_groups(runs(), ["test_nope"], ["head"])


def test_readable_names():
    assert readable_metric("test_f1") == "F1 (test)"
    assert readable_metric("test/average_precision") == "AP (test)"
    assert readable_metric("best_dev_mcc") == "MCC (dev, best epoch)"
    assert readable_metric("test_ndcg_at_10") == "nDCG@10 (test)"
    assert readable_metric("dev_f1_threshold") == "F1 threshold (dev)"
    assert readable_metric("epochs_trained") == "epochs trained"
    assert readable_value("inverse_frequency") == "inverse frequency"
    assert readable_value(float("nan")) == "–"
    assert readable_value("/data/my_set") == "/data/my_set" and readable_value("1e-05") == "1e-05"


def test_markdown_columns_per_metric_numbers_right_aligned_and_a_caption():
    text = to_markdown(compare_groups(runs(), ["test_f1"], ["head"]))
    lines = text.splitlines()
    # b - a by seed: -0.1, -0.1, 0.0: mean -0.0667, t interval ± 4.303 * 0.0577 / sqrt(3)
    assert lines[:5] == [
        "| Head | F1 (test) ↑ | Δ [95% CI] | p | n | failed | one-class |",
        "|---|---:|---:|---:|---:|---:|---:|",
        "| a (baseline) | 0.6000 ± 0.1000 | – | – | 3 | 0 | 0 |",
        "| b ° | 0.5333 ± 0.1528 | −0.0667 [−0.2101, +0.0768] | 0.184 | 3 | 1 | 1 |",
        "| c | – | – | – | 0 | 1 | 0 |",
    ]
    assert lines[6] == (
        "F1 (test) ↑: mean ± std over seeds (3 runs per row; ↑ higher is better, ↓ lower; sorted by the first). "
        "Δ: difference of means from the baseline, Head a, with its 95% confidence interval; p: two-sided paired "
        "t-test against the baseline, runs paired by seed, Holm-adjusted over the 1 test of the table; † p < 0.05. "
        "No value is bold: no best value is better than every other row (Holm-adjusted p < 0.05). "
        "° one-class: runs whose test predictions are (≥ 95%) all one class, e.g. every pair positive."
    )


def test_markdown_bolds_the_significant_best_cell_and_marks_the_differing_rows():
    comparison = compare_groups(separated(), ["test_f1", "test_mcc"], ["head"], baseline="y")
    lines = to_markdown(comparison).splitlines()
    assert lines[0] == "| Head | F1 (test) ↑ | Δ [95% CI] | p | MCC (test) ↑ | Δ [95% CI] | p | n |"
    assert lines[2] == (
        "| x | **0.9100 ± 0.0100**† | +0.4000 [+0.3752, +0.4248] | <0.001 | 0.2000 ± 0.1000 | +0.0000 [−0.2151, "
        "+0.2151] | 1.000 | 3 |"
    )
    assert lines[3] == "| y (baseline) | 0.5100 ± 0.0100 | – | – | 0.2000 ± 0.0500 | – | – | 3 |"
    assert "Holm-adjusted over the 2 tests of the table" in lines[5] and "No run failed; no run predicts" in lines[5]


def test_latex_right_aligns_numbers_and_bolds_only_the_significant_best_cell():
    text = to_latex(compare_groups(separated(), ["test_f1", "test_mcc"], ["head"], baseline="y"))
    assert r"\begin{tabular}{lrr}" in text  # every row has 3 runs, none failed: n is in the caption, not a column
    assert r"Head & F1 (test) $\uparrow$ & MCC (test) $\uparrow$ \\" in text
    assert (
        r"x & \begin{tabular}[t]{@{}r@{}}\boldmath$0.910 \pm 0.010$\rlap{\textsuperscript{\dag}}\\{\scriptsize "
        r"$[+0.375, +0.425]$}\end{tabular} & " in text
    )
    assert r"y (baseline) & $0.510 \pm 0.010$ & $0.200 \pm 0.050$ \\" in text
    assert text.count(r"\boldmath") == 1 and r"\toprule" in text
    assert r"\caption{F1 (test) $\uparrow$, MCC (test) $\uparrow$: mean $\pm$ std over seeds (3 runs per row;" in text
    assert "Head y" in text and "loss=" not in text and "head=" not in text  # the baseline in words


def test_latex_aligns_negative_means_and_missing_keys_read_a_dash():
    frame = separated()
    frame["test_mcc"] = -frame["test_mcc"] + [0.0, 0.0, 0.0, 0.5, 0.5, 0.5]
    frame["experiment"] = [np.nan] * 3 + ["grid"] * 3  # a run without the tag, as a reproduction has
    text = to_latex(compare_groups(frame, ["test_mcc"], ["experiment"]))
    assert r"Experiment & MCC (test) $\uparrow$ \\" in text
    assert r"grid (baseline) & \boldmath$0.300 \pm 0.050$ \\" in text
    assert r"-- & \begin{tabular}[t]{@{}r@{}}$-0.200 \pm 0.100$\rlap{\textsuperscript{\dag}}" in text


def test_the_curves_are_small_multiples_with_integer_epochs():
    points = [("g1", 1, 0.1), ("g1", 2, 0.2), ("g1", 3, 0.3), ("g2", 1, 0.1), ("g2", 2, 0.2), ("g2", 3, 0.3)]
    curves = pd.DataFrame(
        [(group, seed, "r", epoch, value + 0.01 * seed) for group, epoch, value in points for seed in (1, 2)],
        columns=["group", "seed", "run_id", "epoch", "value"],
    )
    figure = curves_figure(curves, "dev_f1")
    panels = [axis for axis in figure.axes if axis.get_visible()]
    assert [axis.get_title() for axis in panels] == ["g1", "g2"]  # identical curves, each in its own panel
    for axis in panels:
        low, high = axis.get_xlim()
        assert [tick for tick in axis.get_xticks() if low <= tick <= high] == [1, 2, 3]
        own, other = axis.lines[-1], axis.lines[0]
        assert (
            own.get_ydata().tolist() == pytest.approx([0.115, 0.215, 0.315]) and own.get_zorder() > other.get_zorder()
        )
    assert panels[0].get_ylabel() == "" and figure.get_supylabel() == "F1 (dev), mean ± std over seeds"


# End to end: a real SQLite store with runs logged through MlflowClient, the command line, the files.

POSITIVE_SHARE = 0.05
ALL_POSITIVE_F1 = 2 * POSITIVE_SHARE / (1 + POSITIVE_SHARE)


def log_run(
    client: MlflowClient, experiment_id: str, loss: str, seed: int, metrics: dict[str, float], **tags: str
) -> str:
    """A run as the runner logs it: choice tags with their params, seed, overrides, per-epoch dev F1, test metrics."""
    tags = {"loss": loss, "sampling": "none", "seed": str(seed), **tags}
    run_id = client.create_run(experiment_id, tags=tags).info.run_id
    params = [Param("loss._target_", f"experiments.losses.{loss}"), Param("sampling._target_", "none"),
              Param("seed", str(seed))]  # fmt: skip
    dev = "dev/f1" if "test/f1" in metrics else "dev_f1"
    history = [Metric(dev, 0.1 * epoch + 0.01 * seed, 0, epoch) for epoch in (1, 2)]
    client.log_batch(run_id, metrics=[*history, *(Metric(k, v, 0, 0) for k, v in metrics.items())], params=params)
    client.set_terminated(run_id, "FINISHED" if metrics else "FAILED")
    return run_id


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[tuple[str, int], float]]:
    """Plain predicts every pair positive (old metric names); inverse frequency is better (new ``/`` names);
    focal failed; one reproduction of a plain run without the sweep's overrides tag; a second experiment."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('store') / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    grid = client.create_experiment("grid")
    f1: dict[tuple[str, int], float] = {}
    first = ""
    for seed in (1, 2, 3):
        overrides = {"overrides": f"experiment=imbalance_grid_quick loss=plain seed={seed}"}
        f1["plain", seed] = ALL_POSITIVE_F1
        plain = {"test_f1": ALL_POSITIVE_F1, "test_mcc": 0.0, "test_recall": 1.0, "test_balanced_accuracy": 0.5,
                 "test_average_precision": 0.1 + 0.01 * seed}  # fmt: skip
        run_id = log_run(client, grid, "plain", seed, plain, **overrides)
        first = first or run_id
        f1["inverse_frequency", seed] = 0.5 + 0.01 * seed
        better = {"test/f1": f1["inverse_frequency", seed], "test_f1": 0.0, "test/mcc": 0.4 + 0.02 * seed,
                  "test/recall": 0.7, "test/balanced_accuracy": 0.8, "test/average_precision": 0.6}  # fmt: skip
        log_run(client, grid, "inverse_frequency", seed, better, overrides=overrides["overrides"].replace(
            "loss=plain", "loss=inverse_frequency"))  # fmt: skip
    log_run(client, grid, "focal", 1, {}, overrides="experiment=imbalance_grid_quick loss=focal seed=1")
    log_run(client, grid, "plain", 1, {"test_f1": 0.9, "test_mcc": 0.9}, **{REPRODUCES: first})
    log_run(client, client.create_experiment("other"), "plain", 1, {"test_f1": 0.3}, overrides="loss=plain")
    return uri, f1


def test_the_command_line_compares_a_store_holding_a_reproduction(store, tmp_path: Path):
    from experiments.reporting.reproduce import REPRODUCES as REPRODUCE_TAG

    assert REPRODUCE_TAG == REPRODUCES  # the tag the reproduction runs really carry
    uri, f1 = store
    out = tmp_path / "table"
    metrics = ["test_f1", "test/mcc", "test_average_precision", "test_map"]
    assert main(["--tracking-uri", uri, "--experiment", "grid", "--metric", *metrics, "--baseline", "plain",
                 "--out", str(out)]) == 0  # fmt: skip
    table = pd.read_csv(out / "comparison.csv")
    assert table["loss"].tolist() == ["inverse_frequency", "plain", "focal"]  # the reproduction left out
    assert table["n"].tolist() == [3, 3, 0] and table["failed"].tolist() == [0, 0, 1]
    assert table["one_class"].tolist() == [0, 3, 0]
    for row, loss in enumerate(["inverse_frequency", "plain"]):
        values = [f1[loss, seed] for seed in (1, 2, 3)]
        assert table.loc[row, "test_f1_mean"] == pytest.approx(np.mean(values), abs=1e-12)
        assert table.loc[row, "test_f1_std"] == pytest.approx(np.std(values, ddof=1), abs=1e-12)
    assert table["baseline"].tolist() == [False, True, False]
    assert table.loc[0, "test_f1_p"] < 0.05 and table.loc[0, "test_f1_bold"]
    assert "test_map_mean" not in table
    markdown = (out / "comparison.md").read_text()
    assert markdown.splitlines()[:2] == [
        "| Loss | F1 (test) ↑ | Δ [95% CI] | p | MCC (test) ↑ | Δ [95% CI] | p | AP (test) ↑ | Δ [95% CI] | p | n "
        "| failed | one-class |",
        "|---|" + "---:|" * 12,
    ]
    assert "| plain (baseline) ° | 0.0952 ± 0.0000 | – | – |" in markdown
    assert "from the baseline, Loss plain, with" in markdown and "left out: test_map" in markdown
    assert "p: two-sided paired t-test" in markdown  # no run saved test scores: the seed-level test
    latex = (out / "comparison.tex").read_text()
    assert "inverse frequency" in latex and "nan" not in latex.lower()
    curves = pd.read_csv(out / "curves.csv")
    assert len(curves) == 6 * 2 and sorted(curves["epoch"].unique()) == [1, 2]  # dev_f1 and dev/f1 histories
    for name in ("test_f1_by_group.png", "dev_f1_curves.png"):
        assert (out / name).stat().st_size > 0, name


def test_reproductions_are_kept_when_asked_for_as_rows_of_their_own(store, tmp_path: Path):
    uri, _ = store
    out = tmp_path / "table"
    assert main(["--tracking-uri", uri, "--experiment", "grid", "--include-reproductions", "--out", str(out)]) == 0
    table = pd.read_csv(out / "comparison.csv", keep_default_na=False)
    assert table.columns[:2].tolist() == ["loss", "reproduces"]  # the overrides of the reproduced run are its own
    assert table.loc[0, ["loss", "n"]].tolist() == ["plain", 1] and len(table.loc[0, "reproduces"]) == 32
    assert table["reproduces"].tolist()[1:] == ["–"] * 3
    # the best by F1, but one run and a reproduction: the baseline is the best group of three seeds, so the other
    # rows keep their p-values
    assert table["baseline"].tolist() == [False, True, False, False]
    assert table.loc[2, "loss"] == "plain" and float(table.loc[2, "test_f1_p"]) < 0.05
    assert "| plain | – ° | 0.0952 ± 0.0000† | −0.4248 [" in (out / "comparison.md").read_text()


@pytest.mark.parametrize("experiments", [[], ["grid", "other"]])
def test_every_experiment_or_two_of_them_compare(store, tmp_path: Path, experiments: list[str]):
    uri, _ = store
    names = [arg for name in experiments for arg in ("--experiment", name)]
    assert main(["--tracking-uri", uri, *names, "--out", str(tmp_path / "table")]) == 0
    table = pd.read_csv(tmp_path / "table" / "comparison.csv")
    assert table["n"].sum() == 7 and "nan" not in (tmp_path / "table" / "comparison.tex").read_text().lower()


def test_an_unknown_baseline_is_one_line_and_status_2(store, tmp_path: Path, caplog: pytest.LogCaptureFixture):
    uri, _ = store
    assert main(["--tracking-uri", uri, "--experiment", "grid", "--baseline", "ghm", "--out", str(tmp_path)]) == 2
    assert "--baseline 'ghm' matches no group" in caplog.text


@pytest.mark.parametrize(
    ("metric", "lower"),
    [("test_ece", True), ("dev_brier", True), ("best_dev_ece_uncalibrated", True), ("test_f1", False),
     ("test_precision", False)],
)  # fmt: skip
def test_ece_and_brier_are_lower_is_better(metric: str, lower: bool):
    assert lower_is_better(metric) is lower


def calibration_frame(name: str) -> pd.DataFrame:
    """Calibration none: badly calibrated (ECE 0.41-0.49) but better F1 (0.61-0.63); prior: ECE 0.04-0.12, F1 0.5x."""
    rows = [
        (f"r{calibration}{seed}", "FINISHED", str(seed), calibration, ece + 0.01 * seed**2, f1 + 0.01 * seed)
        for seed in (1, 2, 3)
        for calibration, ece, f1 in (("none", 0.40, 0.6), ("prior", 0.03, 0.5))
    ]
    return pd.DataFrame(rows, columns=["run_id", "status", "seed", "calibration", metric_key(name), "test_f1"])


@pytest.mark.parametrize(
    ("name", "metrics"),
    [("test_ece", ["test_ece", "test_f1"]), ("test/ece", ["test/ece"]), ("test/ece", ["test_f1", "test/ece"])],
)
def test_each_metric_is_ranked_in_its_own_direction(name: str, metrics: list[str]):
    comparison = compare_groups(calibration_frame(name), metrics, ["calibration"])
    table = comparison.table.set_index("calibration")
    assert table.loc["prior", "test_ece_best"] and not table.loc["none", "test_ece_best"]
    assert table.loc["prior", "test_ece_bold"]  # 0.37 lower at every seed: better beyond seed noise
    assert comparison.higher == {"test_ece": False} | ({"test_f1": True} if "test_f1" in metrics else {})
    if "test_f1" in metrics:
        assert table.loc["none", "test_f1_best"] and not table.loc["prior", "test_f1_best"]
    first = metric_key(metrics[0])
    assert table.index[0] == ("prior" if first == "test_ece" else "none")  # sorted by the first, in its direction
    text = to_markdown(comparison)
    assert "ECE (test) ↓" in text and ("F1 (test) ↑" in text) == ("test_f1" in metrics)
    assert "**0.0767 ± 0.0404**" in text  # the bold ECE is the low one


def test_lower_is_better_can_name_one_metric():
    comparison = compare_groups(calibration_frame("test_ece"), ["test_f1", "test_ece"], ["calibration"],
                                lower=["test/f1"])  # fmt: skip
    table = comparison.table.set_index("calibration")
    assert table.index.tolist() == ["prior", "none"]  # F1 now lower-is-better: 0.52 first
    assert table.loc["prior", "test_f1_best"] and table.loc["prior", "test_ece_best"]
    assert "F1 (test) ↓" in to_markdown(comparison)


def test_the_command_line_ranks_slash_spelt_ece_lowest_and_f1_highest(tmp_path: Path, capsys):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri)
    experiment = client.create_experiment("calibration", artifact_location=str(tmp_path / "artifacts"))
    for _, run in calibration_frame("test/ece").iterrows():
        run_id = client.create_run(
            experiment, tags={"calibration": run["calibration"], "seed": run["seed"]}
        ).info.run_id
        metrics = [Metric("test/ece", run["test_ece"], 0, 0), Metric("test/f1", run["test_f1"], 0, 0)]
        client.log_batch(run_id, metrics=metrics, params=[Param("calibration._target_", run["calibration"])])
        client.set_terminated(run_id)
    out = tmp_path / "out"
    assert main(["--tracking-uri", uri, "--experiment", "calibration", "--metric", "test/ece", "test_f1",
                 "--curve-metric", "", "--out", str(out)]) == 0  # fmt: skip
    table = pd.read_csv(out / "comparison.csv")
    assert table["calibration"].tolist() == ["prior", "none"]
    assert table["test_ece_bold"].tolist() == [True, False] and table["test_f1_best"].tolist() == [False, True]
    assert "| prior (baseline) | **0.0767 ± 0.0404** |" in capsys.readouterr().out


def test_a_one_run_baseline_is_only_taken_when_named_and_then_warned_about(caplog: pytest.LogCaptureFixture):
    frame = runs().assign(reproduces="–")
    extra = pd.DataFrame([("r9", "FINISHED", "1", "a", "plain", 0.95, None, "r1")], columns=frame.columns)
    frame = pd.concat([frame, extra], ignore_index=True)
    default = compare_groups(frame, ["test_f1"], ["head", "reproduces"])
    assert default.baseline == "head=a, reproduces=–"  # the best row, a reproduction of one run, is not it
    assert "has one finished run" not in caplog.text
    named = compare_groups(frame, ["test_f1"], ["head", "reproduces"], baseline="r1")
    assert named.baseline == "head=a, reproduces=r1"
    assert "--baseline head=a, reproduces=r1 has one finished run: no seed-level p-value against it" in caplog.text
