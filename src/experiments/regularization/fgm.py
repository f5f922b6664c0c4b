"""Adversarial training on the word embeddings: the Fast Gradient Method (FGM)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
from torch import Tensor, nn

from experiments.errors import ConfigurationError
from experiments.losses.priors import effective_class_counts


def fgm_perturbation(gradient: Tensor, epsilon: float) -> Tensor:
    """ε · g / ‖g‖₂, the FGM step along the normalised gradient; zeros when the gradient is zero or not finite."""
    norm = torch.linalg.vector_norm(gradient)
    if not torch.isfinite(norm) or norm == 0:
        return torch.zeros_like(gradient)
    return epsilon * gradient / norm


@contextmanager
def perturbed_embeddings(embedding: nn.Embedding, delta: Tensor) -> Iterator[None]:
    """Adds ``delta[token_id]`` to the embedding layer's output while the block runs."""

    def add_delta(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> Tensor:
        return output + delta[inputs[0]]

    handle = embedding.register_forward_hook(add_delta)
    try:
        yield
    finally:
        handle.remove()


class AdversarialEmbeddingLoss(nn.Module):
    """Wraps any CrossEncoder loss: loss(x) + loss(x with word embeddings moved by the FGM perturbation).

    The perturbation is ε times the normalised gradient of the clean loss with respect to the
    word-embedding matrix (Miyato et al., 2017; the FGM of Goodfellow et al., 2015, on embeddings).
    Each training step costs a second forward and backward pass. At evaluation the clean loss is returned.

    Args:
        loss: the loss to wrap (its ``model`` is the CrossEncoder being trained).
        epsilon: the norm of the perturbation, > 0.

    References:
        - Goodfellow, Shlens, Szegedy. Explaining and Harnessing Adversarial Examples. ICLR 2015.
        - Miyato, Dai, Goodfellow. Adversarial Training Methods for Semi-Supervised Text Classification. ICLR 2017.
    """

    def __init__(self, loss: nn.Module, epsilon: float = 1.0) -> None:
        super().__init__()
        if not epsilon > 0:
            raise ConfigurationError(f"regularization.epsilon must be positive, got {epsilon!r}")
        self.loss = loss
        self.model = loss.model
        self.epsilon = float(epsilon)

    def word_embeddings(self) -> nn.Embedding:
        for module in self.model.modules():
            if hasattr(module, "get_input_embeddings"):
                return module.get_input_embeddings()
        raise ConfigurationError("regularization=fgm: the model exposes no word-embedding layer")

    def forward(self, inputs: list[list[str]], labels: Tensor, **kwargs: Any) -> Tensor:
        clean = self.loss(inputs, labels, **kwargs)
        if not torch.is_grad_enabled() or not self.model.training:
            return clean
        embedding = self.word_embeddings()
        (gradient,) = torch.autograd.grad(clean, embedding.weight, retain_graph=True)
        with perturbed_embeddings(embedding, fgm_perturbation(gradient.detach(), self.epsilon)):
            adversarial = self.loss(inputs, labels, **kwargs)
        return clean + adversarial

    def get_config_dict(self) -> dict[str, Any]:
        wrapped = getattr(self.loss, "get_config_dict", dict)()
        return {**wrapped, "fgm_epsilon": self.epsilon}

    def effective_class_counts(self, class_counts: Sequence[float]) -> list[float]:
        """The wrapped loss's class mass: the perturbation does not re-weight the classes."""
        return effective_class_counts(self.loss, class_counts)
