"""Launched by ``test_ddp.py`` under ``torchrun``: which training rows each rank trains on, per epoch.

Every configuration of :data:`CASES` trains the tiny CrossEncoder for :data:`EPOCHS` epochs with
sentence-transformers' trainer, the project's sampler and batch sampler built as the runner builds them.
The collator sees every row the rank's prepared (accelerate-sharded) dataloader yields; it records the
row's id and drops that column before tokenising. Each rank writes ``<out>/rank<r>.json``.

Usage: ``python -m torch.distributed.run --nproc_per_node 2 tests/sampling/ddp_rows.py <out>``
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from datasets import Dataset
from sentence_transformers.cross_encoder import CrossEncoder
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from experiments.data.splits import LABEL, TEXT_A, TEXT_B
from experiments.distributed import process_rank
from experiments.models import tiny_cross_encoder
from experiments.run.training import GuardedCrossEncoderTrainer, training_arguments
from experiments.sampling import (
    EpochSampler,
    RandomOverSampling,
    RandomUnderSampling,
    RotatingUnderSampling,
    batch_sampler_factory,
    pair_lengths,
)

ROW_ID = "row_id"
EPOCHS = 3
BATCH_SIZE = 8
CHUNK_BATCHES = 2
# 70 majority and 21 minority rows. Epochs of 140 rows (over: 17 full batches of 8 and one of 4), 42 rows
# (under: 5 and one of 2) and 49 rows (rotating at 0.75: 28 majority rows a epoch, a cycle of 3 epochs whose
# last is topped up; 6 full batches and one of 1, fewer rows left over than ranks).
MAJORITY, MINORITY = 70, 21
SAMPLERS: dict[str, Callable[[int], EpochSampler]] = {
    "over": lambda seed: RandomOverSampling(ratio=1.0, random_state=seed),
    "under": lambda seed: RandomUnderSampling(ratio=1.0, random_state=seed),
    "rotating": lambda seed: RotatingUnderSampling(ratio=0.75, random_state=seed),
}
CASES = [("over", False), ("under", True), ("rotating", False), ("rotating", True)]

logger = logging.getLogger(__name__)


def case_name(sampling: str, grouped: bool) -> str:
    return f"{sampling}-{'grouped' if grouped else 'shuffled'}"


def imbalanced_rows(seed: int = 0) -> Dataset:
    """Labelled pairs of varied lengths with a ``row_id`` column (= the row's index)."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation([0] * MAJORITY + [1] * MINORITY)
    words = rng.integers(1, 40, size=len(labels))
    return Dataset.from_dict(
        {
            ROW_ID: list(range(len(labels))),
            TEXT_A: [" ".join(["question"] * int(n)) for n in words],
            TEXT_B: ["an answer" for _ in labels],
            LABEL: labels.tolist(),
        }
    )


class RowRecorder(TrainerCallback):
    """The trainer's collator, recording the ``row_id`` of every training batch, one list per epoch."""

    def __init__(self, collate: Callable[[list[dict[str, Any]]], Any]) -> None:
        self.collate = collate
        self.epochs: list[list[list[int]]] = []

    def on_epoch_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: object
    ) -> None:
        self.epochs.append([])

    def __getattr__(self, name: str) -> Any:  # the trainer reads the collator's settings (label columns)
        return getattr(self.__dict__["collate"], name)

    def __call__(self, features: list[dict[str, Any]]) -> Any:
        self.epochs[-1].append([int(row.pop(ROW_ID)) for row in features])
        return self.collate(features)


def train_case(model: CrossEncoder, sampling: str, grouped: bool, out: Path, seed: int = 12) -> dict[str, Any]:
    """Train one case for :data:`EPOCHS` epochs; the rows this rank trained on and the sampler's view."""
    train = imbalanced_rows()
    sampler = SAMPLERS[sampling](seed)
    sampler.fit(train[LABEL], 2)
    lengths = pair_lengths(train[TEXT_A], train[TEXT_B], model.tokenizer, model.max_seq_length) if grouped else None
    arguments = training_arguments(
        output_dir=str(out / "checkpoints" / case_name(sampling, grouped)),
        seed=seed,
        select_metric="eval_loss",
        batch_sampler=batch_sampler_factory(sampler, lengths, group_by_length=grouped, chunk_batches=CHUNK_BATCHES),
        epochs=EPOCHS,
        batch_size=BATCH_SIZE,
        save_checkpoints=False,
        extra_args={"use_cpu": True, "eval_strategy": "no", "disable_tqdm": True, "ddp_timeout": 60},
    )
    trainer = GuardedCrossEncoderTrainer(model=model, args=arguments, train_dataset=train)
    recorder = RowRecorder(trainer.data_collator)
    trainer.data_collator = recorder
    trainer.add_callback(recorder)
    trainer.train()
    return {
        "batches": recorder.epochs,
        "epoch_indices": [sampler.epoch_indices(epoch).tolist() for epoch in range(EPOCHS)],
        "served_epochs": sampler.served_epochs_,
        "epoch_metrics": [sampler.epoch_metrics(epoch) for epoch in range(EPOCHS)],
        "labels": list(train[LABEL]),
    }


def main(out: Path) -> None:
    logging.basicConfig(level=logging.WARNING)
    # Models are built before the first trainer: once the process group is up, rank 1's save_pretrained
    # (inside tiny_cross_encoder) writes no config.
    torch.manual_seed(0)
    models = [tiny_cross_encoder(num_labels=1, max_length=48) for _ in CASES]
    results = {
        case_name(sampling, grouped): train_case(model, sampling, grouped, out)
        for model, (sampling, grouped) in zip(models, CASES, strict=True)
    }
    (out / f"rank{process_rank()}.json").write_text(json.dumps(results))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
