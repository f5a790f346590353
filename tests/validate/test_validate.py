"""The accuracy yardstick (liqlib.validate): density, per-bar, zone and bootstrap metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liqlib import validate as V
from liqlib.errors import InputError, LiqlibDeprecationWarning
from liqlib.estimate.config import EngineParams
from liqlib.estimate.heatmap import Heatmap
from liqlib.sim.synthetic import make_synthetic_market
from liqlib.sim.truth import MarketTruth

T0 = pd.Timestamp("2025-01-01", tz="UTC")
EDGES = np.linspace(50.0, 150.0, 401)  # 0.25 USD bins: 0.25 % of a 100 USD price
PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text, f"error message spans lines: {text!r}"
    return text


def make_hm(times, long_usd, short_usd, price, edges=EDGES, grid="log") -> Heatmap:
    """A Heatmap built by hand (only the fields the metrics read are meaningful)."""
    idx = pd.DatetimeIndex(times)
    long_usd, short_usd = np.atleast_2d(long_usd), np.atleast_2d(short_usd)
    zeros = pd.Series(np.zeros(len(idx)), index=idx)
    return Heatmap(
        times=idx,
        price_edges=np.asarray(edges, dtype=float),
        long_usd=np.asarray(long_usd, dtype=float),
        short_usd=np.asarray(short_usd, dtype=float),
        overflow_long_usd=np.zeros(len(idx)),
        overflow_short_usd=np.zeros(len(idx)),
        price=np.asarray(price, dtype=float),
        predicted_long_usd=zeros,
        predicted_short_usd=zeros,
        flows=pd.DataFrame(index=idx),
        leverages=(10.0,),
        model="hand-made",
        params=EngineParams(n_bins=len(edges) - 1, grid=grid),
    )


def make_truth(times, long_usd, short_usd, price, edges=EDGES) -> MarketTruth:
    idx = pd.DatetimeIndex(times)
    long_usd, short_usd = np.atleast_2d(long_usd), np.atleast_2d(short_usd)
    return MarketTruth(
        times=idx,
        price=np.asarray(price, dtype=float),
        price_edges=np.asarray(edges, dtype=float),
        leverage_edges=np.array([1.0, 150.0]),
        long_usd=np.asarray(long_usd, dtype=float)[:, None, :],
        short_usd=np.asarray(short_usd, dtype=float)[:, None, :],
        liquidations=pd.DataFrame(
            {"long_usd": [0.0], "short_usd": [0.0]}, index=pd.DatetimeIndex([idx[0]], name="time")
        ),
        attrs={"synthetic": True},
    )


def bump(center_bin: int, width: int = 6, n: int = 400) -> np.ndarray:
    x = np.zeros(n)
    x[center_bin - width : center_bin + width] = np.hanning(2 * width + 2)[1:-1] * 1e6
    return x


def bars(long, short, start=T0, freq="1h") -> pd.DataFrame:
    idx = pd.date_range(start, periods=len(long), freq=freq, name="time")
    return pd.DataFrame(
        {"long_usd": np.asarray(long, float), "short_usd": np.asarray(short, float)}, index=idx
    )


# --------------------------------------------------------------------------------------------
# rebin_to_offsets
# --------------------------------------------------------------------------------------------


def test_rebin_on_an_aligned_grid_is_the_identity():
    usd = np.random.default_rng(1).uniform(0, 10, 400)
    out = V.rebin_to_offsets(usd, EDGES, 100.0)
    np.testing.assert_allclose(out, usd, rtol=1e-12, atol=1e-9)


def test_rebin_splits_by_fractional_overlap_and_drops_what_lies_outside():
    # bins [90,100) 10 USD and [100,110) 30 USD at price 100; offsets -10..-5, -5..0, 0..5
    out = V.rebin_to_offsets(np.array([10.0, 30.0]), np.array([90.0, 100.0, 110.0]), 100.0,
                             np.array([-10.0, -5.0, 0.0, 5.0]))  # fmt: skip
    np.testing.assert_allclose(out, [5.0, 5.0, 15.0])  # the other 15 USD lie above +5 %


def test_rebin_uses_one_price_per_row():
    usd = np.zeros((2, 400))
    usd[:, 180] = 1.0  # [95, 95.25)
    out = V.rebin_to_offsets(usd, EDGES, np.array([100.0, 95.0]))
    assert out[0].argmax() == 180  # -5 % of 100
    assert out[1].argmax() == 200  # 0 % of 95


@PROPS
@given(
    st.lists(st.floats(0, 1e6), min_size=10, max_size=60),
    st.floats(80.0, 120.0),
    st.integers(0, 300),
)
def test_rebin_conserves_usd_inside_the_offset_range(values, price, start):
    usd = np.zeros(400)
    usd[start : start + len(values)] = values
    # the offset range -60..+90 % of any price in 80..120 covers the whole 50..150 grid
    # (150 is +87.5 % of 80; -60..+60 % missed the top bins, found by hypothesis)
    out = V.rebin_to_offsets(usd, EDGES, price, np.linspace(-60, 90, 121))
    assert out.min() >= 0
    assert out.sum() == pytest.approx(usd.sum(), rel=1e-9, abs=1e-6)


@pytest.mark.parametrize(
    "usd, edges, price, match",
    [
        (np.ones(3), EDGES, 100.0, "shape"),
        (-np.ones(400), EDGES, 100.0, "negative"),
        (np.ones(400), EDGES[::-1], 100.0, "increasing"),
        (np.ones(400), EDGES, -1.0, "positive price"),
    ],
)
def test_rebin_refuses_bad_inputs(usd, edges, price, match):
    with pytest.raises(InputError, match=match) as exc:
        V.rebin_to_offsets(usd, edges, price)
    one_line(exc)


# --------------------------------------------------------------------------------------------
# density_scores
# --------------------------------------------------------------------------------------------


def _density(est_long, true_long, est_short=None, true_short=None):
    est_short = bump(220) if est_short is None else est_short
    true_short = bump(220) if true_short is None else true_short
    hm = make_hm([T0], est_long, est_short, [100.0])
    truth = make_truth([T0], true_long, true_short, [100.0])
    return V.density_scores(hm, truth).set_index("side")


def test_density_of_the_truth_itself_is_perfect():
    df = _density(bump(180), bump(180))
    assert df.loc["long", "cosine"] == pytest.approx(1.0)
    assert df.loc["long", "emd_pct"] == pytest.approx(0.0, abs=1e-12)
    assert df.loc["long", "skill"] == pytest.approx(1.0)
    assert df.loc["long", "est_usd"] == pytest.approx(df.loc["long", "true_usd"])


def test_disjoint_profiles_have_cosine_zero_and_emd_their_distance():
    df = _density(bump(100), bump(180))  # 80 bins = 20 % apart
    assert df.loc["long", "cosine"] == pytest.approx(0.0, abs=1e-12)
    assert df.loc["long", "emd_pct"] == pytest.approx(20.0)


@PROPS
@given(
    st.lists(st.floats(0.0, 1e6), min_size=1, max_size=40).filter(lambda v: sum(v) > 1e-3),
    st.integers(1, 60),
)
def test_emd_of_a_profile_shifted_by_d_pct_is_d(values, shift_bins):
    truth = np.zeros(400)
    truth[100 : 100 + len(values)] = values
    est = np.roll(truth, shift_bins)
    df = _density(est, truth)
    assert df.loc["long", "emd_pct"] == pytest.approx(0.25 * shift_bins, rel=1e-9)


def test_the_flat_profile_has_skill_zero_and_emd_flat_is_its_distance():
    flat = np.zeros(400)
    flat[120:200] = 1.0  # uniform over 80..100 USD = -20..0 % of 100
    df = _density(flat, bump(180))
    assert df.loc["long", "skill"] == pytest.approx(0.0, abs=1e-12)
    assert df.loc["long", "emd_pct"] == pytest.approx(df.loc["long", "emd_flat_pct"])
    # a point mass at x = -4.875 % (the centre of bin [95, 95.25)) against uniform -20..0 %:
    # E|U - x| = ((20 + x)^2 + x^2) / (2 * 20)
    point = np.zeros(400)
    point[180] = 1.0
    want = ((20 - 4.875) ** 2 + 4.875**2) / 40
    assert _density(point, point).loc["long", "emd_flat_pct"] == pytest.approx(want, abs=0.01)


def test_rows_with_no_usd_on_either_side_are_nan_and_counted():
    hm = make_hm([T0], bump(180), np.zeros(400), [100.0])
    truth = make_truth([T0], bump(180), bump(220), [100.0])
    df = V.density_scores(hm, truth)
    short = df[df["side"] == "short"].iloc[0]
    assert np.isnan(short["cosine"]) and np.isnan(short["emd_pct"]) and np.isnan(short["skill"])
    assert short["emd_flat_pct"] > 0  # the truth is not empty
    assert df.attrs["empty_rows"] == {"long": 0, "short": 1}
    summary = V.summarize_density(df)
    assert summary.loc["short", "n_empty"] == 1 and summary.loc["all", "n_scored"] == 1


def test_each_snapshot_uses_the_last_column_at_or_before_it():
    times = [T0, T0 + pd.Timedelta("1h")]
    hm = make_hm(times, [bump(180), bump(100)], [bump(220)] * 2, [100.0, 100.0])
    snaps = [T0 - pd.Timedelta("1h"), T0, T0 + pd.Timedelta("30min"), T0 + pd.Timedelta("1h")]
    truth = make_truth(snaps, [bump(180)] * 4, [bump(220)] * 4, [100.0] * 4)
    df = V.density_scores(hm, truth)
    long = df[df["side"] == "long"].set_index("time")
    assert list(long.index) == snaps[1:]  # the snapshot before the heatmap is skipped
    assert df.attrs["skipped_snapshots"] == 1
    np.testing.assert_allclose(long["cosine"], [1.0, 1.0, 0.0], atol=1e-12)
    assert list(df["side"]) == ["long", "short"] * 3


def test_an_estimated_heatmap_scored_against_itself_is_perfect():
    market = make_synthetic_market(600, interval="5min", seed=2)
    import liqlib as lq

    hm = lq.estimate_heatmap(market, n_bins=300, max_columns=20)
    truth = make_truth(hm.times, hm.long_usd, hm.short_usd, hm.price, edges=hm.price_edges)
    df = V.density_scores(hm, truth)
    scored = df.dropna()
    assert len(scored) > 0
    np.testing.assert_allclose(scored["skill"], 1.0)
    assert V.summarize_density(df).loc["all", "skill_pooled"] == pytest.approx(1.0)


def test_density_refuses_truth_outside_the_heatmap_and_bad_parameters():
    hm = make_hm([T0], bump(180), bump(220), [100.0])
    early = make_truth([T0 - pd.Timedelta("1D")], bump(180), bump(220), [100.0])
    with pytest.raises(InputError, match="do not overlap in time") as exc:
        V.density_scores(hm, early)
    one_line(exc)
    truth = make_truth([T0], bump(180), bump(220), [100.0])
    with pytest.raises(InputError, match="flat_width") as exc:
        V.density_scores(hm, truth, flat_width=0.6)
    one_line(exc)
    with pytest.raises(InputError, match="MarketTruth"):
        V.density_scores(hm, "truth")
    with pytest.raises(InputError, match="side 'both' is unknown") as exc:
        V.density_scores(hm, truth, sides="both")
    one_line(exc)
    assert list(V.density_scores(hm, truth, sides="short")["side"]) == ["short"]
    with pytest.raises(InputError, match="side"):
        truth.side_usd("both")


# --------------------------------------------------------------------------------------------
# per-bar scores
# --------------------------------------------------------------------------------------------


@PROPS
@given(st.lists(st.integers(0, 10**9), min_size=5, max_size=80, unique=True), st.floats(0.2, 3.0))
def test_spearman_of_a_monotone_transform_is_one(values, power):
    values = [float(v) for v in values]
    real = bars(values, values[::-1])
    pred = bars(np.asarray(values) ** power + 7.0, np.log1p(np.asarray(values[::-1])))
    scores = V.per_bar_scores(pred, real)
    assert scores.loc["long", "spearman"] == pytest.approx(1.0)
    assert scores.loc["short", "spearman"] == pytest.approx(1.0)
    reversed_ = V.per_bar_scores(bars(-np.asarray(values) + 2e9, values), real)
    assert reversed_.loc["long", "spearman"] == pytest.approx(-1.0)


@PROPS
@given(
    st.lists(st.integers(0, 5), min_size=6, max_size=60),
    st.lists(st.integers(0, 5), min_size=6, max_size=60),
)
def test_spearman_with_ties_matches_pandas(a, b):
    n = min(len(a), len(b))
    a, b = np.asarray(a[:n], float), np.asarray(b[:n], float)
    got = V.per_bar_scores(bars(a, b), bars(b, a)).loc["long", "spearman"]
    want = pd.DataFrame({"a": a, "b": b}).corr(method="spearman").iloc[0, 1]
    if np.isnan(want):
        assert np.isnan(got)
    else:
        assert got == pytest.approx(want, abs=1e-12)


def test_r2_is_the_squared_pearson_correlation():
    rng = np.random.default_rng(3)
    real = bars(rng.gamma(1.0, 1e6, 50), rng.gamma(1.0, 1e6, 50))
    pred = bars(real["long_usd"] * 0.1 + 5e4, rng.gamma(1.0, 1e6, 50))
    s = V.per_bar_scores(pred, real)
    assert s.loc["long", "r2_pearson"] == pytest.approx(1.0)
    r = np.corrcoef(pred["short_usd"], real["short_usd"])[0, 1]
    assert s.loc["short", "r2_pearson"] == pytest.approx(r**2)


def test_top_decile_hit_rate_counts_shared_top_bars_and_ties_fractionally():
    real = np.arange(20.0)  # top decile: bars 18, 19
    pred = np.zeros(20)
    pred[[19, 5]] = [1.0, 2.0]  # predicted top two: 5 and 19 -> one of two hits
    s = V.per_bar_scores(bars(pred, real), bars(real, real))
    assert s.loc["long", "top_decile_hit"] == pytest.approx(0.5)
    assert s.loc["short", "top_decile_hit"] == pytest.approx(1.0)
    constant = V.per_bar_scores(bars(np.ones(20), np.ones(20)), bars(real, real))
    assert constant.loc["total", "top_decile_hit"] == pytest.approx(2 / 20)  # random: k / n


def test_zero_shares_and_total_ratio():
    pred = bars([0.0, 0.0, 4.0, 6.0], [1.0, 0.0, 0.0, 1.0])
    real = bars([0.0, 5.0, 5.0, 10.0], [0.0, 0.0, 0.0, 2.0])
    s = V.per_bar_scores(pred, real)
    assert s.loc["long", "pred_zero_share"] == 0.5
    assert s.loc["long", "real_zero_share"] == 0.25
    assert s.loc["short", "real_zero_share"] == 0.75
    assert s.loc["total", "pred_zero_share"] == 0.25
    assert s.loc["long", "pred_real_ratio"] == pytest.approx(0.5)
    assert s.loc["total", "pred_real_ratio"] == pytest.approx(12.0 / 22.0)
    assert (s["n_bars"] == 4).all()


def test_per_bar_scores_refuses_bad_frames():
    real = bars(np.arange(5.0), np.arange(5.0))
    shifted = bars(np.arange(5.0), np.arange(5.0), start=T0 + pd.Timedelta("30min"))
    with pytest.raises(InputError, match=r"not on the same bars.*resample") as exc:
        V.per_bar_scores(shifted, real)
    one_line(exc)
    nan = real.copy()
    nan.iloc[2, 0] = np.nan
    with pytest.raises(InputError, match="realized has NaN") as exc:
        V.per_bar_scores(real, nan)
    one_line(exc)
    with pytest.raises(InputError, match="no bars"):
        V.per_bar_scores(real.iloc[:0], real.iloc[:0])
    with pytest.raises(InputError, match="lacks column 'short_usd'"):
        V.per_bar_scores(real[["long_usd"]], real)
    with pytest.raises(InputError, match="negative"):
        V.per_bar_scores(-real, real)
    naive = real.tz_localize(None)
    with pytest.raises(InputError, match="UTC"):
        V.per_bar_scores(naive, naive)


def test_to_bars_sums_candles_into_left_labelled_bars():
    idx = pd.date_range(T0, periods=7, freq="5min")
    s = pd.Series(np.arange(7.0), index=idx)
    out = V.to_bars(s, "15min")
    assert list(out.index) == [T0, T0 + pd.Timedelta("15min"), T0 + pd.Timedelta("30min")]
    assert out.tolist() == [3.0, 12.0, 6.0]
    assert out.attrs["bar"] == "15min" and out.index.name == "time"
    with pytest.raises(InputError, match="interval=.fortnight. is not a bar length") as exc:
        V.to_bars(s, "fortnight")
    one_line(exc)


def test_heatmap_predicted_is_a_bar_frame_of_the_swept_usd():
    import liqlib as lq

    hm = lq.estimate_heatmap(make_synthetic_market(300, seed=1), n_bins=100)
    pred = V.heatmap_predicted(hm)
    assert list(pred.columns) == ["long_usd", "short_usd"]
    np.testing.assert_array_equal(pred["long_usd"], hm.predicted_long_usd)
    np.testing.assert_array_equal(pred["short_usd"], hm.predicted_short_usd)
    assert V.to_bars(pred, "1h")["long_usd"].sum() == pytest.approx(pred["long_usd"].sum())


# --------------------------------------------------------------------------------------------
# naive baselines
# --------------------------------------------------------------------------------------------


def hand_market(oi_col="oi_usd") -> pd.DataFrame:
    idx = pd.date_range(T0, periods=3, freq="1h", name="time")
    m = pd.DataFrame(
        {
            "open": [100.0, 100.0, 90.0],
            "high": [110.0, 101.0, 99.0],
            "low": [95.0, 90.0, 90.0],
            "close": [100.0, 90.0, 99.0],
        },
        index=idx,
    )
    oi_usd = np.array([1000.0, 800.0, 900.0])
    if oi_col == "oi_usd":
        m["oi_usd"] = oi_usd
    else:
        m["oi_coin"] = oi_usd / m["close"].to_numpy()
    return m


@pytest.mark.parametrize("oi_col", ["oi_usd", "oi_coin"])
def test_baselines_on_a_hand_made_market(oi_col):
    b = V.naive_baselines(hand_market(oi_col))
    assert set(b) == set(V.BASELINES)
    # OI at each bar's start: 1000 (first bar: its own), 1000, 800
    rng = b["range x OI"]
    np.testing.assert_allclose(rng["long_usd"], [0.05 * 1000, 0.10 * 1000, 0.0])
    np.testing.assert_allclose(rng["short_usd"], [0.10 * 1000, 0.01 * 1000, 0.10 * 800])
    ret = b["|return| x OI"]
    np.testing.assert_allclose(ret["long_usd"], [0.0, 0.10 * 1000, 0.0])
    np.testing.assert_allclose(ret["short_usd"], [0.0, 0.0, 0.10 * 800])
    fall = b["OI fall"]
    np.testing.assert_allclose(fall["long_usd"], [0.0, 100.0, 0.0])
    np.testing.assert_allclose(fall["short_usd"], [0.0, 100.0, 0.0])


def test_baselines_per_bar_use_the_bars_own_ohlc():
    m = hand_market()
    b = V.naive_baselines(m, interval="2h")
    # bar 1 = candles 0 and 1: open 100, high 110, low 90, close 90; OI 1000 -> 800
    # bar 2 = candle 2 (the 2h grid starts at midnight)
    rng = b["range x OI"]
    assert list(rng.index) == [T0, T0 + pd.Timedelta("2h")]
    np.testing.assert_allclose(rng["long_usd"], [0.10 * 1000, 0.0])
    np.testing.assert_allclose(rng["short_usd"], [0.10 * 1000, 0.10 * 800])
    np.testing.assert_allclose(b["OI fall"]["long_usd"], [100.0, 0.0])
    np.testing.assert_allclose(b["|return| x OI"]["long_usd"], [0.10 * 1000, 0.0])


def test_baselines_predict_zero_for_bars_without_candles_and_need_open_interest():
    m = hand_market().drop(index=T0 + pd.Timedelta("1h"))
    b = V.naive_baselines(m, interval="1h")
    assert len(b["range x OI"]) == 3 and b["range x OI"].iloc[1].sum() == 0.0
    with pytest.raises(InputError, match="no 'oi_usd' or 'oi_coin'") as exc:
        V.naive_baselines(m.drop(columns="oi_usd"))
    one_line(exc)
    with pytest.raises(InputError, match="interval=.soon. is not a bar length"):
        V.naive_baselines(m, interval="soon")


# --------------------------------------------------------------------------------------------
# zones
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "k, n, lo, hi",
    [
        (8, 10, 0.4902, 0.9433),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (50, 100, 0.4038, 0.5962),
    ],
)
def test_wilson_interval_known_values(k, n, lo, hi):
    got = V.wilson_interval(k, n)
    assert got[0] == pytest.approx(lo, abs=1e-4) and got[1] == pytest.approx(hi, abs=1e-4)


def test_wilson_interval_is_vectorised_nan_for_no_trials_and_checks_counts():
    lo, hi = V.wilson_interval(np.array([8, 0]), np.array([10, 0]))
    assert lo[0] == pytest.approx(0.4902, abs=1e-4) and np.isnan(lo[1]) and np.isnan(hi[1])
    with pytest.raises(InputError, match="0 <= k <= n") as exc:
        V.wilson_interval(11, 10)
    one_line(exc)


@PROPS
@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_interval_contains_the_proportion(k, n):
    k = min(k, n)
    lo, hi = V.wilson_interval(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


ZONE_EDGES = np.arange(80.0, 121.0, 1.0)  # 40 bins of 1 USD


def zone_case(low_after: float, realized_long: float, usd_bin: int = 15):
    """Price 100; all long USD in one bin; then 12 five-minute candles."""
    long_usd = np.zeros(40)
    long_usd[usd_bin] = 1e6  # bin [95, 96)
    short_usd = np.zeros(40)
    short_usd[22] = 1e6  # bin [102, 103)
    hm = make_hm([T0], long_usd, short_usd, [100.0], edges=ZONE_EDGES, grid="linear")
    idx = pd.date_range(T0, periods=13, freq="5min", name="time")
    market = pd.DataFrame({"open": 100.0, "high": 100.5, "low": 99.5, "close": 100.0}, index=idx)
    market.loc[idx[6], "low"] = low_after
    # realized per 30 minutes: bars at T0 (holds candles 0-5) and T0+30min (candles 6-11)
    realized = bars([1e5, realized_long, 3e5, 2e5, 2e5], [0.0] * 5, freq="30min")
    return hm, market, realized


def test_a_zone_reached_in_a_significant_bar_is_a_hit():
    hm, market, realized = zone_case(low_after=95.5, realized_long=2e5)
    z = V.zone_hits(hm, market, realized, top_pct=5.0, horizon="1h", band=0.10)
    long = z[z["side"] == "long"]
    assert len(long) == 1  # 5 % of 10 eligible bins (centres 90.5..99.5) -> 1 zone
    assert long["zone_lo"].item() == 95.0 and long["hit"].item()
    # reach-matched twin: any eligible bin of the band; 5 of 10 reach down to 95.5
    assert long["random_expected"].item() == pytest.approx(0.5)
    s = V.zone_scores(hm, market, realized, top_pct=5.0, horizon="1h", band=0.10)
    assert s.loc["long", "hits"] == 1 and s.loc["long", "precision"] == 1.0
    assert s.loc["long", "precision_lo"] == pytest.approx(V.wilson_interval(1, 1)[0])
    assert s.loc["short", "zones"] == 1 and s.loc["short", "hits"] == 0  # no short liquidations
    only_long = V.zone_scores(hm, market, realized, horizon="1h", sides="long")
    assert list(only_long.index) == ["long", "all"]


def test_a_zone_needs_the_price_and_a_significant_realized_bar():
    # the median of the positive long bars is 2e5: a bar of 1.5e5 is not significant
    hm, market, realized = zone_case(low_after=95.5, realized_long=1.5e5)
    z = V.zone_hits(hm, market, realized, horizon="1h")
    assert not z[z["side"] == "long"]["hit"].item()
    # price stops short of the zone
    hm, market, realized = zone_case(low_after=96.5, realized_long=2e5)
    z = V.zone_hits(hm, market, realized, horizon="1h")
    assert not z[z["side"] == "long"]["hit"].item()
    assert z.attrs["threshold_usd"]["long"] == pytest.approx(2e5)


def test_zone_twins_come_from_the_same_distance_band_and_are_seeded():
    market = make_synthetic_market(2_000, interval="5min", seed=4)
    import liqlib as lq

    # 600 bins: the default margin mixture reaches 1.1x, so its grid is wide (0.54 % bins
    # here; at 300 bins each 1 % band holds one bin and a twin can only be its zone)
    hm = lq.estimate_heatmap(market, n_bins=600, max_columns=60)
    realized = V.to_bars(V.naive_baselines(market)["range x OI"], "30min")
    a = V.zone_hits(hm, market, realized, band=0.01, seed=7)
    b = V.zone_hits(hm, market, realized, band=0.01, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) > 0
    centre = np.sqrt(a["random_lo"] * a["random_hi"])  # a log grid: geometric bin centres
    twin_band = np.floor(np.abs(centre / a["price"] - 1) / 0.01 + 1e-9)
    zone_band = np.floor(np.abs(a["distance_pct"]) / 100 / 0.01 + 1e-9)
    assert (twin_band == zone_band).all()
    assert (a["random_lo"] != a["zone_lo"]).any()  # twins are not just the zones again
    s = V.zone_scores(hm, market, realized, seed=7)
    assert s.loc["all", "zones"] == len(a)
    assert (
        s.loc["all", "random_lo"] <= s.loc["all", "random_precision"] <= s.loc["all", "random_hi"]
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"top_pct": 0}, "top_pct"),
        ({"top_pct": -5}, "top_pct"),
        ({"horizon": 4}, "not a time string"),
        ({"horizon": "soon"}, "not a time span"),
        ({"max_distance": 1.5}, "max_distance"),
        ({"sides": ("long", "up")}, "side 'up' is unknown"),
    ],
)
def test_zone_scores_refuses_bad_parameters(kwargs, match):
    hm, market, realized = zone_case(low_after=95.5, realized_long=2e5)
    with pytest.raises(InputError, match=match) as exc:
        V.zone_scores(hm, market, realized, **kwargs)
    one_line(exc)


def test_zone_scores_refuses_realized_data_that_misses_the_heatmap():
    hm, market, realized = zone_case(low_after=95.5, realized_long=2e5)
    late = realized.set_axis(realized.index + pd.Timedelta("30D"))
    with pytest.raises(InputError, match="no heatmap column") as exc:
        V.zone_scores(hm, market, late, horizon="1h")
    one_line(exc)
    nan = realized.copy()
    nan.iloc[0, 0] = np.nan
    with pytest.raises(InputError, match="NaN"):
        V.zone_scores(hm, market, nan, horizon="1h")


# --------------------------------------------------------------------------------------------
# bootstrap and scorecard
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bar_data() -> dict[str, pd.DataFrame]:
    """Ten days of hourly bars with many zeros (ties), a decent model and a poor one."""
    rng = np.random.default_rng(11)
    n = 240
    real = bars(rng.gamma(0.5, 1e6, n) * (rng.random(n) < 0.6), rng.gamma(0.5, 1e6, n))
    noise = rng.lognormal(0, 1, (n, 2))
    good = real * noise * 0.3
    poor = bars(rng.gamma(0.5, 1e6, n), rng.gamma(0.5, 1e6, n) * (rng.random(n) < 0.5))
    return {"real": real, "good": good, "poor": poor}


def test_block_bootstrap_is_deterministic_by_seed(bar_data):
    def fn(p, r):
        return V.per_bar_scores(p, r)["spearman"]

    a = V.block_bootstrap_ci(fn, bar_data["good"], bar_data["real"], n_boot=40, seed=5)
    b = V.block_bootstrap_ci(fn, bar_data["good"], bar_data["real"], n_boot=40, seed=5)
    c = V.block_bootstrap_ci(fn, bar_data["good"], bar_data["real"], n_boot=40, seed=6)
    pd.testing.assert_frame_equal(a, b)
    assert not a["ci_low"].equals(c["ci_low"])
    assert a.attrs["n_blocks"] == 10
    assert ((a["ci_low"] <= a["estimate"]) & (a["estimate"] <= a["ci_high"])).all()


def test_the_fast_paired_bootstrap_equals_recomputing_on_resampled_bars(bar_data):
    """Weighted ranks and top-decile shares equal those of the duplicated-row resample."""
    good, poor, real = bar_data["good"], bar_data["poor"], bar_data["real"]

    def all_metrics(p, b, r):
        sp, sb = V.per_bar_scores(p, r), V.per_bar_scores(b, r)
        out = {}
        for metric in V.METRICS:
            name, scope = metric.rsplit("_", 1)
            out[metric] = sp.loc[scope, name] - sb.loc[scope, name]
        return out

    slow = V.block_bootstrap_ci(all_metrics, good, poor, real, n_boot=25, seed=9)
    for metric in V.METRICS:
        fast = V.paired_ci(good, poor, real, metric, n_boot=25, seed=9)
        assert fast["estimate"] == pytest.approx(slow.loc[metric, "estimate"], abs=1e-12)
        assert fast["ci_low"] == pytest.approx(slow.loc[metric, "ci_low"], abs=1e-10), metric
        assert fast["ci_high"] == pytest.approx(slow.loc[metric, "ci_high"], abs=1e-10), metric


def test_paired_ci_of_a_model_against_itself_is_zero(bar_data):
    ci = V.paired_ci(bar_data["good"], bar_data["good"], bar_data["real"], n_boot=50)
    assert (ci["estimate"], ci["ci_low"], ci["ci_high"]) == (0.0, 0.0, 0.0)
    assert ci["model"] == ci["baseline"] and ci["n_valid"] == 50


def test_scorecard_puts_models_and_baselines_side_by_side(bar_data):
    preds = {"good": bar_data["good"], "poor": bar_data["poor"], "same": bar_data["poor"]}
    card = V.scorecard(preds, bar_data["real"], baseline="poor", n_boot=60, seed=2)
    again = V.scorecard(preds, bar_data["real"], baseline="poor", n_boot=60, seed=2)
    pd.testing.assert_frame_equal(card, again)
    assert list(card.index) == ["good", "poor", "same"]
    assert card.loc["poor", "is_baseline"] and not card.loc["good", "is_baseline"]
    assert np.isnan(card.loc["poor", "d_spearman_total"])
    assert card.loc["same", ["d_spearman_total_lo", "d_spearman_total_hi"]].tolist() == [0, 0]
    assert card.loc["good", "d_spearman_total_lo"] > 0  # the good model clearly wins
    per_bar = V.per_bar_scores(bar_data["good"], bar_data["real"])
    assert card.loc["good", "spearman_total"] == pytest.approx(per_bar.loc["total", "spearman"])
    assert card.loc["good", "r2_pearson_total"] == pytest.approx(per_bar.loc["total", "r2_pearson"])
    for scope in V.SCOPES:
        lo, mid, hi = (card[f"spearman_{scope}{s}"] for s in ("_lo", "", "_hi"))
        assert ((lo <= mid) & (mid <= hi)).all()


def test_scorecard_and_paired_ci_refuse_bad_inputs(bar_data):
    real, good = bar_data["real"], bar_data["good"]
    with pytest.raises(InputError, match="baseline 'range x OI' is not among") as exc:
        V.scorecard({"good": good}, real)
    one_line(exc)
    with pytest.raises(InputError, match="not on the same bars"):
        V.scorecard({"good": good.iloc[1:]}, real, baseline=None)
    with pytest.raises(InputError, match="metric 'spearman_both' is unknown") as exc:
        V.paired_ci(good, good, real, "spearman_both")
    one_line(exc)
    with pytest.raises(InputError, match="n_boot"):
        V.paired_ci(good, good, real, n_boot=0)
    with pytest.raises(InputError, match="level"):
        V.paired_ci(good, good, real, level=95)
    with pytest.raises(InputError, match="block"):
        V.paired_ci(good, good, real, block="daily")
    with pytest.raises(InputError, match="sorted"):
        V.paired_ci(good[::-1], good[::-1], real[::-1])
    with pytest.raises(InputError, match="at least one frame"):
        V.block_bootstrap_ci(lambda: 0.0)


def test_a_single_day_block_is_refused_not_a_zero_width_interval():
    idx = pd.date_range("2025-01-01", periods=24, freq="1h", tz="UTC")
    frame = pd.DataFrame({"long_usd": np.arange(24.0), "short_usd": 1.0}, index=idx)
    with pytest.raises(InputError, match="1 block of 1D.*at least 2") as exc:
        V.block_bootstrap_ci(lambda f: float(f["long_usd"].sum()), frame, n_boot=20)
    assert "\n" not in str(exc.value)


def test_a_bar_with_high_below_low_is_refused_by_the_baselines():
    m = make_synthetic_market(100, seed=1)
    m.iloc[5, m.columns.get_loc("high")] = m["low"].iloc[5] * 0.9
    with pytest.raises(InputError, match="high < low") as exc:
        V.naive_baselines(m)
    assert "\n" not in str(exc.value)


def test_to_bars_and_baselines_read_the_old_bar_with_a_warning():
    m = hand_market()
    s = pd.Series(np.arange(7.0), index=pd.date_range(T0, periods=7, freq="5min"))
    with pytest.warns(LiqlibDeprecationWarning, match="to_bars.*interval=") as rec:
        old = V.to_bars(s, bar="15min")
    assert rec[0].filename == __file__
    pd.testing.assert_series_equal(old, V.to_bars(s, interval="15m"))
    with pytest.warns(LiqlibDeprecationWarning, match="naive_baselines.*interval="):
        old_b = V.naive_baselines(m, bar="2h")
    new_b = V.naive_baselines(m, interval="2H")
    for name in V.BASELINES:
        pd.testing.assert_frame_equal(old_b[name], new_b[name])
    with pytest.raises(InputError, match="both interval") as exc:
        V.naive_baselines(m, "1h", bar="1h")
    one_line(exc)
    with pytest.raises(InputError, match="both interval"):
        V.to_bars(s, "1h", bar="1h")
    with pytest.raises(InputError, match="to_bars needs interval="):
        V.to_bars(s)
