"""The per-epoch evaluator: scores a split through the head and returns prefixed metrics."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from sentence_transformers.base.evaluation import BaseEvaluator
from sentence_transformers.cross_encoder import CrossEncoder

from experiments.data.splits import values
from experiments.evaluation.metrics import multiclass_metrics, tuned_binary_metrics
from experiments.evaluation.ranking import ranking_metrics
from experiments.heads.base import Head

logger = logging.getLogger(__name__)


class PairClassificationEvaluator(BaseEvaluator):
    """Evaluates a CrossEncoder on labelled pairs, for any head.

    Binary heads get the best accuracy / F1 / F-beta / MCC and their thresholds (see
    :mod:`experiments.evaluation.thresholds`), precision and recall, average precision, ROC AUC and
    balanced accuracy; multiclass heads get accuracy, macro / weighted F1, balanced accuracy, MCC and
    per-class scores; every head gets the expected calibration error ``ece`` and the Brier score
    ``brier`` (lower is better). With ``groups`` (one query id per pair) it adds MAP, MRR and nDCG@10.
    The scores of every call are kept in :attr:`scores_by_epoch` and their logits
    (:meth:`Head.class_logits <experiments.heads.base.Head.class_logits>`) in :attr:`logits_by_epoch`
    (keyed by the rounded epoch the trainer passes; -1 outside training), so the best epoch's dev
    scores are at hand for plots and calibration without scoring dev again; :attr:`last_scores`
    holds the latest.

    Args:
        pairs: (text_a, text_b) pairs.
        labels: class ids.
        head: turns model outputs into scores.
        label_names: class names by id.
        name: metric prefix, e.g. ``dev`` gives ``dev_f1``.
        primary_metric: the metric that selects the best epoch, without the prefix (``f1``, ``mcc``, ...).
        beta: β of F-beta.
        threshold_metric: the threshold metric whose threshold decides labels (``f1``, ``accuracy``, ...).
        batch_size: scoring batch size.
        groups: optional query id per pair, for ranking metrics.
    """

    def __init__(
        self,
        pairs: Sequence[tuple[str, str]],
        labels: Sequence[int],
        head: Head,
        label_names: Sequence[str],
        name: str = "dev",
        primary_metric: str = "f1",
        beta: float = 1.0,
        threshold_metric: str = "f1",
        batch_size: int = 64,
        groups: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        if len(pairs) != len(labels):
            raise ValueError(f"{len(pairs)} pairs but {len(labels)} labels")
        self.pairs = list(pairs)
        self.labels = np.asarray(values(labels), dtype=np.int64)
        self.head = head
        self.label_names = list(label_names)
        self.name = name
        self.primary_metric = primary_metric
        self.beta = beta
        self.threshold_metric = threshold_metric
        self.batch_size = batch_size
        self.groups = list(groups) if groups is not None else None
        self.scores_by_epoch: dict[int, np.ndarray] = {}
        self.logits_by_epoch: dict[int, np.ndarray] = {}

    @property
    def last_scores(self) -> np.ndarray | None:
        """The scores of the latest call, or None before the first."""
        return next(reversed(self.scores_by_epoch.values()), None)

    def scores_at(self, epoch: int, model: CrossEncoder) -> np.ndarray:
        """The scores kept for ``epoch``, or ``model``'s scores when this process did not evaluate it.

        After ``resume=true`` the epochs before the checkpoint were scored by the killed process; the
        model in hand is then the restored best one, so scoring it again gives that epoch's scores.
        """
        if epoch in self.scores_by_epoch:
            return self.scores_by_epoch[epoch]
        return self.head.scores(model, self.pairs, self.batch_size)

    def __call__(
        self, model: CrossEncoder, output_path: str | None = None, epoch: float = -1, steps: int = -1
    ) -> dict[str, float]:
        logger.info("scoring %s (%s pairs) ...", self.name, f"{len(self.pairs):,}")
        logits = self.head.class_logits(model, self.pairs, self.batch_size)
        scores = self.head.probabilities(logits)
        key = round(epoch)
        self.scores_by_epoch.pop(key, None)  # re-insert so the latest call stays last
        self.scores_by_epoch[key] = scores
        self.logits_by_epoch[key] = logits
        metrics = self.compute_metrics(scores)
        logger.info("%s after epoch %s: %s", self.name, epoch, {k: round(v, 4) for k, v in metrics.items()})
        return self.prefix_name_to_metrics(metrics, self.name)

    def compute_metrics(self, scores: np.ndarray) -> dict[str, float]:
        """The unprefixed metrics of these scores."""
        if not self.head.binary:
            return multiclass_metrics(scores, self.labels, self.label_names)
        metrics = tuned_binary_metrics(scores, self.labels, self.beta, self.threshold_metric)
        if self.groups is not None:
            metrics.update(ranking_metrics(scores, self.labels, self.groups))
        return metrics
