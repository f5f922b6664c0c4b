"""A tracking server that stops answering during a run (or whose database does): bounded retries, then one clear
error.

MLflow retries a failed request with exponential back-off (by default 7 retries and a 120 s timeout each,
about 13 minutes in all). :func:`bound_http_retries` sets shorter defaults for this process (a variable
the user set wins); :class:`GuardedClient` turns an unreachable server into
:class:`TrackingServerUnreachable`, whose message says that training stopped at its last checkpoint and
how to continue. The epoch logger logs each epoch after its checkpoint is written, so no epoch is lost.
"""

from __future__ import annotations

import os
from collections.abc import Callable, MutableMapping
from typing import Any

import requests
from mlflow.tracking import MlflowClient

from experiments.signals import signals_held
from experiments.tracking.credentials import redact
from experiments.tracking.store_full import store_full_error

# About 10 s for a refused connection and 3 × 30 s for a silent one, instead of minutes.
HTTP_RETRY_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "3",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}


# Answers of a server that is up but cannot serve now: a proxy without its backend, or a tracking database that is down.
UNAVAILABLE_STATUS = (502, 503, 504)


class TrackingServerUnreachable(ConnectionError):
    """The MLflow server stopped answering during the run."""


def bound_http_retries(environ: MutableMapping[str, str] | None = None) -> None:
    """Set :data:`HTTP_RETRY_DEFAULTS` in ``environ`` (this process's environment) where not set already."""
    environ = os.environ if environ is None else environ
    for name, value in HTTP_RETRY_DEFAULTS.items():
        environ.setdefault(name, value)


def is_unreachable(error: BaseException) -> bool:
    """True when ``error`` (or an error it was raised from) is a failed connection or a timeout, or the server kept
    answering 502, 503 or 504 through every retry (a server whose database is down answers 503)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, requests.ConnectionError | requests.Timeout):
            return True
        if isinstance(current, requests.exceptions.RetryError) and any(
            f"too many {code} error responses" in str(current) for code in UNAVAILABLE_STATUS
        ):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


class GuardedClient:
    """An :class:`MlflowClient` whose calls raise :class:`TrackingServerUnreachable` when the server is gone, and
    :class:`~experiments.tracking.store_full.TrackingStoreFull` (one line) when the store's disk is full."""

    def __init__(self, client: MlflowClient, tracking_uri: str) -> None:
        self._client = client
        self._tracking_uri = tracking_uri

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute
        return self._guarded(attribute)

    def _guarded(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                with signals_held():  # a stop signal waits for the write: a cut SQLite write can keep the lock
                    return call(*args, **kwargs)
            except Exception as error:  # MlflowException, or a requests error from an artifact upload
                if not is_unreachable(error):
                    full = store_full_error(error, self._tracking_uri)
                    if full is not None:
                        raise full from None
                    raise
                reason = redact(str(error)).splitlines()[0][:300]
                raise TrackingServerUnreachable(
                    f"the MLflow server at {redact(self._tracking_uri)} stopped answering ({reason}); training "
                    "stopped at its last checkpoint: start the server (or its database) again and continue with "
                    "resume=true"
                ) from None

        return guarded
