"""lq.score_recording and lq.recording_market on a SIMULATED recording: the demo's own
liquidations written in the recorder's format (``lq.write_liquidations``) and read back."""

from __future__ import annotations

import pandas as pd
import pytest

import liqlib as lq
from liqlib.sim.demo import demo_liquidations
from liqlib.validate.recorded import LOWER_BOUND

KW = dict(models=("turnover",), n_boot=40, n_bins=300, max_columns=120)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """Three demo days recorded (SIMULATED), their 1-hour bars, and the 5-minute market with
    two days of warm-up before them."""
    root = tmp_path_factory.mktemp("recording")
    liqs = demo_liquidations("2025-03-11", "2025-03-14")
    lq.write_liquidations(root, liqs, synthetic=True)
    read = lq.load_liquidations(root)
    bars = lq.to_bars(read, "1h", gaps=lq.load_gaps(root), coverage=None)
    market = lq.recording_market(
        "demo", "SIM-BTCUSDT", "2025-03-09", "2025-03-14", interval="5m", synthetic=True
    )
    return liqs, bars, market


def test_the_scores_are_the_yardsticks_own_functions_on_the_complete_bars(recorded):
    liqs, bars, market = recorded
    assert bars.attrs["synthetic"] and bars["complete"].all()  # no gap stored
    flagged = bars.copy()
    flagged.iloc[10:22, flagged.columns.get_loc("complete")] = False  # a 12-hour gap
    s = lq.score_recording(market, flagged, **KW)
    assert len(s.scored) == len(bars) - 12 and len(s.incomplete) == 12
    assert not s.scored.isin(bars.index[10:22]).any()
    kept = bars.drop(index=bars.index[10:22])[["long_usd", "short_usd"]].sum(axis=1)
    assert s.realized_usd == pytest.approx(kept.sum(), rel=1e-12)
    assert s.realized_usd < liqs["usd"].sum()
    # the level: the model's own predictions over the recorded USD, with the shared bootstrap
    pred = lq.evaluate.model_predictions(market, ("turnover",), interval="1h", n_bins=300,
                                         max_columns=120)["turnover"]  # fmt: skip
    direct = lq.level_ratio(pred.sum(axis=1).reindex(kept.index, fill_value=0.0), kept, n_boot=40)
    got = s.level.loc["turnover"]
    assert got["ratio"] == pytest.approx(direct["ratio"], rel=1e-9)
    assert (
        got["lo"] == pytest.approx(direct["lo"], rel=1e-9)
        and got["lo"] <= got["ratio"] <= got["hi"]
    )
    # ranking beside the baseline, paired; the calibration scored only after its split
    assert {"turnover", "range x OI", "OI fall"} <= set(s.per_bar.index)
    assert pd.notna(s.per_bar.loc["turnover", "d_spearman_total_lo"])
    assert s.calibration.target == "realized" and s.split > s.scored[0]
    assert "turnover (calibrated)" in s.held_out.index
    assert s.held_out_level.loc["turnover (calibrated)", "bars"] == (s.scored >= s.split).sum()
    text = "\n".join(s.summary(label="SIMULATED recording"))
    assert "12 incomplete left out" in text and "SIMULATED events" in text and LOWER_BOUND in text
    assert "held-out second half: turnover (calibrated) Spearman" in text


def test_a_lower_bound_recording_scales_the_level_and_nothing_else(recorded):
    """Recording half of every liquidation doubles predicted / realized and leaves the ranking."""
    _, bars, market = recorded
    full = lq.score_recording(market, bars, **KW)
    half = bars.copy()
    half[["long_usd", "short_usd"]] *= 0.5
    halved = lq.score_recording(market, half, **KW)
    for col in ("ratio", "lo", "hi"):
        assert halved.level.loc["turnover", col] == pytest.approx(
            2 * full.level.loc["turnover", col], rel=1e-9
        )
    assert halved.per_bar.loc["turnover", "spearman_total"] == pytest.approx(
        full.per_bar.loc["turnover", "spearman_total"], abs=1e-12
    )


def test_score_from_and_the_market_span_bound_the_scored_bars(recorded):
    _, bars, market = recorded
    s = lq.score_recording(market, bars, score_from="2025-03-11 12:00", **KW)
    assert s.scored[0] == pd.Timestamp("2025-03-11 12:00", tz="UTC") and len(s.scored) == 60
    short = market[market.index < "2025-03-11 05:00"]  # 5 bars of the recording inside it
    with pytest.raises(lq.InputError, match="5 complete 1h bars"):
        lq.score_recording(short, bars, **KW)
    with pytest.raises(lq.InputError, match="2 UTC days"):
        lq.score_recording(market, bars, score_from="2025-03-12", **KW)
    bare = bars.copy()
    bare.attrs = {}
    with pytest.raises(lq.InputError, match="attrs"):
        lq.score_recording(market, bare, **KW)


def test_recording_market_loads_the_demo_for_simulated_and_names_what_it_cannot():
    m = lq.recording_market("demo", "SIM-BTCUSDT", "2025-03-10", "2025-03-11", synthetic=True)
    assert (
        m.attrs["synthetic"]
        and len(m) == 1440
        and m.index[0] == pd.Timestamp("2025-03-10", tz="UTC")
    )
    with pytest.raises(lq.InputError, match="demo market"):
        lq.recording_market("demo", "SIM-BTCUSDT", "2030-01-01", "2030-01-02", synthetic=True)
    with pytest.raises(lq.InputError, match="venue='binance'"):
        lq.recording_market("okx", "BTCUSDT", "2026-01-01", "2026-01-02")
    with pytest.raises(lq.InputError, match="swap"):
        lq.recording_market("binance", "BTCUSDT", "2026-01-02", "2026-01-01")
