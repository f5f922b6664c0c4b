"""trainer.precision: native bf16 is read from the CPU flags, auto resolves to it, a run trains and scores in it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import torch
from mlflow.tracking import MlflowClient

from experiments import precision
from experiments.errors import ConfigurationError
from experiments.run.runner import train
from tests.conftest import fast_overrides

ZEN5 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni\n\nprocessor\t: 1\nflags\t\t: fpu\n"
SAPPHIRE_RAPIDS = "flags\t\t: avx512f amx_tile amx_bf16 amx_int8\n"
NEOVERSE_V1 = "Features\t: fp asimd sve bf16 i8mm\n"
ZEN3 = "flags\t\t: fpu sse2 avx2 fma\n"
GRAVITON2 = "Features\t: fp asimd aes crc32\n"


@pytest.mark.parametrize(("cpuinfo", "native"), [(ZEN5, True), (SAPPHIRE_RAPIDS, True), (NEOVERSE_V1, True),
                                                   (ZEN3, False), (GRAVITON2, False), ("", False)])  # fmt: skip
def test_native_bf16_is_read_from_the_cpu_flags(cpuinfo: str, native: bool):
    assert precision.cpu_has_native_bf16(cpuinfo) is native


def use_cpuinfo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(text)
    monkeypatch.setattr(precision, "CPUINFO", cpuinfo)


def test_auto_takes_bf16_on_a_cpu_that_has_it_and_fp32_on_one_that_does_not(monkeypatch, tmp_path: Path):
    use_cpuinfo(monkeypatch, tmp_path, ZEN5)
    assert precision.resolve_precision("auto", device="cpu") == "bf16"
    use_cpuinfo(monkeypatch, tmp_path, ZEN3)
    assert precision.resolve_precision("auto", device="cpu") == "fp32"
    assert precision.resolve_precision("fp32", device="cpu") == "fp32"


def test_forced_bf16_on_a_cpu_without_it_is_allowed_with_a_warning(monkeypatch, tmp_path: Path, caplog):
    use_cpuinfo(monkeypatch, tmp_path, ZEN3)
    with caplog.at_level(logging.WARNING, logger="experiments.precision"):
        assert precision.resolve_precision("bf16", device="cpu") == "bf16"
    assert "no native bf16 arithmetic" in caplog.text


def test_an_unknown_precision_stops_at_the_config_check(compose_config):
    from experiments.config import check_config

    with pytest.raises(ConfigurationError, match=r"trainer.precision must be one of \['auto', 'bf16', 'fp32'\]"):
        check_config(compose_config("trainer.precision=fp16"))


def test_bf16_on_the_cpu_trains_through_transformers_with_use_cpu():
    assert precision.precision_arguments("bf16", device="cpu") == {"bf16": True, "use_cpu": True}
    assert precision.precision_arguments("bf16", device="cuda") == {"bf16": True, "use_cpu": False}
    assert precision.precision_arguments("fp32", device="cpu") == {"bf16": False}


def test_a_bf16_run_logs_its_precision_and_scores_in_bf16(compose_config, tiny_wikiqa: Path, tracking_uri: str):
    cfg = compose_config(*fast_overrides(tiny_wikiqa), "trainer.precision=bf16")
    summary = train(cfg)
    run = MlflowClient(tracking_uri).search_runs(MlflowClient(tracking_uri).search_experiments()[0].experiment_id)[0]
    assert run.data.params["precision"] == "bf16"
    assert run.data.params["trainer.precision"] == "bf16"

    from experiments.models.decision import PairClassifier

    classifier = PairClassifier.load(Path(cfg.output_dir) / "model")
    assert classifier.rule.precision == "bf16"
    seen: list[torch.dtype] = []
    linear = next(module for module in classifier.model.modules() if isinstance(module, torch.nn.Linear))
    linear.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    classifier.scores([("a question", "an answer")])
    assert seen == [torch.bfloat16]
    assert 0.0 <= summary["test_f1"] <= 1.0
