"""The default model's priors (liqlib.estimate.priors) and level fits (liqlib.estimate.level)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.errors import InputError
from liqlib.estimate.brackets import lp_factors
from liqlib.estimate.level import derive_level_prior, fit_share_from_oi_drops, implied_share
from liqlib.estimate.priors import (
    DEFAULT_LEVEL,
    HYPERLIQUID_BOOK,
    HYPERLIQUID_MIXTURE,
    LevelPrior,
    TabulatedLeverageDensity,
    density_within_bracket,
    effective_leverage,
    margin_mixture_density,
    measure_margin_mixture,
    smooth_cells,
)
from liqlib.estimate.registry import MODELS
from liqlib.sim.synthetic import make_synthetic_market
from liqlib.validate import heatmap_predicted, to_bars

HL = "raw/hyperliquid-positions"
ALTS = "raw/coinglass-4h-alts/cg_{coin}_4h_binance_liq_oi_20241114_20251114.csv"
CANDLES = "raw/finm-hourly-candles/perp_1h_binance_bybit_BTC_ETH_DOGE_SOL_20250306_20251122.csv.gz"
REGIME = "raw/btc-liquidations-analysis/data/coinglass_BTC_regime_30m_0.05y.csv"


@pytest.fixture(scope="module")
def market():
    return make_synthetic_market(3_000, seed=5, interval="5min")


def test_effective_leverage_inverts_the_bracket_formula():
    lev = np.array([2.0, 10.0, 50.0, 120.0])
    k_long = lp_factors(lev, 10_000.0)[0]  # BTCUSDT first bracket: MMR 0.4 %, no cum
    assert np.allclose(effective_leverage(1.0 - k_long, mmr=0.004), lev, rtol=1e-9)
    assert effective_leverage([np.inf])[0] <= 1.0  # unreachable: never liquidated


def test_tabulated_density_is_a_density_the_model_takes(market):
    near = TabulatedLeverageDensity(
        min_leverage=2.0, max_leverage=100.0, n_tiers=2, cell_weights=(0.0, 1.0)
    )
    far = TabulatedLeverageDensity(
        min_leverage=2.0, max_leverage=100.0, n_tiers=2, cell_weights=(1.0, 0.0)
    )
    assert near.weights().tolist() == [0.0, 1.0]
    kw = dict(n_bins=400, max_columns=5, leveraged_share=1.0)
    a, b = lq.estimate_heatmap(market, mix=near, **kw), lq.estimate_heatmap(market, mix=far, **kw)
    p = a.price[-1]
    within = [(h.long_usd[-1] * (np.abs(h.bin_centers / p - 1) < 0.1)).sum() for h in (a, b)]
    assert within[0] > 5 * within[1]  # the high-leverage cell sits near the price
    with pytest.raises(InputError, match="one per cell"):
        TabulatedLeverageDensity(n_tiers=3, cell_weights=(1.0, 1.0))
    with pytest.raises(InputError, match="not all 0"):
        TabulatedLeverageDensity(n_tiers=2, cell_weights=(0.0, 0.0))


def test_cross_margin_sits_farther_than_isolated():
    iso, cross = margin_mixture_density(cross_share=0.0), margin_mixture_density(cross_share=1.0)
    lev = np.sqrt(iso.cell_edges()[:-1] * iso.cell_edges()[1:])
    assert (iso.weights() * np.log(lev)).sum() > (cross.weights() * np.log(lev)).sum() + 0.5
    mixed = margin_mixture_density()  # the default: the live book (distances from the mark)
    c = HYPERLIQUID_BOOK.cross_share
    expect = smooth_cells(c * np.array(HYPERLIQUID_BOOK.cross_cells)
                          + (1 - c) * np.array(HYPERLIQUID_BOOK.isolated_cells))  # fmt: skip
    assert np.allclose(mixed.weights(), expect)
    opening = margin_mixture_density(HYPERLIQUID_MIXTURE)
    assert not np.allclose(opening.weights(), mixed.weights())
    with pytest.raises(InputError, match="cross_share"):
        margin_mixture_density(cross_share=1.5)


def test_default_model_uses_the_priors_and_labels_the_band(market):
    hm = lq.estimate_heatmap(market, n_bins=300, max_columns=5)
    assert hm.params.mix == MODELS["turnover"].default_mix == margin_mixture_density()
    assert hm.params.leveraged_share == DEFAULT_LEVEL.share
    lo, hi = lq.level_band(hm)
    assert lo < 1 < hi and (lo, hi) == pytest.approx(DEFAULT_LEVEL.multipliers())
    told = lq.estimate_heatmap(market, n_bins=300, max_columns=5, leveraged_share=0.5)
    assert lq.level_band(told) is None and "level_prior" not in told.source
    assert lq.level_band(lq.estimate_heatmap(market, "oi-flow", n_bins=300)) is None
    # a full parameter set takes the same prior unless it names a share
    via = lq.estimate_heatmap(market, params=lq.EngineParams(n_bins=300, max_columns=5))
    assert via.params.leveraged_share == DEFAULT_LEVEL.share and lq.level_band(via) == (lo, hi)
    assert np.allclose(via.long_usd, hm.long_usd)
    named = lq.estimate_heatmap(market, params=lq.EngineParams(leveraged_share=1.0, n_bins=300))
    assert named.params.leveraged_share == 1.0 and lq.level_band(named) is None


def test_every_usd_figure_is_linear_in_the_share(market):
    """The premise of implied_share: a run at share s predicts s times a run at share 1."""
    kw = dict(n_bins=300, max_columns=5)
    one = lq.estimate_heatmap(market, leveraged_share=1.0, **kw)
    part = lq.estimate_heatmap(market, leveraged_share=0.2, **kw)
    assert np.allclose(part.predicted_long_usd, 0.2 * one.predicted_long_usd, rtol=1e-9)
    assert np.allclose(part.long_usd, 0.2 * one.long_usd, rtol=1e-9, atol=1e-9)
    unit = to_bars(heatmap_predicted(one), "1h").sum(axis=1)
    real = to_bars(heatmap_predicted(part), "1h").sum(axis=1)
    assert implied_share(unit, real).iloc[0] == pytest.approx(0.2, rel=1e-9)
    monthly = implied_share(unit, real, "D")
    assert np.allclose(monthly, 0.2)


def test_share_from_oi_drops_recovers_a_share_under_heavy_tailed_noise():
    rng = np.random.default_rng(3)
    idx = pd.date_range("2025-01-01", periods=3_000, freq="1h", tz="UTC")
    unit = pd.Series(rng.exponential(1.0, idx.size) ** 2, index=idx)
    drop = 0.03 * unit + pd.Series(rng.standard_t(2.5, idx.size) * 0.005, index=idx)
    assert fit_share_from_oi_drops(unit, drop) == pytest.approx(0.03, rel=0.1)
    with pytest.raises(InputError, match="share no time"):
        fit_share_from_oi_drops(unit, drop.shift(10_000, freq="h"))


def test_level_prior_rule_and_checks():
    p = derive_level_prior(pd.Series([0.01, 0.02]), pd.Series([0.1, 0.1, 0.2]))
    assert p.share == pytest.approx(np.sqrt(0.015 * 0.1))
    dev = np.log(np.r_[[0.01, 0.02] / np.float64(0.015), [1.0, 1.0, 2.0]])
    assert p.low == pytest.approx(0.015 * np.exp(np.quantile(dev, 0.1)))
    assert p.high == pytest.approx(0.1 * np.exp(np.quantile(dev, 0.9)))
    assert p.low < 0.015 < p.share < 0.1 < p.high
    with pytest.raises(InputError, match="low <= share <= high"):
        LevelPrior(0.1, 0.2, 0.3, "x")
    with pytest.raises(InputError, match="values > 0"):
        derive_level_prior(pd.Series([0.0]), pd.Series([0.1]))


@pytest.mark.realdata
def test_the_stored_mixture_is_what_the_hyperliquid_files_say(shared_data):
    pos = lq.load_hyperliquid_positions(shared_data / HL)
    m = measure_margin_mixture(pos)
    assert m.n_positions == HYPERLIQUID_MIXTURE.n_positions and m.n_cohorts == 4
    assert m.cross_share == pytest.approx(HYPERLIQUID_MIXTURE.cross_share, abs=1e-9)
    assert np.allclose(m.cross_cells, HYPERLIQUID_MIXTURE.cross_cells, atol=1e-5)
    assert np.allclose(m.isolated_cells, HYPERLIQUID_MIXTURE.isolated_cells, atol=1e-5)
    book = measure_margin_mixture(pos, basis="mark")  # the live book: the default's stock
    assert book.cross_share == pytest.approx(HYPERLIQUID_BOOK.cross_share, abs=1e-9)
    assert np.allclose(book.cross_cells, HYPERLIQUID_BOOK.cross_cells, atol=1e-5)
    assert np.allclose(book.isolated_cells, HYPERLIQUID_BOOK.isolated_cells, atol=1e-5)
    # the figures the data's README states for the BTC rows of the basedapp cohorts
    btc = pos[(pos.coin == "BTC") & pos.cohort.str.startswith("basedapp")]
    for (cohort, margin), g in btc.groupby(["cohort", "margin"]):
        near = g.position_usd[g.mark_distance <= 0.10].sum() / g.position_usd.sum()
        lo, hi = (0.08, 0.56) if margin == "cross" else (0.84, 0.90)
        assert lo <= near <= hi, (cohort, margin, near)


@pytest.mark.realdata
@pytest.mark.slow
def test_the_stored_level_prior_is_what_its_derivation_gives(shared_data):
    """Fails when the model's dynamics change and DEFAULT_LEVEL was not re-derived."""
    lower = []
    for coin in ("ETH", "SOL"):  # each market's own brackets
        m, r = lq.load_coinglass_alts(
            shared_data / ALTS.format(coin=coin.lower()), shared_data / CANDLES, coin
        )
        hm = lq.estimate_heatmap(m, leveraged_share=1.0, max_columns=20)
        unit = heatmap_predicted(hm).sum(axis=1).resample("4h").sum()
        lower.append(implied_share(unit, r.sum(axis=1), "MS"))
    market, realized = lq.data.sources.load_coinglass_regime_csv(shared_data / REGIME)
    half = len(market) // 2
    hm = lq.estimate_heatmap(market.iloc[:half], leveraged_share=1.0, max_columns=20)
    unit = heatmap_predicted(hm).sum(axis=1)
    agg = implied_share(unit, realized.iloc[:half].sum(axis=1), "D")
    prior = derive_level_prior(pd.concat(lower), agg)
    assert prior.share == pytest.approx(DEFAULT_LEVEL.share, rel=0.05)
    assert prior.low == pytest.approx(DEFAULT_LEVEL.low, rel=0.05)
    assert prior.high == pytest.approx(DEFAULT_LEVEL.high, rel=0.05)


