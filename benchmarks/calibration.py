"""What calibration buys on WikiQA: test ECE, Brier, F1 and AP before and after each calibrator, mean ± std.

    flock /tmp/bench.lock python benchmarks/calibration.py --seeds 1 2 3
    python benchmarks/calibration.py --sweep-dir multirun/2026-11-30/00-33-58 --match loss=plain

Each model is scored on dev and test once; every calibrator of ``conf/calibration/`` is then fitted on those dev
logits and judged on the test logits exactly as ``calibration=<name>`` does in a run: the dev thresholds are
re-chosen on the calibrated dev scores and test F1 is taken at the re-chosen F1 threshold. The ``none`` row is
"before". ECE: 15 equal-width bins of the positive-class probability; Brier: mean (p - y)^2.

The models come from one of two places:

- ``--sweep-dir``: the jobs of finished ``experiments-train -m`` sweeps (each job folder holds its
  ``run_config.yaml`` and ``model/``), grouped by their overrides without ``seed``; ``--match`` keeps the jobs
  with any of the given overrides (``loss=plain loss=focal,sampling=none``: plain jobs, and focal jobs of
  ``sampling=none``). Nothing is trained.
- otherwise one run of the project's runner per seed and ``--configs`` entry (``calibration=none``, the default
  budget of ``conf/`` unless ``--max-train-rows`` / ``--epochs`` / ``--max-length`` say otherwise):
  ``sampling=rotating`` (the default 1:1 rotating undersampling: the model trains at half positives), and
  ``loss=inverse_frequency`` and ``loss=plain`` on the whole split without sampling.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from common import header, markdown_table
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.utils import instantiate
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig, OmegaConf

from experiments.calibration import Calibrator, ClassCounts
from experiments.config.location import config_dir
from experiments.data.splits import DEV, LABEL, TEST, class_counts
from experiments.evaluation.held_out import metrics_at_dev_thresholds
from experiments.losses.priors import effective_class_counts
from experiments.models.decision import PairClassifier
from experiments.precision import autocast
from experiments.run.building import build, build_evaluator, prepare_data
from experiments.run.pinned_config import CONFIG_FILE
from experiments.run.runner import train
from experiments.tracking.names import mlflow_metric_name
from experiments.tracking.resume import RUN_ID_FILE

CONFIGS = {
    "sampling=rotating": ["sampling=rotating"],
    "loss=inverse_frequency": ["loss=inverse_frequency", "sampling=none"],
    "loss=plain": ["loss=plain", "sampling=none"],
}
# Overrides that say where or how often a sweep's job ran, not what it trained: left out of a job's label.
NOT_A_SETTING = ("seed=", "experiment=", "tracking.", "output_dir=", "hydra.")
CALIBRATORS = ["none", "prior", "temperature", "platt", "isotonic"]
COLUMNS = {
    "test ECE": "test_ece",
    "test Brier": "test_brier",
    "test F1": "test_f1",
    "test AP": "test_average_precision",
    "test MAP": "test_map",
    "dev ECE": "dev_ece",
    "F1 threshold": "dev_f1_threshold",
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--calibrators", nargs="+", default=CALIBRATORS, choices=CALIBRATORS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--model", default="minilm", help="model config option (minilm, tiny)")
    parser.add_argument("--max-train-rows", type=int, default=None, help="default: conf/data/wikiqa.yaml")
    parser.add_argument("--epochs", type=int, default=None, help="default: conf/trainer/default.yaml")
    parser.add_argument("--max-length", type=int, default=None, help="default: the model config's")
    parser.add_argument("--tracking-uri", default=None, help="MLflow store; a temporary SQLite file by default")
    parser.add_argument(
        "--sweep-dir", type=Path, nargs="+", default=None, help="calibrate the saved models of these sweeps' jobs"
    )
    parser.add_argument(
        "--match",
        nargs="+",
        default=None,
        help="with --sweep-dir: the jobs with any of these overrides (a,b: with both), e.g. loss=plain",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write every seed's figures here")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides for every run, e.g. trainer.batch_size=16")
    return parser.parse_args(argv)


def compose_run(args: argparse.Namespace, config: str, seed: int, output: Path, tracking_uri: str) -> DictConfig:
    overrides = [
        *CONFIGS[config],
        f"model={args.model}",
        f"seed={seed}",
        "calibration=none",
        f"output_dir={output}",
        f"tracking.tracking_uri={tracking_uri}",
    ]
    overrides += [f"data.max_train_rows={args.max_train_rows}"] if args.max_train_rows is not None else []
    overrides += [f"trainer.epochs={args.epochs}"] if args.epochs is not None else []
    overrides += [f"model.max_length={args.max_length}"] if args.max_length is not None else []
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        return compose("train", overrides=[*overrides, *args.overrides])


def trained_class_mass(cfg: DictConfig, classifier: PairClassifier, client: MlflowClient, run_id: str) -> list[float]:
    """The class mass the run trained on (after sampling, re-weighted as its loss weighs classes): what
    ``calibration=prior`` in that run would have used. The loss is rebuilt from the run's config and counts."""
    counts = json.loads(client.get_run(run_id).data.params["loss_class_counts"])
    loss = build(cfg.regularization, loss=build(cfg.loss, model=classifier.model, class_counts=counts))
    return effective_class_counts(loss, counts)


