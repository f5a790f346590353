"""calibrate_leverage_mix accepts a recording: events stored by the recorder's writer, read back
and summed with lq.to_bars (SIMULATED: the events are the model's own predictions)."""

from __future__ import annotations

import pandas as pd
import pytest

import liqlib as lq


def test_calibration_on_recorded_bars_reproduces_the_model_that_made_them(tmp_path):
    full = lq.load_data("demo", interval="5m")
    m = full.loc[full.index >= full.index[-1] - pd.Timedelta(days=3)].copy()
    m.attrs = dict(full.attrs)
    hm = lq.estimate_heatmap(m, n_bins=200, max_columns=100)
    parts = []
    for side, pred in (("long", hm.predicted_long_usd), ("short", hm.predicted_short_usd)):
        parts.append(pd.DataFrame({"usd": pred[pred > 0], "side": side}))
    ev = pd.concat(parts)
    ev["price"] = m.loc[ev.index, "close"].to_numpy()
    ev["qty"] = ev["usd"] / ev["price"]
    lq.write_liquidations(tmp_path, ev.assign(venue="demo", symbol="BTCUSDT"), synthetic=True)
    liqs = lq.load_liquidations(tmp_path)
    bars = lq.to_bars(liqs, "1h", start=m.index[0], end=m.index[-1] + pd.Timedelta("5min"))
    assert bars[["long_usd", "short_usd"]].sum().sum() == pytest.approx(ev["usd"].sum(), rel=1e-9)
    cal = lq.calibrate_leverage_mix(m, bars, interval="1h", n_bins=200)
    assert cal.target == "realized" and cal.n_bars == len(bars) - 24  # the default 1-day warm-up
    # the bars were made by the default's tabulated live-book density, which the calibration's
    # log-normal family can only approach: 0.986 with HYPERLIQUID_BOOK (0.99+ with the smoother
    # opening mixture)
    assert cal.r2 > 0.98
    # the events themselves: summed per bar over their span, the same fit
    direct = lq.calibrate_leverage_mix(m, liqs, interval="1h", n_bins=200)
    spanned = lq.to_bars(liqs, "1h")
    assert direct.n_bars == len(spanned.index.intersection(bars.index)) - 24
    # bars a recorder gap may have emptied are left out of the fit
    flagged = bars.assign(complete=True)
    flagged.iloc[30:40, flagged.columns.get_loc("complete")] = False
    assert (
        lq.calibrate_leverage_mix(m, flagged, interval="1h", n_bins=200).n_bars == cal.n_bars - 10
    )
    with pytest.raises(lq.InputError, match="no complete bar"):
        lq.calibrate_leverage_mix(m, bars.assign(complete=False), interval="1h", n_bins=200)
