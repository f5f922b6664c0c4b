"""A trained classifier on disk: the CrossEncoder plus its decision rule (calibration, threshold, labels, head)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sentence_transformers.cross_encoder import CrossEncoder

from experiments.calibration import Calibrator, calibrator_from_dict
from experiments.data.splits import DEV
from experiments.heads import Head, head_by_name
from experiments.precision import FP32, autocast

DECISION_FILE = "decision.json"


@dataclass(frozen=True)
class DecisionRule:
    """How scores become labels: the threshold chosen on dev at the best epoch (binary heads).

    ``calibration`` is the fitted calibrator (:meth:`Calibrator.to_dict
    <experiments.calibration.base.Calibrator.to_dict>`: its name and fitted values); the threshold
    was chosen on the calibrated dev scores. None (models saved before calibration existed) = none.
    """

    head: str
    label_names: list[str]
    threshold: float | None
    threshold_metric: str | None
    best_epoch: int
    select_metric: str
    # The precision the run scored in (``bf16`` or ``fp32``); the loaded classifier scores in it too.
    precision: str = FP32
    calibration: dict[str, Any] | None = None


def decision_rule(
    head: Head,
    label_names: Sequence[str],
    best: Mapping[str, float],
    threshold_metric: str,
    select_metric: str,
    precision: str,
    calibrator: Calibrator,
) -> DecisionRule:
    """The rule of the epoch tested: for binary heads, the dev threshold of ``threshold_metric`` in ``best``
    (the best epoch's record, ``dev_<metric>_threshold``); multiclass heads take the argmax (no threshold)."""
    metric = threshold_metric if head.binary else None
    return DecisionRule(
        head=head.name,
        label_names=list(label_names),
        threshold=best[f"{DEV}_{metric}_threshold"] if metric else None,
        threshold_metric=metric,
        best_epoch=int(best["epoch"]),
        select_metric=select_metric,
        precision=precision,
        calibration=calibrator.to_dict(),
    )


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
    """A saved classifier, loaded back: calibrated probabilities and labels for new pairs.

    Example::

        classifier = PairClassifier.load("outputs/.../model")
        classifier.predict([("how are glacier caves formed?", "A glacier cave is a cave formed within ice.")])
    """

    def __init__(
        self, model: CrossEncoder, head: Head, rule: DecisionRule, calibrator: Calibrator | None = None
    ) -> None:
        self.model = model
        self.head = head
        self.rule = rule
        self.calibrator: Calibrator = calibrator or calibrator_from_dict(rule.calibration)

    @classmethod
    def load(cls, folder: str | Path, device: str | None = None) -> PairClassifier:
        """The classifier saved in ``folder``; nothing in the folder chooses code to run.

        The head and the calibrator are looked up by name in fixed tables (:data:`experiments.heads.HEADS`,
        :data:`experiments.calibration.CALIBRATORS`); the CrossEncoder loads without remote code and with an
        identity activation, so the activation path its ``config.json`` may name is never imported.
        """
        folder = Path(folder)
        decision_path = folder / DECISION_FILE
        if not decision_path.is_file():
            raise FileNotFoundError(f"{decision_path} not found: {folder} is not a saved classifier")
        payload = json.loads(decision_path.read_text(encoding="utf-8"))
        # Folders saved before heads and calibrators were looked up by name also hold import paths: never imported.
        payload.pop("head_class", None)
        rule = DecisionRule(**payload)
        try:
            head = head_by_name(rule.head)
            calibrator = calibrator_from_dict(rule.calibration)
        except ValueError as error:
            raise ValueError(f"{decision_path}: {error}") from None
        # The head scores with its own activation (Head.logits): the model's is never read from config.json.
        model = CrossEncoder(str(folder), device=device, trust_remote_code=False, activation_fn=torch.nn.Identity())
        return cls(model, head, rule, calibrator)

    def predict_proba(self, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> np.ndarray:
        """Calibrated probabilities: of the positive class, shape (n,), for binary heads; (n, C) otherwise.

        Scored in the precision the run scored dev and test in (``rule.precision``)."""
        with autocast(self.rule.precision, self.model.device.type):
            logits = self.head.class_logits(self.model, pairs, batch_size)
        return self.calibrator.transform(logits)

    def scores(self, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> np.ndarray:
        """The same as :meth:`predict_proba`: the scores the threshold applies to."""
        return self.predict_proba(pairs, batch_size)

    def predict(self, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> list[str]:
        """Label names: the dev-tuned threshold (on calibrated scores) for binary heads, argmax otherwise."""
        return self.labels(self.predict_proba(pairs, batch_size))

    def labels(self, scores: np.ndarray) -> list[str]:
        """Label names of scores from :meth:`predict_proba`: above the threshold (binary heads) or argmax."""
        ids = (scores > self.rule.threshold).astype(int) if self.head.binary else np.argmax(scores, axis=1)
        return [self.rule.label_names[i] for i in ids]
