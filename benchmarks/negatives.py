"""WikiQA test MAP / MRR for every negatives mode, with the same model and training budget.

Run from the project root (MiniLM: wrap in the shared lock on a shared machine):

    flock /tmp/bench.lock python benchmarks/negatives.py --groups 100 --epochs 1

Every mode trains on the same seeded subset of training questions; dev selects the epoch by MAP;
dev and test hold the questions with a correct and a wrong sentence (122 / 237), as in the papers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import open_dict

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MODES = {
    "flatten": ["negatives=flatten"],
    "sample_k": ["negatives=sample_k", "negatives.k=3"],
    "fixed_k": ["negatives=fixed_k", "negatives.k=3"],
    "listwise (lambdaloss)": ["negatives=listwise"],
    "listwise (listnet)": ["negatives=listwise", "loss=listnet"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--groups", type=int, default=100, help="training questions (data.max_train_groups)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--modes", nargs="*", default=list(MODES), choices=list(MODES))
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from experiments.config.location import config_dir
    from experiments.run.runner import train

    print("command:", "python", " ".join(sys.argv), flush=True)
    common = [
        f"model={args.model}",
        f"model.max_length={args.max_length}",
        "data=wikiqa_grouped",
        f"data.max_train_groups={args.groups}",
        "data.ranked_eval_only=true",
        f"trainer.epochs={args.epochs}",
        f"trainer.batch_size={args.batch_size}",
        "trainer.save_checkpoints=false",
        "evaluation.select_metric=dev_map",
        f"seed={args.seed}",
    ]
    print("overrides:", " ".join(common))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for mode in args.modes:
            GlobalHydra.instance().clear()
            with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
                cfg = compose("train", overrides=common + MODES[mode], return_hydra_config=True)
            HydraConfig.instance().set_config(cfg)
            with open_dict(cfg):
                cfg.output_dir = str(Path(folder) / mode.split()[0])
                cfg.tracking.tracking_uri = f"sqlite:///{folder}/mlflow.db"
                del cfg["hydra"]
            start = time.perf_counter()
            summary = train(cfg)
            seconds = time.perf_counter() - start
            rows.append((mode, summary["test_map"], summary["test_mrr"], summary["test_ndcg_at_10"], seconds))
            print(f"{mode}: test MAP {rows[-1][1]:.4f} MRR {rows[-1][2]:.4f} ({seconds:.0f} s)", flush=True)
    print("\n| mode | test MAP | test MRR | test nDCG@10 | seconds |\n|---|---|---|---|---|")
    for mode, map_, mrr, ndcg, seconds in rows:
        print(f"| {mode} | {map_:.4f} | {mrr:.4f} | {ndcg:.4f} | {seconds:.0f} |")


if __name__ == "__main__":
    main()
