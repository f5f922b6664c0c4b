"""Screenshots of the MLflow UI over a small sweep, for docs/mlflow-ui.md (not part of the tests).

Runs a tiny-model sweep (``experiment=smoke``, loss × seed, 3 epochs, a few hundred WikiQA rows) into a fresh
SQLite store, starts ``mlflow ui --app-name experiments`` on 127.0.0.1 and takes headless Chromium screenshots of
the experiment page, one run, a metric's per-epoch chart, the compare page of the sweep, the parent run's
artifacts and the logged models. Each page is opened by its plain URL (no ``workflowType``) in a fresh browser
profile, as a first visit would.

Needs Chromium (``apt-get install -y chromium``) and the package installed (``pip install -e .``: the
``mlflow.app`` entry point). From the project root::

    python docs/screenshots/take.py                          # writes docs/screenshots/*.png
    python docs/screenshots/take.py --keep ~/project/ui-tour  # runs the sweep there and keeps it

The runs record where they ran (the model folder, the output folder): run it in a folder whose path may be shown.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from mlflow.tracking import MlflowClient

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ROWS = {"train": 300, "dev": 120, "test": 120}
SWEEP = ("experiment=smoke", "data.max_train_rows=null", "trainer.epochs=3", "loss=plain,focal", "seed=1,2")
EXPERIMENT = "ui-tour"
STORE = "sqlite:///mlflow.db"  # in the work folder
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--virtual-time-budget=15000",
    "--run-all-compositor-stages-before-draw", "--hide-scrollbars",
)  # fmt: skip

logger = logging.getLogger("screenshots")


def mini_wikiqa(folder: Path) -> Path:
    """The first rows of each embedded WikiQA file: a job takes seconds."""
    from experiments.data.wikiqa import embedded_wikiqa_dir

    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in ROWS.items():
        name = f"WikiQA-{split}.tsv"
        lines = (embedded_wikiqa_dir() / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / name).write_text("".join(lines[: rows + 1]), encoding="utf-8")
    return folder


def environment() -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    return env


def run_sweep(work: Path) -> None:
    """The sweep, run from ``work`` with paths relative to it, as a user runs one in a project folder."""
    mini_wikiqa(work / "data")
    command = [
        sys.executable, "-m", "experiments.train", "-m", *SWEEP, "data.root=data",
        f"tracking.tracking_uri={STORE}", f"tracking.experiment_name={EXPERIMENT}",
        "hydra.sweep.dir=multirun/ui-tour", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
    ]  # fmt: skip
    subprocess.run(command, cwd=work, env=environment(), check=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_ui(tracking_uri: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", tracking_uri, "--app-name", "experiments"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    with log.open("wb") as output:
        env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(1)
    process.terminate()
    raise TimeoutError(f"mlflow ui did not answer on port {port}; see {log}")


# Taller windows where the page's point is below the fold (the run's description and metrics).
HEIGHTS = {"2-run": 2200}


def shoot(url: str, path: Path) -> None:
    """A screenshot of ``url`` in a fresh browser profile (nothing stored from an earlier page)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium not found: apt-get install -y chromium")
    size = f"--window-size=1600,{HEIGHTS.get(path.stem, 1000)}"
    with tempfile.TemporaryDirectory() as profile:
        command = [chromium, *CHROMIUM_FLAGS, size, f"--user-data-dir={profile}", f"--screenshot={path}", url]
        subprocess.run(command, check=True, capture_output=True, timeout=180)
    logger.info("%s <- %s", path.name, url)


def pages(base: str, client: MlflowClient) -> dict[str, str]:
    """Screenshot name → URL of the MLflow UI page."""
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None
    eid = experiment.experiment_id
    runs = client.search_runs([eid], order_by=["attributes.start_time ASC"])
    parent = next(run for run in runs if "sweep_parent" in run.data.tags)
    children = [run for run in runs if run.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    best = next(run for run in children if run.info.run_id == parent.data.tags.get("best_run_id"))
    ids = json.dumps([run.info.run_id for run in children])
    key = urllib.parse.quote(json.dumps("dev/f1"))
    metric = (  # the query MLflow's own links to the metric page carry (all its keys are read)
        f"runs={json.dumps(json.loads(ids), separators=(',', ':'))}&metric={key}&experiments={json.dumps([eid])}"
        f"&plot_metric_keys=[{key}]&plot_layout={{}}&x_axis=step&y_axis_scale=linear&line_smoothness=1"
        "&show_point=true&deselected_curves=[]&last_linear_y_axis_range=[]"
    )
    compare = urllib.parse.urlencode({"runs": ids, "experiments": json.dumps([eid])})
    runs_page = f"{base}/#/experiments/{eid}/runs"
    model_id = best.data.tags["model_uri"].removeprefix("models:/")
    return {
        "1-experiment": f"{base}/#/experiments/{eid}",  # the experiment's plain URL: where a first visit lands
        "2-run": f"{runs_page}/{best.info.run_id}",
        "3-run-charts": f"{runs_page}/{best.info.run_id}/model-metrics",
        "4-metric-per-epoch": f"{base}/#/metric?{metric}",
        "5-compare": f"{base}/#/compare-runs?{compare}",
        "6-parent-artifacts": f"{runs_page}/{parent.info.run_id}/artifacts/comparison/comparison.md",
        "7-parent-plot": f"{runs_page}/{parent.info.run_id}/artifacts/comparison/test_f1_by_group.png",
        "8-models": f"{base}/#/experiments/{eid}/models",
        "9-model": f"{base}/#/experiments/{eid}/models/{model_id}",
    }


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one)")
    parser.add_argument("--out", type=Path, default=HERE, help="where the PNGs go")
    parser.add_argument("--reuse", action="store_true", help="the work folder holds a sweep already")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="mlflow-ui-"))
    work.mkdir(parents=True, exist_ok=True)
    tracking_uri = f"sqlite:///{work.resolve() / 'mlflow.db'}"
    if not args.reuse:
        run_sweep(work)
    port = free_port()
    process = start_ui(tracking_uri, port, work / "ui.log")
    try:
        for name, url in pages(f"http://127.0.0.1:{port}", MlflowClient(tracking_uri)).items():
            shoot(url, args.out / f"{name}.png")
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
