"""A SQLite store that cannot be written fails in one line naming the database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from experiments.errors import ConfigurationError
from experiments.tracking import MlflowTracker


def test_a_read_only_database_is_named_in_one_line(tmp_path: Path):
    database = tmp_path / "mlflow.db"
    MlflowClient(f"sqlite:///{database}").create_experiment("e")
    # SQLite's read-only mode gives the error a file without write permission gives (root ignores permissions)
    read_only = f"sqlite:///file:{database}?mode=ro&uri=true"
    message = f"the database {database} cannot be written (attempt to write a readonly database); check the"
    with pytest.raises(ConfigurationError, match=re.escape(message)) as raised:
        MlflowTracker(read_only, "e").start()
    assert "\n" not in str(raised.value) and raised.value.__cause__ is None
