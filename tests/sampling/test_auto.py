"""sampling=auto: WikiQA trains exactly as sampling=rotating does; NLI's classes train on every row every epoch."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from experiments.data.wikiqa import load_wikiqa
from experiments.errors import ConfigurationError
from experiments.sampling import AutoSampling, RotatingUnderSampling
from tests.data.test_presets import shared_data_dir

WIKIQA = Path(__file__).resolve().parents[2] / "src" / "experiments" / "resources" / "wikiqa"


def nli_labels(corpus: str, binary: bool) -> tuple[np.ndarray, int]:
    folder = shared_data_dir()
    files = {"snli": "snli/snli_1.0_dev.simplified.jsonl", "mnli": "mnli/multinli_1.0_dev_matched.simplified.jsonl"}
    if folder is None or not (folder / files[corpus]).is_file():
        pytest.skip("the SNLI / MultiNLI files are not at hand (set EXPERIMENTS_DATA_DIR)")
    names = [json.loads(line)["label"] for line in (folder / files[corpus]).read_text(encoding="utf-8").splitlines()]
    if binary:
        return np.array([int(name == "contradiction") for name in names]), 2
    order = ["entailment", "neutral", "contradiction"]
    return np.array([order.index(name) for name in names]), 3


def test_on_wikiqa_the_epochs_are_those_of_rotating_undersampling(caplog: pytest.LogCaptureFixture):
    labels = np.asarray(load_wikiqa(str(WIKIQA), max_train_rows=None).train["label"])
    with caplog.at_level(logging.INFO, logger="experiments.sampling.auto"):
        auto = AutoSampling(ratio=1.0, min_imbalance=3.0, random_state=42).fit(labels, 2)
    rotating = RotatingUnderSampling(ratio=1.0, random_state=42).fit(labels, 2)
    assert auto.target_counts_ == rotating.target_counts_ == [1040, 1040]
    for epoch in range(8):
        np.testing.assert_array_equal(auto.epoch_indices(epoch), rotating.epoch_indices(epoch))
    assert auto.epoch_metrics(3) == rotating.epoch_metrics(3)
    assert "the classes are 1:18.6 (at least 1:3): rotating undersampling to [1040, 1040] rows" in caplog.text


@pytest.mark.parametrize(("corpus", "binary"), [("snli", True), ("mnli", True), ("snli", False), ("mnli", False)])
def test_on_nli_every_row_is_trained_on_every_epoch(corpus: str, binary: bool, caplog: pytest.LogCaptureFixture):
    labels, num_classes = nli_labels(corpus, binary)
    with caplog.at_level(logging.INFO, logger="experiments.sampling.auto"):
        sampler = AutoSampling(random_state=1).fit(labels, num_classes)
    for epoch in range(3):
        np.testing.assert_array_equal(np.sort(sampler.epoch_indices(epoch)), np.arange(len(labels)))
    assert sampler.epoch_metrics(2)["train_majority_coverage"] == 1.0
    assert "every training row every epoch" in caplog.text


def test_the_threshold_is_where_resampling_starts():
    labels = np.array([0] * 30 + [1] * 10)  # 1:3
    assert AutoSampling(min_imbalance=3.0).fit(labels, 2).target_counts_ == [10, 10]
    assert AutoSampling(min_imbalance=3.5).fit(labels, 2).target_counts_ == [30, 10]
    assert AutoSampling(ratio=0.5, min_imbalance=2.0).fit(labels, 2).target_counts_ == [20, 10]


@pytest.mark.parametrize("value", [0.5, "three", True, float("nan")])
def test_a_bad_threshold_names_the_key(value: object):
    with pytest.raises(ConfigurationError, match=r"^sampling.min_imbalance must be a number >= 1"):
        AutoSampling(min_imbalance=value)
