"""A single run and a sweep job are told apart in one place."""

from __future__ import annotations

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import open_dict, read_write

from experiments.tracking.job import in_sweep, job_tags


def test_a_composed_single_run_is_not_a_sweep_job(compose_config):
    compose_config("loss=focal", "seed=3")
    assert not in_sweep()
    tags = job_tags()
    assert tags["loss"] == "focal" and tags["overrides"] == "loss=focal seed=3"
    assert "sweep_id" not in tags and not any(group.startswith("hydra") for group in tags)


def test_a_multirun_job_is_a_sweep_job_with_its_sweep_tags(compose_config, tmp_path):
    compose_config("loss=focal")
    hydra = HydraConfig.get()
    with read_write(hydra), open_dict(hydra):
        hydra.mode = RunMode.MULTIRUN
        hydra.sweep.dir = str(tmp_path / "sweep")
        hydra.job.num = 4
    try:
        assert in_sweep()
        tags = job_tags()
        assert tags["sweep_id"] == str(tmp_path / "sweep") and tags["sweep_job"] == "4"
    finally:
        with read_write(hydra):
            hydra.mode = RunMode.RUN  # the next test's single runs are not sweep jobs
