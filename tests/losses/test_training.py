"""Every loss option × every head trains the tiny model with CrossEncoderTrainer, and the loss goes down.

One batch of all 32 rows per step, so the logged losses are comparable from step to step.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from datasets import Dataset
from sentence_transformers.cross_encoder import CrossEncoder, CrossEncoderTrainer, CrossEncoderTrainingArguments

from experiments.data.splits import class_counts
from experiments.losses.probabilities import true_class_log_probs
from experiments.models import tiny_cross_encoder
from tests.losses.conftest import HEAD_LABELS, LOSS_OPTIONS, build_loss

WORDS = ["no", "yes", "maybe"]


def pair_rows(num_classes: int) -> Dataset:
    """An imbalanced, learnable set: the answer's key word gives the class (class 0 is the majority)."""
    shares = [24, 8] if num_classes == 2 else [18, 9, 5]
    rows = {"sentence_a": [], "sentence_b": [], "label": []}
    for label, share in enumerate(shares):
        for i in range(share):
            rows["sentence_a"].append(f"question number {i} about topic {i % 5}")
            rows["sentence_b"].append(f"the answer is {WORDS[label]} {WORDS[label]} for item {i}")
            rows["label"].append(label)
    return Dataset.from_dict(rows)


def training_cross_entropy(model: CrossEncoder, data: Dataset) -> float:
    """The model's mean cross-entropy on ``data``, from its raw logits."""
    pairs = list(zip(data["sentence_a"], data["sentence_b"], strict=True))
    logits = model.predict(pairs, activation_fn=torch.nn.Identity(), convert_to_tensor=True, show_progress_bar=False)
    log_pt, _ = true_class_log_probs(logits.view(len(pairs), -1).float(), torch.tensor(data["label"]))
    return -log_pt.mean().item()


@pytest.mark.parametrize("head", list(HEAD_LABELS))
@pytest.mark.parametrize("name", LOSS_OPTIONS)
def test_every_loss_trains_every_head(name: str, head: str, tmp_path: Path):
    num_labels = HEAD_LABELS[head]
    data = pair_rows(3 if head == "multiclass" else 2)
    torch.manual_seed(0)
    model = tiny_cross_encoder(num_labels=num_labels, max_length=24)
    loss = build_loss(name, model, class_counts(data["label"], 3 if head == "multiclass" else 2))
    args = CrossEncoderTrainingArguments(
        output_dir=str(tmp_path),
        num_train_epochs=10,
        per_device_train_batch_size=32,
        learning_rate=3e-3,
        logging_steps=1,
        save_strategy="no",
        report_to=[],
        seed=0,
        disable_tqdm=True,
    )
    cross_entropy_before = training_cross_entropy(model, data)
    trainer = CrossEncoderTrainer(model=model, args=args, train_dataset=data, loss=loss)
    trainer.train()
    losses = [record["loss"] for record in trainer.state.log_history if "loss" in record]
    assert len(losses) == 10 and all(torch.isfinite(torch.tensor(losses)))
    if name == "ghm":  # its weights are re-estimated every step, so its values are not comparable across steps
        assert training_cross_entropy(model, data) < cross_entropy_before
    else:
        assert sum(losses[-2:]) < sum(losses[:2]), losses
