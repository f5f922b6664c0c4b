"""The negatives contract: how the data a source returns becomes the trainer's training set."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from datasets import Dataset
from sentence_transformers.cross_encoder.losses import (
    CachedMultipleNegativesRankingLoss,
    LambdaLoss,
    ListNetLoss,
    MultipleNegativesRankingLoss,
    PListMLELoss,
    RankNetLoss,
)
from torch import nn

from experiments.data.grouped import GroupedSplits, flatten_groups
from experiments.data.splits import PairSplits
from experiments.errors import ConfigurationError
from experiments.sampling import EpochSampler, NoSampling, batch_sampler_factory

logger = logging.getLogger(__name__)

MULTIPLE_NEGATIVES_LOSSES: tuple[type[nn.Module], ...] = (
    MultipleNegativesRankingLoss,
    CachedMultipleNegativesRankingLoss,
)
LISTWISE_LOSSES: tuple[type[nn.Module], ...] = (ListNetLoss, LambdaLoss, PListMLELoss, RankNetLoss)
LossT = TypeVar("LossT", nn.Module, type[nn.Module])


class NegativesMode(ABC):
    """Turns a data source's splits into labelled pairs for evaluation and a training set for the loss.

    :meth:`prepare` returns splits of labelled pairs (what the evaluator scores; grouped data keeps
    a ``group`` column, so ranking metrics are computed every epoch); :meth:`train_dataset`
    returns the columns the chosen loss reads, in order. The runner also asks the mode to vet the
    loss (:meth:`check_loss`), the sampler (:meth:`epoch_sampler`) and to build the batch sampler
    (:meth:`batch_sampler`); the defaults fit pointwise training on labelled pairs.
    ``stats`` holds counts worth logging (rows padded, truncated, dropped, ...).
    """

    name: str
    #: What the training rows look like, and the ``loss`` options that read them (for messages).
    loss_kind: str = "a pointwise pair loss"
    fitting_losses: str = "plain or any other pair-classification loss (not mnrl, listnet, lambdaloss, listmle)"

    def __init__(self) -> None:
        self.stats: dict[str, float] = {}

    @abstractmethod
    def prepare(self, data: PairSplits | GroupedSplits) -> PairSplits: ...

    @abstractmethod
    def train_dataset(self, train: Dataset) -> Dataset: ...

    def fits_loss(self, loss_type: type[nn.Module]) -> bool:
        """Whether a loss of this class reads the rows :meth:`train_dataset` makes."""
        return not issubclass(loss_type, MULTIPLE_NEGATIVES_LOSSES + LISTWISE_LOSSES)

    def check_loss(self, loss: LossT) -> LossT:
        """``loss`` (a loss or a loss class) unchanged, or a ConfigurationError listing the losses that fit."""
        loss_type = loss if isinstance(loss, type) else type(loss)
        if not self.fits_loss(loss_type):
            raise ConfigurationError(
                f"negatives={self.name} cannot train with {loss_type.__name__}: it needs {self.loss_kind}; "
                f"losses that fit: {self.fitting_losses}"
            )
        return loss

    def epoch_sampler(self, sampler: EpochSampler, train: Dataset) -> EpochSampler:
        """The sampler of training pairs (before ``fit``); the ``sampling`` option's own by default."""
        return sampler

    def batch_sampler(
        self,
        sampler: EpochSampler,
        lengths: Sequence[int] | None = None,
        group_by_length: bool = False,
        chunk_batches: int = 64,
    ) -> Callable[..., Any] | Any:
        """The trainer's ``batch_sampler`` argument for :meth:`train_dataset` rows (length-grouped when asked)."""
        return batch_sampler_factory(
            sampler, lengths=lengths, group_by_length=group_by_length, chunk_batches=chunk_batches
        )

    def require_no_sampling(self, sampler: EpochSampler) -> None:
        """For modes that choose their own training rows: only ``sampling=none`` fits."""
        if type(sampler) is not NoSampling:
            raise ConfigurationError(
                f"negatives={self.name} chooses its own training rows and needs sampling=none, "
                f"got {type(sampler).__name__}; resampling labelled pairs needs negatives=flatten"
            )


class GroupedMode(NegativesMode):
    """A mode for grouped data: evaluation pairs are every (anchor, candidate) pair, labelled, with ``group``.

    Dev and test are flattened whole in every mode (anchors without a positive included: they
    count in the pair metrics and are skipped by the ranking metrics), so modes are compared on
    the same pairs. The train split is flattened too; :meth:`train_dataset` regroups it by ``group``.
    """

    def prepare(self, data: PairSplits | GroupedSplits) -> PairSplits:
        if not isinstance(data, GroupedSplits):
            raise ConfigurationError(
                f"negatives={self.name} needs grouped data (columns anchor, positive, negative), but "
                f"{data.name!r} is labelled pairs; use negatives=none or a grouped source such as data=wikiqa_grouped"
            )
        pairs = {split: flatten_groups(dataset) for split, dataset in data.splits().items()}
        for split, dataset in data.splits().items():
            self.stats[f"negatives_{split}_anchors"] = float(len(dataset))
            self.stats[f"negatives_{split}_anchors_without_positive"] = float(
                sum(1 for positives in dataset["positive"] if not positives)
            )
            self.stats[f"negatives_{split}_anchors_without_negative"] = float(
                sum(1 for negatives in dataset["negative"] if not negatives)
            )
        return PairSplits(data.name, pairs["train"], pairs["dev"], pairs["test"], data.label_names, data.rows_read)
