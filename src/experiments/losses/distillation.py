"""Knowledge distillation from a trained CrossEncoder: the teacher's scores as soft labels, mixed with gold labels."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from sentence_transformers.cross_encoder import CrossEncoder
from sentence_transformers.util import batch_to_device
from torch import Tensor

from experiments.errors import ConfigurationError
from experiments.losses.base import PairLoss


def distillation_loss(
    student_logits: Tensor, teacher_logits: Tensor, labels: Tensor, alpha: float, temperature: float
) -> Tensor:
    """α · T² · soft loss(student / T, teacher / T) + (1 − α) · hard loss(student, labels).

    One logit per pair: binary cross-entropy against sigmoid(teacher / T). Several logits:
    KL divergence from softmax(teacher / T). The T² factor keeps the soft gradients' scale
    independent of T (Hinton et al.).
    """
    if student_logits.shape[-1] == 1:
        student, teacher = student_logits.view(-1), teacher_logits.view(-1)
        soft = F.binary_cross_entropy_with_logits(student / temperature, torch.sigmoid(teacher / temperature))
        hard = F.binary_cross_entropy_with_logits(student, labels.float())
    else:
        soft = F.kl_div(
            F.log_softmax(student_logits / temperature, dim=-1),
            F.log_softmax(teacher_logits / temperature, dim=-1),
            reduction="batchmean",
            log_target=True,
        )
        hard = F.cross_entropy(student_logits, labels.long())
    return alpha * temperature**2 * soft + (1 - alpha) * hard


def load_teacher(teacher: str, device: str) -> CrossEncoder:
    """The teacher CrossEncoder saved in the folder ``teacher``; a path that holds no model is named."""
    path = Path(teacher) if teacher else None
    if path is None or not path.exists():
        raise ConfigurationError(f"loss.teacher: the teacher model folder {teacher!r} does not exist")
    if not path.is_dir() or not (path / "config.json").is_file():
        what = "a file, not a folder" if not path.is_dir() else "no config.json in it"
        raise ConfigurationError(
            f"loss.teacher: {teacher!r} is not a saved model folder ({what}); name the model/ folder "
            "of a finished run (its model_dir tag)"
        )
    try:
        # No remote code, and no activation path from its config.json: the loss reads the raw logits.
        return CrossEncoder(teacher, device=device, trust_remote_code=False, activation_fn=torch.nn.Identity())
    except (OSError, ValueError, KeyError) as error:
        first_line = next(iter(str(error).splitlines()), "")
        raise ConfigurationError(
            f"loss.teacher: {teacher!r} cannot be loaded as a CrossEncoder: {type(error).__name__}: {first_line}"
        ) from error


class DistillationLoss(PairLoss):
    """Learns from a teacher CrossEncoder's logits (soft labels) and the gold labels.

    Args:
        model: the student CrossEncoder.
        class_counts: accepted for the loss-group contract, not used.
        teacher: folder of a trained model, e.g. the ``model_dir`` tag of an earlier run.
        alpha: weight of the soft (teacher) term, in [0, 1]; 0 is plain training.
        temperature: softening temperature T > 0.

    References:
        - Hinton, Vinyals, Dean. Distilling the Knowledge in a Neural Network. NIPS Deep Learning Workshop 2014.

    Requirements:
        The teacher has the same number of output logits as the student.
    """

    def __init__(
        self,
        model: CrossEncoder,
        class_counts: Sequence[int],
        teacher: str,
        alpha: float = 0.5,
        temperature: float = 2.0,
    ) -> None:
        super().__init__(model, class_counts)
        if not 0 <= alpha <= 1:
            raise ConfigurationError(f"loss.alpha must be in [0, 1], got {alpha!r}")
        if not temperature > 0:
            raise ConfigurationError(f"loss.temperature must be positive, got {temperature!r}")
        self.teacher_path = str(teacher)
        self.teacher = load_teacher(self.teacher_path, str(model.device))
        if self.teacher.num_labels != model.num_labels:
            raise ConfigurationError(
                f"loss.teacher has num_labels={self.teacher.num_labels} but the student's head has "
                f"num_labels={model.num_labels}; train the teacher with the same head"
            )
        self.teacher.eval()
        for parameter in self.teacher.parameters():
            parameter.requires_grad_(False)
        self.alpha = alpha
        self.temperature = temperature
        self._teacher_logits: Tensor | None = None

    def forward(
        self, inputs: list[list[str]], labels: Tensor, prompt: str | None = None, task: str | None = None
    ) -> Tensor:
        pairs = list(zip(inputs[0], inputs[1], strict=True))
        with torch.no_grad():
            features = batch_to_device(self.teacher.preprocess(pairs), self.teacher.device)
            self._teacher_logits = self.teacher(features)["scores"].view(len(pairs), -1).float()
        return super().forward(inputs, labels, prompt=prompt, task=task)

    def compute(self, logits: Tensor, labels: Tensor) -> Tensor:
        assert self._teacher_logits is not None
        teacher = self._teacher_logits.to(logits.device)
        return distillation_loss(logits, teacher, labels, self.alpha, self.temperature)

    def get_config_dict(self) -> dict[str, Any]:
        return {"teacher": self.teacher_path, "alpha": self.alpha, "temperature": self.temperature}
