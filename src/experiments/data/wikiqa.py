"""WikiQA (Yang et al., EMNLP 2015), shipped inside the package with its licence."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from experiments.data.files import load_files
from experiments.data.splits import PairSplits
from experiments.inputs import checked_by, require_file, require_folder

FILES = {split: f"WikiQA-{split}.tsv" for split in ("train", "dev", "test")}


def embedded_wikiqa_dir() -> Path:
    """The folder of the WikiQA files that ship with the package."""
    return Path(str(resources.files("experiments") / "resources" / "wikiqa"))


def check_wikiqa(root: str | None = None, **_: Any) -> None:
    """A ``data.root`` given in place of the shipped copy holds the three WikiQA files."""
    if root is not None:
        require_folder("data.root", Path(root))
        for name in FILES.values():
            require_file("data.root", Path(root) / name)


@checked_by(check_wikiqa)
def load_wikiqa(
    root: str | None = None,
    max_train_rows: int | None = None,
    seed: int = 0,
) -> PairSplits:
    """WikiQA as labelled (question, sentence) pairs: 20,360 / 2,733 / 6,165 rows, 1 = answers the question.

    The TSV files are read without quoting (quotes are text) and every row must have all 7 fields, so no row
    is merged or lost; pairs are grouped by ``QuestionID``.

    Args:
        root: folder holding ``WikiQA-{train,dev,test}.tsv``; None uses the copy inside the package.
        max_train_rows: keep at most this many training rows, stratified by label (for quick runs).
        seed: seed of that subset.
    """
    return load_files(
        **FILES,
        root=str(Path(root) if root else embedded_wikiqa_dir()),
        text_a="Question",
        text_b="Sentence",
        label="Label",
        group="QuestionID",
        label_order=["0", "1"],
        quoting="none",
        max_train_rows=max_train_rows,
        seed=seed,
        name="wikiqa",
    )
