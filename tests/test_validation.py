"""Checks run before the model is loaded: a single run that fails them leaves no MLflow run; a sweep job records it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from mlflow.tracking import MlflowClient
from sentence_transformers.cross_encoder.losses import MultipleNegativesRankingLoss

from experiments.errors import ConfigurationError
from experiments.losses import FocalLoss, mnrl_loss, plain_loss
from experiments.run.plan import loss_class
from experiments.run.runner import train
from tests.conftest import fast_overrides


def runs_in(tracking_uri: str) -> list:
    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name("crossencoder-imbalance")
    return [] if experiment is None else client.search_runs([experiment.experiment_id])


def test_the_loss_class_is_known_before_the_loss_is_built():
    assert loss_class(mnrl_loss) is MultipleNegativesRankingLoss
    assert loss_class(FocalLoss) is FocalLoss
    assert loss_class(plain_loss) is None  # annotated nn.Module: checked once built


def test_a_ranking_loss_on_pointwise_data_stops_before_any_run(compose_config, tracking_uri: str, tiny_wikiqa: Path):
    with pytest.raises(ConfigurationError, match="negatives=none cannot train with MultipleNegativesRankingLoss"):
        train(compose_config(*fast_overrides(tiny_wikiqa), "loss=mnrl"))
    assert runs_in(tracking_uri) == []


def test_a_pair_loss_with_fixed_k_negatives_stops_before_any_run(compose_config, tracking_uri: str):
    with pytest.raises(ConfigurationError, match="negatives=fixed_k cannot train with FocalLoss"):
        train(compose_config("experiment=smoke", "data=wikiqa_grouped", "negatives=fixed_k", "loss=focal"))
    assert runs_in(tracking_uri) == []


def test_an_unknown_select_metric_offers_only_metrics_that_select(compose_config, tracking_uri: str, tiny_wikiqa: Path):
    with pytest.raises(ConfigurationError, match=r"evaluation.select_metric='dev_f2' is not a metric") as error:
        train(compose_config(*fast_overrides(tiny_wikiqa), "evaluation.select_metric=dev_f2"))
    offered = str(error.value).split("choose one of ")[1]
    assert "'dev_f1'" in offered and "'dev_map'" in offered and "'dev_mcc'" in offered
    assert "threshold" not in offered and "ranked_groups" not in offered
    assert runs_in(tracking_uri) == []


def test_a_sweep_job_records_the_same_error_as_a_failed_run(compose_config, tracking_uri: str, tiny_wikiqa: Path):
    # as a --multirun job sees it
    cfg = compose_config(*fast_overrides(tiny_wikiqa), "loss=mnrl", "hydra.mode=MULTIRUN", "hydra.job.num=3")
    assert HydraConfig.get().mode == RunMode.MULTIRUN
    with pytest.raises(ConfigurationError, match="MultipleNegativesRankingLoss"):
        train(cfg)
    (run,) = runs_in(tracking_uri)
    assert run.info.status == "FAILED" and run.data.tags["sweep_job"] == "3"
    assert "negatives=none cannot train with MultipleNegativesRankingLoss" in run.data.tags["error"]
