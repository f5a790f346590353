"""The estimation engine: invariants (hypothesis), reference equality, bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liqlib.data.columns import (
    CLOSE,
    HIGH,
    LOW,
    MARK_HIGH,
    MARK_LOW,
    OI_COIN,
    OI_USD,
    OPEN,
    QUOTE_VOLUME,
    TAKER_BUY_QUOTE_VOLUME,
    TOPTRADER_LS_POSITION,
)
from liqlib.errors import InputError
from liqlib.estimate.config import EngineParams, LeverageMix
from liqlib.estimate.heatmap import Heatmap
from liqlib.estimate.inputs import prepare_inputs
from liqlib.estimate.oi_flow import estimate, run_inputs
from liqlib.sim.synthetic import make_synthetic_market

try:
    from reference_engine import reference_run
except ImportError:  # tests/ imported as a package
    from tests.reference_engine import reference_run

LEVERAGES = (2.0, 3.0, 5.0, 10.0, 20.0, 25.0, 50.0, 75.0, 100.0)


def make_market(
    rets, wicks, d_oi, buy, start_price=100.0, oi0=1_000.0, with_mark=True, ratio=None
) -> pd.DataFrame:
    """A small market from drawn arrays (prices USD, OI coins)."""
    rets = np.asarray(rets, dtype=float)
    n = rets.size
    close = start_price * np.exp(np.cumsum(rets))
    open_ = np.concatenate([[start_price], close[:-1]])
    w = np.asarray(wicks, dtype=float).reshape(2, n)
    high = np.maximum(open_, close) * (1 + w[0])
    low = np.minimum(open_, close) * (1 - w[1])
    oi = oi0 * np.exp(np.cumsum(d_oi))
    qv = 1e5 * (1 + np.abs(rets) * 100)
    df = pd.DataFrame(
        {
            OPEN: open_,
            HIGH: high,
            LOW: low,
            CLOSE: close,
            QUOTE_VOLUME: qv,
            TAKER_BUY_QUOTE_VOLUME: qv * np.asarray(buy, dtype=float),
            OI_COIN: oi,
        },
        index=pd.date_range("2025-01-01", periods=n, freq="1min", tz="UTC", name="time"),
    )
    if with_mark:
        df[MARK_HIGH] = high * (1 + 0.3 * w[0])
        df[MARK_LOW] = low * (1 - 0.3 * w[1])
    if ratio is not None:
        df[TOPTRADER_LS_POSITION] = ratio
    return df


@st.composite
def markets(draw, min_n=2, max_n=30):
    n = draw(st.integers(min_n, max_n))
    fl = st.floats
    rets = draw(st.lists(fl(-0.03, 0.03), min_size=n, max_size=n))
    wicks = draw(st.lists(fl(0.0, 0.02), min_size=2 * n, max_size=2 * n))
    d_oi = draw(st.lists(fl(-0.2, 0.2), min_size=n, max_size=n))
    buy = draw(st.lists(fl(0.0, 1.0), min_size=n, max_size=n))
    ratio = draw(st.lists(fl(0.2, 5.0), min_size=n, max_size=n))
    mark = draw(st.booleans())
    return make_market(rets, wicks, d_oi, buy, with_mark=mark, ratio=ratio)


@st.composite
def mixes(draw):
    lev = draw(st.lists(st.sampled_from(LEVERAGES), min_size=1, max_size=4, unique=True))
    raw = draw(st.lists(st.floats(0.05, 1.0), min_size=len(lev), max_size=len(lev)))
    w = np.asarray(raw) / np.sum(raw)
    w[-1] = 1.0 - np.sum(w[:-1])
    return LeverageMix(tuple(lev), tuple(float(x) for x in w))


@st.composite
def engine_params(draw, **fixed):
    kw = dict(
        mix=draw(mixes()),
        n_bins=draw(st.integers(5, 60)),
        grid=draw(st.sampled_from(["log", "linear"])),
        split=draw(st.sampled_from(["taker", "ratio", "even"])),
        fade_half_life_candles=draw(st.one_of(st.none(), st.floats(1.0, 50.0))),
        calibrate=draw(st.booleans()),
        position_notional_usd=draw(st.sampled_from([1_000.0, 10_000.0, 250_000.0])),
        per_tier=draw(st.booleans()),
    )
    kw.update(fixed)
    return EngineParams(**kw)


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _side_totals(out_col, overflow):
    return out_col.sum(axis=-1) + overflow


# --------------------------------------------------------------------------------------------
# invariants
# --------------------------------------------------------------------------------------------


@SETTINGS
@given(market=markets(), data=st.data())
def test_no_mass_left_in_swept_range(market, data):
    params = data.draw(engine_params(max_columns=len(market)))
    inp = prepare_inputs(market, params)
    res = run_inputs(inp)
    e = inp.edges
    for i in range(inp.n_candles):  # one column per candle
        longs = res.out[0, i]
        shorts = res.out[1, i]
        assert np.all(longs[e[1:] > inp.sweep_lo[i]] == 0.0)
        assert np.all(shorts[e[:-1] <= inp.sweep_hi[i]] == 0.0)


@SETTINGS
@given(market=markets(), data=st.data())
def test_usd_conservation_per_side(market, data):
    params = data.draw(engine_params(max_columns=data.draw(st.integers(1, 40))))
    hm = estimate(market, params)
    f = hm.flows.sum()
    final = hm.totals().iloc[-1]
    for side in ("long", "short"):
        expected = (
            f[f"opened_{side}_usd"]
            - f[f"closed_{side}_usd"]
            - f[f"liquidated_{side}_usd"]
            - f[f"faded_{side}_usd"]
            + f[f"calibrated_{side}_usd"]
        )
        scale = max(f[f"opened_{side}_usd"], abs(f[f"calibrated_{side}_usd"]), 1.0)
        assert abs(expected - final[f"{side}_usd"]) <= 1e-9 * scale
        assert (hm.flows[f"liquidated_{side}_usd"] >= 0).all()


@SETTINGS
@given(market=markets(), data=st.data())
def test_calibration_matches_open_interest(market, data):
    split = data.draw(st.sampled_from(["taker", "ratio", "even"]))
    params = data.draw(engine_params(calibrate=True, split=split, max_columns=len(market)))
    inp = prepare_inputs(market, params)
    res = run_inputs(inp)
    oi_usd = market[OI_COIN].to_numpy() * market[CLOSE].to_numpy()
    long_tot = _side_totals(res.out[0], res.overflow[0])
    short_tot = _side_totals(res.out[1], res.overflow[1])
    for i in range(len(market)):
        if split == "ratio":
            r = market[TOPTRADER_LS_POSITION].iloc[i]
            for tot, share in ((long_tot[i], r / (1 + r)), (short_tot[i], 1 / (1 + r))):
                assert tot == 0.0 or tot == pytest.approx(oi_usd[i] * share, rel=1e-9)
        else:
            both = long_tot[i] + short_tot[i]
            assert both == 0.0 or both == pytest.approx(oi_usd[i], rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(market=markets(max_n=15), data=st.data())
def test_fast_engine_equals_reference(market, data):
    params = data.draw(
        engine_params(
            max_columns=data.draw(st.integers(1, 20)),
            sweep=data.draw(st.booleans()),
            liquidation=data.draw(st.sampled_from(["binance", "fixed-offset"])),
        )
    )
    inp = prepare_inputs(market, params)
    fast = run_inputs(inp)
    ref = reference_run(inp)
    for name in ("out", "out_tier", "overflow", "flows"):
        a, b = getattr(fast, name), getattr(ref, name)
        assert a.shape == b.shape
        if b.size:
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * max(np.abs(b).max(), 1.0))


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"calibrate": True},
        {"calibrate": True, "split": "ratio", "fade_half_life_candles": 30.0},
        {"liquidation": "fixed-offset", "sweep": False, "per_tier": True},
        {"flow": "volume", "fade_half_life_candles": (5.0, 10.0, 20.0, 40.0, 80.0)},
    ],
)
def test_reference_on_synthetic_market(kw):
    inp = prepare_inputs(
        make_synthetic_market(400, seed=7), EngineParams(n_bins=80, max_columns=23, **kw)
    )
    fast, ref = run_inputs(inp), reference_run(inp)
    for name in ("out", "out_tier", "overflow", "flows"):
        b = getattr(ref, name)
        if b.size:
            np.testing.assert_allclose(
                getattr(fast, name), b, rtol=1e-9, atol=1e-9 * np.abs(b).max()
            )


def test_positions_sit_at_their_exact_liquidation_price():
    # one flat candle (low == high == 100) then OI rises by 10 coins at price 100
    n = 2
    df = make_market([0.0] * n, [0.0] * (2 * n), [0.0, np.log(1.01)], [1.0] * n, with_mark=False)
    mix = LeverageMix((10.0,), (1.0,))
    params = EngineParams(mix=mix, n_bins=400, max_columns=2, split="taker")
    hm = estimate(df, params)
    k = params.lp_factors()[0, 0]
    b = np.searchsorted(hm.price_edges, 100.0 * k, side="right") - 1
    assert hm.long_usd[-1].sum() == pytest.approx(10.0 * 100.0)
    assert hm.long_usd[-1][b] == pytest.approx(10.0 * 100.0)
    assert hm.short_usd[-1].sum() == 0.0  # all takers bought


def test_oi_nan_means_no_change():
    df = make_synthetic_market(300, seed=2)
    gappy = df.copy()
    mask = np.arange(len(df)) % 5 != 0  # keep only every 5th OI value
    gappy.loc[mask, [OI_COIN, OI_USD]] = np.nan
    p = EngineParams(n_bins=100, max_columns=10)
    a = estimate(df, p)  # synthetic OI only changes every 5 minutes, on those rows
    b = estimate(gappy, p)
    np.testing.assert_allclose(a.long_usd, b.long_usd, rtol=1e-9, atol=1e-6)


def test_heatmap_shapes_and_liquidation_map():
    df = make_synthetic_market(2_000, seed=4)
    hm = estimate(df, EngineParams(n_bins=150, max_columns=40, per_tier=True))
    assert isinstance(hm, Heatmap)
    assert hm.long_usd.shape == hm.short_usd.shape == (40, 150)
    assert hm.long_usd_by_tier.shape == (40, 5, 150)
    np.testing.assert_allclose(hm.long_usd_by_tier.sum(axis=1), hm.long_usd, rtol=1e-12)
    assert hm.price_edges.shape == (151,)
    assert hm.times.tz is not None and hm.times[-1] == df.index[-1]
    assert len(hm.predicted_long_usd) == len(df)
    m = hm.liquidation_map(at=hm.times[10] + pd.Timedelta("30s"))
    px = m.attrs["price"]
    assert px == hm.price[10]
    below = m.index < px
    assert (m.loc[~below, "cum_long_usd"] == 0).all()
    assert m.loc[below, "cum_long_usd"].is_monotonic_decreasing
    assert m["cum_long_usd"].max() == pytest.approx(m.loc[below, "long_usd"].sum())
    assert m["cum_short_usd"].max() == pytest.approx(m.loc[m.index > px, "short_usd"].sum())
    with pytest.raises(InputError, match="precedes"):
        hm.liquidation_map(at="2020-01-01")
    last = df.index[-1]
    assert hm.column_at(last + pd.Timedelta("59s")) == len(hm.times) - 1  # inside the last candle
    with pytest.raises(InputError, match="after the heatmap's data") as exc:
        hm.liquidation_map(at=last + pd.Timedelta("1D"))  # not answered with the last column
    assert "\n" not in str(exc.value)


def test_default_grid_covers_every_tier():
    df = make_synthetic_market(500, seed=5)
    hm = estimate(df, EngineParams(n_bins=100))
    assert hm.overflow_long_usd.max() == 0.0 and hm.overflow_short_usd.max() == 0.0


def test_user_grid_overflow_is_kept_and_reported():
    df = make_synthetic_market(500, seed=5)
    lo, hi = df[[LOW, MARK_LOW]].min().min(), df[[HIGH, MARK_HIGH]].max().max()
    edges = tuple(np.linspace(lo * 0.999, hi * 1.001, 50))
    hm = estimate(df, EngineParams(n_bins=10, price_edges=edges, sweep=True))
    assert hm.price_edges.size == 50
    assert hm.overflow_long_usd.max() > 0.0  # 5x longs sit below the grid


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good():
    return make_synthetic_market(50, seed=1)


def _raises(market, match, **kw):
    with pytest.raises(InputError, match=match):
        estimate(market, EngineParams(n_bins=20, **kw))


def test_nan_and_non_positive_prices(good):
    bad = good.copy()
    bad.iloc[3, bad.columns.get_loc(LOW)] = np.nan
    _raises(bad, "column 'low' has NaN")
    bad = good.copy()
    bad.iloc[3, bad.columns.get_loc(CLOSE)] = 0.0
    _raises(bad, "column 'close' .* non-positive")
    bad = good.copy()
    bad.iloc[3, bad.columns.get_loc(MARK_LOW)] = -1.0
    _raises(bad, "column 'mark_low'")


def test_unsorted_and_duplicated_timestamps(good):
    _raises(good.iloc[::-1], "not sorted")
    _raises(pd.concat([good.iloc[:5], good.iloc[4:]]), "duplicated")
    _raises(good.tz_localize(None), "UTC DatetimeIndex")


def test_negative_open_interest(good):
    bad = good.copy()
    bad.iloc[7, bad.columns.get_loc(OI_COIN)] = -5.0
    _raises(bad, "'oi_coin' has negative")


def test_bad_mix():
    with pytest.raises(InputError, match="sum to 0.9"):
        LeverageMix((5, 10), (0.5, 0.4))
    with pytest.raises(InputError, match="not above 1x"):
        LeverageMix((1, 10), (0.5, 0.5))
    with pytest.raises(InputError, match="not above 1x"):
        LeverageMix((0.5,), (1.0,))
    with pytest.raises(InputError, match="one weight per leverage"):
        LeverageMix((5, 10), (1.0,))


def test_leverage_above_bracket_maximum():
    mix = LeverageMix((10.0, 125.0), (0.5, 0.5))
    with pytest.raises(InputError, match=r"125 exceeds the maximum 100x .* 500,000 USD"):
        EngineParams(mix=mix, position_notional_usd=500_000.0)
    with pytest.raises(InputError, match=r"100 exceeds the maximum 75x of the DOGEUSDT"):
        EngineParams(mix=LeverageMix((100.0,), (1.0,)), symbol="DOGEUSDT")


def test_grid_that_does_not_cover_the_data(good):
    px = good[CLOSE].median()
    _raises(good, "price_edges", price_edges=(px * 0.999, px, px * 1.001))


def test_bad_params():
    for kw, match in (
        ({"n_bins": 0}, "n_bins"),
        ({"max_columns": -1}, "max_columns"),
        ({"grid": "cubic"}, "grid"),
        ({"split": "coin"}, "split"),
        ({"position_notional_usd": -5.0}, "position_notional_usd"),
        ({"fade_half_life_candles": 0.0}, "fade_half_life_candles"),
        ({"fade_half_life_candles": (1.0, 2.0)}, "fade_half_life_candles"),
        ({"price_edges": (3.0, 2.0, 1.0)}, "price_edges"),
    ):
        with pytest.raises(InputError, match=match):
            EngineParams(**kw)


def test_missing_columns(good):
    _raises(good.drop(columns=[OI_COIN, OI_USD]), "open interest")
    _raises(good.drop(columns=[TOPTRADER_LS_POSITION]), "split='ratio'", split="ratio")
    _raises(good.drop(columns=[OPEN]), "no 'open' column")


def test_a_fall_in_open_interest_closes_the_tracked_share_not_the_whole_fall():
    """OI 1000 -> 1100 coins opens 100 coins of tracked positions; a fall to 1045 (5 % of
    1100, no sweep: flat price) closes 5 % of *every* position, so the tracked inventory keeps
    95 coins, not 100 - 55 = 45 (which would drain the map within days)."""
    n = 3
    market = make_market(
        rets=np.zeros(n), wicks=np.zeros(2 * n), d_oi=[0.0, np.log(1.1), np.log(1045 / 1100)],
        buy=np.full(n, 0.5), with_mark=False,
    )  # fmt: skip
    hm = estimate(market, EngineParams(n_bins=200, max_columns=n))
    flows = hm.flows
    opened = flows[["opened_long_usd", "opened_short_usd"]].to_numpy().sum()
    closed = flows[["closed_long_usd", "closed_short_usd"]].to_numpy().sum()
    assert opened == pytest.approx(100 * 100.0)
    assert closed == pytest.approx(0.05 * opened, rel=1e-12)
    assert (hm.long_usd[-1].sum() + hm.short_usd[-1].sum()) == pytest.approx(95 * 100.0)


def test_an_absurd_grid_is_refused_before_allocating():
    market = make_synthetic_market(500)
    with pytest.raises(InputError, match=r"n_bins=1,000,000,000 x max_columns=500 needs .* GiB"):
        prepare_inputs(market, EngineParams(n_bins=10**9, max_columns=1000))
