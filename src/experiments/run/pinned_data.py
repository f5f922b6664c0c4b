"""The data a run started with, kept in its ``output_dir`` as fingerprints, so that ``resume=true`` continues on it.

A resume on other data (a file edited or relabelled after the kill) would train the last epochs on rows the first
epochs never saw and report one run: :func:`pin_data_fingerprints` refuses it and names the splits that differ.
The fingerprints are those of the splits as read (:func:`experiments.data.splits.fingerprint`, before
augmentation, which the pinned config already fixes).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path

from experiments.data.splits import PairSplits, fingerprint
from experiments.distributed import is_main_process
from experiments.errors import ConfigurationError

logger = logging.getLogger(__name__)

DATA_FILE = "data_fingerprints.json"


def data_fingerprints(data: PairSplits) -> dict[str, str]:
    """Split name → content fingerprint of its pairs and labels."""
    return {split: fingerprint(dataset) for split, dataset in data.splits().items()}


def data_differences(original: Mapping[str, str], current: Mapping[str, str]) -> list[str]:
    """The splits whose fingerprint differs (or that only one side has), in split order."""
    return [split for split in {**original, **current} if original.get(split) != current.get(split)]


def pin_data_fingerprints(data: PairSplits, output_dir: str | Path, resume: bool) -> None:
    """A new run writes the fingerprints of ``data`` to ``output_dir``; a resume refuses data that differs from them."""
    path = Path(output_dir) / DATA_FILE
    current = data_fingerprints(data)
    if not resume:
        if is_main_process():  # under torchrun the other ranks share rank 0's folder
            path.write_text(json.dumps(current, indent=2), encoding="utf-8")
        return
    if not path.is_file():
        logger.warning("resume=true: %s not found (a run from an older version); the data is not compared", path)
        return
    original = json.loads(path.read_text(encoding="utf-8"))
    differing = data_differences(original, current)
    if differing:
        splits = " and ".join(differing)
        detail = "; ".join(f"{split}: {original.get(split)} -> {current.get(split)}" for split in differing)
        raise ConfigurationError(
            f"resume=true: the {splits} data differ{'s' if len(differing) == 1 else ''} from the data the run in "
            f"{output_dir} started with (fingerprints in {path.name}: {detail}); resume with the original data, "
            "or start a new run without resume=true"
        )
