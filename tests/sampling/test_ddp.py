"""Samplers under ``torchrun`` (2 CPU processes, gloo): the ranks share every row of each epoch, once.

``ddp_rows.py`` trains the tiny CrossEncoder with the trainer, the project's samplers and batch sampler,
and records the rows each rank's prepared dataloader yields. Before :func:`~experiments.sampling.even_steps`
the trainer's ``dataloader_drop_last`` (forced under DDP) and accelerate's ``BatchSamplerShard`` dropped
up to ``2 × batch_size - 1`` of each epoch's rows (10 of the 42 of an undersampled epoch here).
The torchrun tests are ``slow`` (about 30 s of CPU, minutes of wall time on a busy 2-core machine); the
tests below them wrap :class:`~experiments.sampling.EpochBatchSampler` in accelerate's ``BatchSamplerShard``
in one process and run in the default suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from accelerate.data_loader import BatchSamplerShard
from datasets import Dataset

from experiments.errors import ConfigurationError
from experiments.sampling import EpochBatchSampler, NoSampling, RotatingUnderSampling, even_steps
from tests.mlflow_server import free_port
from tests.sampling.ddp_rows import BATCH_SIZE, CASES, EPOCHS, case_name
from tests.sweeps.conftest import SRC

SCRIPT = Path(__file__).with_name("ddp_rows.py")
RANKS = 2


@pytest.fixture(scope="module")
def ranks(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Per rank and case: the batches of every epoch, the sampler's epochs and its epoch metrics."""
    out = tmp_path_factory.mktemp("ddp-rows")
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(RANKS),
        "--master_port", str(free_port()), str(SCRIPT), str(out),
    ]  # fmt: skip
    root = str(SRC.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), root]), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(command, cwd=out, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{command} exited {result.returncode}:\n{result.stderr[-6000:]}"
    return [json.loads((out / f"rank{rank}.json").read_text()) for rank in range(RANKS)]


def rows(batches: list[list[int]]) -> list[int]:
    return [row for batch in batches for row in batch]


@pytest.mark.slow
@pytest.mark.parametrize("case", [case_name(*case) for case in CASES])
def test_ranks_share_each_epoch_every_row_once(ranks: list[dict[str, Any]], case: str):
    results = [rank[case] for rank in ranks]
    chosen = results[0]["epoch_indices"]
    assert all(result["epoch_indices"] == chosen for result in results)  # every rank draws the same epochs
    assert all(result["served_epochs"] == list(range(EPOCHS)) for result in results)
    for epoch in range(EPOCHS):
        shares = [result["batches"][epoch] for result in results]
        assert len({len(share) for share in shares}) == 1  # the same number of steps on every rank
        assert all(0 < len(batch) <= BATCH_SIZE for share in shares for batch in share)
        # Disjoint shares whose union is the epoch: as multisets, since oversampling repeats rows on purpose.
        assert sum((Counter(rows(share)) for share in shares), Counter()) == Counter(chosen[epoch])
        if len(set(chosen[epoch])) == len(chosen[epoch]):
            assert not set(rows(shares[0])) & set(rows(shares[1]))


@pytest.mark.slow
def test_rotating_epochs_differ_and_their_metrics_count_both_ranks(ranks: list[dict[str, Any]]):
    for grouped in (False, True):
        results = [rank[case_name("rotating", grouped)] for rank in ranks]
        labels = np.array(results[0]["labels"])
        majority = set(np.flatnonzero(labels == 0).tolist())
        trained = [set(rows(results[0]["batches"][e])) | set(rows(results[1]["batches"][e])) for e in range(EPOCHS)]
        assert trained[0] != trained[1] != trained[2]
        seen: set[int] = set()
        for epoch, metrics in enumerate(results[0]["epoch_metrics"]):  # what rank 0 logs
            seen |= trained[epoch] & majority
            counts = Counter(labels[sorted(trained[epoch])].tolist())
            assert metrics["train_count_class_0"] == counts[0] == 28
            assert metrics["train_count_class_1"] == counts[1] == 21
            assert metrics["train_majority_coverage"] == pytest.approx(len(seen) / len(majority))
        assert [m["train_majority_coverage"] for m in results[0]["epoch_metrics"]] == pytest.approx([0.4, 0.8, 1.0])


@pytest.mark.slow
def test_under_and_over_train_the_same_rows_each_epoch(ranks: list[dict[str, Any]]):
    for case in (case_name("under", True), case_name("over", False)):
        results = [rank[case] for rank in ranks]
        trained = [Counter(rows(results[0]["batches"][e])) + Counter(rows(results[1]["batches"][e])) for e in range(2)]
        assert trained[0] == trained[1]
        assert results[0]["batches"][0] != results[0]["batches"][1]  # reshuffled


# Without processes: accelerate's own BatchSamplerShard over EpochBatchSampler, as the trainer wraps it.


def shards(rows_per_epoch: int, batch_size: int, processes: int, grouped: bool) -> list[list[list[int]]]:
    labels = [0] * rows_per_epoch
    batches = EpochBatchSampler(
        Dataset.from_dict({"label": labels}),
        batch_size=batch_size,
        drop_last=True,  # what sentence-transformers passes under DDP
        epoch_sampler=NoSampling().fit(labels, 1),
        lengths=np.random.default_rng(0).integers(1, 50, size=rows_per_epoch),
        group_by_length=grouped,
        chunk_batches=2,
        num_processes=processes,
    )
    result = []
    for rank in range(processes):
        shard = BatchSamplerShard(batches, num_processes=processes, process_index=rank, even_batches=False)
        result.append(list(shard))
        assert len(shard) == len(result[-1])
    return result


@pytest.mark.parametrize(
    ("rows_per_epoch", "processes"),
    [(n, 2) for n in (2, 3, 16, 17, 31, 32, 33, 47, 49)] + [(n, 3) for n in (3, 17, 25, 26, 50)],
)
@pytest.mark.parametrize("grouped", [False, True])
def test_every_rank_gets_the_same_steps_and_every_row_once(rows_per_epoch: int, processes: int, grouped: bool):
    per_rank = shards(rows_per_epoch, 8, processes, grouped)
    assert len({len(share) for share in per_rank}) == 1
    assert all(0 < len(batch) <= 8 for share in per_rank for batch in share)
    assert sorted(row for share in per_rank for batch in share for row in batch) == list(range(rows_per_epoch))


def test_length_grouped_full_batches_stay_whole():
    batches = EpochBatchSampler(
        range(64), batch_size=8, drop_last=False, epoch_sampler=NoSampling().fit([0] * 60 + [1] * 4, 2),
        lengths=np.arange(64), group_by_length=True, chunk_batches=8, num_processes=2,
    )  # fmt: skip
    laid_out = list(batches)
    assert len(laid_out) == len(batches) == 8
    assert all(max(batch) - min(batch) == 7 for batch in laid_out)  # one chunk sorted by length: runs of 8


def test_even_steps_lends_rows_when_fewer_are_left_than_ranks():
    batches = [np.arange(i * 4, (i + 1) * 4) for i in range(4)] + [np.array([16])]
    laid_out = even_steps(batches, batch_size=4, processes=2)
    assert [len(batch) for batch in laid_out] == [4, 4, 3, 4, 1, 1]
    assert sorted(np.concatenate(laid_out).tolist()) == list(range(17))


def test_too_few_rows_for_the_processes_are_refused():
    with pytest.raises(ConfigurationError, match=r"an epoch of 2 rows in batches of 8 cannot give each of 3 processes"):
        shards(2, 8, 3, grouped=False)  # refused when the trainer builds the batch sampler, before any step
    with pytest.raises(ConfigurationError, match=r"an epoch of 5 rows in batches of 1 cannot give each of 2 processes"):
        even_steps([np.array([i]) for i in range(5)], batch_size=1, processes=2)


def test_a_single_process_keeps_drop_last():
    sampler = RotatingUnderSampling(ratio=1.0).fit([0] * 12 + [1] * 3, 2)
    batches = EpochBatchSampler(range(15), batch_size=4, drop_last=True, epoch_sampler=sampler, num_processes=1)
    assert [len(batch) for batch in batches] == [4]
