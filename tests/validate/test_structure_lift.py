"""structure_lift: a map against its own distance-only twin on realized bars."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib import validate as lv
from liqlib.errors import InputError
from liqlib.sim.synthetic import make_synthetic_market


@pytest.fixture(scope="module")
def case():
    m = make_synthetic_market(3_000, seed=2, interval="5min")
    hm = lq.estimate_heatmap(m, n_bins=400, max_columns=300)
    pred = lv.to_bars(lv.heatmap_predicted(hm), "1h")
    return m, hm, pred


def test_a_map_with_one_shape_everywhere_is_its_own_twin(case):
    m, hm, pred = case
    # every column the same profile in distance: the twin is the map, the lift exactly 0
    edges = np.asarray(hm.price_edges)
    flat = np.zeros_like(hm.long_usd)
    for j, p in enumerate(hm.price):
        d = np.log(p / hm.bin_centers)
        flat[j] = np.where((d > 0) & (d < 0.2), 1.0, 0.0) * (edges[1:] - edges[:-1])
    same = replace(hm, long_usd=flat, short_usd=np.zeros_like(flat))
    r = lv.structure_lift(same, m, pred, n_boot=50)
    assert r["lift"] == pytest.approx(0.0, abs=0.02)


def test_a_map_that_holds_where_liquidations_happen_beats_its_twin(case):
    m, hm, pred = case
    r = lv.structure_lift(hm, m, pred, n_boot=50)
    # the realized bars here are this model's own predictions: its structure must help
    assert r["map"] > 0.8 and r["lift_lo"] > 0.1 and set(r.index) >= {"lift_lo", "lift_hi", "bars"}


def test_too_few_bars_is_a_clear_error(case):
    m, hm, pred = case
    with pytest.raises(InputError, match="fewer than 10 bars"):
        lv.structure_lift(hm, m, pred.iloc[:3], n_boot=20)
    with pytest.raises(InputError):
        lv.structure_lift("map", m, pred)
    assert isinstance(pred.index, pd.DatetimeIndex)
