"""``mlflow ui --app-name experiments``: a fresh browser opening an experiment's plain URL lands on its runs table,
not on MLflow's GenAI overview."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest

from experiments.mlflow_ui import MARKER, SEEDED_DEFAULTS, seed_script, with_defaults
from experiments.tracking import MlflowTracker
from tests.mlflow_server import Server, start_server

BUNDLE = Path(mlflow.__file__).parent / "server" / "js" / "build" / "static" / "js"
RUN_NAME = "plain · none · seed 7"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--virtual-time-budget=15000",
    "--run-all-compositor-stages-before-draw", "--window-size=1600,1000",
)  # fmt: skip


def test_the_defaults_come_before_the_ui_and_keep_a_choice_made():
    page = with_defaults('<html><head><script src="static-files/static/js/main.js"></script></head></html>')
    assert page.index(MARKER) < page.index("main.js")
    script = seed_script({"mlflow.workflowType_v1": "machine_learning"})
    # written only where the browser holds no value, as the JSON the UI's useLocalStorage reads
    assert "if(localStorage.getItem(k)===null)localStorage.setItem(k,d[k])" in script
    assert json.loads(re.search(r"const d=(\{.*?\});", script).group(1)) == {  # type: ignore[union-attr]
        "mlflow.workflowType_v1": '"machine_learning"'
    }
    with pytest.raises(ValueError, match="no <head>"):
        with_defaults("<html></html>")


def test_the_installed_ui_reads_the_seeded_keys():
    """The MLflow UI keeps ``useLocalStorage({key, version})`` entries as ``<key>_v<version>``; the seeded keys must
    be ones its bundle reads, or the seed does nothing."""
    (main,) = BUNDLE.glob("main.*.js")
    code = main.read_text(encoding="utf-8")
    assert "_v${" in code  # the stored key: `${key}_v${version}`
    for stored in SEEDED_DEFAULTS:
        key, version = stored.rsplit("_v", 1)
        assert f'key:"{key}",version:{version}' in code, stored


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """``mlflow ui --app-name experiments`` over a store with one experiment (as the runner creates it) and a run."""
    folder = tmp_path_factory.mktemp("ui-app")
    with MlflowTracker(f"sqlite:///{folder / 'mlflow.db'}", "landing", run_name=RUN_NAME) as tracker:
        for epoch in (1, 2):
            tracker.log_metrics({"dev_f1": 0.3 + epoch / 10}, step=epoch)
    server = start_server(folder, app_name="experiments")
    experiment_id = mlflow.MlflowClient(server.url).get_experiment_by_name("landing").experiment_id
    yield server, experiment_id
    server.stop()


@pytest.mark.slow
def test_the_server_serves_the_ui_with_the_defaults_and_the_api_unchanged(ui: tuple[Server, str]):
    server, experiment_id = ui
    with urllib.request.urlopen(f"{server.url}/", timeout=30) as response:
        page = response.read().decode()
    assert page.index(MARKER) < page.index("static-files/static/js/main.")
    assert "mlflow.workflowType_v1" in page
    experiment = mlflow.MlflowClient(server.url).get_experiment(experiment_id)
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Chromium (apt-get install -y chromium)")
def test_a_fresh_browser_lands_on_the_runs_table(ui: tuple[Server, str], tmp_path: Path):
    server, experiment_id = ui
    command = [shutil.which("chromium") or "chromium", *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    page = subprocess.run(
        [*command, "--dump-dom", f"{server.url}/#/experiments/{experiment_id}"],
        capture_output=True, text=True, timeout=180, check=True,
    ).stdout  # fmt: skip
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert RUN_NAME in text and " 1 matching run " in text  # the runs table
    assert "Detect Issues" not in text and "Token Usage" not in text  # not the GenAI overview
