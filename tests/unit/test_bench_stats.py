"""Statistics of the benchmark figures: nearest-rank percentiles, medians and ratios."""

from __future__ import annotations

import pytest

from benchmarks.stats import median, percentile, ratio


def test_percentiles_are_nearest_rank_values_that_were_measured() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0


def test_p99_of_a_small_sample_is_its_slowest_value() -> None:
    assert percentile([30.0, 10.0, 20.0], 99) == 30.0
    assert percentile([30.0, 10.0, 20.0], 50) == 20.0


def test_percentile_of_nothing_is_none_and_out_of_range_is_refused() -> None:
    assert percentile([], 50) is None
    for pct in (0, -1, 101):
        with pytest.raises(ValueError, match="percentile"):
            percentile([1.0], pct)


def test_median_of_even_count_and_of_nothing() -> None:
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert median([]) is None


def test_ratio_is_none_when_it_would_be_meaningless() -> None:
    assert ratio(40, 2) == 20.0
    assert ratio(0, 5) == 0.0
    assert ratio(5, 0) is None
    assert ratio(None, 5) is None
    assert ratio(5, None) is None
