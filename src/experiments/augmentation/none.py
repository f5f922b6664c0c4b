"""No augmentation."""

from __future__ import annotations

from experiments.data.splits import PairSplits


class NoAugmentation:
    """Leaves the training split as it is."""

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def apply(self, data: PairSplits) -> PairSplits:
        return data

    def summary(self) -> dict[str, float]:
        return {}
