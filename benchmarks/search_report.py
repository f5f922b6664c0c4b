"""The jobs of a sweep read back from MLflow: an Optuna search's trials, or the seeds of one recipe.

Prints each job's settings, its best dev value, epochs trained and minutes; with ``--preset``, optuna's
importance of each searched knob (mean decrease in impurity of a random forest over the finished trials;
the preset's ``hydra.sweeper.params`` are parsed by the Optuna sweeper's own code); with ``--curve``, the dev
value against minutes since each job started, epoch by epoch, mean ± std over the jobs.

    python benchmarks/search_report.py --tracking-uri sqlite:///mlflow.db --experiment wikiqa-search \\
        --sweep-dir multirun/2026-11-30/04-10-00 --preset conf/experiment/wikiqa_search.yaml
    python benchmarks/search_report.py --tracking-uri sqlite:///mlflow.db --experiment wikiqa-best \
        --sweep-dir multirun/2026-11-30/05-20-00 --curve
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from hydra_plugins.hydra_optuna_sweeper._impl import create_params_from_overrides
from mlflow.entities import Run
from mlflow.tracking import MlflowClient
from omegaconf import OmegaConf
from optuna.distributions import BaseDistribution, CategoricalDistribution, IntUniformDistribution

from experiments.reporting.runs import search_runs


def search_space(preset: Path) -> dict[str, BaseDistribution]:
    """The preset's ``hydra.sweeper.params`` as optuna distributions."""
    params = OmegaConf.load(preset).hydra.sweeper.params
    distributions, _ = create_params_from_overrides([f"{key}={value}" for key, value in params.items()])
    return distributions


def trial_value(text: str, distribution: BaseDistribution) -> Any:
    """A run's logged parameter as the value optuna gave it."""
    if isinstance(distribution, CategoricalDistribution):
        return next(choice for choice in distribution.choices if str(choice) == text)
    if isinstance(distribution, IntUniformDistribution):
        return int(float(text))
    return float(text)


def sweep_trials(client: MlflowClient, experiment: str, sweep_dir: str) -> list[Run]:
    """The sweep's job runs (not its parent), in job order."""
    runs = search_runs(client, [experiment], sweep_dir)
    return sorted(runs, key=lambda run: int(run.data.tags["sweep_job"]))


def best_dev(client: MlflowClient, run: Run, metric: str) -> tuple[float, int]:
    """The highest per-epoch dev value and its epoch (nan, 0 when none was logged)."""
    history = client.get_metric_history(run.info.run_id, f"dev/{metric}")
    if not history:
        return math.nan, 0
    point = max(history, key=lambda point: point.value)
    return point.value, point.step


def curve(client: MlflowClient, runs: list[Run], metric: str) -> None:
    """Dev ``metric`` against minutes since the job started, per epoch, mean ± std over ``runs``."""
    by_epoch: dict[int, list[tuple[float, float]]] = {}
    for run in runs:
        for point in client.get_metric_history(run.info.run_id, f"dev/{metric}"):
            minutes = (point.timestamp - run.info.start_time) / 60_000
            by_epoch.setdefault(point.step, []).append((minutes, point.value))
    print(f"\n| epoch | minutes since start | dev {metric} | jobs |\n|---:|---:|---:|---:|")
    for epoch, points in sorted(by_epoch.items()):
        minutes, values = np.array(points).T
        spread = f" ± {values.std(ddof=1):.4f}" if len(values) > 1 else ""
        print(f"| {epoch} | {minutes.mean():.1f} | {values.mean():.4f}{spread} | {len(values)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracking-uri", required=True)
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--sweep-dir", required=True, help="the search's Hydra sweep folder (its sweep_id tag)")
    parser.add_argument("--preset", type=Path, help="the experiment preset holding the search space")
    parser.add_argument("--curve", action="store_true", help="also print the dev value against minutes")
    parser.add_argument("--metric", default="map", help="the dev metric the search maximised")
    args = parser.parse_args()

    client = MlflowClient(args.tracking_uri)
    space = search_space(args.preset) if args.preset else {}
    runs = sweep_trials(client, args.experiment, args.sweep_dir)
    trials = []
    columns = ["job", *space, f"dev {args.metric} (epoch)", "epochs trained", "minutes", "status"]
    print(f"| {' | '.join(columns)} |")
    print(f"|---|{'---|' * len(space)}---:|---:|---:|---|")
    for run in runs:
        settings = {key: trial_value(run.data.params[key], space[key]) for key in space}
        value, epoch = best_dev(client, run, args.metric)
        minutes = ((run.info.end_time or run.info.start_time) - run.info.start_time) / 60_000
        epochs = run.data.metrics.get("train/epochs_trained", math.nan)
        shown = [f"{v:.2e}" if isinstance(v, float) else str(v) for v in settings.values()]
        cells = [run.data.tags["sweep_job"], *shown, f"{value:.4f} ({epoch})", f"{epochs:.0f}", f"{minutes:.1f}"]
        print(f"| {' | '.join([*cells, run.info.status])} |")
        if run.info.status == "FINISHED" and not math.isnan(value):
            trials.append(optuna.trial.create_trial(params=settings, distributions=space, value=value))

    if args.curve:
        curve(client, [run for run in runs if run.info.status == "FINISHED"], args.metric)
    if not space:
        return
    if len(trials) < 2:
        print("\nToo few finished trials for importances.")
        return
    study = optuna.create_study(direction="maximize")
    study.add_trials(trials)
    importances = optuna.importance.get_param_importances(
        study, evaluator=optuna.importance.MeanDecreaseImpurityImportanceEvaluator(seed=0)
    )
    print(
        f"\nImportance of each knob (optuna, mean decrease in impurity over {len(trials)} finished trials; "
        "few trials make it rough):"
    )
    for key, share in importances.items():
        print(f"- {key}: {share:.2f}")


if __name__ == "__main__":
    main()
