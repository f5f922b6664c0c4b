"""Shared fixtures (Hydra configs composed from conf/, a real SQLite MLflow store, the tiny model) and the test tiers.

Two tiers: ``python -m pytest -m "not slow"`` (the fast tier, under a minute on 2 cores) and ``python -m pytest``
(the full suite, what ``.ci/run`` runs). Both run on pytest-xdist workers, one per core (``-n auto --dist
loadgroup`` in ``pyproject.toml``; ``-n 0`` runs in this process, e.g. for ``--pdb``). A test is marked ``slow``
here, at collection, when it or any fixture it uses (directly or through other fixtures) refers to

- :func:`experiments.run.runner.train` (it trains the tiny model end to end),
- a ``transformers.Trainer`` class such as sentence-transformers' ``CrossEncoderTrainer`` (it trains),
- the :mod:`subprocess` or :mod:`multiprocessing` module (it launches ``experiments-train``, a sweep,
  ``torchrun``, ``git``, forked jobs...), or
- a helper defined under ``tests/`` that does one of these, e.g. :func:`tests.mlflow_server.start_server`
  (it starts a real ``mlflow server``) or :func:`tests.sweeps.conftest.run_app`.

The check reads the names in the code of the test, of its fixtures and of the ``tests/`` helpers they
call, so a new test that trains, starts a server or launches a process lands in the full suite without
anyone marking it. A test may still carry ``@pytest.mark.slow`` by hand for other long work.
"""

from __future__ import annotations

import inspect
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from mlflow.entities import Run
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig, open_dict
from transformers import Trainer

from experiments.config import register_configs
from experiments.config.location import config_dir
from experiments.run import runner

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The tiny model's tensors are too small for intra-op threads: on a shared 2-core machine two threads that
# spin-wait cost several times the CPU of one (400 steps of a one-logit fit: 1.5 s against 0.16 s). One thread
# here, and in the processes the tests launch, so a run and its resumption or reproduction compute alike.
os.environ.setdefault("OMP_NUM_THREADS", "1")
torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

ComposeFn = Callable[..., DictConfig]

# What makes a test slow when its code, its fixtures' code or a tests/ helper they call refers to it.
SLOW_OBJECTS: tuple[object, ...] = (subprocess, multiprocessing, runner.train)
TESTS_PACKAGE = "tests"


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    """``code`` and the code of the functions, lambdas and comprehensions defined inside it."""
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _code_objects(constant)


def _referenced(function: types.FunctionType) -> Iterator[object]:
    """The objects a function's code names: globals, modules it imports, and attributes of those modules."""
    for code in _code_objects(function.__code__):
        names = code.co_names
        for name in names:
            found = function.__globals__.get(name, sys.modules.get(name))
            if found is None:
                continue
            yield found
            if isinstance(found, types.ModuleType):
                yield from (getattr(found, attribute) for attribute in names if hasattr(found, attribute))


def _is_slow(functions: Iterable[object], seen: set[types.CodeType]) -> bool:
    """Whether any of ``functions``, or a ``tests/`` helper they call, refers to one of :data:`SLOW_OBJECTS`."""
    for function in functions:
        function = inspect.unwrap(getattr(function, "__func__", function))  # type: ignore[arg-type]
        if not isinstance(function, types.FunctionType) or function.__code__ in seen:
            continue
        seen.add(function.__code__)
        helpers = []
        for found in _referenced(function):
            if any(found is slow for slow in SLOW_OBJECTS) or (isinstance(found, type) and issubclass(found, Trainer)):
                return True
            module = getattr(found, "__module__", None) or ""
            if isinstance(found, types.FunctionType) and module.split(".")[0] == TESTS_PACKAGE:
                helpers.append(found)
        if _is_slow(helpers, seen):
            return True
    return False


def _shared_module_group(item: pytest.Function) -> str | None:
    """The test's module when the test uses a slow module-scoped fixture (built once per module and worker)."""
    for definitions in item._fixtureinfo.name2fixturedefs.values():
        if definitions and definitions[-1].scope == "module" and _is_slow([definitions[-1].func], set()):
            return item.module.__name__
    return None


