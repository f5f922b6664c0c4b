"""The negatives contract: how the data a source returns becomes the trainer's training set."""

from __future__ import annotations

from abc import ABC, abstractmethod

from datasets import Dataset

from experiments.data.splits import PairSplits


class NegativesMode(ABC):
    """Turns a data source's splits into labelled pairs for evaluation and a training set for the loss.

    :meth:`prepare` returns splits of labelled pairs (what the evaluator scores);
    :meth:`train_dataset` returns the columns the chosen loss reads, in order.
    """

    name: str

    @abstractmethod
    def prepare(self, data: PairSplits) -> PairSplits: ...

    @abstractmethod
    def train_dataset(self, train: Dataset) -> Dataset: ...
