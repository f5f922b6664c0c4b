"""Each robustness tool on WikiQA against the same run without it; prints one Markdown table.

    flock /tmp/bench.lock python benchmarks/toolbox.py --max-train-rows 2000 --max-length 64 trainer.learning_rate=1e-4

Every row is a run of the project's runner (``experiments.run.runner.train``) with the same model, rows, seed and
budget as the baseline (``loss=plain``, one epoch), plus one switch:

- ``regularization=fgm`` and ``augmentation=minority``: one run each, against the baseline;
- early stopping: ``--long-epochs`` epochs with and without ``evaluation.early_stopping_patience=1``;
- distillation: ``loss=distillation``, one epoch, against the baseline (the same student budget without a
  teacher); the teacher is the long run without early stopping (``--teacher long``) or the earlier run with
  the best dev AP (``--teacher best``);
- ensemble: ``experiments-ensemble`` over the baseline and two more seeds, against those single runs;
- cross-validation: ``cv.folds=K`` on the same training rows, mean ± std over the folds.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import markdown_table
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from mlflow.tracking import MlflowClient

from experiments.config.location import config_dir
from experiments.reporting.ensemble import evaluate_ensemble
from experiments.run.runner import train
from experiments.tracking.resume import RUN_ID_FILE

KEYS = ("best_dev_f1", "best_dev_average_precision", "test_f1", "test_average_precision", "test_mcc")
HEADER = ["tool", "run", "epochs trained", "train s", "dev F1", "dev AP", "test F1", "test AP", "test MCC"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="minilm", help="model config option (minilm, tiny)")
    parser.add_argument("--max-train-rows", type=int, default=2000)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--long-epochs", type=int, default=4, help="epochs of the early-stopping pair")
    parser.add_argument("--teacher", choices=["long", "best"], default="long", help="the distillation teacher")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--ensemble-seeds", type=int, nargs="+", default=[43, 44], help="members beside --seed")
    parser.add_argument(
        "--tools", nargs="+", default=["fgm", "augmentation", "early_stopping", "distillation", "ensemble", "cv"]
    )
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides for every run")
    return parser.parse_args(argv)


class Bench:
    """Runs configurations into one MLflow store and turns their results into table rows."""

    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        self.args, self.folder = args, folder
        self.tracking_uri = f"sqlite:///{folder / 'mlflow.db'}"
        self.client = MlflowClient(self.tracking_uri)
        self.rows: list[list[str]] = []
        self.done: dict[str, tuple[dict[str, float], Path]] = {}

    def run(self, name: str, *overrides: str) -> tuple[dict[str, float], Path]:
        """Train one configuration; its summary and output folder (saved model, run id)."""
        output = self.folder / name
        base = [
            f"model={self.args.model}",
            f"seed={self.args.seed}",
            f"data.max_train_rows={self.args.max_train_rows}",
            f"model.max_length={self.args.max_length}",
            "trainer.epochs=1",
            f"output_dir={output}",
            f"tracking.tracking_uri={self.tracking_uri}",
            *self.args.overrides,
        ]
        GlobalHydra.instance().clear()
        with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
            cfg = compose("train", overrides=[*base, *overrides])
        summary = train(cfg)
        self.done[name] = (summary, output)
        print(f"{name}: " + ", ".join(f"{key}={summary[key]:.4f}" for key in KEYS if key in summary), flush=True)
        return summary, output

    def run_id(self, output: Path) -> str:
        return (output / RUN_ID_FILE).read_text(encoding="utf-8").strip()

    def add(self, tool: str, label: str, metrics: dict[str, float], output: Path | None = None) -> None:
        epochs, seconds = "", ""
        if output is not None:
            run_id = self.run_id(output)
            epochs = str(len(self.client.get_metric_history(run_id, "dev_f1")))
            seconds = f"{self.client.get_run(run_id).data.metrics['train_runtime_s']:.0f}"
        cells = [f"{metrics[key]:.3f}" if key in metrics else "" for key in KEYS]
        self.rows.append([tool, label, epochs, seconds, *cells])


def with_std(summaries: dict[str, float]) -> dict[str, str]:
    return {key: f"{summaries[key]:.3f} ± {summaries[f'cv_std_{key}']:.3f}" for key in KEYS if key in summaries}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-toolbox-") as folder:
        bench = Bench(args, Path(folder))
        baseline, baseline_dir = bench.run("baseline")
        bench.add("none (baseline)", "plain, 1 epoch", baseline, baseline_dir)
        if "fgm" in args.tools:
            bench.add("FGM", "regularization=fgm", *bench.run("fgm", "regularization=fgm"))
        if "augmentation" in args.tools:
            bench.add("augmentation", "augmentation=minority", *bench.run("augmentation", "augmentation=minority"))
        long_epochs = f"trainer.epochs={args.long_epochs}"
        if "early_stopping" in args.tools or ("distillation" in args.tools and args.teacher == "long"):
            bench.add("early stopping", f"{args.long_epochs} epochs, no patience", *bench.run("long", long_epochs))
        if "early_stopping" in args.tools:
            stopped = bench.run("early_stopping", long_epochs, "evaluation.early_stopping_patience=1")
            bench.add("early stopping", f"{args.long_epochs} epochs, patience 1", *stopped)
        if "distillation" in args.tools:
            name = (
                "long"
                if args.teacher == "long"
                else max(bench.done, key=lambda run: bench.done[run][0]["best_dev_average_precision"])
            )
            teacher, teacher_dir = bench.done[name]
            bench.add("distillation", f"teacher: the {name} run", teacher, teacher_dir)
            student = bench.run("distillation", "loss=distillation", f"loss.teacher={teacher_dir / 'model'}")
            bench.add("distillation", "student, 1 epoch", *student)
        if "ensemble" in args.tools:
            members = [bench.run(f"seed{seed}", f"seed={seed}") for seed in args.ensemble_seeds]
            for (summary, output), seed in zip(members, args.ensemble_seeds, strict=True):
                bench.add("ensemble", f"member seed {seed}", summary, output)
            run_ids = [bench.run_id(baseline_dir), *(bench.run_id(output) for _, output in members)]
            singles = [baseline, *(summary for summary, _ in members)]
            single_mean = {key: float(np.mean([summary[key] for summary in singles])) for key in KEYS}
            bench.add("ensemble", f"mean of the {len(singles)} single runs", single_mean)
            ensemble = evaluate_ensemble(run_ids, bench.tracking_uri)
            as_summary = {f"best_{key}": value for key, value in ensemble.items()} | ensemble
            bench.add("ensemble", f"{len(singles)}-run average", as_summary)
        if "cv" in args.tools:
            summary, output = bench.run("cv", f"cv.folds={args.folds}")
            cells = with_std(summary)
            bench.rows.append(
                ["cross-validation", f"{args.folds} folds, mean ± std", "", "", *(cells.get(key, "") for key in KEYS)]
            )
    print()
    print(markdown_table(HEADER, bench.rows, text_columns=2))
    print()
    print("Command: " + shlex.join(["python", "benchmarks/toolbox.py", *(argv if argv is not None else sys.argv[1:])]))
    print(
        f"WikiQA, model={args.model}, seed={args.seed}, {args.max_train_rows} training rows, "
        f"max_length={args.max_length}; {time.perf_counter() - start:.0f} s in all"
    )


if __name__ == "__main__":
    main()
