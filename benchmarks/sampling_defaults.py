"""Which sampling default fits which data: rotating 1:1 against no sampling against rotating 1:2, over seeds.

Four data sets of different imbalance, each its own MLflow experiment (``sampling-<data set>``) in one store:

- ``wikiqa``: WikiQA answer selection, 5 % positive (a fixed stratified training sample, the first whole questions
  of dev and test: :func:`common.wikiqa_subset`);
- ``snli_binary`` / ``mnli_binary``: SNLI 1.0 dev / MultiNLI dev-matched (the files in ``../shared/data``) as
  "contradiction" (positive, 33 %) against the rest; dev and test carved by ``data=files`` (10 % each);
- ``snli``: SNLI three-class (about one third each), the multiclass head selected by dev macro F1.

Each arm is one ``experiments-train -m`` sweep over the seeds: ``sampling=rotating sampling.ratio=1.0,0.5``
(1:1, the old default, and 1:2) and ``sampling=none``. Everything else is the project's default (MiniLM-L6,
learning rate 1e-4, batch 32) except the budget, which is a command-line argument. The table is made afterwards
with ``experiments-compare`` (commands printed at the end). Run it under the shared lock, e.g.::

    flock /tmp/bench.lock python benchmarks/sampling_defaults.py --work /tmp/sampling-defaults
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

from common import ENV, ROOT, header, wikiqa_subset

SHARED = ROOT.parent / "shared" / "data"
ARMS = (("sampling=rotating", "sampling.ratio=1.0,0.5"), ("sampling=none",))
DATA_SETS = ("wikiqa", "snli_binary", "snli", "mnli_binary")
NLI_FILES = {"snli": "snli/snli_1.0_dev.simplified.jsonl", "mnli": "mnli/multinli_1.0_dev_matched.simplified.jsonl"}


def contradiction_file(source: Path, target: Path) -> Path:
    """An NLI file as binary pairs: ``contradiction`` stays, ``entailment`` and ``neutral`` become ``other``."""
    with source.open(encoding="utf-8") as rows, target.open("w", encoding="utf-8") as out:
        for line in rows:
            row = json.loads(line)
            row["label"] = "contradiction" if row["label"] == "contradiction" else "other"
            out.write(json.dumps(row) + "\n")
    return target


def data_overrides(name: str, data: Path, args: argparse.Namespace) -> list[str]:
    """The Hydra overrides that select data set ``name`` (files written into ``data`` where needed)."""
    if name == "wikiqa":
        folder = wikiqa_subset(data / "wikiqa", args.wikiqa_train_rows, args.dev_rows, test_rows=args.test_rows)
        return ["data=wikiqa", f"data.root={folder}", "data.max_train_rows=null"]
    if name == "snli":
        return [
            "experiment=snli", f"data.root={args.shared / 'snli'}", f"data.max_train_rows={args.train_rows}",
            f"data.dev_fraction={args.dev_fraction}",
        ]  # fmt: skip
    corpus = name.removesuffix("_binary")
    path = contradiction_file(args.shared / NLI_FILES[corpus], data / f"{corpus}_contradiction.jsonl")
    return [
        "data=files", f"data.root={data}", f"data.train={path.name}", "data.text_a=premise", "data.text_b=hypothesis",
        "data.label=label", "data.label_order=[other,contradiction]", f"data.max_train_rows={args.train_rows}",
        f"data.dev_fraction={args.dev_fraction}",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="folder for data files, sweeps and the store")
    parser.add_argument("--data-sets", nargs="+", choices=DATA_SETS, default=list(DATA_SETS))
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train-rows", type=int, default=600, help="stratified training rows of the NLI sets")
    parser.add_argument("--dev-fraction", type=float, default=0.05, help="dev share carved from the NLI files")
    parser.add_argument("--wikiqa-train-rows", type=int, default=1500, help="stratified WikiQA training rows")
    parser.add_argument("--dev-rows", type=int, default=400, help="WikiQA dev rows (whole questions)")
    parser.add_argument("--test-rows", type=int, default=1000, help="WikiQA test rows (whole questions)")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder")
    args = parser.parse_args(argv)
    header("Sampling defaults across data sets")
    args.work.mkdir(parents=True, exist_ok=True)
    store = f"sqlite:///{args.work.resolve() / 'mlflow.db'}"
    for name in args.data_sets:
        overrides = data_overrides(name, args.work / "data", args)
        for arm in ARMS:
            command = [
                sys.executable, "-m", "experiments.train", "-m", *overrides, *arm, f"seed={args.seeds}",
                f"trainer.epochs={args.epochs}", f"tracking.tracking_uri={store}",
                f"tracking.experiment_name=sampling-{name}", "tracking.log_model=false",
                f"hydra.sweep.dir={args.work.resolve() / 'sweeps' / name / arm[0].split('=')[1]}",
            ]  # fmt: skip
            print(f"$ {shlex.join(command[1:])}", flush=True)
            start = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, check=False)
            print(f"  exit {done.returncode}, {time.perf_counter() - start:.0f} s", flush=True)
            if done.returncode:
                sys.stdout.write(done.stderr[-4000:])
    for name in args.data_sets:
        print(
            f"experiments-compare --tracking-uri {store} --experiment sampling-{name} --group-by sampling "
            "--group-by sampling.ratio --baseline rotating,1.0 --metric test_f1 test_mcc test_average_precision"
        )


if __name__ == "__main__":
    main()
