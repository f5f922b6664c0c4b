"""``experiments-resume-sweep SWEEP_DIR``: finish every job of a sweep that did not finish, then close its parent run.

A sweep whose tracking store went away (a database restarted, a server lost) or whose nodes died leaves jobs
stopped at a checkpoint with their MLflow runs RUNNING, jobs that never got a run, and a parent run without its
comparison. Once the store is back, this command takes each job folder of the sweep (``<sweep dir>/<job>``) whose
MLflow run is not FINISHED, composes the job's config again from the overrides Hydra recorded
(``.hydra/overrides.yaml``) as the same job of the same sweep, and trains it with ``resume=auto``: from its last
complete checkpoint in its own MLflow run, or from the start (in the run it had, if any). Then the sweep's parent
run gets its job counts and comparison again and ends FINISHED. Jobs run one after another in this process, from
the folder the sweep was started in.

Example::

    experiments-resume-sweep multirun/2026-12-05/10-00-00
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from omegaconf import DictConfig, OmegaConf, open_dict

from experiments.config import register_configs
from experiments.errors import ConfigurationError
from experiments.sweeps.parent_run import SweepRun
from experiments.tracking.resume import AUTO, recorded_run_id
from experiments.tracking.tags import FINISHED, PARENT_RUN_FILE

logger = logging.getLogger(__name__)

HYDRA_FOLDER = ".hydra"


@dataclass(frozen=True)
class Job:
    """One job folder of a sweep: its number, folder, recorded overrides and the folder the sweep ran from."""

    num: int
    folder: Path
    overrides: list[str]
    cwd: Path

    @classmethod
    def read(cls, folder: Path) -> Job:
        recorded = folder / HYDRA_FOLDER
        hydra = OmegaConf.load(recorded / "hydra.yaml").hydra
        overrides = [str(item) for item in OmegaConf.load(recorded / "overrides.yaml")]
        return cls(int(hydra.job.num), folder.resolve(), overrides, Path(str(hydra.runtime.cwd)))


def sweep_jobs(sweep_dir: Path) -> list[Job]:
    """The jobs Hydra started in ``sweep_dir`` (folders named by their number holding ``.hydra/``), in order."""
    if not sweep_dir.is_dir():
        raise ConfigurationError(f"{sweep_dir} is not a folder: give the sweep folder (hydra.sweep.dir)")
    folders = [path for path in sweep_dir.iterdir() if path.name.isdigit() and (path / HYDRA_FOLDER).is_dir()]
    if not folders:
        raise ConfigurationError(f"{sweep_dir} holds no job folder (<job number>/.hydra/): is it a sweep folder?")
    return sorted((Job.read(path) for path in folders), key=lambda job: job.num)


def compose_job(job: Job, sweep_id: str, config_dir: str) -> DictConfig:
    """The job's config composed from its recorded overrides, installed as the current Hydra config of job
    ``job.num`` of sweep ``sweep_id``, with ``resume=auto`` and its own folder as ``output_dir``."""
    GlobalHydra.instance().clear()
    register_configs()
    hydra_overrides = [f"hydra.sweep.dir={sweep_id}", f"hydra.job.num={job.num}", "hydra.mode=MULTIRUN"]
    with initialize_config_dir(config_dir=config_dir, version_base="1.3"):
        cfg = compose("train", overrides=[*job.overrides, *hydra_overrides], return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        cfg.output_dir = str(job.folder)
        cfg.resume = AUTO
        del cfg["hydra"]
    return cfg


def run_status(tracking_uri: str, run_id: str | None) -> str | None:
    """The status of the job's MLflow run, None when it has none (or the store does not know it)."""
    if run_id is None:
        return None
    try:
        return MlflowClient(tracking_uri).get_run(run_id).info.status
    except MlflowException:
        return None


@contextmanager
def working_directory(folder: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def resume_sweep(sweep_dir: Path, tracking_uri: str | None = None) -> Counter[str]:
    """Finish the sweep's unfinished jobs (see the module) and close its parent run; counts of what happened."""
    from experiments.config.location import config_dir
    from experiments.run.runner import train

    jobs = sweep_jobs(sweep_dir)
    parent_file = sweep_dir / PARENT_RUN_FILE
    parent_id = parent_file.read_text(encoding="utf-8").strip() if parent_file.is_file() else None
    outcome: Counter[str] = Counter()
    sweep_id: str | None = None
    closing: SweepRun | None = None
    with working_directory(jobs[0].cwd):
        for job in jobs:
            if sweep_id is None:
                sweep_id = recorded_sweep_id(job, tracking_uri, parent_id) or str(sweep_dir)
            cfg = compose_job(job, sweep_id, config_dir())
            if tracking_uri:
                with open_dict(cfg):
                    cfg.tracking.tracking_uri = tracking_uri
            uri = str(cfg.tracking.tracking_uri)
            closing = closing or SweepRun(uri, cfg.tracking.experiment_name, cfg.evaluation.select_metric)
            status = run_status(uri, recorded_run_id(job.folder))
            if status == FINISHED:
                outcome["already finished"] += 1
                continue
            logger.info("Job %d (run %s): continuing with resume=auto", job.num, status or "none")
            try:
                train(cfg)
            except Exception:
                logger.exception("Job %d failed again; its MLflow run says why", job.num)
                outcome["failed"] += 1
            else:
                outcome["resumed and finished"] += 1
            finally:
                GlobalHydra.instance().clear()
        if parent_id is not None and closing is not None and sweep_id is not None:
            closing.attach(parent_id)
            closing.close(Path(sweep_id))
    return outcome


def recorded_sweep_id(job: Job, tracking_uri: str | None, parent_id: str | None) -> str | None:
    """The sweep folder as the sweep named it (its parent run's tag ``sweep_dir``): the jobs' tag ``sweep_id``."""
    if parent_id is None:
        return None
    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    if uri is None:
        recorded = OmegaConf.load(job.folder / HYDRA_FOLDER / "config.yaml")
        uri = str(OmegaConf.select(recorded, "tracking.tracking_uri", default=None) or "")
        if not uri or "${" in uri:
            return None
    try:
        return MlflowClient(uri).get_run(parent_id).data.tags.get("sweep_dir")
    except MlflowException:
        return None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="experiments-resume-sweep",
        description="Finish every job of a sweep whose MLflow run did not finish (resume=auto), then close the "
        "sweep's parent run with its comparison.",
    )
    parser.add_argument("sweep_dir", type=Path, help="the sweep folder (hydra.sweep.dir), e.g. multirun/<day>/<time>")
    parser.add_argument(
        "--tracking-uri", default=None, help="the tracking store, when it moved (default: the one the jobs used)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry; exit status 0 when every job of the sweep has finished, 1 otherwise, 2 on a bad argument."""
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s][%(name)s][%(levelname)s] - %(message)s")
    args = parse_args(argv)
    try:
        outcome = resume_sweep(args.sweep_dir.resolve(), args.tracking_uri)
    except ConfigurationError as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    logger.info("Sweep %s: %s", args.sweep_dir, ", ".join(f"{count} {what}" for what, count in sorted(outcome.items())))
    return 1 if outcome["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
