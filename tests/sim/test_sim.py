"""The agent-based simulator (SIMULATED data): determinism, the market contract, the truth's
invariants, the exact liquidation formula, cascades, funding, burn-in, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.data import columns as C
from liqlib.errors import InputError, LiqlibDeprecationWarning
from liqlib.estimate.config import LeverageMix
from liqlib.estimate.inputs import prepare_inputs
from liqlib.sim.market import LogNormalLeverage, SimConfig, simulate_market

SMALL = dict(live_positions=3_000, burn_in_days=0.5)


@pytest.fixture(scope="module")
def small():
    return simulate_market(11, days=1.0, **SMALL)


def test_same_seed_same_market_and_truth_other_seed_differs(small):
    market, truth = small
    again, truth2 = simulate_market(11, days=1.0, **SMALL)
    pd.testing.assert_frame_equal(market, again)
    np.testing.assert_array_equal(truth.long_usd, truth2.long_usd)
    pd.testing.assert_frame_equal(truth.liquidations, truth2.liquidations)
    other, _ = simulate_market(12, days=1.0, **SMALL)
    assert not np.allclose(other[C.CLOSE].to_numpy(), market[C.CLOSE].to_numpy())


def test_market_has_exactly_load_market_columns_and_is_labelled(small):
    market, truth = small
    assert list(market.columns) == list(C.MARKET_COLUMNS)
    assert market.index.tz is not None and market.index.name == C.TIME
    assert (market.index[1:] - market.index[:-1] == pd.Timedelta("1min")).all()
    assert market.attrs["synthetic"] is True and "SIMULATED" in market.attrs["source"]
    assert market.attrs["symbol"].startswith("SIM-")
    assert truth.attrs["synthetic"] is True
    assert truth.attrs["opens_dropped"] == 0  # every opening found a slot
    # the estimator accepts it as it is (OHLC consistency, positive prices...)
    prepare_inputs(market, lq.EngineParams(n_bins=50, symbol=market.attrs["symbol"]))
    for lo, hi, cols in (
        (C.LOW, C.HIGH, (C.OPEN, C.CLOSE)),
        (C.MARK_LOW, C.MARK_HIGH, (C.MARK_OPEN, C.MARK_CLOSE)),
    ):
        for col in cols:
            assert (market[lo] <= market[col]).all() and (market[col] <= market[hi]).all()
    # open interest every 5 minutes, as the archive's metrics; funding every 8 hours
    assert market[C.OI_COIN].notna().all() and (market[C.OI_COIN] > 0).all()
    assert (market[C.QUOTE_VOLUME] > 0).all()
    assert (market[C.TAKER_BUY_QUOTE_VOLUME] <= market[C.QUOTE_VOLUME] + 1e-6).all()


def test_no_live_level_beyond_the_mark_at_a_snapshot(small):
    """A live long with a level at or above the mark would have been liquidated."""
    market, truth = small
    mark = market[C.MARK_CLOSE].reindex(truth.times).to_numpy()
    lower = truth.price_edges[:-1][None, :]
    upper = truth.price_edges[1:][None, :]
    long_ = truth.side_usd("long")
    short = truth.side_usd("short")
    assert long_[lower >= mark[:, None]].sum() == 0
    assert short[upper <= mark[:, None]].sum() == 0
    # and positions are there on both sides, near the price
    assert (long_.sum(axis=1) > 0).all() and (short.sum(axis=1) > 0).all()


def test_liquidation_levels_follow_the_exact_bracket_formula():
    """Flat price, one leverage, one size: every long sits at liquidation_price(price0, L)."""
    price0, lev, notional = 50_000.0, 20.0, 10_000.0
    _, truth = simulate_market(
        3, days=0.05, live_positions=500, burn_in_days=0.0, price0=price0, daily_vol=1e-9,
        vol_of_vol=0.0, basis_bp=0.0, notional_median_usd=notional, notional_sigma=1e-9,
        leverage=LeverageMix((lev,), (1.0,)), funding_base=0.0, funding_imbalance=0.0,
        impact=0.0, snapshot_minutes=30, price_bin_pct=0.01,
    )  # fmt: skip
    qty = notional / price0
    for side, usd in (("long", truth.long_usd), ("short", truth.short_usd)):
        expect = float(lq.liquidation_price(price0, lev, side, qty, symbol="BTCUSDT"))
        where = int(np.searchsorted(truth.price_edges, expect)) - 1
        profile = usd[-1].sum(axis=0)
        assert profile.sum() > 0
        assert profile[where - 1 : where + 2].sum() == pytest.approx(profile.sum())
        # and it is in the 15-35x leverage bucket
        assert usd[-1].sum(axis=1)[3] == pytest.approx(profile.sum())


def test_liquidations_move_price_into_cascades():
    """With impact, the largest liquidation minutes are larger than without."""
    base = dict(days=2.0, live_positions=5_000, burn_in_days=1.0)
    _, calm = simulate_market(5, impact=0.0, **base)
    _, hot = simulate_market(5, impact=1.0, **base)
    top = lambda t: t.realized().sum(axis=1).nlargest(5).sum()  # noqa: E731
    assert top(hot) > top(calm)


def test_funding_moves_levels_and_is_reported():
    kw = dict(days=1.0, live_positions=2_000, burn_in_days=0.5, daily_vol=1e-9, vol_of_vol=0.0)
    m0, t0 = simulate_market(4, funding_base=0.0, funding_imbalance=0.0, **kw)
    m1, t1 = simulate_market(4, funding_base=0.003, funding_imbalance=0.0, **kw)
    assert m0[C.FUNDING_RATE].dropna().eq(0).all()
    assert m1[C.FUNDING_RATE].dropna().eq(0.003).all()
    settled = m1.index[(m1.index.hour % 8 == 0) & (m1.index.minute == 0)]
    assert m1.loc[settled, C.FUNDING_INTERVAL_HOURS].eq(8).all()
    # longs pay: their levels move up, towards the price (mean long level rises)
    mean_level = lambda t: (t.long_usd[-1].sum(0) * t.bin_centers).sum() / t.long_usd[-1].sum()  # noqa: E731
    assert mean_level(t1) > mean_level(t0)


def test_burn_in_leaves_positions_alive_at_the_start():
    kw = dict(days=0.5, live_positions=3_000, snapshot_minutes=30)
    m_cold, t_cold = simulate_market(6, burn_in_days=0.0, **kw)
    m_warm, t_warm = simulate_market(6, burn_in_days=2.0, **kw)
    first = lambda t: float(t.totals().iloc[0].sum())  # noqa: E731
    assert first(t_warm) > 5 * first(t_cold)
    assert m_warm[C.OI_USD].iloc[0] > 5 * m_cold[C.OI_USD].iloc[0]


def test_leverage_distributions_reach_the_truth_buckets():
    kw = dict(days=0.5, live_positions=3_000, burn_in_days=0.5, snapshot_minutes=60)
    _, low = simulate_market(8, leverage=LeverageMix((2.0, 5.0), (0.5, 0.5)), **kw)
    share = low.long_usd.sum(axis=(0, 2)) / low.long_usd.sum()
    assert share[:2].sum() == pytest.approx(1.0)  # all in the 1-3x and 3-7x buckets
    _, cont = simulate_market(8, leverage=LogNormalLeverage(median=30.0, sigma=0.3), **kw)
    share = cont.long_usd.sum(axis=(0, 2)) / cont.long_usd.sum()
    assert share[3:5].sum() > 0.8  # 15-35x and 35-75x


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(seed=-1), "seed"),
        (dict(seed=1.5), "seed"),
        (dict(seed=True), "seed"),
        (dict(days=0), "days"),
        (dict(days=1e6), "days"),
        (dict(days="3"), "days"),
        (dict(live_positions=0), "live_positions"),
        (dict(live_positions=10**9), "live_positions"),
        (dict(burn_in_days=-1), "burn_in_days"),
        (dict(leverage={10: 1.0}), "leverage"),
        (dict(symbol="BTCUSDT"), "SIM-"),
        (dict(start="not a date"), "start"),
        (dict(price0=float("nan")), "price0"),
        (dict(colour="red"), "unknown simulator setting"),
        (dict(config="fast"), "SimConfig"),
    ],
)
def test_bad_input_is_one_line_error(kwargs, match):
    kwargs = {"seed": 0, "days": 0.01, **kwargs}
    with pytest.raises(InputError, match=match) as err:
        simulate_market(**kwargs)
    assert "\n" not in str(err.value)


def test_simconfig_is_frozen_and_validated_once():
    cfg = SimConfig(days=1.0)
    with pytest.raises(AttributeError):
        cfg.days = 2.0  # type: ignore[misc]


def test_truth_realized_reads_the_old_bar_with_a_warning(small):
    _, truth = small
    new = truth.realized(interval="1H")
    assert len(new) == 24 and new.sum().sum() == pytest.approx(truth.realized().sum().sum())
    with pytest.warns(LiqlibDeprecationWarning, match=r"MarketTruth.realized\(bar=") as rec:
        old = truth.realized(bar="60min")
    assert rec[0].filename == __file__
    pd.testing.assert_frame_equal(new, old)
    with pytest.raises(InputError, match="both interval"):
        truth.realized("1h", bar="1h")
