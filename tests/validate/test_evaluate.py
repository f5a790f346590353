"""liqlib.validate.evaluate and liqlib.viz.accuracy: the validation tables and figures (SIMULATED)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.errors import LiqlibDeprecationWarning
from liqlib.validate import evaluate as ev
from liqlib.viz.accuracy import plot_density_comparison, plot_predicted_vs_realized

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def small():
    market, truth = lq.simulate_market(3, days=3.0, live_positions=4_000, burn_in_days=1.0)
    return market, truth


def test_told_mix_passes_tiers_and_discretises_a_distribution():
    tiers = lq.LeverageMix((5.0, 20.0), (0.4, 0.6))
    assert ev.told_mix(tiers) is tiers
    mix = ev.told_mix(lq.LogNormalLeverage(8.0, 1.0))
    assert mix.leverages == ev.TOLD_TIERS and sum(mix.weights) == pytest.approx(1.0)
    # USD falls with leverage faster than counts do (small accounts at high leverage)
    flat = ev.told_mix(lq.LogNormalLeverage(8.0, 1.0), size_leverage_exponent=0.0)
    assert mix.weights[-1] < flat.weights[-1] and mix.weights[0] > flat.weights[0]
    with pytest.raises(lq.InputError):
        ev.told_mix({10: 1.0})


def test_evaluate_market_scores_models_and_baselines_after_the_warm_up(small):
    market, truth = small
    start = market.index[0] + pd.Timedelta(days=1)
    res = ev.evaluate_market(
        market, truth.liquidations, truth=truth, score_from=start, n_boot=50,
        n_bins=200, max_columns=200, symbol=market.attrs["symbol"], keep_heatmaps=True,
    )  # fmt: skip
    assert set(lq.MODELS) <= set(res.per_bar.index)
    assert set(lq.validate.BASELINES) <= set(res.per_bar.index)
    assert (res.per_bar["n_bars"] == 48).all()  # two scored days of 1h bars (two day-blocks)
    assert list(res.density.index) == list(lq.MODELS)
    assert res.density[["cosine_long", "cosine_short"]].le(1 + 1e-12).all().all()
    # the same estimate scored directly over the scored bars
    hm = res.heatmaps["oi-flow"]
    pred = lq.validate.to_bars(lq.validate.heatmap_predicted(hm), "1h").loc[start:]
    direct = lq.validate.per_bar_scores(pred, truth.realized("1h").loc[start:])
    assert res.per_bar.loc["oi-flow", "spearman_total"] == pytest.approx(
        direct.loc["total", "spearman"]
    )


def test_evaluate_scenarios_is_deterministic_and_complete():
    scen = {"low": ev.Scenario(lq.LeverageMix((2.0, 5.0), (0.5, 0.5)), burn_in_days=0.5)}
    kw = dict(days=2.0, live_positions=2_000, n_boot=20, n_bins=100, max_columns=100)
    a = ev.evaluate_scenarios(scen, [1], **kw)
    b = ev.evaluate_scenarios(scen, [1], **kw)
    pd.testing.assert_frame_equal(a, b)
    preds = a.index.get_level_values("prediction")
    assert set(lq.MODELS) | set(lq.validate.BASELINES) == set(preds)


def test_density_figure_names_the_simulated_truth_and_draws_every_model(small):
    market, truth = small
    hm = lq.estimate_heatmap(market, n_bins=200, max_columns=100, symbol=market.attrs["symbol"])
    fig = plot_density_comparison({"oi-flow": hm}, truth, at=truth.times[-5])
    ax = fig.axes[0]
    assert "SIMULATED" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "oi-flow longs" in labels and "true longs (SIMULATED)" in labels
    assert len(ax.lines) == 3  # two sides of one model + the price line
    with pytest.raises(lq.InputError):
        plot_density_comparison(hm, truth, at="2000-01-01")


def test_predicted_vs_realized_draws_into_a_given_axes(small):
    import matplotlib.pyplot as plt

    market, truth = small
    real = truth.realized("1h")
    preds = {"range x OI": lq.validate.naive_baselines(market, "1h")["range x OI"]}
    fig, ax = plt.subplots()
    got = plot_predicted_vs_realized(preds, real, label="SIMULATED", ax=ax)
    assert got is fig and len(ax.collections) == 1
    offsets = ax.collections[0].get_offsets()
    assert len(offsets) == len(real) and np.all(np.asarray(offsets) >= 1.0)
    plt.close(fig)


def test_truth_of_another_market_is_a_one_line_error(small):
    market, _ = small
    _, other = lq.simulate_market(
        4, days=0.5, live_positions=1_000, burn_in_days=0.0, start="2024-06-01"
    )
    with pytest.raises(lq.InputError) as err:
        ev.evaluate_market(
            market, other.liquidations, truth=other, n_boot=20, n_bins=100, max_columns=50,
            symbol=market.attrs["symbol"],
        )  # fmt: skip
    assert "\n" not in str(err.value)


def test_the_evaluate_family_reads_the_old_bar_with_a_warning(small):
    market, truth = small
    kw = dict(n_bins=100, max_columns=50, symbol=market.attrs["symbol"])
    new = ev.model_predictions(market, ["oi-flow"], interval="2h", **kw)
    with pytest.warns(LiqlibDeprecationWarning, match="model_predictions.*interval="):
        old = ev.model_predictions(market, ["oi-flow"], bar="2h", **kw)
    pd.testing.assert_frame_equal(new["oi-flow"], old["oi-flow"])
    with pytest.raises(lq.InputError, match="model_predictions needs interval="):
        ev.model_predictions(market, ["oi-flow"], **kw)
    e_kw = dict(truth=truth, models=["oi-flow"], n_boot=20, **kw)
    e_new = ev.evaluate_market(market, truth.liquidations, interval="2h", **e_kw)
    with pytest.warns(LiqlibDeprecationWarning, match="evaluate_market.*interval="):
        e_old = ev.evaluate_market(market, truth.liquidations, bar="2h", **e_kw)
    pd.testing.assert_frame_equal(e_new.per_bar, e_old.per_bar)
    assert (e_new.per_bar["n_bars"] == 36).all()  # 3 days of 2h bars, not the default 1h
    c_new = ev.compare_on_simulation(market, truth, ["oi-flow"], interval="2h", **kw)
    with pytest.warns(LiqlibDeprecationWarning, match="compare_on_simulation.*interval="):
        c_old = ev.compare_on_simulation(market, truth, ["oi-flow"], bar="2h", **kw)
    pd.testing.assert_frame_equal(c_new, c_old)
    assert c_new.attrs["bar"] == "2h"
    # the scenario runners warn too, and refuse both names
    scen = {"low": ev.Scenario(lq.LeverageMix((2.0, 5.0), (0.5, 0.5)), burn_in_days=0.2)}
    s_kw = dict(days=2.0, live_positions=500, models=["oi-flow"], n_boot=10, n_bins=50)
    s_new = ev.evaluate_scenarios(scen, [1], interval="2h", max_columns=50, **s_kw)
    with pytest.warns(LiqlibDeprecationWarning, match="evaluate_scenarios.*interval="):
        s_old = ev.evaluate_scenarios(scen, [1], bar="2h", max_columns=50, **s_kw)
    pd.testing.assert_frame_equal(s_new, s_old)
    with pytest.warns(LiqlibDeprecationWarning, match="evaluate_foreign_scenarios.*interval="):
        with pytest.raises(lq.InputError, match="unknown"):  # warned before the name is read
            lq.evaluate_foreign_scenarios(["no such"], [1], bar="2h")
    for call in (
        lambda: ev.evaluate_market(market, truth.liquidations, interval="1h", bar="1h"),
        lambda: ev.model_predictions(market, ["oi-flow"], interval="1h", bar="1h"),
        lambda: ev.compare_on_simulation(market, truth, interval="1h", bar="1h"),
        lambda: ev.evaluate_scenarios(scen, [1], interval="1h", bar="1h"),
        lambda: lq.evaluate_foreign_scenarios(["low"], [1], interval="1h", bar="1h"),
    ):
        with pytest.raises(lq.InputError, match="both interval") as exc:
            call()
        assert "\n" not in str(exc.value)
