"""lq.model_speed: the speed notebook 05 reports (the full benchmark is make bench)."""

from __future__ import annotations

import numpy as np
import pytest

import liqlib as lq
from liqlib.errors import InputError


def test_speed_table_has_one_row_per_model_and_consistent_units():
    market = lq.make_synthetic_market(600, seed=3)
    t = lq.model_speed(market, ["turnover", "oi-flow"], runs=2, n_bins=120, max_columns=20)
    assert list(t.index) == ["turnover", "oi-flow"]
    assert np.allclose(t["candles_per_s"] * t["seconds"], 600)
    assert np.allclose(t["cpu_candles_per_s"] * t["cpu_seconds"], 600)
    assert (t[["seconds", "cpu_seconds"]] > 0).all().all()
    assert t.loc["turnover", "vs_default"] == pytest.approx(1.0)
    no_default = lq.model_speed(market, ["oi-flow"], runs=1, n_bins=60, max_columns=5)
    assert np.isnan(no_default.loc["oi-flow", "vs_default"])


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(models=["nope"]), "unknown model"),
        (dict(runs=0), "runs=0"),
        (dict(runs=True), "runs=True"),
    ],
)
def test_bad_arguments_are_one_line_errors(kw, match):
    with pytest.raises(InputError, match=match):
        lq.model_speed(lq.make_synthetic_market(50), **kw)
    with pytest.raises(InputError, match="non-empty"):
        lq.model_speed(lq.make_synthetic_market(50).iloc[:0])
