"""Calibrators for the ``calibration`` config group, and the run's calibration step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from experiments.calibration.base import Calibrator, ClassCounts
from experiments.calibration.fitting import Calibration, fit_calibration, uncalibrated_metrics
from experiments.calibration.isotonic import IsotonicCalibration
from experiments.calibration.none import NoCalibration
from experiments.calibration.platt import PlattScaling
from experiments.calibration.prior import PriorCorrection
from experiments.calibration.temperature import TemperatureScaling

# The calibrators a saved model may name (``decision.json``): a model folder picks one by name, never by import path.
CALIBRATORS: dict[str, type[Calibrator]] = {
    calibrator.name: calibrator
    for calibrator in (NoCalibration, PriorCorrection, TemperatureScaling, PlattScaling, IsotonicCalibration)
}


def calibrator_from_dict(payload: Mapping[str, Any] | None) -> Calibrator:
    """The fitted calibrator written by :meth:`Calibrator.to_dict`, looked up by its name in :data:`CALIBRATORS`.

    None (a model saved before calibration existed) is ``none``. A ``class`` key (written by earlier versions)
    is ignored: nothing is imported from the payload. An unknown name or unreadable values raise ``ValueError``.
    """
    if payload is None:
        return NoCalibration().restore({})
    name = payload.get("name")
    if name not in CALIBRATORS:
        raise ValueError(f"unknown calibration {name!r}; the known calibrations are {sorted(CALIBRATORS)}")
    try:
        return CALIBRATORS[name]().restore(dict(payload.get("values") or {}))
    except (KeyError, TypeError, ValueError) as error:
        reason = f"{type(error).__name__}: {error}"
        raise ValueError(f"calibration {name!r}: its fitted values cannot be read ({reason})") from error


__all__ = [
    "CALIBRATORS",
    "Calibration",
    "Calibrator",
    "ClassCounts",
    "IsotonicCalibration",
    "NoCalibration",
    "PlattScaling",
    "PriorCorrection",
    "TemperatureScaling",
    "calibrator_from_dict",
    "fit_calibration",
    "uncalibrated_metrics",
]
