"""Hot-zone precision: hits of a map's top price zones, a Wilson interval and a reach-matched
random baseline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from liqlib.data.columns import HIGH, LOW, TIME
from liqlib.data.realized import SIDES, _alias, _bar_frame, _fail, _ns, _sorted_index, _timedelta
from liqlib.errors import InputError
from liqlib.estimate.heatmap import Heatmap
from liqlib.validate._checks import _check_sides
from liqlib.validate.baselines import _market_frame, _prices
from liqlib.validate.bootstrap import block_bootstrap_ci


def wilson_interval(k, n, z: float = 1.96) -> tuple:
    """Wilson score interval of a binomial proportion ``k / n``.

    ``centre = (p + z^2 / 2n) / (1 + z^2 / n)``, ``half = z sqrt(p (1 - p) / n + z^2 / 4n^2)
    / (1 + z^2 / n)``, with ``p = k / n``; the interval is ``centre -+ half``. Unlike the
    normal approximation it stays inside [0, 1] and is honest for small n and p near 0 or 1.

    Parameters
    ----------
    k, n : int or array of int
        Successes and trials, ``0 <= k <= n``. ``n = 0`` gives NaN.
    z : float
        Standard-normal quantile: 1.96 for 95 %.

    Returns
    -------
    (low, high) : tuple of float or numpy.ndarray

    Examples
    --------
    >>> lo, hi = wilson_interval(8, 10)
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.49, 0.943)
    """
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    if not isinstance(z, int | float) or not z > 0:
        _fail(f"z={z!r} must be a positive number: use 1.96 for a 95 % interval")
    if np.any(~np.isfinite(k_arr)) or np.any(~np.isfinite(n_arr)):
        _fail("k and n must be finite counts: e.g. wilson_interval(8, 10)")
    if np.any(k_arr < 0) or np.any(k_arr > n_arr):
        _fail("k must satisfy 0 <= k <= n: pass hits and trials, e.g. wilson_interval(8, 10)")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k_arr / n_arr
        z2 = z * z
        den = 1.0 + z2 / n_arr
        centre = (p + z2 / (2.0 * n_arr)) / den
        half = z * np.sqrt(p * (1.0 - p) / n_arr + z2 / (4.0 * n_arr**2)) / den
        lo = np.where(k_arr == 0, 0.0, np.clip(centre - half, 0.0, 1.0))  # exact at the ends
        hi = np.where(k_arr == n_arr, 1.0, np.clip(centre + half, 0.0, 1.0))
        lo = np.where(n_arr > 0, lo, np.nan)
        hi = np.where(n_arr > 0, hi, np.nan)
    if lo.ndim == 0:
        return float(lo), float(hi)
    return lo, hi


def _step_of(index: pd.DatetimeIndex, attrs: Mapping, name: str) -> pd.Timedelta:
    bar = attrs.get("bar")
    if isinstance(bar, str | pd.Timedelta):
        try:
            return _timedelta(bar, f"{name}.attrs['bar']")
        except InputError:
            pass
    if len(index) < 2:
        _fail(f"{name} has one row, so its bar length is unknown: set {name}.attrs['bar'] = '1h'")
    return pd.Timedelta(int(np.median(np.diff(_ns(index)))), "ns")


def zone_hits(
    hm: Heatmap,
    market: pd.DataFrame,
    realized: pd.DataFrame,
    *,
    top_pct: float = 5.0,
    horizon: str = "4h",
    max_distance: float = 0.10,
    band: float = 0.01,
    seed: int = 0,
    sides: str | Sequence[str] = SIDES,
) -> pd.DataFrame:
    """Every predicted zone of :func:`zone_scores`, with its outcome and its random twin.

    Parameters and definitions: see :func:`zone_scores`.

    Returns
    -------
    pandas.DataFrame
        One row per zone: ``time`` (heatmap column, UTC), ``side``, ``price`` (USD/coin),
        ``zone_lo``, ``zone_hi`` (bin edges, USD/coin), ``distance_pct`` (bin centre, % from
        price), ``est_usd``, ``hit`` (bool), ``random_lo``, ``random_hi``, ``random_hit`` and
        ``random_expected`` (share of hits among all eligible bins of the zone's band).
        ``attrs``: ``n_columns`` (scored columns), ``skipped_columns``, ``threshold_usd``
        (per side), and the parameters.
    """
    if not isinstance(hm, Heatmap):
        _fail(f"hm must be a Heatmap (lq.estimate_heatmap), not {type(hm).__name__}")
    sides = _check_sides(sides)
    if isinstance(top_pct, bool) or not isinstance(top_pct, int | float) or not 0 < top_pct <= 100:
        _fail(f"top_pct={top_pct!r} must be a percentage in (0, 100]: use e.g. 5")
    h_td = _timedelta(horizon, "horizon", "'4h' or '30min'")
    if not isinstance(max_distance, int | float) or not 0 < max_distance < 1:
        _fail(f"max_distance={max_distance!r} must be a fraction in (0, 1): use e.g. 0.10 (10 %)")
    if not isinstance(band, int | float) or not 0 < band <= max_distance:
        _fail(f"band={band!r} must be a fraction in (0, max_distance]: use e.g. 0.01 (1 %)")
    market = _market_frame(market)
    px = _prices(market, (LOW, HIGH))
    real = _bar_frame(realized, "realized")
    _sorted_index(realized.index, "realized")
    if len(market) < 2:
        _fail("market has one candle: zones need the candles after each heatmap column")
    candle = _step_of(market.index, market.attrs, "market")
    bar_len = _step_of(realized.index, realized.attrs, "realized")

    # which candles fall in a "significant" realized bar, per side
    starts = _ns(realized.index)
    cand = _ns(market.index)
    lo_i = np.searchsorted(starts, cand - bar_len.value, side="right")
    hi_i = np.searchsorted(starts, cand + candle.value, side="left")
    sig_candle, threshold = {}, {}
    for s, side in enumerate(SIDES):
        vals = real[:, s]
        pos = vals[vals > 0]
        thr = float(np.median(pos)) if pos.size else np.inf
        threshold[side] = thr
        sig = (vals > 0) & (vals >= thr)
        csum = np.concatenate([[0], np.cumsum(sig)])
        sig_candle[side] = (csum[hi_i] - csum[lo_i]) > 0
    low_sig = np.where(sig_candle["long"], px[LOW], np.inf)
    high_sig = np.where(sig_candle["short"], px[HIGH], -np.inf)

    # columns whose whole horizon is covered by market and realized data
    col_ns = _ns(hm.times)
    first_ok = col_ns + candle.value >= starts[0]
    last_ok = (col_ns + h_td.value + candle.value <= starts[-1] + bar_len.value) & (
        col_ns + h_td.value <= cand[-1]
    )
    scored = np.flatnonzero(first_ok & last_ok & (col_ns >= cand[0]))
    if scored.size == 0:
        _fail(
            f"no heatmap column has {_alias(h_td)} of market and realized data after it "
            f"(heatmap {hm.times[0]:%Y-%m-%d %H:%M}..{hm.times[-1]:%Y-%m-%d %H:%M}, realized "
            f"{realized.index[0]:%Y-%m-%d %H:%M}..{realized.index[-1]:%Y-%m-%d %H:%M}): use a "
            "shorter horizon or realized data covering the heatmap"
        )
    edges = np.asarray(hm.price_edges, dtype=float)
    centers = hm.bin_centers
    rng = np.random.default_rng(seed)
    w0 = np.searchsorted(cand, col_ns[scored], side="right")
    w1 = np.searchsorted(cand, col_ns[scored] + h_td.value, side="right")
    parts = []
    for j, i0, i1 in zip(scored, w0, w1, strict=True):  # one iteration per heatmap column
        price = float(hm.price[j])
        dist = centers / price - 1.0
        for side in sides:
            if side == "long":
                elig = np.flatnonzero((edges[1:] <= price) & (dist >= -max_distance))
                reach = low_sig[i0:i1].min() if i1 > i0 else np.inf
                hit_all = edges[elig + 1] >= reach
            else:
                elig = np.flatnonzero((edges[:-1] >= price) & (dist <= max_distance))
                reach = high_sig[i0:i1].max() if i1 > i0 else -np.inf
                hit_all = edges[elig] <= reach
            if elig.size == 0:
                continue
            usd = getattr(hm, f"{side}_usd")[j, elig]
            d = np.abs(dist[elig])
            k = math.ceil(top_pct / 100.0 * elig.size - 1e-9)
            top = np.lexsort((d, -usd))[:k]  # most USD first; ties: nearer the price first
            top = top[usd[top] > 0]
            if top.size == 0:
                continue
            band_id = np.floor(d / band + 1e-9).astype(np.int64)
            by_band = np.argsort(band_id, kind="stable")
            sorted_band = band_id[by_band]
            first = np.searchsorted(sorted_band, band_id[top], side="left")
            count = np.searchsorted(sorted_band, band_id[top], side="right") - first
            twin = by_band[first + rng.integers(0, count)]
            n_band = np.bincount(band_id)
            hits_band = np.bincount(band_id, weights=hit_all.astype(float))
            parts.append(
                pd.DataFrame(
                    {
                        TIME: hm.times[j],
                        "side": side,
                        "price": price,
                        "zone_lo": edges[elig[top]],
                        "zone_hi": edges[elig[top] + 1],
                        "distance_pct": 100.0 * dist[elig[top]],
                        "est_usd": usd[top],
                        "hit": hit_all[top],
                        "random_lo": edges[elig[twin]],
                        "random_hi": edges[elig[twin] + 1],
                        "random_hit": hit_all[twin],
                        "random_expected": hits_band[band_id[top]] / n_band[band_id[top]],
                    }
                )
            )
    columns = [TIME, "side", "price", "zone_lo", "zone_hi", "distance_pct", "est_usd", "hit"]
    columns += ["random_lo", "random_hi", "random_hit", "random_expected"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    out.attrs = {
        "n_columns": int(scored.size),
        "skipped_columns": int(len(hm.times) - scored.size),
        "threshold_usd": threshold,
        "top_pct": float(top_pct),
        "horizon": _alias(h_td),
        "max_distance": float(max_distance),
        "band": float(band),
        "seed": seed,
        "sides": sides,
    }
    return out


def zone_scores(
    hm: Heatmap,
    market: pd.DataFrame,
    realized: pd.DataFrame,
    *,
    top_pct: float = 5.0,
    horizon: str = "4h",
    max_distance: float = 0.10,
    band: float = 0.01,
    seed: int = 0,
    sides: str | Sequence[str] = SIDES,
) -> pd.DataFrame:
    """Precision of a heatmap's top price zones, against a reach-matched random baseline.

    **Zones.** At each heatmap column time ``t`` (price ``p`` = ``hm.price``), per side, the
    eligible bins are those wholly on that side of ``p`` (upper edge <= p for longs, lower
    edge >= p for shorts) whose centre lies within ``max_distance`` of ``p``. The predicted
    zones are the ``ceil(top_pct / 100 * eligible)`` eligible bins with the most estimated
    USD (ties: nearer the price first), keeping only bins with USD > 0.

    **Hit.** Realized bar ``b`` is *significant* on a side when its realized USD on that side
    is > 0 and >= the median of that side's positive realized bars (the median over the
    whole ``realized`` frame). A zone is **hit** when, among the candles opening in
    ``(t, t + horizon]``, one that overlaps a significant realized bar of its side reaches
    the zone: candle low <= zone upper edge (long zone), candle high >= zone lower edge
    (short zone). ``realized`` may have any bar length (5-minute simulated bars, 30-minute
    or hourly Coinglass bars): a candle overlaps bar ``b`` when their time spans intersect.
    Only columns whose whole horizon lies inside both the market and the realized data are
    scored; realized bars missing inside the window count as not significant.

    **Precision** = hits / zones, with a 95 % Wilson interval.

    **Reach-matched random baseline.** Each zone gets a random twin: an eligible bin of the
    same side and column drawn uniformly (seeded) from the zone's *distance band* (centres
    whose distance from ``p`` falls in the same ``band``-wide slice: 0-1 %, 1-2 %...). Twins
    are as far from the price as the zones, so they are as easy to reach; the model beats the
    baseline only by choosing *which* levels at that distance hold liquidations.
    ``random_expected`` is the exact expectation of that draw (the share of hit bins in
    each zone's band, averaged over zones), free of sampling noise.

    Parameters
    ----------
    hm : Heatmap
        The estimate; ``hm.price`` is the price at each column.
    market : pandas.DataFrame
        Candles (``low``, ``high``, USD/coin; UTC index) covering the columns and horizon.
    realized : pandas.DataFrame
        Bar frame of realized liquidations (``long_usd``, ``short_usd``, USD), sorted, bar
        length from ``attrs["bar"]`` or the median spacing.
    top_pct : float
        Share of eligible bins called zones, % (0, 100].
    horizon : str
        How long a zone has to be hit, a time span such as ``"4h"``.
    max_distance : float
        Farthest zone from the price, fraction of price (0.10 = 10 %).
    band : float
        Width of the distance bands of the random baseline, fraction of price.
    seed : int
        Seed of the random twins.
    sides : str or sequence of str
        ``"long"``, ``"short"`` or both (default).

    Returns
    -------
    pandas.DataFrame
        Index ``long``, ``short``, ``all`` (named ``side``); columns ``zones``, ``hits``,
        ``precision``, ``precision_lo``, ``precision_hi``, ``random_hits``,
        ``random_precision``, ``random_lo``, ``random_hi``, ``random_expected``. ``attrs``
        as in :func:`zone_hits`; the zones themselves come from :func:`zone_hits`.
    """
    zones = zone_hits(
        hm,
        market,
        realized,
        top_pct=top_pct,
        horizon=horizon,
        max_distance=max_distance,
        band=band,
        seed=seed,
        sides=sides,
    )
    rows = {}
    for name in (*zones.attrs["sides"], "all"):
        part = zones if name == "all" else zones[zones["side"] == name]
        n = len(part)
        k = int(part["hit"].sum()) if n else 0
        kr = int(part["random_hit"].sum()) if n else 0
        lo, hi = wilson_interval(k, n)
        rlo, rhi = wilson_interval(kr, n)
        rows[name] = {
            "zones": n,
            "hits": k,
            "precision": k / n if n else np.nan,
            "precision_lo": lo,
            "precision_hi": hi,
            "random_hits": kr,
            "random_precision": kr / n if n else np.nan,
            "random_lo": rlo,
            "random_hi": rhi,
            "random_expected": float(part["random_expected"].mean()) if n else np.nan,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "side"
    out.attrs = dict(zones.attrs)
    return out


#: Log-distance bins (from the price) on which :func:`structure_lift` reads maps: 0.05 % steps.
_READ_STEP = 0.0005
_READ_MAX = 0.7


def _distance_profiles(hm: Heatmap) -> tuple[np.ndarray, np.ndarray]:
    """Each column's USD per side on common log-distance bins from its price: (2, cols, D)."""
    edges = np.log(np.asarray(hm.price_edges, dtype=float))
    grid = np.arange(0.0, _READ_MAX + _READ_STEP / 2, _READ_STEP)
    out = np.zeros((2, len(hm.times), grid.size - 1))
    for s, usd in enumerate((hm.long_usd, hm.short_usd)):
        cum = np.concatenate([np.zeros((usd.shape[0], 1)), np.cumsum(usd, axis=1)], axis=1)
        for j in range(usd.shape[0]):
            lp = math.log(float(hm.price[j]))
            # USD of the side lying within log distance u of the price, at each grid point
            at = lp - grid if s == 0 else lp + grid
            c = np.interp(at, edges, cum[j])
            if s == 0:  # longs: above lp - u ... up to the price (longs lie below it)
                within = np.interp(lp, edges, cum[j]) - c
            else:
                within = c - np.interp(lp, edges, cum[j])
            out[s, j] = np.diff(np.maximum.accumulate(np.maximum(within, 0.0)))
    return grid, out


def structure_lift(
    hm: Heatmap,
    market: pd.DataFrame,
    realized: pd.DataFrame,
    *,
    n_boot: int = 500,
    seed: int = 0,
    score_from=None,
) -> pd.Series:
    """Does a map's structure rank realized bars better than its own distance-only twin?

    :func:`zone_scores` cannot answer this: its hit set is every bin nearer the price than
    the deepest reach of a significant bar, so within a distance band a bin is hit exactly
    when it is nearer than that reach, whatever USD it holds; a zone beats its twin only by
    sitting nearer the price inside its band (measured: the lift is ~0 for every map).
    Here the realized USD of each bar decides. Per bar, a map is **read**: the USD of its
    latest column at or before the bar's start lying between that column's price and the
    bar's extreme (the low for longs, the high for shorts), both sides summed. Its
    **twin** holds the same USD per side and column, spread by the map's own distance
    profile averaged over all columns: the same level and the same reach, no bands. The
    lift is Spearman(map read, realized) - Spearman(twin read, realized), with a paired
    day-block bootstrap 95 % CI (the same resampled days for both).

    Parameters
    ----------
    hm : Heatmap
        The estimate (columns' prices ``hm.price``).
    market : pandas.DataFrame
        Candles (``low``, ``high``, USD/coin) over the bars.
    realized : pandas.DataFrame
        Realized liquidations per bar (``long_usd``, ``short_usd``, USD).
    n_boot, seed
        Bootstrap replicates and seed.
    score_from : time, optional
        Score bars from this time (UTC) on.

    Returns
    -------
    pandas.Series
        ``map``, ``twin`` (Spearman), ``lift`` with ``lift_lo`` / ``lift_hi``, ``bars``.
    """
    if not isinstance(hm, Heatmap):
        _fail(f"hm must be a Heatmap (lq.estimate_heatmap), not {type(hm).__name__}")
    market = _market_frame(market)
    px = _prices(market, (LOW, HIGH))
    real = _bar_frame(realized, "realized")
    bar_len = _step_of(realized.index, realized.attrs, "realized")
    grid, prof = _distance_profiles(hm)
    tot = prof.sum(axis=2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shape = np.nansum(np.where(tot > 0, prof / tot, 0.0), axis=1)
    shape /= np.maximum(shape.sum(axis=1, keepdims=True), 1e-300)
    twin = tot * shape[:, None, :]
    cum_map = np.concatenate([np.zeros(prof.shape[:2] + (1,)), np.cumsum(prof, 2)], axis=2)
    cum_twin = np.concatenate([np.zeros(twin.shape[:2] + (1,)), np.cumsum(twin, 2)], axis=2)
    starts = _ns(realized.index)
    col_ns = _ns(hm.times)
    cand = _ns(market.index)
    rows = []
    for b, t0 in enumerate(starts):
        j = int(np.searchsorted(col_ns, t0, side="right")) - 1
        if j < 0:
            continue
        i0, i1 = np.searchsorted(cand, [t0, t0 + bar_len.value], side="left")
        if i1 <= i0:
            continue
        p = float(hm.price[j])
        reach = (
            max(math.log(p / float(px[LOW][i0:i1].min())), 0.0),
            max(math.log(float(px[HIGH][i0:i1].max()) / p), 0.0),
        )
        vm = sum(float(np.interp(reach[s], grid, cum_map[s, j])) for s in range(2))
        vt = sum(float(np.interp(reach[s], grid, cum_twin[s, j])) for s in range(2))
        rows.append((realized.index[b], vm, vt, float(real[b].sum())))
    frame = pd.DataFrame(rows, columns=[TIME, "map", "twin", "real"]).set_index(TIME)
    if score_from is not None:
        frame = frame[frame.index >= pd.Timestamp(score_from)]
    if len(frame) < 10:
        _fail("fewer than 10 bars lie under the map's columns: give a longer window")

    def rho(f: pd.DataFrame) -> dict:
        r = f.rank()
        m = float(r["map"].corr(r["real"]))
        t = float(r["twin"].corr(r["real"]))
        return {"map": m, "twin": t, "lift": m - t}

    ci = block_bootstrap_ci(rho, frame, n_boot=n_boot, seed=seed)
    est = rho(frame)
    return pd.Series(
        {
            "map": est["map"],
            "twin": est["twin"],
            "lift": est["lift"],
            "lift_lo": float(ci.loc["lift", "ci_low"]),
            "lift_hi": float(ci.loc["lift", "ci_high"]),
            "bars": len(frame),
        }
    )
