"""Ensembles of trained runs and distillation from a trained teacher, with the tiny model on WikiQA."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from mlflow.tracking import MlflowClient

from experiments.data.splits import split_pairs
from experiments.errors import ConfigurationError
from experiments.evaluation import ranking_metrics
from experiments.losses.distillation import distillation_loss
from experiments.models.decision import PairClassifier
from experiments.reporting.ensemble import average_scores, evaluate_ensemble
from experiments.reporting.ensemble import main as ensemble_main
from experiments.run.building import prepare_data
from experiments.run.runner import train


def test_distillation_maths():
    student = torch.tensor([[0.5], [-1.0]])
    teacher = torch.tensor([[2.0], [-3.0]])
    labels = torch.tensor([1, 0])
    hard = torch.nn.functional.binary_cross_entropy_with_logits(student.view(-1), labels.float())
    assert distillation_loss(student, teacher, labels, alpha=0.0, temperature=2.0).item() == pytest.approx(hard.item())
    soft = torch.nn.functional.binary_cross_entropy_with_logits(
        student.view(-1) / 2, torch.sigmoid(teacher.view(-1) / 2)
    )
    assert distillation_loss(student, teacher, labels, alpha=1.0, temperature=2.0).item() == pytest.approx(
        4 * soft.item()
    )
    # Several logits: the soft term vanishes when student and teacher agree.
    logits = torch.tensor([[1.0, 2.0, 0.5]])
    assert distillation_loss(logits, logits, torch.tensor([1]), alpha=1.0, temperature=3.0).item() == pytest.approx(0.0)


def _runs(tracking_uri: str) -> list:
    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name("crossencoder-imbalance")
    return client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])


def test_ensemble_and_distillation_from_trained_runs(
    compose_config, tracking_uri: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], smoke: tuple[str, ...]
):
    train(compose_config(*smoke, "seed=1", f"output_dir={tmp_path / 'a'}"))
    train(compose_config(*smoke, "seed=2", f"output_dir={tmp_path / 'b'}"))
    members = [run.info.run_id for run in _runs(tracking_uri)]

    metrics = evaluate_ensemble(members, tracking_uri, batch_size=64)
    runs = _runs(tracking_uri)
    assert len(runs) == 3 and runs[-1].data.tags["ensemble_of"] == ",".join(members)
    assert runs[-1].data.metrics["test/f1"] == pytest.approx(metrics["test_f1"])
    classifiers = [PairClassifier.load(tmp_path / name / "model") for name in ("a", "b")]
    pairs = [("what is a glacier?", "A glacier is a persistent body of dense ice."), ("who?", "Nobody.")]
    expected = (classifiers[0].scores(pairs) + classifiers[1].scores(pairs)) / 2
    assert np.allclose(average_scores(classifiers, pairs, 8), expected)
    assert 0 <= metrics["dev_f1_threshold"] <= 1 and "test_mcc" in metrics
    test = prepare_data(compose_config(*smoke)).test  # grouped by question: the ensemble is ranked as a run is
    ranked = ranking_metrics(
        average_scores(classifiers, split_pairs(test), 64), np.asarray(test["label"]), test["group"]
    )
    assert metrics["test_map"] == pytest.approx(ranked["map"]) and metrics["test_mrr"] == pytest.approx(ranked["mrr"])

    with pytest.raises(ConfigurationError, match="at least two run ids"):
        evaluate_ensemble(members[:1], tracking_uri)

    ensemble_main([*members, "--tracking-uri", tracking_uri])  # the table: each member's own test figures
    rows = {line.split(" | ")[0].strip("| "): line for line in capsys.readouterr().out.splitlines()}
    for run in runs[:2]:
        row = rows[run.info.run_id[:8]]
        assert f"{run.data.metrics['test/f1']:.4f}" in row and "nan" not in row

    teacher = str(tmp_path / "a" / "model")
    summary = train(
        compose_config(
            *smoke,
            "loss=distillation",
            f"loss.teacher={teacher}",
            "loss.alpha=0.7",
            f"output_dir={tmp_path / 'student'}",
        )
    )
    assert summary["best_epoch"] >= 1
    student = _runs(tracking_uri)[-1]
    assert student.info.status == "FINISHED" and student.data.tags["loss"] == "distillation"


def test_distillation_needs_an_existing_teacher(compose_config, tmp_path: Path, smoke: tuple[str, ...]):
    with pytest.raises(ConfigurationError, match=r"the teacher model folder .*nowhere.* does not exist"):
        train(compose_config(*smoke, "loss=distillation", f"loss.teacher={tmp_path / 'nowhere'}"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda folder: folder, "is not a saved model folder (no config.json in it); name the model/ folder"),
        (lambda folder: folder / "notes.txt", "is not a saved model folder (a file, not a folder)"),
        (lambda folder: folder / "broken", "cannot be loaded as a CrossEncoder: ValueError: "),
    ],
)
def test_a_teacher_path_that_is_not_a_model_is_named(
    compose_config, tmp_path: Path, make, message: str, smoke: tuple[str, ...]
):
    folder = tmp_path / "teacher"
    (folder / "broken").mkdir(parents=True)
    (folder / "broken" / "config.json").write_text('{"model_type": "no-such-architecture"}', encoding="utf-8")
    (folder / "notes.txt").write_text("not a model", encoding="utf-8")
    teacher = make(folder)
    with pytest.raises(
        ConfigurationError, match=re.escape(f"loss.teacher: {str(teacher)!r} ") + ".*" + re.escape(message)
    ) as error:
        train(compose_config(*smoke, "loss=distillation", f"loss.teacher={teacher}"))
    assert "\n" not in str(error.value)
