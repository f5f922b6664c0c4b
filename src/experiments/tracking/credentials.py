"""Credentials in URIs (``http://user:password@host``) are never written: redaction, and a move into MLflow's env vars.

MLflow reads a server's basic-auth credentials from ``MLFLOW_TRACKING_USERNAME`` and
``MLFLOW_TRACKING_PASSWORD``; :func:`move_credentials_to_environment` puts a URI's user info there before
Hydra sees the command line, so no config, log, tag or output file ever holds it. :func:`redact` and
:func:`redact_config` guard what the runner writes when it is called without the command line.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping, Sequence
from typing import Any
from urllib.parse import unquote

# scheme://userinfo@ (user info cannot hold '/', '@' or whitespace unescaped)
USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s'\"]+)@")
REDACTED = "***"
URI_VARIABLE = "MLFLOW_TRACKING_URI"
USERNAME_VARIABLE = "MLFLOW_TRACKING_USERNAME"
PASSWORD_VARIABLE = "MLFLOW_TRACKING_PASSWORD"
TRACKING_URI_KEY = "tracking.tracking_uri"
HTTP_SCHEMES = ("http://", "https://")


def redact(text: str) -> str:
    """``text`` with the user info of every URI in it replaced by ``***``."""
    return USERINFO.sub(rf"\g<scheme>{REDACTED}@", text)


def redact_config(value: Any) -> Any:
    """A copy of a plain config (dicts, lists, scalars) with every string passed through :func:`redact`."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_config(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_config(item) for item in value)
    return value


def _strip(text: str, environ: MutableMapping[str, str]) -> str:
    """``text`` with the user info of http(s) URIs removed; the user and password go to MLflow's env vars.

    Other URIs keep theirs: a database URL (``postgresql://user@host/db``) authenticates with it, and MLflow's
    variables are for an HTTP server's basic auth only.
    """

    def move(match: re.Match[str]) -> str:
        if match["scheme"].lower() not in HTTP_SCHEMES:
            return match[0]
        user, _, password = match["userinfo"].partition(":")
        environ[USERNAME_VARIABLE] = unquote(user)
        if password:
            environ[PASSWORD_VARIABLE] = unquote(password)
        return match["scheme"]

    return USERINFO.sub(move, text)


def move_credentials_to_environment(argv: Sequence[str], environ: MutableMapping[str, str]) -> list[str]:
    """``argv`` without the user info of the tracking server's URI (``tracking.tracking_uri=http://user:pw@...``);
    it goes to ``MLFLOW_TRACKING_USERNAME`` / ``MLFLOW_TRACKING_PASSWORD``.

    ``MLFLOW_TRACKING_URI`` in ``environ`` is cleaned the same way. Call before Hydra parses the command
    line, so its output folder (``.hydra/``), the run's params and tags and the logs never hold a password.
    Other arguments (an optuna storage URL, say) are left as they are.
    """
    if URI_VARIABLE in environ:
        environ[URI_VARIABLE] = _strip(environ[URI_VARIABLE], environ)
    return [
        _strip(argument, environ) if argument.partition("=")[0].lstrip("+") == TRACKING_URI_KEY else argument
        for argument in argv
    ]
