"""Multiple-negatives ranking loss for rows (anchor, positive, negative_1..negative_k): ``negatives=fixed_k``."""

from __future__ import annotations

from collections.abc import Sequence

from sentence_transformers.cross_encoder import CrossEncoder
from sentence_transformers.cross_encoder.losses import MultipleNegativesRankingLoss

from experiments.errors import ConfigurationError


def mnrl_loss(
    model: CrossEncoder, class_counts: Sequence[int], num_negatives: int | None = 4, scale: float = 10.0
) -> MultipleNegativesRankingLoss:
    """sentence-transformers' CrossEncoder ``MultipleNegativesRankingLoss`` (softmax over the candidates).

    The positive must outscore the row's own negatives and ``num_negatives`` texts of other rows
    in the batch. ``class_counts`` is accepted for the loss-group contract and not used.

    Args:
        model: the CrossEncoder (one output label: ``head=binary_sigmoid``).
        class_counts: unused.
        num_negatives: in-batch negatives per anchor; None takes all of them.
        scale: factor on the sigmoid scores before the softmax.

    References:
        Henderson et al., "Efficient Natural Language Response Suggestion for Smart Reply", 2017, Sec. 4.4.
    """
    if model.num_labels != 1:
        raise ConfigurationError(
            "loss=mnrl scores each pair with one logit and needs head=binary_sigmoid, "
            f"got num_labels={model.num_labels}"
        )
    return MultipleNegativesRankingLoss(model, num_negatives=num_negatives, scale=scale)
