"""The "turnover" book: the fast kernel against its plain reference, conservation (hypothesis),
levels swept at their exact price (a flat market liquidates nothing), results that do not
depend on the bin count."""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import liqlib as lq
from liqlib.data.columns import CLOSE, HIGH, LOW, MARK_HIGH, MARK_LOW, OI_COIN, OPEN
from liqlib.estimate import book, turnover
from liqlib.estimate.config import EngineParams, LeverageDensity, LeverageMix
from liqlib.estimate.turnover import prepare_turnover, run_turnover

try:
    from reference_turnover import reference_turnover
except ImportError:  # tests/ imported as a package
    from tests.reference_turnover import reference_turnover

#: Fixed draws (derandomize) for the quick tier; ``test_kernel_equals_the_reference_on_many_
#: drawn_markets`` (marked slow) draws fresh ones.
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
#: The market of issue 14's rare mismatch (found by random search on 4d1c5dc, where the
#: kernel was 5.1 USD off the reference on it): its candle 14 swept the shorts of tier 4
#: past the end of a deposit's density, where the running sum of the difference array left
#: a rounding residue (~1e-12 USD) instead of 0. The kernel kept that residue as density,
#: which widened the bin's extent to its upper edge; later deposits merged into the wider
#: extent and a later cut of the bin liquidated 5e-5 of its USD more than the reference. The
#: count array ``dn`` now says exactly whether any deposit's density spans a bin. (Later
#: model changes, turnover activity, moved this market off the edge case: the direct test
#: of the mechanism is ``test_a_sweep_keeps_no_rounding_residue_of_the_density_sums``.)
RESIDUE_MARKET = Path(__file__).parent / "data" / "turnover_residue_market.csv"
#: The second rare mismatch, which the slow tier below found once counts were exact: the
#: reference kept a genuine but tiny density (1e-31 USD, under the kernel's running-sum
#: resolution of ~1e-18) when a sweep cut its bin, and widened the bin's extent to its edge;
#: the kernel read 0 there. Both now liquidate a kept density below 1e-10 of the book's USD
#: (or 1e-9 of the bin's kept explicit part) with the rest.
TINY_DENSITY_MARKET = Path(__file__).parent / "data" / "turnover_tiny_density_market.csv"


def walk(rets, wicks, d_oi, *, mark=False, start=100.0, oi0=1_000.0, freq="1h"):
    """A small market from drawn arrays: log returns, wick sizes (2, n), OI log changes."""
    rets = np.asarray(rets, dtype=float)
    n = rets.size
    close = start * np.exp(np.cumsum(rets))
    open_ = np.concatenate([[start], close[:-1]])
    w = np.asarray(wicks, dtype=float).reshape(2, n)
    high = np.maximum(open_, close) * (1 + w[0])
    low = np.minimum(open_, close) * (1 - w[1])
    df = pd.DataFrame(
        {OPEN: open_, HIGH: high, LOW: low, CLOSE: close, OI_COIN: oi0 * np.exp(np.cumsum(d_oi))},
        index=pd.date_range("2025-01-01", periods=n, freq=freq, tz="UTC", name="time"),
    )
    if mark:
        df[MARK_HIGH] = high * (1 + 0.5 * w[0])
        df[MARK_LOW] = low * (1 - 0.5 * w[1])
    return df


def flat(price: float, n: int = 1_440, oi_coin: float = 500.0) -> pd.DataFrame:
    """``n`` one-minute candles that never move from ``price`` (USD/coin)."""
    idx = pd.date_range("2025-03-01", periods=n, freq="1min", tz="UTC", name="time")
    cols = {OPEN: price, HIGH: price, LOW: price, CLOSE: price, OI_COIN: oi_coin}
    return pd.DataFrame(cols, index=idx)


def assert_same(inp, fast, fast_tiers, rtol=1e-9):
    """The fast kernel's outputs equal the reference's, to ``rtol`` of the USD opened."""
    ref, ref_tiers = reference_turnover(inp, record_tiers=True)
    atol = rtol * max(ref.flows[1].sum(), 1.0)
    np.testing.assert_allclose(fast.flows, ref.flows, rtol=0, atol=atol)
    np.testing.assert_allclose(fast.out, ref.out, rtol=0, atol=atol)
    np.testing.assert_allclose(fast.overflow, ref.overflow, rtol=0, atol=atol)
    np.testing.assert_allclose(fast.out_tier, ref.out_tier, rtol=0, atol=atol)
    np.testing.assert_allclose(fast_tiers, ref_tiers, rtol=0, atol=atol)


