"""The floating-point precision a run trains and scores in: ``trainer.precision`` = ``auto``, ``bf16`` or ``fp32``.

``auto`` takes bf16 mixed precision (autocast: matmuls in bfloat16, weights and optimizer state in fp32)
where the hardware computes bfloat16 natively, and fp32 elsewhere:

- a CUDA GPU that supports bf16 (Ampere or newer);
- with no GPU, a CPU whose flags show native bf16 arithmetic: ``avx512_bf16`` or ``amx_bf16`` (x86) or
  ``bf16`` (Arm's BF16 extension, in the ``Features`` of ``/proc/cpuinfo``).

Elsewhere bf16 would be emulated, slower than fp32. Training goes through transformers' ``bf16=True``
(Accelerate's autocast, with ``use_cpu=True`` when there is no GPU); the autocast stays on the model's
forward after training, so dev and test scoring run in the same precision.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from experiments.errors import ConfigurationError

logger = logging.getLogger(__name__)

AUTO, BF16, FP32 = "auto", "bf16", "fp32"
PRECISIONS = (AUTO, BF16, FP32)
# /proc/cpuinfo flags of native bfloat16 arithmetic: AVX-512 BF16 and AMX (x86), the BF16 extension (Arm).
NATIVE_BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})
CPUINFO = Path("/proc/cpuinfo")


def cpu_flags(cpuinfo: str) -> set[str]:
    """The CPU feature flags listed in the text of ``/proc/cpuinfo`` (``flags`` on x86, ``Features`` on Arm)."""
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in {"flags", "Features"}:
            flags.update(value.split())
    return flags


def cpu_has_native_bf16(cpuinfo: str | None = None) -> bool:
    """True when the CPU computes bfloat16 natively (see :data:`NATIVE_BF16_CPU_FLAGS`)."""
    if cpuinfo is None:
        try:
            cpuinfo = CPUINFO.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    return bool(cpu_flags(cpuinfo) & NATIVE_BF16_CPU_FLAGS)


def device_type() -> str:
    """``cuda`` when a GPU is available (the trainer uses it), else ``cpu``."""
    import torch  # here, not at the top: the config checks read PRECISIONS without torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def native_bf16(device: str | None = None) -> bool:
    """True when ``device`` (default: the one the trainer uses) computes bfloat16 natively."""
    import torch

    device = device or device_type()
    if device == "cuda":
        return torch.cuda.is_bf16_supported()
    return cpu_has_native_bf16()


def resolve_precision(setting: str, device: str | None = None) -> str:
    """``bf16`` or ``fp32`` for ``trainer.precision=setting`` on ``device`` (default: the trainer's).

    Raises:
        ConfigurationError: an unknown setting, or ``bf16`` on a GPU without bf16 support.
    """
    if setting not in PRECISIONS:
        raise ConfigurationError(f"trainer.precision must be one of {list(PRECISIONS)}, got {setting!r}")
    device = device or device_type()
    native = native_bf16(device)
    if setting == AUTO:
        return BF16 if native else FP32
    if setting == BF16 and not native:
        if device == "cuda":
            raise ConfigurationError(
                "trainer.precision=bf16 needs a GPU with bf16 support (Ampere or newer); use fp32 or auto"
            )
        logger.warning("trainer.precision=bf16: this CPU has no native bf16 arithmetic; it is emulated (slow)")
    return setting


def precision_arguments(precision: str, device: str | None = None) -> dict[str, Any]:
    """The transformers ``TrainingArguments`` fields for a resolved ``precision`` (``bf16`` or ``fp32``)."""
    if precision != BF16:
        return {"bf16": False}
    # transformers refuses bf16 without a GPU unless it is told to run on the CPU.
    return {"bf16": True, "use_cpu": (device or device_type()) == "cpu"}


def autocast(precision: str, device: str) -> AbstractContextManager[Any]:
    """bfloat16 autocast on ``device`` for ``precision=bf16``; a no-op for fp32."""
    import torch

    if precision != BF16:
        return nullcontext()
    return torch.autocast(device_type=device, dtype=torch.bfloat16)
