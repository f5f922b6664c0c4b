from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from mlflow.tracking import MlflowClient
from transformers import TrainerControl, TrainerState

from experiments.errors import ConfigurationError
from experiments.run.runner import train
from experiments.run.training import TimeBudget, time_budget


def epoch_ends(budget: TimeBudget, epoch_seconds: float, epochs: int, planned: int = 10) -> list[bool]:
    """Whether the callback stops training at each of ``epochs`` epoch ends, epochs lasting ``epoch_seconds``
    (``planned``: ``trainer.epochs``)."""
    state, stops, args = TrainerState(), [], SimpleNamespace(num_train_epochs=planned)
    budget.on_train_begin(args, state, TrainerControl())
    for epoch in range(1, epochs + 1):
        budget.started -= epoch_seconds  # an epoch's worth of wall time has passed
        state.epoch = float(epoch)
        control = TrainerControl()
        budget.on_epoch_end(args, state, control)
        stops.append(control.should_training_stop)
    return stops


def test_stops_after_the_epoch_whose_successor_would_pass_the_budget():
    # 60 s epochs against 3.5 minutes: after 3 epochs (180 s) a fourth would end at 240 s > 210 s.
    assert epoch_ends(TimeBudget(3.5), epoch_seconds=60.0, epochs=4) == [False, False, True, True]


def test_a_budget_shorter_than_one_epoch_still_trains_one():
    assert epoch_ends(TimeBudget(0.5), epoch_seconds=60.0, epochs=1) == [True]


def test_the_last_planned_epoch_is_not_reported_as_a_stop():
    # 60 s epochs against 2.5 minutes, 2 planned: training ends after epoch 2 anyway, so nothing is stopped.
    assert epoch_ends(TimeBudget(2.5), epoch_seconds=60.0, epochs=2, planned=2) == [False, False]


def test_the_clock_starts_when_training_starts():
    budget = TimeBudget(1.0)
    budget.started = time.monotonic() - 3600.0  # an hour spent before training (data, model loading)
    assert epoch_ends(budget, epoch_seconds=10.0, epochs=2) == [False, False]


def test_no_budget_adds_no_callback():
    assert time_budget(None) == []
    assert isinstance(time_budget(2)[0], TimeBudget)


def test_a_run_stops_at_its_time_budget_and_tests_an_epoch_it_trained(
    compose_config, tracking_uri: str, smoke: tuple[str, ...]
):
    # A budget far below one epoch: the run trains one epoch of five, scores it on dev and tests it.
    summary = train(compose_config(*smoke, "trainer.epochs=5", "trainer.time_budget_minutes=0.0001"))
    client = MlflowClient(tracking_uri)
    run = client.search_runs([client.get_experiment_by_name("crossencoder-imbalance").experiment_id])[0]
    assert run.info.status == "FINISHED"
    assert run.data.metrics["train/epochs_trained"] == 1
    assert [m.step for m in client.get_metric_history(run.info.run_id, "dev/f1")] == [1]
    assert summary["best_epoch"] == 1
    assert "test_f1" in summary


def test_a_budget_that_is_not_positive_is_refused(compose_config, smoke: tuple[str, ...]):
    with pytest.raises(ConfigurationError, match=r"trainer\.time_budget_minutes must be null or a positive number"):
        train(compose_config(*smoke, "trainer.time_budget_minutes=0"))
