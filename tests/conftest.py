"""Shared fixtures: Hydra configs composed from conf/, a real SQLite MLflow store, the tiny model."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from mlflow.entities import Run
from omegaconf import DictConfig, open_dict

from experiments.config import register_configs
from experiments.train import config_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ComposeFn = Callable[..., DictConfig]


@pytest.fixture
def tracking_uri(tmp_path: Path) -> str:
    """A fresh SQLite MLflow store for one test."""
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


@pytest.fixture
def compose_config(tmp_path: Path, tracking_uri: str) -> Iterator[ComposeFn]:
    """Compose ``conf/train.yaml`` with overrides, as the command line would, writing into ``tmp_path``.

    The Hydra config is installed as the current one, so the runner sees group choices as it does
    under ``experiments-train``.
    """

    def compose_fn(*overrides: str) -> DictConfig:
        GlobalHydra.instance().clear()
        register_configs()
        with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
            cfg = compose("train", overrides=list(overrides), return_hydra_config=True)
        HydraConfig.instance().set_config(cfg)
        with open_dict(cfg):
            if not any(override.startswith("output_dir=") for override in overrides):
                cfg.output_dir = str(tmp_path / "run")
            cfg.tracking.tracking_uri = tracking_uri
            del cfg["hydra"]
        return cfg

    yield compose_fn
    GlobalHydra.instance().clear()


SMOKE = ("experiment=smoke", "data.max_train_rows=200", "trainer.epochs=2")


@pytest.fixture(scope="session")
def tiny_wikiqa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first rows of each WikiQA split as a ``data.root``: a run on it takes seconds."""
    from experiments.data.wikiqa import embedded_wikiqa_dir

    folder = tmp_path_factory.mktemp("wikiqa")
    for split, rows in {"train": 80, "dev": 40, "test": 40}.items():
        lines = (embedded_wikiqa_dir() / f"WikiQA-{split}.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / f"WikiQA-{split}.tsv").write_text("".join(lines[: rows + 1]), encoding="utf-8")
    return folder


def fast_overrides(tiny_wikiqa: Path, epochs: int = 2) -> tuple[str, ...]:
    """The smoke experiment on :func:`tiny_wikiqa`: 80 train, 40 dev and 40 test rows."""
    return ("experiment=smoke", f"data.root={tiny_wikiqa}", "data.max_train_rows=null", f"trainer.epochs={epochs}")


def dataset_profile(run: Run, split: str) -> dict[str, float]:
    """The row and class counts a run logged for ``split`` (the profile of its MLflow dataset input)."""
    (entry,) = [
        entry
        for entry in run.inputs.dataset_inputs
        if any(tag.key == "mlflow.data.context" and tag.value == split for tag in entry.tags)
    ]
    return json.loads(entry.dataset.profile)
