"""GPU training throughput: MiniLM-L6 and a randomly initialised BERT-base, fp32 against bf16,
the framework against the plain sentence-transformers trainer; peak GPU memory. Skips without CUDA.

Both contenders run in this process, one after the other, on the same WikiQA rows, with the same
hyper-parameters, one epoch and no checkpoints; the framework with its defaults (length-grouped batches).

    python benchmarks/gpu.py --train-rows 4000 --dev-rows 500
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import torch
from common import header, scratch, wikiqa_subset

BERT_BASE = {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072}
MODELS = {
    "minilm": ["model=minilm"],
    "bert-base-random": ["model=tiny", *(f"model.{key}={value}" for key, value in BERT_BASE.items())],
}


def plain(data: Path, model_name: str, bf16: bool, args: argparse.Namespace) -> tuple[float, float]:
    """The hand-written trainer script; (training pairs/s without evaluation, peak GPU memory GiB)."""
    import pandas as pd
    from datasets import Dataset
    from sentence_transformers.cross_encoder import CrossEncoder, CrossEncoderTrainer, CrossEncoderTrainingArguments
    from sentence_transformers.cross_encoder.evaluation import CrossEncoderClassificationEvaluator
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
    from transformers import set_seed

    from experiments.models import load_cross_encoder, tiny_cross_encoder

    def read(split: str) -> pd.DataFrame:
        return pd.read_csv(data / f"WikiQA-{split}.tsv", sep="\t", quoting=3, dtype=str, keep_default_na=False)

    train, dev = read("train"), read("dev")
    set_seed(args.seed)
    if model_name == "minilm":
        model = load_cross_encoder(1, "sentence-transformers/all-MiniLM-L6-v2", max_length=args.max_length)
    else:
        model = tiny_cross_encoder(1, max_length=args.max_length, **BERT_BASE)
    assert isinstance(model, CrossEncoder)
    dataset = Dataset.from_dict(
        {
            "sentence_a": list(train["Question"]),
            "sentence_b": list(train["Sentence"]),
            "label": list(train["Label"].astype(int)),
        }
    )
    evaluator = CrossEncoderClassificationEvaluator(
        list(zip(dev["Question"], dev["Sentence"], strict=True)),
        list(dev["Label"].astype(int)),
        name="dev",
        batch_size=64,
        write_csv=False,
    )
    with tempfile.TemporaryDirectory() as out:
        training_args = CrossEncoderTrainingArguments(
            output_dir=out,
            seed=args.seed,
            data_seed=args.seed,
            num_train_epochs=1,
            per_device_train_batch_size=32,
            learning_rate=5e-5,
            warmup_steps=0.1,
            weight_decay=0.01,
            max_grad_norm=1.0,
            bf16=bf16,
            eval_strategy="epoch",
            logging_strategy="epoch",
            save_strategy="no",
            report_to=[],
        )
        trainer = CrossEncoderTrainer(
            model=model,
            args=training_args,
            train_dataset=dataset,
            loss=BinaryCrossEntropyLoss(model),
            evaluator=evaluator,
        )
        torch.cuda.reset_peak_memory_stats()
        trainer.train()
    history = trainer.state.log_history
    train_s = sum(e["train_runtime"] for e in history if "train_runtime" in e)
    eval_s = sum(e["eval_runtime"] for e in history if "eval_runtime" in e)
    return len(train) / (train_s - eval_s), torch.cuda.max_memory_allocated() / 2**30


def framework(data: Path, work: Path, model_name: str, bf16: bool, args: argparse.Namespace) -> tuple[float, float]:
    """``experiments.run.runner.train`` on the composed config; (training pairs/s, peak GPU memory GiB)."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from mlflow.tracking import MlflowClient
    from omegaconf import open_dict

    from experiments.config.location import config_dir
    from experiments.run.runner import train

    GlobalHydra.instance().clear()
    overrides = [
        *MODELS[model_name],
        f"data.root={data}",
        "data.max_train_rows=null",
        f"seed={args.seed}",
        "trainer.epochs=1",
        f"model.max_length={args.max_length}",
        "trainer.save_checkpoints=false",
        f"trainer.precision={'bf16' if bf16 else 'fp32'}",
        f"tracking.tracking_uri=sqlite:///{work}/mlflow.db",
    ]
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    with open_dict(cfg):
        cfg.output_dir = str(work / f"run-{model_name}-{bf16}")
    torch.cuda.reset_peak_memory_stats()
    train(cfg)
    client = MlflowClient(f"sqlite:///{work}/mlflow.db")
    experiment = client.get_experiment_by_name("crossencoder-imbalance")
    run = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time DESC"], max_results=1)[0]
    return run.data.metrics["train_pairs_per_second"], torch.cuda.max_memory_allocated() / 2**30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-rows", type=int, default=4000)
    parser.add_argument("--dev-rows", type=int, default=500)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    args = parser.parse_args()
    header("GPU training throughput")
    if not torch.cuda.is_available():
        print("skipped: no CUDA device on this machine")
        sys.exit(0)
    work = scratch()
    data = wikiqa_subset(work / "data", args.train_rows, args.dev_rows)
    print(f"rows: train {args.train_rows}, dev ~{args.dev_rows}; 1 epoch; max_length {args.max_length}; batch 32")
    columns = f"{'plain pairs/s':>15}{'framework pairs/s':>19}{'ratio':>7}{'plain GiB':>11}{'framework GiB':>15}"
    print(f"{'model':<18}{'precision':<10}{columns}")
    for model_name in args.models:
        for bf16 in (False, True):
            plain_pps, plain_gib = plain(data, model_name, bf16, args)
            framework_pps, framework_gib = framework(data, work, model_name, bf16, args)
            print(
                f"{model_name:<18}{'bf16' if bf16 else 'fp32':<10}{plain_pps:>15.1f}{framework_pps:>19.1f}"
                f"{framework_pps / plain_pps:>7.2f}{plain_gib:>11.2f}{framework_gib:>15.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
