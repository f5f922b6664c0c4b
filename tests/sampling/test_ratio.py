"""The ratio check and the per-class sizes it gives."""

from __future__ import annotations

import pytest

from experiments.errors import ConfigurationError
from experiments.sampling.ratio import check_ratio, oversampled_sizes, undersampled_sizes


def test_oversampled_sizes_round_up_towards_balance():
    assert oversampled_sizes([30, 7], 1.0) == [30, 30]
    assert oversampled_sizes([30, 7], 0.5) == [30, 15]
    assert oversampled_sizes([30, 7], 0.1) == [30, 7]  # 0.1 * 30 = 3 (not 4 from floating point), below 7
    assert oversampled_sizes([7, 30], 0.35) == [11, 30]  # ceil(10.5)
    assert oversampled_sizes([100, 10, 40], 0.5) == [100, 50, 50]


def test_undersampled_sizes_round_down_towards_balance():
    assert undersampled_sizes([30, 7], 1.0) == [7, 7]
    assert undersampled_sizes([30, 7], 0.5) == [14, 7]
    assert undersampled_sizes([30, 7], 0.3) == [23, 7]  # floor(23.33)
    assert undersampled_sizes([30, 3], 0.1) == [30, 3]  # 3 / 0.1 = 30 exactly, nothing cut
    assert undersampled_sizes([100, 10, 15], 0.5) == [20, 10, 15]


@pytest.mark.parametrize("ratio", [0, 0.0, -0.5])
def test_a_ratio_not_above_zero_is_refused(ratio: float):
    message = (
        rf"sampling.ratio must be in \(0, 1\] \(minority/majority after undersampling, 1.0 = balanced\), "
        rf"got {ratio}: a ratio <= 0 keeps no minority rows"
    )
    with pytest.raises(ConfigurationError, match=f"^{message}$"):
        check_ratio(ratio, "undersampling", "why")


@pytest.mark.parametrize("ratio", ["half", None, True, float("nan")])
def test_a_ratio_that_is_not_a_number_is_refused(ratio: object):
    with pytest.raises(ConfigurationError, match=r"^sampling.ratio must be in \(0, 1\] .*got "):
        check_ratio(ratio, "oversampling", "why")


def test_a_ratio_in_range_is_a_float():
    assert check_ratio(1, "oversampling", "why") == 1.0
    assert isinstance(check_ratio(1, "oversampling", "why"), float)