def calibrate_post_hoc(
    cfg: DictConfig, output: Path, client: MlflowClient, calibrators: list[str]
) -> dict[str, dict[str, float]]:
    """Score dev and test once with the run's saved model; every calibrator as ``calibration=<name>`` would."""
    classifier = PairClassifier.load(output / "model")
    head, batch_size = classifier.head, cfg.evaluation.batch_size
    data = prepare_data(cfg)
    dev, test = (build_evaluator(data, split, head, cfg) for split in (DEV, TEST))
    with autocast(classifier.rule.precision, classifier.model.device.type):  # as the run scored
        dev_logits = head.class_logits(classifier.model, dev.pairs, batch_size)
        test_logits = head.class_logits(classifier.model, test.pairs, batch_size)
    run_id = (output / RUN_ID_FILE).read_text(encoding="utf-8").strip()
    trained = trained_class_mass(cfg, classifier, client, run_id)
    world = class_counts(data.train[LABEL], data.num_classes)  # the training data's priors, before sampling
    results = {}
    for name in calibrators:
        calibrator: Calibrator = instantiate(OmegaConf.load(Path(config_dir()) / "calibration" / f"{name}.yaml"))
        calibrator.fit(dev_logits, dev.labels, ClassCounts(trained, world))
        dev_metrics = {
            f"{DEV}_{key}": value for key, value in dev.compute_metrics(calibrator.transform(dev_logits)).items()
        }
        test_scores = calibrator.transform(test_logits)
        test_values = metrics_at_dev_thresholds(
            test, test_scores, dev_metrics, cfg.evaluation.beta, cfg.evaluation.threshold_metric
        )
        results[name] = dev_metrics | {f"{TEST}_{key}": value for key, value in test_values.items()}
    return results


def mean_std(values: list[float]) -> str:
    values_array = np.asarray(values, dtype=np.float64)
    if len(values_array) < 2:
        return f"{values_array.mean():.3f}"
    return f"{values_array.mean():.3f} ± {values_array.std(ddof=1):.3f}"


@dataclass(frozen=True)
class Job:
    """One trained model to calibrate: its settings' label, seed, output folder, config and the run's test F1."""

    label: str
    seed: int
    output: Path
    cfg: DictConfig
    run_test_f1: float


