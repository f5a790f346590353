"""One registry, one default: every entry point runs the same model to the same numbers.

The entry points are ``lq.estimate_heatmap``, the explorer (through
``liqlib.estimate.window``), the stories (``guidance.compare_windows``) and the evaluation
(``liqlib.validate.evaluate``); each is run with each model on one small market.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.estimate.registry import DEFAULT_MODEL, MODELS, resolve_params
from liqlib.estimate.window import prepare_window, run_window
from liqlib.stories import guidance

N_BINS, COLS = 120, 20


@pytest.fixture(scope="module")
def market() -> pd.DataFrame:
    return lq.load_demo().iloc[:1_500]


def test_there_is_one_default_and_every_entry_point_uses_it():
    import inspect

    from liqlib.stories.report_window import MODEL_NEEDS
    from liqlib.viz.explorer import HeatmapExplorer, make_heatmap_explorer

    assert lq.DEFAULT_MODEL == DEFAULT_MODEL == "turnover"
    for fn in (
        lq.estimate_heatmap, make_heatmap_explorer, HeatmapExplorer.__init__,
        guidance.compare_windows,
    ):  # fmt: skip
        assert inspect.signature(fn).parameters["model"].default == DEFAULT_MODEL, fn
    assert set(MODEL_NEEDS) == set(MODELS)  # the report knows every model's needs


@pytest.mark.parametrize("model", sorted(MODELS))
def test_estimate_explorer_and_window_give_the_same_numbers(market, model):
    direct = lq.estimate_heatmap(market, model, n_bins=N_BINS, max_columns=COLS, grid="linear")
    run = prepare_window(market, model, n_bins=N_BINS, max_columns=COLS, grid="linear")
    n = len(market)
    cols = ((np.arange(COLS) + 1) * n) // COLS - 1
    windowed = run_window(run, n, cols)
    np.testing.assert_allclose(windowed.long_usd, direct.long_usd, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(windowed.short_usd, direct.short_usd, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(
        windowed.predicted_long_usd.to_numpy(), direct.predicted_long_usd.to_numpy(), rtol=1e-9
    )
    ex = lq.make_heatmap_explorer(market, model=model, n_bins=N_BINS, max_columns=600)
    assert ex.hm.model == model == direct.model
    # the explorer's window ends at the last candle; its predicted liquidations are the model's
    i0, i1, _ = ex.window()
    assert i1 == n - 1
    np.testing.assert_allclose(
        ex.hm.predicted_long_usd.to_numpy(), direct.predicted_long_usd.to_numpy(), rtol=1e-9
    )
    np.testing.assert_allclose(
        ex.hm.predicted_short_usd.to_numpy(), direct.predicted_short_usd.to_numpy(), rtol=1e-9
    )


@pytest.mark.parametrize("model", sorted(MODELS))
def test_stories_use_the_registry(market, model):
    table = guidance.compare_windows(market, ["12h"], model=model, n_bins=N_BINS, max_columns=5)
    part = market.loc[market.index >= market.index[-1] + pd.Timedelta("1min") - pd.Timedelta("12h")]
    hm = lq.estimate_heatmap(part, model, n_bins=N_BINS, max_columns=5)
    from liqlib.stories.zones import compute_hot_zones

    assert table.loc["12h", "usd_within"] == pytest.approx(
        compute_hot_zones(hm, max_distance_pct=10.0).attrs["total_usd"], rel=1e-12
    )


def test_the_market_symbol_picks_the_brackets(market):
    doge = market.copy()
    doge.attrs = {**market.attrs, "symbol": "DOGEUSDT"}
    assert resolve_params(doge, "oi-flow").symbol == "DOGEUSDT"
    assert resolve_params(market, "oi-flow").bracket_symbol == "SIM-BTCUSDT"
    hm_doge = lq.estimate_heatmap(doge, "oi-flow", n_bins=N_BINS, max_columns=COLS)
    hm_btc = lq.estimate_heatmap(market, "oi-flow", n_bins=N_BINS, max_columns=COLS)
    assert hm_doge.params.bracket_table().symbol == "DOGEUSDT"
    assert not np.allclose(hm_doge.long_usd, hm_btc.long_usd)  # other brackets, other prices
    with pytest.raises(lq.InputError, match="the market is DOGEUSDT") as exc:
        lq.estimate_heatmap(doge, "oi-flow", symbol="BTCUSDT")
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize(
    ("model", "arg", "value"),
    [("turnover", "split", "ratio"), ("turnover", "calibrate", True),
     ("oi-flow", "hold_hours", 5.0), ("volume", "warm_start", False),
     ("fixed-offset", "warm_start", False), ("oi-flow", "volume_open_fraction", 0.1)],
)  # fmt: skip
def test_an_argument_the_model_does_not_use_is_an_error(market, model, arg, value):
    with pytest.raises(lq.InputError, match=f"does not use '{arg}'") as exc:
        lq.estimate_heatmap(market, model, **{arg: value})
    assert "\n" not in str(exc.value)
    # the same through a params object
    with pytest.raises(lq.InputError, match=f"does not use '{arg}'"):
        lq.estimate_heatmap(market, model, params=lq.EngineParams(**{arg: value}))
