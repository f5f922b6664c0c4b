"""Calibrators for the ``calibration`` config group, and the run's calibration step."""

from __future__ import annotations

from experiments.calibration.base import Calibrator, ClassCounts
from experiments.calibration.fitting import Calibration, fit_calibration, uncalibrated_metrics
from experiments.calibration.isotonic import IsotonicCalibration
from experiments.calibration.none import NoCalibration
from experiments.calibration.platt import PlattScaling
from experiments.calibration.prior import PriorCorrection
from experiments.calibration.temperature import TemperatureScaling

__all__ = [
    "Calibration",
    "Calibrator",
    "ClassCounts",
    "IsotonicCalibration",
    "NoCalibration",
    "PlattScaling",
    "PriorCorrection",
    "TemperatureScaling",
    "fit_calibration",
    "uncalibrated_metrics",
]
