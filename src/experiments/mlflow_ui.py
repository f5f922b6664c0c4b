"""``mlflow ui --app-name experiments``: the MLflow UI, opening an experiment on its runs table in a fresh browser.

MLflow 3.17's UI does not choose its view from the experiment's ``mlflow.experimentKind`` tag. Its
``WorkflowTypeProvider`` (``mlflow/server/js/src/common/contexts/WorkflowTypeContext.tsx``, module 7975 of the
built ``main.*.js``) takes the ``workflowType`` URL parameter, else the browser's localStorage key
``mlflow.workflowType_v1``, else ``genai``; ``useNavigateToExperimentPageTab`` then opens the experiment on the
GenAI overview or on the runs table. ``useExperimentKind`` reads the tag only while a feature flag is off, and
the open-source build hard-codes it on. So a browser that never toggled the sidebar's "Model training" switch
opens every experiment on the GenAI overview (docs/mlflow-ui.md has the details).

This app is MLflow's own server (the same routes, the same store) whose page ``/`` seeds that key with
``"machine_learning"`` before the UI starts, when the browser holds no choice yet: a choice made with the
switch is kept. It also marks the MLflow Assistant as already opened once, so that it waits behind its button
instead of covering a third of the first page. Registered as the ``mlflow.app`` entry point ``experiments``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# localStorage entries the UI reads (``useLocalStorage`` stores key ``<key>_v<version>`` as JSON), seeded only
# where the browser has none.
SEEDED_DEFAULTS: dict[str, Any] = {
    "mlflow.workflowType_v1": "machine_learning",
    "mlflow.assistant.fab.autoOpenedOnFirstLoad_v1": True,
}
MARKER = "data-experiments-defaults"
APP_NAME = "experiments"


def ui_command(tracking_uri: str) -> str:
    """The command that opens a local store in this app."""
    return f"mlflow ui --backend-store-uri {tracking_uri} --app-name {APP_NAME}"


def seed_script(defaults: dict[str, Any] | None = None) -> str:
    """A ``<script>`` that writes each default into localStorage unless the browser holds a value already."""
    entries = json.dumps({key: json.dumps(value) for key, value in (defaults or SEEDED_DEFAULTS).items()})
    return (
        f"<script {MARKER}>try{{const d={entries};for(const k in d)"
        "if(localStorage.getItem(k)===null)localStorage.setItem(k,d[k])}catch(e){}</script>"
    )


def with_defaults(index_html: str) -> str:
    """``index.html`` with :func:`seed_script` first in ``<head>``, before the UI's own scripts."""
    if "<head>" not in index_html:
        raise ValueError("MLflow's index.html has no <head>")
    return index_html.replace("<head>", "<head>" + seed_script(), 1)


def create_app() -> Any:
    """MLflow's server app with the page ``/`` replaced by :func:`with_defaults` of MLflow's ``index.html``.

    A factory, as ``mlflow server --app-name`` expects: the FastAPI app under uvicorn (MLflow's default), the
    Flask app under gunicorn or waitress.
    """
    from flask import Response
    from mlflow.environment_variables import _MLFLOW_SGI_NAME
    from mlflow.server import app as flask_app

    index = Path(flask_app.static_folder or "", "index.html")
    mlflow_serve = flask_app.view_functions["serve"]

    def serve() -> Any:
        if not index.is_file():  # a source install without the built UI: MLflow's own explanation
            return mlflow_serve()
        return Response(with_defaults(index.read_text(encoding="utf-8")), mimetype="text/html")

    flask_app.view_functions["serve"] = serve
    if _MLFLOW_SGI_NAME.get() in (None, "uvicorn"):
        from mlflow.server.fastapi_app import app as fastapi_app

        return fastapi_app
    return flask_app
