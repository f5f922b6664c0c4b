"""Small in-memory data sets for runner tests: SNLI rows (string labels) from tests/fixtures/."""

from __future__ import annotations

import json
from pathlib import Path

from datasets import Dataset
from omegaconf import DictConfig, OmegaConf, open_dict

from experiments.data.splits import LABEL, TEXT_A, TEXT_B, PairSplits

SNLI_SAMPLE = Path(__file__).parent / "fixtures" / "snli_dev_300.jsonl"


def read_snli_sample() -> list[dict[str, str]]:
    """The first 300 rows of the SNLI 1.0 dev split (``premise``, ``hypothesis``, string ``label``)."""
    with SNLI_SAMPLE.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def nli_splits(seed: int = 0, rows_per_split: int = 30, binary: bool = False) -> PairSplits:
    """Train / dev / test of ``rows_per_split`` SNLI rows each, labels mapped to ids by sorted name.

    With ``binary`` the labels become ``entailment`` (1) against ``other`` (0), about one third positive.
    ``seed`` is accepted for the data-group contract; the rows are taken in file order.
    """
    rows = read_snli_sample()
    if binary:
        rows = [{**row, "label": "entailment" if row["label"] == "entailment" else "other"} for row in rows]
        label_names = ["other", "entailment"]
    else:
        label_names = sorted({row["label"] for row in rows})
    label_ids = {name: i for i, name in enumerate(label_names)}

    def split(part: list[dict[str, str]]) -> Dataset:
        return Dataset.from_dict(
            {
                TEXT_A: [row["premise"] for row in part],
                TEXT_B: [row["hypothesis"] for row in part],
                LABEL: [label_ids[row["label"]] for row in part],
            }
        )

    n = rows_per_split
    return PairSplits(
        name="snli-sample",
        train=split(rows[:n]),
        dev=split(rows[n : 2 * n]),
        test=split(rows[2 * n : 3 * n]),
        label_names=label_names,
        rows_read={"train": n, "dev": n, "test": n},
    )


def use_nli_sample(cfg: DictConfig, binary: bool = False, rows_per_split: int = 30) -> DictConfig:
    """Point ``cfg.data`` at :func:`nli_splits` (a test-only data target)."""
    with open_dict(cfg):
        cfg.data = OmegaConf.create(
            {"_target_": "tests.factories.nli_splits", "rows_per_split": rows_per_split, "binary": binary}
        )
    return cfg
