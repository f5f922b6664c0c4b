"""Shared pieces of the benchmark scripts: the machine, WikiQA subsets, and running the two contenders.

Every contender runs in its own Python process so that imports, model loading and memory are counted
as a user would meet them. Budgets are command-line arguments; defaults are small.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WIKIQA = ROOT / "src" / "experiments" / "resources" / "wikiqa"
ENV = {
    **os.environ,
    "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def machine() -> str:
    """CPU model, cores, torch threads, GPU (if any), library versions."""
    import sentence_transformers
    import torch
    import transformers

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return (
        f"{cpu}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}, GPU {gpu}; "
        f"python {platform.python_version()}, torch {torch.__version__}, transformers {transformers.__version__}, "
        f"sentence-transformers {sentence_transformers.__version__}"
    )


def header(title: str) -> None:
    print(f"# {title}")
    print(f"date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {machine()}")
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print()


def budget_arguments(parser: argparse.ArgumentParser, train_rows: int = 800, dev_rows: int = 500) -> None:
    parser.add_argument("--train-rows", type=int, default=train_rows, help="stratified WikiQA training rows")
    parser.add_argument("--dev-rows", type=int, default=dev_rows, help="dev (and test) rows, whole questions")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])


def _lines(split: str) -> tuple[str, list[str]]:
    head, *rows = (WIKIQA / f"WikiQA-{split}.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
    return head, [row for row in rows if row.strip()]


def wikiqa_subset(folder: Path, train_rows: int, dev_rows: int, seed: int = 0, test_rows: int | None = None) -> Path:
    """WikiQA files with a label-stratified sample of training rows and the first whole questions of dev/test
    (at least ``dev_rows`` rows of dev, ``test_rows`` of test, default ``dev_rows``).

    Both contenders read these same files (the framework via ``data.root``), so they see identical rows.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    head, rows = _lines("train")
    labels = np.array([row.rstrip("\n").split("\t")[-1] for row in rows])
    keep: list[int] = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        keep.extend(rng.choice(members, size=round(train_rows * len(members) / len(rows)), replace=False))
    (folder / "WikiQA-train.tsv").write_text(head + "".join(rows[i] for i in sorted(keep)), encoding="utf-8")
    for split, wanted in (("dev", dev_rows), ("test", dev_rows if test_rows is None else test_rows)):
        head, rows = _lines(split)
        cut = min(wanted, len(rows))
        question = rows[cut - 1].split("\t", 1)[0]
        while cut < len(rows) and rows[cut].split("\t", 1)[0] == question:
            cut += 1
        (folder / f"WikiQA-{split}.tsv").write_text(head + "".join(rows[:cut]), encoding="utf-8")
    return folder


def _run(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-6000:])
        raise RuntimeError(f"failed ({done.returncode}): {shlex.join(command)}")
    return wall, done.stdout


def plain_command(data: Path, work: Path, seed: int, epochs: int, max_length: int) -> list[str]:
    """The hand-written sentence-transformers script on the files in ``data``."""
    script = ROOT / "benchmarks" / "plain_script.py"
    return [sys.executable, str(script), str(data), str(work / "plain"), str(seed), str(epochs), str(max_length)]


def run_plain(data: Path, work: Path, seed: int, epochs: int, max_length: int) -> dict[str, float]:
    """The hand-written script; its own timings plus the process wall time."""
    wall, out = _run(plain_command(data, work, seed, epochs, max_length))
    result = json.loads(out.strip().splitlines()[-1])
    return {"wall_s": wall, **result}


def _framework_overrides(data: Path, work: Path, epochs: int, max_length: int) -> list[str]:
    return [
        f"data.root={data}",
        "data.max_train_rows=null",
        "sampling=none",  # the plain script's rows and learning rate, whatever the defaults
        "trainer.learning_rate=5e-5",
        f"trainer.epochs={epochs}",
        f"model.max_length={max_length}",
        "trainer.save_checkpoints=false",
        f"tracking.tracking_uri=sqlite:///{work}/mlflow.db",
    ]


def framework_command(data: Path, work: Path, seed: int, epochs: int, max_length: int, *extra: str) -> list[str]:
    """One ``experiments-train`` run on the files in ``data``, logging to ``work/mlflow.db``."""
    return [
        sys.executable,
        "-m",
        "experiments.train",
        *_framework_overrides(data, work, epochs, max_length),
        f"seed={seed}",
        f"hydra.run.dir={work}/run-{time.time_ns()}",
        *extra,
    ]


def sweep_command(data: Path, work: Path, epochs: int, max_length: int, *sweep: str) -> list[str]:
    """An ``experiments-train -m`` multirun over ``sweep`` (e.g. ``seed=1,2``), the rest as one run."""
    return [
        sys.executable,
        "-m",
        "experiments.train",
        "-m",
        *_framework_overrides(data, work, epochs, max_length),
        f"hydra.sweep.dir={work}/sweep-{time.time_ns()}",
        *sweep,
    ]


def last_run_metrics(work: Path) -> dict[str, float]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{work}/mlflow.db")
    experiment = client.get_experiment_by_name("crossencoder-imbalance")
    run = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time DESC"], max_results=1)[0]
    best_epoch = int(run.data.metrics["dev/best_epoch"])
    best = {  # the dev figures of the best epoch, from the per-epoch history
        f"best_{name}": next(m.value for m in client.get_metric_history(run.info.run_id, name) if m.step == best_epoch)
        for name in ("dev/f1", "dev/average_precision")
    }
    return {**run.data.metrics, **best}


def run_framework(data: Path, work: Path, seed: int, epochs: int, max_length: int, *extra: str) -> dict[str, float]:
    """``experiments-train`` on the same files; timings and dev metrics read back from its MLflow run."""
    wall, _ = _run(framework_command(data, work, seed, epochs, max_length, *extra))
    metrics = last_run_metrics(work)
    return {
        "wall_s": wall,
        "train_runtime_s": metrics["time/train_runtime_s"],
        "eval_runtime_s": metrics["time/eval_runtime_s"],
        "train_pairs_per_second": metrics["time/train_pairs_per_second"],
        "dev_f1": metrics["best_dev/f1"],
        "dev_average_precision": metrics["best_dev/average_precision"],
    }


def scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="bench-"))


def markdown_table(header: list[str], rows: list[list[str]], text_columns: int = 1) -> str:
    """A Markdown table; the first ``text_columns`` columns left-aligned, the rest (figures) right-aligned."""
    rule = ["---"] * text_columns + ["---:"] * (len(header) - text_columns)
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [header, rule, *rows])


def show(label: str, result: dict[str, float]) -> None:
    keys = ("wall_s", "train_runtime_s", "eval_runtime_s", "train_pairs_per_second", "dev_f1", "dev_average_precision")
    print(f"{label:<28}" + "  ".join(f"{key}={result[key]:.4g}" for key in keys if key in result), flush=True)


def mean(results: list[dict[str, float]], key: str) -> float:
    return float(np.mean([result[key] for result in results]))
