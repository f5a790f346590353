"""The statistics liqlib keeps by hand (no library does them by calendar day) agree with
scipy where scipy does the same thing: the Wilson interval, the block bootstrap with one-bar
blocks (an ordinary bootstrap), and the weighted ranks and Spearman correlation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import ndtri

from liqlib.estimate.calibrate import nnls
from liqlib.validate.bootstrap import block_bootstrap_ci
from liqlib.validate.metrics import _Vec, _wpearson
from liqlib.validate.zones import wilson_interval


@pytest.mark.parametrize("k, n", [(0, 5), (1, 10), (8, 10), (10, 10), (37, 200), (3, 1000)])
def test_wilson_interval_equals_scipys(k, n):
    ref = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = wilson_interval(k, n, z=float(ndtri(0.975)))
    np.testing.assert_allclose([lo, hi], [ref.low, ref.high], atol=1e-12)


def test_one_bar_blocks_give_scipys_percentile_bootstrap():
    rng = np.random.default_rng(5)
    idx = pd.date_range("2025-01-01", periods=300, freq="1h", tz="UTC")
    x = pd.Series(rng.lognormal(0.0, 1.0, idx.size), index=idx)
    ours = block_bootstrap_ci(lambda s: s.mean(), x, block="1h", n_boot=4000, seed=1)
    ref = stats.bootstrap(
        (x.to_numpy(),), np.mean, n_resamples=4000, method="percentile", random_state=2
    ).confidence_interval
    width = ref.high - ref.low
    assert abs(ours.loc["value", "ci_low"] - ref.low) < 0.08 * width
    assert abs(ours.loc["value", "ci_high"] - ref.high) < 0.08 * width
    # day blocks keep the intraday dependence: here (independent bars) a similar width
    days = block_bootstrap_ci(lambda s: s.mean(), x, block="1D", n_boot=4000, seed=1)
    assert 0.5 < (days.loc["value", "ci_high"] - days.loc["value", "ci_low"]) / width < 2.0


def test_weighted_ranks_and_spearman_equal_scipy_on_the_repeated_sample():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 8, 40).astype(float)  # many ties
    y = x + rng.integers(0, 4, 40)
    w = rng.integers(0, 4, 40).astype(float)  # multiplicities, some rows drawn 0 times
    vec = _Vec(x)
    cend, g = vec.groups(w[None, :])
    ranks = vec.scatter(cend - (g - 1.0) / 2.0)[0]
    expanded = np.repeat(x, w.astype(int))
    ref = stats.rankdata(expanded, method="average")
    first = np.cumsum(w.astype(int)) - w.astype(int)
    drawn = w > 0
    np.testing.assert_allclose(ranks[drawn], ref[first[drawn]])
    vy = _Vec(y)
    cy, gy = vy.groups(w[None, :])
    ry = vy.scatter(cy - (gy - 1.0) / 2.0)
    rho = _wpearson(ranks[None, :], ry, w[None, :])[0]
    ref_rho = stats.spearmanr(expanded, np.repeat(y, w.astype(int))).statistic
    assert rho == pytest.approx(ref_rho, abs=1e-12)


def test_nnls_is_scipys_on_columns_of_very_different_scale():
    rng = np.random.default_rng(0)
    a = rng.random((50, 6)) * np.array([1e0, 1e3, 1e6, 1e9, 1.0, 1e-3])
    truth = np.array([2.0, 0.0, 1e-6, 3e-9, 0.0, 5e3])
    b = a @ truth + rng.normal(0, 1e-6, 50)
    x = nnls(a, b)
    assert (x >= 0).all()
    np.testing.assert_allclose(x, truth, rtol=1e-3, atol=1e-9)
