"""lq.compare_open_interest: which venues an export's open interest covers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.errors import InputError

IDX = pd.date_range("2026-06-07", periods=48, freq="30min", tz="UTC")


def test_ratio_is_read_where_the_times_meet_only():
    one = pd.Series(np.linspace(6e9, 7e9, 48), index=IDX)
    two = 2.0 * one.iloc[::2]  # every other time, twice the USD: "two venues"
    out = lq.compare_open_interest(two, one)
    assert out["n"] == 24 and out["median"] == pytest.approx(2.0)
    assert out["q05"] == pytest.approx(2.0) and out["q95"] == pytest.approx(2.0)


def test_too_little_overlap_or_empty_rows_are_one_line_errors():
    one = pd.Series(1.0, index=IDX)
    with pytest.raises(InputError, match="share 5 times"):
        lq.compare_open_interest(one.iloc[:5], one)
    bad = one.copy()
    bad.iloc[3] = 0.0
    with pytest.raises(InputError, match="> 0 USD"):
        lq.compare_open_interest(bad, one)