def test_book_docstring_examples_run():
    result = doctest.testmod(book, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(11)
    n = 160
    return walk(
        rng.normal(0, 0.012, n), rng.uniform(0, 0.01, 2 * n), rng.normal(0, 0.03, n), mark=True
    )


EDGES = np.concatenate([np.geomspace(20.0, 95.0, 30), np.linspace(96.0, 130.0, 25), [400.0]])


@pytest.mark.parametrize(
    "kw",
    [
        dict(mix=LeverageDensity(n_tiers=6), n_bins=60),
        dict(mix=LeverageDensity(n_tiers=5), n_bins=9, intrabar_exposure=1.0),
        dict(mix=LeverageDensity(n_tiers=4), n_bins=40, intrabar_exposure=0.0, hold_hours=3.0),
        dict(mix=LeverageMix((5.0, 20.0, 100.0), (0.3, 0.4, 0.3)), n_bins=80, warm_start=False),
        dict(mix=LeverageDensity(n_tiers=4), n_bins=50, grid="linear", per_tier=True),
        dict(mix=LeverageDensity(n_tiers=3, max_leverage=60.0), price_edges=EDGES, per_tier=True),
        dict(mix=LeverageDensity(n_tiers=3), n_bins=30, leveraged_share=0.2, mix_basis="opened"),
    ],
)
def test_kernel_equals_the_plain_reference(small, kw):
    """Difference arrays, lazy scales, fronts and inlined deposits change nothing."""
    inp = prepare_turnover(small, EngineParams(flow="turnover", max_columns=25, **kw))
    fast, tiers = run_turnover(inp, record_tiers=True)
    assert fast.flows[0].sum() > 0.01 * fast.flows[1].sum()  # the sweeps were exercised
    assert_same(inp, fast, tiers)


def test_tiers_sharing_an_output_row_are_summed_in_the_kernel(small):
    """``tier_slot`` (the explorer's leverage bands) sums tiers into shared rows of
    ``out_tier``: the same as one row per tier summed afterwards; the rest is unchanged."""
    kw = dict(mix=LeverageDensity(n_tiers=6), n_bins=60, max_columns=25, per_tier=True)
    inp = prepare_turnover(small, EngineParams(flow="turnover", **kw))
    per_tier, _ = run_turnover(inp)
    slot = np.array([0, 0, 2, 1, 2, 2])
    banded, _ = run_turnover(inp, tier_slot=slot)
    assert banded.out_tier.shape == (2, 25, 3, 60)
    for row in range(3):
        np.testing.assert_allclose(
            banded.out_tier[:, :, row], per_tier.out_tier[:, :, slot == row].sum(axis=2),
            rtol=1e-12, atol=1e-9,
        )  # fmt: skip
    assert np.array_equal(banded.out, per_tier.out) and np.array_equal(banded.flows, per_tier.flows)
    assert per_tier.out_tier[:, :, slot == 2].sum() > 0  # a shared row was exercised
    for bad in (np.array([0, 1]), np.array([0, -1, 0, 0, 0, 0])):
        with pytest.raises(lq.InputError, match="tier_slot"):
            run_turnover(inp, tier_slot=bad)


def test_kernel_equals_the_reference_with_gaps_in_open_interest(small):
    m = small.copy()
    m.loc[m.index[10:40], OI_COIN] = np.nan  # interpolated
    m.loc[m.index[-20:], OI_COIN] = np.nan  # carried forward
    inp = prepare_turnover(m, EngineParams(flow="turnover", mix=LeverageDensity(n_tiers=4)))
    assert_same(inp, *run_turnover(inp, record_tiers=True))


@st.composite
def turnover_cases(draw):
    n = draw(st.integers(2, 40))
    fl = st.floats
    rets = draw(st.lists(fl(-0.04, 0.04), min_size=n, max_size=n))
    wicks = draw(st.lists(fl(0.0, 0.03), min_size=2 * n, max_size=2 * n))
    d_oi = draw(st.lists(fl(-0.3, 0.3), min_size=n, max_size=n))
    market = walk(
        rets, wicks, d_oi, mark=draw(st.booleans()), freq=draw(st.sampled_from(["1min", "1h"]))
    )
    if draw(st.booleans()):
        mix = LeverageDensity(
            median=draw(fl(2.0, 30.0)), sigma=draw(fl(0.3, 1.5)), n_tiers=draw(st.integers(1, 6))
        )
    else:
        lev = draw(st.lists(st.sampled_from([2.0, 5.0, 10.0, 25.0, 50.0, 100.0]), min_size=1,
                            max_size=3, unique=True))  # fmt: skip
        mix = LeverageMix(tuple(lev), tuple(np.full(len(lev), 1.0 / len(lev))))
    params = EngineParams(
        flow="turnover",
        mix=mix,
        n_bins=draw(st.integers(3, 60)),
        grid=draw(st.sampled_from(["log", "linear"])),
        max_columns=draw(st.integers(1, 10)),
        intrabar_exposure=draw(fl(0.0, 1.0)),
        hold_hours=draw(fl(0.05, 100.0)),
        warm_start=draw(st.booleans()),
        per_tier=draw(st.booleans()),
    )
    return market, params


@SETTINGS
@given(turnover_cases())
def test_kernel_equals_the_reference_on_drawn_markets(case):
    market, params = case
    inp = prepare_turnover(market, params)
    assert_same(inp, *run_turnover(inp, record_tiers=True))


@pytest.mark.slow
@settings(max_examples=3_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(turnover_cases())
def test_kernel_equals_the_reference_on_many_drawn_markets(case):
    """Fresh draws each run (about 30 s): the kernel of 4d1c5dc failed about 1 in 1,000."""
    market, params = case
    inp = prepare_turnover(market, params)
    assert_same(inp, *run_turnover(inp, record_tiers=True))


def test_kernel_equals_the_reference_where_a_density_sum_leaves_a_residue():
    """The exact market and parameters of the rare mismatch (see ``RESIDUE_MARKET``)."""
    market = pd.read_csv(RESIDUE_MARKET, index_col="time", parse_dates=["time"])
    params = EngineParams(
        flow="turnover",
        mix=LeverageDensity(median=4.61298027413118, sigma=0.8568363775070518, n_tiers=5),
        n_bins=51,
        max_columns=5,
        grid="linear",
        hold_hours=7.0380786572288185,
        warm_start=False,
        intrabar_exposure=0.3771859454852359,
    )
    inp = prepare_turnover(market, params)
    fast, tiers = run_turnover(inp, record_tiers=True)
    assert fast.flows[0].sum() > 0.01 * fast.flows[1].sum()  # the sweeps were exercised
    assert_same(inp, fast, tiers)


def _short_book(density_ends_at: int):
    """One short tier on bins of 1 USD from 100 with one deposit's density (``rho`` USD per
    USD) from bin 1 to ``density_ends_at`` (exclusive, where the difference array's second
    entry sits); bin 3 also holds an explicit piece on [103, 103.4]. When the density ends at
    bin 3 its two entries leave a rounding residue (1e-12, about eps * rho) there instead of
    0, as running sums of many deposits do."""
    edges = np.arange(100.0, 107.0)
    shape = (2, 1, edges.size - 1)
    raw, dd = np.zeros(shape), np.zeros(shape)
    dn = np.zeros(shape, dtype=np.int64)
    xlo, xhi = np.full(shape, np.inf), np.full(shape, -np.inf)
    rho = 5_649.899391635297
    end = density_ends_at
    dd[1, 0, 1], dd[1, 0, end] = rho, -(rho - 1e-12) if end == 3 else -rho
    dn[1, 0, 1], dn[1, 0, end] = 1, -1
    raw[1, 0, 3], xlo[1, 0, 3], xhi[1, 0, 3] = 2.0, 103.0, 103.4
    tot = np.array([[0.0], [(end - 1) * rho + 2.0]])
    ovf_lo, ovf_hi, scale = np.zeros((2, 1)), np.zeros((2, 1)), np.ones((2, 1))
    lo, hi = np.array([[6], [1]]), np.array([[-1], [max(end - 1, 3)]])
    front = np.array([[-np.inf], [101.0]])
    args = (edges, raw, dd, dn, xlo, xhi, tot, ovf_lo, ovf_hi, scale, lo, hi, front)
    return args, rho


def test_kernel_equals_the_reference_where_a_kept_density_is_below_resolution():
    """The exact market and parameters of the second mismatch (see ``TINY_DENSITY_MARKET``)."""
    market = pd.read_csv(TINY_DENSITY_MARKET, index_col="time", parse_dates=["time"])
    params = EngineParams(
        flow="turnover",
        mix=LeverageMix((50.0,), (1.0,)),
        n_bins=37,
        max_columns=3,
        hold_hours=0.3333333333333333,
        intrabar_exposure=0.040209665184201666,
    )
    inp = prepare_turnover(market, params)
    fast, tiers = run_turnover(inp, record_tiers=True)
    assert fast.flows[0].sum() > 0.01 * fast.flows[1].sum()
    assert_same(inp, fast, tiers)


@pytest.mark.parametrize("density_ends_at", [3, 5])
def test_a_sweep_keeps_no_rounding_residue_of_the_density_sums(density_ends_at):
    """The root cause of the rare kernel-vs-reference mismatch of issue 14: a high at 103.7
    cuts bin 3, whose explicit piece lies below it (all liquidated). Where the density ended
    before bin 3, what the running sum leaves there is a residue: kept as density it used to
    stay in bin 3 with the extent widened to [103.7, 104], later deposits merged into that
    extent and a later cut liquidated a different share than the reference. The count of
    deposits spanning the bin (0) now says so exactly. A real density keeps its share."""
    args, rho = _short_book(density_ends_at)
    edges, raw, dd, dn, xlo, xhi, tot, ovf_lo, ovf_hi, scale, lo, hi, front = args
    removed = book._sweep(*args, 1, 0, 103.7, 3)
    if density_ends_at == 3:
        assert raw[1, 0, 3] == 0.0 and (xlo[1, 0, 3], xhi[1, 0, 3]) == (np.inf, -np.inf)
        assert hi[1, 0] < lo[1, 0]  # the book is empty
        assert removed == pytest.approx(2.0 * rho + 2.0, rel=1e-12)
    else:
        assert raw[1, 0, 3] == pytest.approx(0.3 * rho, rel=1e-9)
        assert (xlo[1, 0, 3], xhi[1, 0, 3]) == (103.7, 104.0)
        assert removed == pytest.approx(2.7 * rho + 2.0, rel=1e-9)
        assert dn[1, 0, 4] == 1  # the count is carried with the density past the cut


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(turnover_cases())
def test_usd_is_conserved(case):
    """USD opened (warm book included) = live (grid + overflow) + liquidated + closed + faded,
    per side; no flow and no bin is negative."""
    market, params = case
    out, _ = run_turnover(prepare_turnover(market, params))
    opened, closed, liq, faded = (out.flows[k].sum(axis=1) for k in (1, 2, 0, 3))
    live = out.out[:, -1].sum(axis=1) + out.overflow[:, -1]
    np.testing.assert_allclose(opened, live + liq + closed + faded, rtol=1e-9, atol=1e-6)
    assert np.all(out.flows >= 0) and np.all(out.out >= 0) and np.all(out.overflow >= 0)


def test_a_flat_market_liquidates_nothing():
    """The bug of issue 14: levels sharing a bin with a price that never moves were swept
    (about 0.7x the open interest a day at 1,000 bins)."""
    m = flat(100_000.0)
    oi_usd = 500.0 * 100_000.0
    for n_bins in (200, 1_000):
        hm = lq.estimate_heatmap(m, n_bins=n_bins, max_columns=10, leveraged_share=1.0)
        liq = hm.predicted_long_usd.sum() + hm.predicted_short_usd.sum()
        assert liq < 1e-9 * oi_usd, n_bins
        assert hm.totals().iloc[-1].min() > 0.99 * oi_usd  # the book is full, just not reached


@pytest.mark.parametrize("where", [0.0, 0.001, 0.3, 0.5, 0.9, 0.999])
def test_flat_market_result_does_not_depend_on_where_the_price_sits_in_its_bin(where):
    edges = np.geomspace(20_000.0, 400_000.0, 301)
    b = 200
    price = edges[b] + where * (edges[b + 1] - edges[b])
    hm = lq.estimate_heatmap(flat(price, n=600), price_edges=edges, max_columns=5)
    liq = hm.predicted_long_usd.sum() + hm.predicted_short_usd.sum()
    assert liq < 1e-9 * 500.0 * price


@pytest.mark.parametrize("n_bins", [3, 7, 50, 400, 2_000])
def test_a_sweep_cuts_a_cell_at_the_exact_price(n_bins):
    """One leverage cell opened at 100 (LPs uniform over [a, b]); a low at the middle of
    [a, b] liquidates half of it, whatever the bins; the mark low is used when present."""
    cell = LeverageDensity(median=10.0, sigma=0.5, min_leverage=8.0, max_leverage=12.5, n_tiers=1)
    kw = dict(mix=cell, warm_start=False, hold_hours=1e12, intrabar_exposure=0.0)
    kw.update(n_bins=n_bins, max_columns=3, leveraged_share=1.0)
    p = EngineParams(flow="turnover", **kw)
    probe = prepare_turnover(flat(100.0, n=2, oi_coin=10.0), p)
    a, b = probe.ka[0, 0] * 100.0, probe.kb[0, 0] * 100.0
    mid = 0.5 * (a + b)
    m = flat(100.0, n=3, oi_coin=10.0)
    m[MARK_LOW] = m[LOW]
    m.loc[m.index[1], MARK_LOW] = mid  # the trade low stays at 100
    hm = lq.estimate_heatmap(m, **kw)
    book_usd = 10.0 * 100.0
    liq = hm.predicted_long_usd.to_numpy()
    assert liq[0] == 0.0 and liq[2] == 0.0
    assert liq[1] == pytest.approx(0.5 * book_usd, rel=1e-6)


def test_liquidations_hardly_depend_on_the_bin_count():
    """400 bins and 2,000 give the same liquidations per hour (the old per-bin sweep gave
    ~60 % more at 400 bins, Spearman 0.92 between the two)."""
    m, _ = lq.simulate_market(4, days=2.0, live_positions=6_000, burn_in_days=2.0)
    bars = {}
    for n_bins in (400, 2_000):
        hm = lq.estimate_heatmap(m, n_bins=n_bins, max_columns=50)
        bars[n_bins] = lq.validate.to_bars(lq.validate.heatmap_predicted(hm), "1h").sum(axis=1)
    coarse, fine = bars[400], bars[2_000]
    assert coarse.sum() == pytest.approx(fine.sum(), rel=0.05)
    assert coarse.rank().corr(fine.rank()) > 0.98


def test_ranking_on_the_real_window_does_not_depend_on_the_bin_count(shared_data):
    """Spearman of predicted vs realized liquidations per 30-minute bar (second half of the
    shared Coinglass window) at 400 bins within 0.01 of 2,000 bins."""
    from liqlib.data.sources.coinglass import load_coinglass_regime_csv
    from liqlib.validate.evaluate import model_predictions

    path = shared_data / "raw/btc-liquidations-analysis/data/coinglass_BTC_regime_30m_0.05y.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    market, realized = load_coinglass_regime_csv(path)
    real = realized[["long_usd", "short_usd"]].sum(axis=1)
    held = real.index >= real.index[len(real) // 2]
    rho = {}
    for n_bins in (400, 2_000):
        pred = model_predictions(market, ["turnover"], interval="30min", n_bins=n_bins)["turnover"]
        total = pred[["long_usd", "short_usd"]].sum(axis=1).reindex(real.index).fillna(0.0)
        rho[n_bins] = total[held].rank().corr(real[held].rank())
    assert abs(rho[400] - rho[2_000]) <= 0.01, rho


@pytest.mark.parametrize("per_tier", [False, True])
def test_kernel_equals_the_reference_over_many_blocks_of_columns(small, per_tier):
    """The kernel runs each side's tiers one after the other over blocks of
    ``COLUMN_BLOCK`` columns and sums a column's books as each tier reaches it: with more
    columns than several blocks hold (here one column per candle, 160 > 4 x 32) and an
    odd number of tiers, the numbers are still the reference's (candle by candle)."""
    assert len(small) > 4 * turnover.COLUMN_BLOCK
    params = EngineParams(
        flow="turnover",
        mix=LeverageDensity(n_tiers=5),
        n_bins=70,
        max_columns=len(small),
        per_tier=per_tier,
    )
    inp = prepare_turnover(small, params)
    fast, tiers = run_turnover(inp, record_tiers=True)
    assert fast.flows[0].sum() > 0.01 * fast.flows[1].sum()  # the sweeps were exercised
    assert_same(inp, fast, tiers)


def test_the_two_sides_on_two_threads_give_the_numbers_of_one(small, monkeypatch):
    """The sides run on their own threads (``KERNEL_THREADS``) and share no book: the
    outputs are identical, bit for bit, to one thread's."""
    params = EngineParams(flow="turnover", mix=LeverageDensity(n_tiers=7), max_columns=50)
    inp = prepare_turnover(small, params)
    runs = {}
    for threads in (1, 2):
        monkeypatch.setattr(turnover, "KERNEL_THREADS", threads)
        runs[threads] = run_turnover(inp, record_tiers=True)
    (one, tiers1), (two, tiers2) = runs[1], runs[2]
    for name in ("out", "out_tier", "overflow", "flows"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
    np.testing.assert_array_equal(tiers1, tiers2)
    assert one.flows[0].sum() > 0.0
