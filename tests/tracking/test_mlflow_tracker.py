"""The tracker fails within seconds on a server that does not answer, and continues a run it is given."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest
from mlflow.tracking import MlflowClient

from experiments.errors import ConfigurationError
from experiments.tracking import MlflowTracker
from experiments.tracking.tags import FINISHED, PARENT_TAG


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A port that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


@pytest.fixture
def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_server_that_does_not_answer_fails_within_the_timeout(silent_server: str):
    start = time.monotonic()
    with pytest.raises(ConfigurationError) as error, MlflowTracker(silent_server, "e", health_timeout=1.0):
        pass
    assert time.monotonic() - start < 5
    assert str(error.value).startswith(
        f"tracking.tracking_uri={silent_server!r}: the MLflow server did not answer {silent_server}/health within 1 s"
    )


def test_a_refused_connection_fails_at_once(closed_port: str):
    start = time.monotonic()
    with pytest.raises(ConfigurationError, match=f"{closed_port}/health within 5 s \\(ConnectionError\\)"):
        MlflowTracker(closed_port, "e").start()
    assert time.monotonic() - start < 5


def test_a_run_id_continues_that_run(tracking_uri: str, caplog: pytest.LogCaptureFixture):
    with pytest.raises(KeyboardInterrupt), MlflowTracker(tracking_uri, "e") as first:
        first.log_params({"trainer": {"epochs": 2}, "seed": 1})
        first.log_metrics({"dev_f1": 0.5}, step=1)
        raise KeyboardInterrupt
    client = MlflowClient(tracking_uri)
    assert client.get_run(first.run_id).info.status == "KILLED"

    with MlflowTracker(tracking_uri, "e", run_id=first.run_id, tags={"resumed": "yes"}) as second:
        assert client.get_run(first.run_id).info.status == "RUNNING"
        with caplog.at_level(logging.WARNING):
            second.log_params({"trainer": {"epochs": 2}, "seed": 2, "new": "x"})
        second.log_metrics({"dev_f1": 0.6}, step=2)
    run = client.get_run(first.run_id)
    assert second.run_id == first.run_id
    assert run.info.status == "FINISHED"
    assert run.data.params == {"trainer.epochs": "2", "seed": "1", "new": "x"}
    assert "param seed=2 differs from the logged 1; kept the logged value" in caplog.text
    assert run.data.tags["resumed"] == "yes"
    assert [(m.step, m.value) for m in client.get_metric_history(run.info.run_id, "dev/f1")] == [(1, 0.5), (2, 0.6)]
    assert len(client.search_runs([run.info.experiment_id])) == 1


def test_an_unknown_run_id_is_named(tracking_uri: str):
    with pytest.raises(ConfigurationError, match=f"MLflow run 0123abcd to resume is not in {tracking_uri}"):
        MlflowTracker(tracking_uri, "e", run_id="0123abcd").start()


def test_a_child_run_is_nested_under_its_parent_with_the_parent_s_tags(tracking_uri: str):
    parent = MlflowTracker(tracking_uri, "e", "parent", tags={"loss": "focal", PARENT_TAG: "sweep"})
    with parent, parent.child("parent-fold1", {"cv_fold": "1"}) as child:
        child.log_metrics({"test_f1": 0.5})
    client = MlflowClient(tracking_uri)
    run = client.get_run(str(child.run_id))
    assert run.info.run_name == "parent-fold1" and run.info.status == FINISHED
    assert run.info.experiment_id == client.get_run(str(parent.run_id)).info.experiment_id
    assert run.data.tags[PARENT_TAG] == parent.run_id  # the child's parent, not the parent's own
    assert run.data.tags["loss"] == "focal" and run.data.tags["cv_fold"] == "1"
    assert child.log_model == parent.log_model and child.register_model is None