def test_the_default_density_stays_below_each_brackets_entry_price(market):
    d = margin_mixture_density()
    cut = density_within_bracket(d, mmr=0.01)  # 1 % MMR: the entry is met at 100x
    assert cut.max_leverage == pytest.approx(90.0) and cut.weights().sum() == pytest.approx(1.0)
    # at the new cells' edges below the top, the cumulative USD is the same as before the cut
    edges = cut.cell_edges()[:-1]
    before = np.interp(np.log(edges), np.log(d.cell_edges()), np.r_[0, np.cumsum(d.weights())])
    assert np.allclose(np.r_[0, np.cumsum(cut.weights())][:-1], before, atol=1e-9)
    assert density_within_bracket(d, mmr=0.004) is d  # BTCUSDT's 0.4 %: 200x fits
    doge = market.copy()
    doge.attrs = {**market.attrs, "symbol": "DOGEUSDT"}  # 0.5 % MMR: 200x would meet the entry
    hm = lq.estimate_heatmap(doge, n_bins=300, max_columns=5)
    assert hm.params.mix.max_leverage == pytest.approx(180.0) and hm.long_usd.sum() > 0


def test_an_unknown_basis_is_a_one_line_error():
    with pytest.raises(InputError, match="basis"):
        measure_margin_mixture(
            pd.DataFrame(columns=["cohort", "margin", "position_usd", "entry_distance",
                                  "mark_distance", "leverage_setting"]),
            basis="setting",
        )  # fmt: skip


def test_the_live_book_default_sits_nearer_the_real_positions_than_the_opening_view(shared_data):
    """On the real BTC window the default map's USD within 10 % of the price is nearer the real
    positions' share than the opening mixture's (24 % then; real 14.6 %)."""
    market, _ = lq.data.sources.load_coinglass_regime_csv(shared_data / REGIME)
    pos = lq.load_hyperliquid_positions(shared_data / HL)
    maps = {
        "book": lq.estimate_heatmap(market, n_bins=1000, max_columns=50, symbol="BTCUSDT"),
        "opening": lq.estimate_heatmap(
            market, n_bins=1000, max_columns=50, symbol="BTCUSDT",
            mix=margin_mixture_density(HYPERLIQUID_MIXTURE),
        ),
    }  # fmt: skip
    t = lq.compare_to_positions(maps, pos, columns=slice(10, None))
    real = t.loc["real positions", "share_within"]
    assert abs(t.loc["book", "share_within"] - real) < abs(t.loc["opening", "share_within"] - real)
    assert t.loc["book", "share_within"] < 0.22
