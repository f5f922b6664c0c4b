"""The few lines a person reads at the end of a run: best epoch, the figures that matter, where things are."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from experiments.mlflow_ui import ui_command

# The figures worth a glance, in order, by metric key (shown where the run computed them).
HEADLINE_METRICS = (
    ("F1", "f1"),
    ("F1 macro", "f1_macro"),
    ("MCC", "mcc"),
    ("AP", "average_precision"),
    ("MAP", "map"),
    ("MRR", "mrr"),
)


def public_uri(uri: str) -> str:
    """``uri`` without user name, password or query (they may hold credentials); relative SQLite paths made absolute."""
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        return f"sqlite:///{Path(uri.removeprefix('sqlite:///')).resolve()}"
    parts = urlsplit(uri)
    if not parts.netloc:
        return uri
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def figures(summary: Mapping[str, float], prefix: str) -> str:
    """``F1 0.2150  MCC 0.1423 ...`` for the keys ``<prefix><metric>`` present and finite."""
    shown = []
    for name, key in HEADLINE_METRICS:
        value = summary.get(f"{prefix}{key}")
        if value is not None and math.isfinite(value):
            shown.append(f"{name} {value:.4f}")
    return "  ".join(shown) or "(no metric)"


def ui_hint(tracking_uri: str) -> str:
    """How to open this store: ``mlflow ui`` for a file or database store, the server's address otherwise."""
    uri = public_uri(tracking_uri)
    if urlsplit(uri).scheme in {"http", "https"}:
        return f"open {uri} in a browser"
    return ui_command(uri)


def run_summary(
    summary: Mapping[str, float],
    select_metric: str,
    threshold_metric: str | None,
    model_dir: Path | None,
    run_id: str | None,
    tracking_uri: str,
) -> str:
    """The end-of-run summary: best epoch, dev and test headline figures, model folder, MLflow run and UI command.

    ``summary`` holds ``best_dev_*``, ``best_epoch`` and ``test_*`` values as the runner returns them.
    """
    lines = [f"Best epoch {int(summary['best_epoch'])} (by {select_metric} = {summary[f'best_{select_metric}']:.4f})"]
    threshold = summary.get(f"best_dev_{threshold_metric}_threshold") if threshold_metric else None
    lines.append(f"  dev   {figures(summary, 'best_dev_')}")
    at = f"   at the dev {threshold_metric} threshold {threshold:.4g}" if threshold is not None else ""
    lines.append(f"  test  {figures(summary, 'test_')}{at}")
    if model_dir is not None:
        lines.append(f"Model:      {model_dir.resolve()}")
    if run_id:
        lines.append(f"MLflow run: {run_id}")
        lines.append(f"Browse:     {ui_hint(tracking_uri)}")
    return "\n".join(lines)


class JobPrefix(logging.Filter):
    """Adds ``record.job``: ``"[job N] "`` in a sweep job, ``""`` otherwise (for the log format's ``%(job)s``)."""

    def __init__(self, job: int | str | None = None) -> None:
        super().__init__()
        self.prefix = "" if job is None else f"[job {job}] "

    def filter(self, record: logging.LogRecord) -> bool:
        record.job = self.prefix
        return True