def _group_for_xdist(item: pytest.Function, group: str) -> None:
    """Run the test on the worker of its ``xdist_group`` under ``--dist loadgroup``: the group goes at the end of
    its id (``...::test@group``), which pytest-xdist 3.8 writes to ``_nodeid``, an attribute pytest 9.2 no longer
    reads; pytest's own ``_id`` is set here instead."""
    grouped = f"{item.nodeid}@{group}"
    if hasattr(item, "_id"):  # pytest >= 9.2
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(grouped)
    else:
        item._nodeid = grouped


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that trains, starts a server or launches a process (see the module docstring)
    and put the slow tests first. Under ``pytest-xdist`` (``-n``, ``--dist loadgroup``) the tests that share a slow
    fixture run on one worker, so that it is built once: those of a module with a slow module-scoped fixture, and
    those marked ``xdist_group`` (e.g. the readers of the session's ``grid_sweep``)."""
    functions = [item for item in items if isinstance(item, pytest.Function)]
    for item in functions:
        if item.get_closest_marker("slow"):
            continue
        fixtures = [definitions[-1].func for definitions in item._fixtureinfo.name2fixturedefs.values() if definitions]
        if _is_slow([item.function, *fixtures], set()):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # the long tests start while short ones fill
    if not config.getoption("loadgroup", False):
        return
    for item in functions:
        marker = item.get_closest_marker("xdist_group")
        group = marker.args[0] if marker else _shared_module_group(item)
        if group is not None:
            _group_for_xdist(item, group)


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty MLflow SQLite database, made once: MLflow takes about 2 s of CPU to build the tables of a new file."""
    database = tmp_path_factory.mktemp("empty-store") / "mlflow.db"
    MlflowClient(f"sqlite:///{database}").search_experiments()
    return database


def new_store(empty_store: Path, folder: Path) -> str:
    """The URI of a fresh SQLite MLflow store in ``folder``: a copy of :func:`empty_store`, as MLflow would make it."""
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "mlflow.db"
    shutil.copyfile(empty_store, database)
    return f"sqlite:///{database}"


@pytest.fixture
def tracking_uri(tmp_path: Path, empty_store: Path) -> str:
    """A fresh SQLite MLflow store for one test."""
    return new_store(empty_store, tmp_path)


def compose_run_config(overrides: Sequence[str], folder: Path, tracking_uri: str) -> DictConfig:
    """Compose ``conf/train.yaml`` with ``overrides``, as the command line would, writing into ``folder / "run"``.

    The Hydra config is installed as the current one, so the runner sees group choices as it does
    under ``experiments-train``. For module-scoped runs too (tests that only read one trained run share it).
    """
    GlobalHydra.instance().clear()
    register_configs()
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose("train", overrides=list(overrides), return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        if not any(override.startswith("output_dir=") for override in overrides):
            cfg.output_dir = str(folder / "run")
        cfg.tracking.tracking_uri = tracking_uri
        del cfg["hydra"]
    return cfg


@pytest.fixture
def compose_config(tmp_path: Path, tracking_uri: str) -> Iterator[ComposeFn]:
    """:func:`compose_run_config` for one test: its output in ``tmp_path``, its runs in :func:`tracking_uri`."""
    yield lambda *overrides: compose_run_config(overrides, tmp_path, tracking_uri)
    GlobalHydra.instance().clear()


# The smoke experiment as the tests run it on data they choose (see the ``smoke`` fixture for WikiQA).
SMOKE = ("experiment=smoke", "data.max_train_rows=200", "trainer.epochs=2")


def wikiqa_head(folder: Path, rows: dict[str, int]) -> Path:
    """The first ``rows[split]`` rows of each embedded WikiQA file in ``folder`` (whole lines, nothing changed)."""
    from experiments.data.wikiqa import embedded_wikiqa_dir

    for split, count in rows.items():
        lines = (embedded_wikiqa_dir() / f"WikiQA-{split}.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / f"WikiQA-{split}.tsv").write_text("".join(lines[: count + 1]), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def tiny_wikiqa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first rows of each WikiQA split as a ``data.root``: a run on it takes seconds."""
    return wikiqa_head(tmp_path_factory.mktemp("wikiqa"), {"train": 80, "dev": 40, "test": 40})


@pytest.fixture(scope="session")
def small_wikiqa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 400 training, 150 dev and 150 test rows of WikiQA (17, 5 and 9 answers) as a ``data.root``."""
    return wikiqa_head(tmp_path_factory.mktemp("wikiqa-small"), {"train": 400, "dev": 150, "test": 150})


@pytest.fixture(scope="session")
def smoke(small_wikiqa: Path) -> tuple[str, ...]:
    """:data:`SMOKE` on :func:`small_wikiqa`: 200 training rows drawn stratified, every dev and test row.

    Scoring the whole WikiQA dev and test splits (8,898 pairs) every epoch took most of a smoke run's time.
    """
    return (*SMOKE, f"data.root={small_wikiqa}")


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
