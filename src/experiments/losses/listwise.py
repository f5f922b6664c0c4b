"""Listwise ranking losses for rows (query, [documents], [labels]): ``negatives=listwise``.

Each is sentence-transformers' own CrossEncoder loss; ``class_counts`` is accepted for the
loss-group contract and not used. All need one logit per pair (``head=binary_sigmoid``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sentence_transformers.cross_encoder import CrossEncoder
from sentence_transformers.cross_encoder.losses import LambdaLoss, ListMLELoss, ListNetLoss

from experiments.errors import ConfigurationError


def _check_one_logit(model: CrossEncoder, option: str) -> None:
    if model.num_labels != 1:
        raise ConfigurationError(
            f"loss={option} scores each document with one logit and needs head=binary_sigmoid, "
            f"got num_labels={model.num_labels}"
        )


def listnet_loss(model: CrossEncoder, class_counts: Sequence[int], mini_batch_size: int | None = None) -> ListNetLoss:
    """Cross-entropy between the softmax of the scores and of the labels over each list.

    Args:
        model: the CrossEncoder.
        class_counts: unused.
        mini_batch_size: pairs per forward pass; None = the batch size.

    References:
        Cao et al., "Learning to Rank: From Pairwise Approach to Listwise Approach", ICML 2007.
    """
    _check_one_logit(model, "listnet")
    return ListNetLoss(model, mini_batch_size=mini_batch_size)


def lambda_loss(
    model: CrossEncoder, class_counts: Sequence[int], k: int | None = None, mini_batch_size: int | None = None
) -> LambdaLoss:
    """LambdaLoss with the NDCG-Loss2++ weighting: pairwise swaps weighted by their effect on nDCG.

    Args:
        model: the CrossEncoder.
        class_counts: unused.
        k: nDCG cut-off the weights aim at; None = the whole list.
        mini_batch_size: pairs per forward pass; None = the batch size.

    References:
        Wang et al., "The LambdaLoss Framework for Ranking Metric Optimization", CIKM 2018.
    """
    _check_one_logit(model, "lambdaloss")
    return LambdaLoss(model, k=k, mini_batch_size=mini_batch_size)


def listmle_loss(model: CrossEncoder, class_counts: Sequence[int], mini_batch_size: int | None = None) -> ListMLELoss:
    """Negative log-likelihood of the ideal ranking under the Plackett-Luce model of the scores.

    Args:
        model: the CrossEncoder.
        class_counts: unused.
        mini_batch_size: pairs per forward pass; None = the batch size.

    References:
        Xia et al., "Listwise Approach to Learning to Rank: Theory and Algorithm", ICML 2008.
    """
    _check_one_logit(model, "listmle")
    return ListMLELoss(model, mini_batch_size=mini_batch_size)
