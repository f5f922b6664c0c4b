"""Jobs of a parallel sweep that log the same datasets at the same moment all keep their inputs."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import time

from mlflow.tracking import MlflowClient

from experiments.tracking import MlflowTracker
from experiments.tracking.datasets import split_inputs

JOBS = 6
ROUNDS = 4


def _log_the_same_datasets(tracking_uri: str, barrier: multiprocessing.synchronize.Barrier, job: int) -> None:
    for round_ in range(ROUNDS):
        fingerprints = {split: f"{split}-{round_}" for split in ("train", "dev", "test")}
        summary = {f"data_{split}_rows": 10.0 for split in fingerprints}
        with MlflowTracker(tracking_uri, "race", run_name=f"job {job} round {round_}") as tracker:
            barrier.wait(timeout=120)  # every job inserts the round's new datasets together
            tracker.log_inputs(split_inputs("wikiqa", fingerprints, summary))


def test_parallel_jobs_logging_one_dataset_all_finish_with_their_inputs(tracking_uri: str):
    # fork: the jobs run this module's function; the parent opens the store only after they end.
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(JOBS)
    jobs = [context.Process(target=_log_the_same_datasets, args=(tracking_uri, barrier, job)) for job in range(JOBS)]
    for job in jobs:
        job.start()
    deadline = time.monotonic() + 300
    for job in jobs:
        job.join(timeout=max(1.0, deadline - time.monotonic()))
        if job.is_alive():
            job.kill()
    assert [job.exitcode for job in jobs] == [0] * JOBS
    client = MlflowClient(tracking_uri)
    runs = client.search_runs([client.get_experiment_by_name("race").experiment_id], "attributes.status = 'FINISHED'")
    linked = [run for run in runs if run.info.run_name.startswith("job ")]
    assert len(linked) == JOBS * ROUNDS
    assert all(len(run.inputs.dataset_inputs) == 3 for run in linked)
