"""How the runner's metric keys are named in MLflow: ``/`` sections, which the MLflow UI groups charts by.

Internal keys (``dev_f1``, ``test_f1``, ``evaluation.select_metric=dev_f1``, the epoch history) stay as they are;
:func:`mlflow_metric_name` is applied where metrics are handed to MLflow, and by the readers of a store
(``experiments-compare``, ``experiments-reproduce``) to the names given on their command line.
"""

from __future__ import annotations

from collections.abc import Mapping

# The wall-clock metrics of training (``time/...``): never equal between two runs.
TIMING_METRICS = frozenset(
    {"train_runtime_s", "eval_runtime_s", "eval_share", "train_pairs_per_second", "train_epoch_seconds"}
)
# Section prefixes: internal key prefix → MLflow section.
SECTIONS = {"dev_": "dev", "test_": "test", "negatives_": "negatives", "augmented_": "augmentation", "data_": "data"}
# Keys renamed as a whole.
RENAMED = {
    "train_loss": "train/loss",
    "epochs_trained": "train/epochs_trained",
    "best_epoch": "dev/best_epoch",
    "train_majority_coverage": "sampling/majority_coverage",
    "cv_folds": "cv/folds",
}
# Per-epoch class counts the sampler drew (``train_count_class_<k>``).
SAMPLER_PREFIX = "train_count_"
# Copies of the best epoch's dev figures: the per-epoch history and ``dev/best_epoch`` hold them already.
DROPPED_PREFIX = "best_dev_"
CV_STD_PREFIX = "cv_std_"


def mlflow_metric_name(key: str) -> str | None:
    """The MLflow name of metric ``key``, or None for a key not logged as a metric.

    ``dev_<m>`` → ``dev/<m>``, ``test_<m>`` → ``test/<m>``, ``train_loss`` → ``train/loss``, the timings
    (:data:`TIMING_METRICS`) → ``time/<key>``, the sampler's per-epoch figures →
    ``sampling/...``, ``negatives_<x>`` → ``negatives/<x>``, ``best_epoch`` → ``dev/best_epoch``,
    ``cv_std_<k>`` → ``<name of k>_cv_std``; ``best_dev_*`` → None. A name with a ``/`` is returned as it is,
    so the function can be applied twice; any other key keeps its name.
    """
    if "/" in key:
        return key
    if key.startswith(DROPPED_PREFIX):
        return None
    if key.startswith(CV_STD_PREFIX):
        inner = mlflow_metric_name(key.removeprefix(CV_STD_PREFIX))
        return f"{inner}_cv_std" if inner else None
    if key in RENAMED:
        return RENAMED[key]
    if key in TIMING_METRICS:
        return f"time/{key}"
    if key.startswith(SAMPLER_PREFIX):
        return f"sampling/{key.removeprefix('train_')}"
    for prefix, section in SECTIONS.items():
        if key.startswith(prefix):
            return f"{section}/{key.removeprefix(prefix)}"
    return key


def mlflow_metrics(metrics: Mapping[str, float]) -> dict[str, float]:
    """``metrics`` under their MLflow names, without the keys that are not logged."""
    named = {mlflow_metric_name(key): value for key, value in metrics.items()}
    return {name: value for name, value in named.items() if name is not None}


# The config groups a run name shows, and the choices it leaves out as "nothing special".
NAMED_GROUPS = ("loss", "sampling", "negatives", "head")
UNNAMED_CHOICES = frozenset({"none", "binary_sigmoid"})


def run_name(choices: Mapping[str, str], seed: int, job: str | None = None) -> str:
    """A short run name that keeps the seed: ``focal · over · seed 1``, in a sweep ``#3 focal · over · seed 1``.

    Shows the choices of :data:`NAMED_GROUPS` other than the defaults in :data:`UNNAMED_CHOICES`
    (the MLflow runs list cuts long names, so the defaults are left to the tags).
    """
    parts = [choices[group] for group in NAMED_GROUPS if choices.get(group) and choices[group] not in UNNAMED_CHOICES]
    name = " · ".join([*parts, f"seed {seed}"])
    return f"#{job} {name}" if job is not None else name
