"""A trained classifier on disk: the CrossEncoder plus its decision rule (threshold, labels, head)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sentence_transformers.cross_encoder import CrossEncoder

from experiments.heads import Head, head_by_name

DECISION_FILE = "decision.json"


@dataclass(frozen=True)
class DecisionRule:
    """How scores become labels: the threshold chosen on dev at the best epoch (binary heads)."""

    head: str
    label_names: list[str]
    threshold: float | None
    threshold_metric: str | None
    best_epoch: int
    select_metric: str


def save_classifier(model: CrossEncoder, head: Head, rule: DecisionRule, folder: str | Path) -> Path:
    """Write the model and ``decision.json`` to a temporary folder, then move it into place at once."""
    folder = Path(folder)
    if rule.head != head.name:
        raise ValueError(f"the decision rule names head {rule.head!r}, the model has {head.name!r}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        model.save_pretrained(str(staging))
        (staging / DECISION_FILE).write_text(json.dumps(asdict(rule), indent=2), encoding="utf-8")
        if folder.exists():
            retired = folder.with_name(f".{folder.name}-old")
            shutil.rmtree(retired, ignore_errors=True)
            os.replace(folder, retired)
            os.replace(staging, folder)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


class PairClassifier:
    """A saved classifier, loaded back: scores and labels for new pairs.

    Example::

        classifier = PairClassifier.load("outputs/.../model")
        classifier.predict([("how are glacier caves formed?", "A glacier cave is a cave formed within ice.")])
    """

    def __init__(self, model: CrossEncoder, head: Head, rule: DecisionRule) -> None:
        self.model = model
        self.head = head
        self.rule = rule

    @classmethod
    def load(cls, folder: str | Path, device: str | None = None) -> PairClassifier:
        folder = Path(folder)
        decision_path = folder / DECISION_FILE
        if not decision_path.is_file():
            raise FileNotFoundError(f"{decision_path} not found: {folder} is not a saved classifier")
        payload = json.loads(decision_path.read_text(encoding="utf-8"))
        # Folders saved before heads were looked up by name also hold the head's import path: never imported.
        payload.pop("head_class", None)
        rule = DecisionRule(**payload)
        try:
            head = head_by_name(rule.head)
        except ValueError as error:
            raise ValueError(f"{decision_path}: {error}") from None
        return cls(CrossEncoder(str(folder), device=device), head, rule)

    def scores(self, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> np.ndarray:
        return self.head.scores(self.model, pairs, batch_size)

    def predict(self, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> list[str]:
        """Label names: the dev-tuned threshold for binary heads, argmax otherwise."""
        scores = self.scores(pairs, batch_size)
        ids = (scores > self.rule.threshold).astype(int) if self.head.binary else np.argmax(scores, axis=1)
        return [self.rule.label_names[i] for i in ids]
