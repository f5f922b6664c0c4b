"""Train every loss option on WikiQA with the same budget and seed; print dev/test F1, AP and MCC as Markdown.

    flock /tmp/bench.lock python benchmarks/losses.py --max-train-rows 1000 --epochs 1 --max-length 64

Each loss is one run of the project's runner (``experiments.run.runner.train``) with ``loss=<name>``; the runs go
to an MLflow store (a temporary SQLite file unless ``--tracking-uri`` is given). Dev figures are at the best
epoch, test figures at the dev-chosen F1 threshold.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import tempfile
import time
from pathlib import Path

from common import markdown_table
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from experiments.config.location import config_dir
from experiments.run.runner import train

LOSSES = sorted(path.stem for path in (Path(config_dir()) / "loss").glob("*.yaml"))
COLUMNS = {
    "dev F1": "best_dev_f1",
    "dev AP": "best_dev_average_precision",
    "dev MCC": "best_dev_mcc",
    "test F1": "test_f1",
    "test AP": "test_average_precision",
    "test MCC": "test_mcc",
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--losses", nargs="+", default=LOSSES, choices=LOSSES)
    parser.add_argument("--model", default="minilm", help="model config option (minilm, tiny)")
    parser.add_argument("--head", default="binary_sigmoid")
    parser.add_argument("--max-train-rows", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tracking-uri", default=None, help="MLflow store; a temporary SQLite file by default")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides, e.g. trainer.learning_rate=3e-5")
    return parser.parse_args(argv)


def run_one(loss: str, args: argparse.Namespace, workdir: Path, tracking_uri: str) -> dict[str, float]:
    overrides = [
        f"loss={loss}",
        f"model={args.model}",
        f"head={args.head}",
        f"seed={args.seed}",
        f"data.max_train_rows={args.max_train_rows}",
        f"trainer.epochs={args.epochs}",
        f"trainer.batch_size={args.batch_size}",
        f"model.max_length={args.max_length}",
        f"output_dir={workdir / loss}",
        f"tracking.tracking_uri={tracking_uri}",
        *args.overrides,
    ]
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    return train(cfg)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-losses-") as folder:
        tracking_uri = args.tracking_uri or f"sqlite:///{Path(folder) / 'mlflow.db'}"
        rows = []
        for loss in args.losses:
            start = time.perf_counter()
            try:
                summary = run_one(loss, args, Path(folder), tracking_uri)
                cells = [f"{summary[key]:.3f}" for key in COLUMNS.values()]
            except Exception as error:  # one failing loss must not hide the others' figures
                cells = [f"failed: {type(error).__name__}"] + [""] * (len(COLUMNS) - 1)
            rows.append([loss, *cells, f"{time.perf_counter() - start:.0f}"])
            print(f"{loss}: {' '.join(cells)}", flush=True)
    header = ["loss", *COLUMNS, "seconds"]
    print()
    print(markdown_table(header, rows))
    print()
    print("Command: " + shlex.join(["python", "benchmarks/losses.py", *(argv if argv is not None else sys.argv[1:])]))
    print(
        f"WikiQA, model={args.model}, head={args.head}, seed={args.seed}, {args.max_train_rows} training rows, "
        f"{args.epochs} epoch(s), max_length={args.max_length}"
    )


if __name__ == "__main__":
    main()
