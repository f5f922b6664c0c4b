"""The end-of-run summary, the store address it shows, and the job prefix of sweep log lines."""

from __future__ import annotations

import logging
from pathlib import Path

from experiments.run.console import JobPrefix, public_uri, run_summary, ui_hint

SUMMARY = {
    "best_epoch": 2.0,
    "best_dev_f1": 0.2153,
    "best_dev_f1_threshold": 0.41234,
    "best_dev_mcc": 0.1568,
    "best_dev_average_precision": 0.1161,
    "best_dev_map": 0.6093,
    "best_dev_mrr": 0.6201,
    "best_dev_ranked_groups": 126.0,
    "best_dev_accuracy": 0.95,
    "test_f1": 0.1431,
    "test_mcc": 0.1102,
    "test_average_precision": 0.0912,
    "test_map": 0.5661,
    "test_mrr": 0.5752,
}


def test_the_summary_names_the_best_epoch_the_figures_the_model_and_the_run(tmp_path: Path):
    text = run_summary(SUMMARY, "dev_f1", "f1", tmp_path / "model", "0123abcd", "sqlite:///mlflow.db")
    assert text.splitlines() == [
        "Best epoch 2 (by dev_f1 = 0.2153)",
        "  dev   F1 0.2153  MCC 0.1568  AP 0.1161  MAP 0.6093  MRR 0.6201",
        "  test  F1 0.1431  MCC 0.1102  AP 0.0912  MAP 0.5661  MRR 0.5752   at the dev f1 threshold 0.4123",
        f"Model:      {tmp_path / 'model'}",
        "MLflow run: 0123abcd",
        f"Browse:     mlflow ui --backend-store-uri sqlite:///{Path('mlflow.db').resolve()} --app-name experiments",
    ]


def test_a_multiclass_summary_shows_macro_f1_and_no_threshold():
    summary = {"best_epoch": 1.0, "best_dev_f1_macro": 0.5, "best_dev_mcc": 0.3, "test_f1_macro": 0.4, "test_mcc": 0.2}
    lines = run_summary(summary, "dev_f1_macro", None, None, None, "sqlite:///m.db").splitlines()
    assert lines == [
        "Best epoch 1 (by dev_f1_macro = 0.5000)",
        "  dev   F1 macro 0.5000  MCC 0.3000",
        "  test  F1 macro 0.4000  MCC 0.2000",
    ]


def test_no_credential_of_the_store_is_shown():
    assert (
        public_uri("https://alice:s3cret@mlflow.example.org:8443/base?token=abc")
        == "https://mlflow.example.org:8443/base"
    )
    assert ui_hint("http://bob:pw@127.0.0.1:5000") == "open http://127.0.0.1:5000 in a browser"
    assert public_uri("postgresql://user:pw@db:5432/mlflow") == "postgresql://db:5432/mlflow"
    assert public_uri("sqlite:////abs/mlflow.db") == "sqlite:////abs/mlflow.db"


def test_sweep_log_lines_carry_the_job_number():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    formatter = logging.Formatter("%(job)s%(message)s")
    assert JobPrefix(3).filter(record) and formatter.format(record) == "[job 3] hello"
    assert JobPrefix(None).filter(record) and formatter.format(record) == "hello"
