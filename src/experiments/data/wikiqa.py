"""WikiQA (Yang et al., EMNLP 2015), shipped inside the package with its licence."""

from __future__ import annotations

import csv
import logging
from importlib import resources
from pathlib import Path

import pandas as pd
from datasets import Dataset

from experiments.data.splits import LABEL, TEXT_A, TEXT_B, PairSplits, check_pair_split, stratified_subset
from experiments.errors import ConfigurationError

logger = logging.getLogger(__name__)

WIKIQA_COLUMNS = ["QuestionID", "Question", "DocumentID", "DocumentTitle", "SentenceID", "Sentence", "Label"]


def embedded_wikiqa_dir() -> Path:
    """The folder of the WikiQA files that ship with the package."""
    return Path(str(resources.files("experiments") / "resources" / "wikiqa"))


def read_wikiqa_split(path: Path) -> pd.DataFrame:
    """One WikiQA TSV file, every row kept: quotes are text, not quoting, and the count is checked."""
    if not path.is_file():
        raise ConfigurationError(f"WikiQA file not found: {path}")
    frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [column for column in WIKIQA_COLUMNS if column not in frame.columns]
    if missing:
        raise ConfigurationError(f"{path}: missing column(s) {missing}; expected {WIKIQA_COLUMNS}")
    with path.open(encoding="utf-8", newline="") as handle:
        lines = sum(1 for line in handle if line.strip()) - 1
    if lines != len(frame):
        raise ConfigurationError(f"{path}: {lines} data lines but {len(frame)} rows parsed; rows were merged")
    bad = ~frame["Label"].isin(["0", "1"])
    if bad.any():
        row = int(bad.idxmax())
        raise ConfigurationError(f"{path}: row {row + 1}, column 'Label': expected 0 or 1, got {frame['Label'][row]!r}")
    return frame


def _to_pairs(frame: pd.DataFrame) -> Dataset:
    return Dataset.from_dict(
        {
            TEXT_A: frame["Question"].tolist(),
            TEXT_B: frame["Sentence"].tolist(),
            LABEL: frame["Label"].astype(int).tolist(),
            "group": frame["QuestionID"].tolist(),
        }
    )


def load_wikiqa(
    root: str | None = None,
    max_train_rows: int | None = None,
    seed: int = 0,
) -> PairSplits:
    """WikiQA as labelled (question, sentence) pairs: 20,360 / 2,733 / 6,165 rows, 1 = answers the question.

    Args:
        root: folder holding ``WikiQA-{train,dev,test}.tsv``; None uses the copy inside the package.
        max_train_rows: keep at most this many training rows, stratified by label (for quick runs).
        seed: seed of that subset.
    """
    folder = Path(root) if root else embedded_wikiqa_dir()
    frames = {split: read_wikiqa_split(folder / f"WikiQA-{split}.tsv") for split in ("train", "dev", "test")}
    rows_read = {split: len(frame) for split, frame in frames.items()}
    splits = {split: _to_pairs(frame) for split, frame in frames.items()}
    train = stratified_subset(splits["train"], max_train_rows, seed)
    data = PairSplits(
        name="wikiqa",
        train=train,
        dev=splits["dev"],
        test=splits["test"],
        label_names=["0", "1"],
        rows_read=rows_read,
    )
    for split, dataset in data.splits().items():
        check_pair_split(dataset, split, str(folder), data.num_classes)
    logger.info("WikiQA rows read %s, training on %d", rows_read, len(train))
    return data
