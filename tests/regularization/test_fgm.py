from __future__ import annotations

import pytest
import torch
from mlflow.tracking import MlflowClient

from experiments.errors import ConfigurationError
from experiments.losses import plain_loss
from experiments.models import tiny_cross_encoder
from experiments.regularization import AdversarialEmbeddingLoss, fgm_perturbation
from experiments.regularization.fgm import perturbed_embeddings
from experiments.run.runner import train

PAIRS = [["what is a glacier cave?", "how tall is it?"], ["A cave formed in ice.", "About 60 m."]]


def test_perturbation_has_norm_epsilon_along_the_gradient():
    gradient = torch.tensor([[3.0, 0.0], [0.0, 4.0]])
    delta = fgm_perturbation(gradient, epsilon=0.5)
    assert torch.linalg.vector_norm(delta).item() == pytest.approx(0.5)
    assert torch.allclose(delta, gradient / 5.0 * 0.5)
    assert torch.equal(fgm_perturbation(torch.zeros(2, 2), 1.0), torch.zeros(2, 2))


def test_epsilon_must_be_positive():
    model = tiny_cross_encoder(num_labels=1)
    with pytest.raises(ConfigurationError, match=r"regularization.epsilon must be positive, got -1"):
        AdversarialEmbeddingLoss(plain_loss(model, [1, 1]), epsilon=-1)


def test_adversarial_term_is_the_loss_under_the_fgm_perturbation():
    torch.manual_seed(0)
    model = tiny_cross_encoder(num_labels=1)
    model.train()
    for module in model.modules():  # no dropout: both passes see the same network
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    labels = torch.tensor([1.0, 0.0])
    wrapped = AdversarialEmbeddingLoss(plain_loss(model, [1, 1]), epsilon=5.0)
    embedding = wrapped.word_embeddings()

    clean = wrapped.loss(PAIRS, labels)
    (gradient,) = torch.autograd.grad(clean, embedding.weight, retain_graph=True)
    with perturbed_embeddings(embedding, fgm_perturbation(gradient, 5.0)):
        adversarial = wrapped.loss(PAIRS, labels)
    # A step along the gradient raises the loss (first order), and the wrapper returns clean + adversarial.
    assert adversarial.item() > clean.item()
    total = wrapped(PAIRS, labels)
    assert total.item() == pytest.approx(clean.item() + adversarial.item(), rel=1e-5)
    total.backward()
    assert torch.isfinite(embedding.weight.grad).all()
    model.eval()
    assert wrapped(PAIRS, labels).item() == pytest.approx(wrapped.loss(PAIRS, labels).item())


def test_fgm_run_trains_and_logs_epsilon(compose_config, tracking_uri: str, smoke: tuple[str, ...]):
    summary = train(compose_config(*smoke, "regularization=fgm", "regularization.epsilon=0.5"))
    assert summary["best_epoch"] >= 1
    client = MlflowClient(tracking_uri)
    run = client.search_runs([client.get_experiment_by_name("crossencoder-imbalance").experiment_id])[0]
    assert run.info.status == "FINISHED"
    assert run.data.tags["regularization"] == "fgm"
    assert run.data.params["regularization.epsilon"] == "0.5"