def sweep_jobs(sweep_dirs: list[Path], match: list[str] | None) -> Iterator[Job]:
    """The finished jobs of ``experiments-train -m`` sweeps, labelled by their overrides without the seed."""
    for sweep_dir in sweep_dirs:
        for folder in sorted(sweep_dir.iterdir(), key=lambda path: (len(path.name), path.name)):
            overrides_file = folder / ".hydra" / "overrides.yaml"
            if not (folder / CONFIG_FILE).is_file() or not (folder / "model").is_dir() or not overrides_file.is_file():
                continue
            overrides = [str(item) for item in OmegaConf.load(overrides_file)]
            if match and not any(set(item.split(",")) <= set(overrides) for item in match):
                continue
            cfg = OmegaConf.load(folder / CONFIG_FILE)
            assert isinstance(cfg, DictConfig)
            run_id = (folder / RUN_ID_FILE).read_text(encoding="utf-8").strip()
            run = MlflowClient(cfg.tracking.tracking_uri).get_run(run_id)
            label = " ".join(item for item in overrides if not item.startswith(NOT_A_SETTING))
            yield Job(label, int(cfg.seed), folder, cfg, run.data.metrics.get(mlflow_metric_name("test_f1"), np.nan))


def trained_jobs(args: argparse.Namespace, folder: Path, tracking_uri: str) -> Iterator[Job]:
    """One runner run per ``--configs`` entry and seed, trained when the job is reached."""
    for config in args.configs:
        for seed in args.seeds:
            output = folder / f"{config.replace('=', '-')}-seed{seed}"
            cfg = compose_run(args, config, seed, output, tracking_uri)
            summary = train(cfg)
            yield Job(config, seed, output, cfg, summary["test_f1"])


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    header("Calibration on WikiQA: before and after each calibrator")
    per_seed: dict[str, dict[str, list[dict[str, float]]]] = {}
    seeds: dict[str, list[int]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-calibration-") as folder:
        tracking_uri = args.tracking_uri or f"sqlite:///{Path(folder) / 'mlflow.db'}"
        if args.sweep_dir:
            jobs = sweep_jobs(args.sweep_dir, args.match)
        else:
            jobs = trained_jobs(args, Path(folder), tracking_uri)
        start = time.perf_counter()
        for job in jobs:
            client = MlflowClient(job.cfg.tracking.tracking_uri)
            results = calibrate_post_hoc(job.cfg, job.output, client, args.calibrators)
            if "none" in results and not np.isclose(results["none"]["test_f1"], job.run_test_f1, atol=1e-3):
                logging.warning(
                    "%s seed %d: post-hoc test F1 %.4f, the run's %.4f",
                    job.label,
                    job.seed,
                    results["none"]["test_f1"],
                    job.run_test_f1,
                )
            by_calibrator = per_seed.setdefault(job.label, {name: [] for name in args.calibrators})
            for name, values in results.items():
                by_calibrator[name].append(values)
            seeds.setdefault(job.label, []).append(job.seed)
            cells = ", ".join(f"{name} ECE {values['test_ece']:.3f}" for name, values in results.items())
            print(f"{job.label} seed {job.seed} ({time.perf_counter() - start:.0f} s): {cells}", flush=True)
            start = time.perf_counter()
    if not per_seed:
        sys.exit(f"error: no finished job with model/ in {[str(path) for path in args.sweep_dir or []]}")
    rows = [
        [label, name, *(mean_std([values.get(key, np.nan) for values in runs]) for key in COLUMNS.values())]
        for label, by_calibrator in per_seed.items()
        for name, runs in by_calibrator.items()
    ]
    print()
    print(markdown_table(["training", "calibration", *COLUMNS], rows, text_columns=2))
    print()
    for label, label_seeds in seeds.items():
        print(f"{label}: seeds {sorted(label_seeds)} (n = {len(label_seeds)})")
    print("Mean ± std over seeds; one trained model per seed and configuration.")
    print("Command: " + shlex.join(["python", "benchmarks/calibration.py", *argv]))
    if args.json is not None:
        args.json.write_text(json.dumps(per_seed, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
