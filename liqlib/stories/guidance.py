"""The usual advice on reading a liquidation heatmap, measured on data.

- :func:`compare_windows`: a map built from a few minutes holds little; one from 12-24 h more.
- :func:`reach_by_distance`: how often price reached hot zones, by their distance from price.
- :func:`support_resistance`: the simplest levels to combine with a map (last day's low/high).
- :func:`bias_vs_direction`: does the side with more USD nearby tell where price goes next?

Each test says how many *independent* windows it rests on (maps ``every`` apart look
``horizon`` ahead: with ``every < horizon`` the windows overlap and share their price path) and
compares with a baseline: a level picked at random at the same distance for the hot zones, a
coin toss (with a 95 % Wilson interval) for the direction.

Examples
--------
>>> from liqlib.sim.synthetic import make_synthetic_market
>>> m = make_synthetic_market(3_000)
>>> sorted(support_resistance(m, "12h"))
['resistance', 'since', 'support']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqlib.data import columns as C
from liqlib.errors import InputError
from liqlib.estimate.heatmap import Heatmap
from liqlib.estimate.registry import DEFAULT_MODEL, estimate_heatmap
from liqlib.stories.zones import compute_hot_zones, nearest_zones, zone_sweeps

__all__ = [
    "bias_vs_direction",
    "compare_windows",
    "independent_windows",
    "reach_by_distance",
    "support_resistance",
    "wilson_interval",
]


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % (``z`` = 1.96) Wilson score interval of a share ``k / n``, in % (NaN if n = 0).

    Examples
    --------
    >>> [round(x, 1) for x in wilson_interval(5, 10)]
    [23.7, 76.3]
    """
    if n <= 0:
        return (float("nan"), float("nan"))
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * float(np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / den
    return (100.0 * (mid - half), 100.0 * (mid + half))


def independent_windows(n_maps: int, horizon: str, every: str) -> int:
    """How many of ``n_maps`` maps, ``every`` apart and each looking ``horizon`` ahead, have
    windows that do not overlap (all of them when ``every >= horizon``)."""
    step = pd.Timedelta(every) / pd.Timedelta(horizon)
    return int(n_maps) if step >= 1 else int(np.ceil(n_maps * step))


def _low_high(market: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    low = market[C.MARK_LOW].fillna(market[C.LOW]) if C.MARK_LOW in market else market[C.LOW]
    high = market[C.MARK_HIGH].fillna(market[C.HIGH]) if C.MARK_HIGH in market else market[C.HIGH]
    return low, high


def compare_windows(
    market: pd.DataFrame, windows, *, model: str = DEFAULT_MODEL, within_pct: float = 10.0, **params
) -> pd.DataFrame:
    """The map at the market's last candle, estimated from each lookback window.

    Parameters
    ----------
    market : pandas.DataFrame
        The market frame (``lq.load_market`` columns, UTC index).
    windows : sequence of str
        Lookbacks ending at the last candle, e.g. ``("5min", "12h", "24h")``.
    model : str
        Model name from ``lq.MODELS``; default :data:`liqlib.DEFAULT_MODEL`.
    within_pct : float
        USD held within this distance of the price (%) is counted.
    **params
        Passed to :func:`liqlib.estimate_heatmap` (``n_bins``, ``symbol``...).

    Returns
    -------
    pandas.DataFrame
        Index: window; ``candles``, ``usd_within`` (USD within ``within_pct``),
        ``nearest_below_pct`` / ``nearest_above_pct`` (distance of the nearest hot zone, %,
        NaN if none).
    """
    step = market.index[1] - market.index[0]
    end = market.index[-1] + step
    rows = {}
    for w in windows:
        part = market.loc[market.index >= end - pd.Timedelta(w)]
        if len(part) < 2:
            raise InputError(f"window {w!r} holds {len(part)} candle(s): use a longer window")
        hm = estimate_heatmap(part, model=model, **params)
        zones = compute_hot_zones(hm, max_distance_pct=within_pct)
        near = nearest_zones(zones)
        rows[w] = dict(
            candles=len(part),
            usd_within=zones.attrs["total_usd"],
            nearest_below_pct=np.nan if near["below"] is None else near["below"]["distance_pct"],
            nearest_above_pct=np.nan if near["above"] is None else near["above"]["distance_pct"],
        )
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("window")


def support_resistance(market: pd.DataFrame, lookback: str = "24h") -> dict:
    """Support and resistance in their simplest form: the lowest low and highest high of the
    last ``lookback`` (mark prices when present), in USD/coin."""
    low, high = _low_high(market)
    since = market.index[-1] - pd.Timedelta(lookback)
    recent = market.index > since
    return dict(support=float(low[recent].min()), resistance=float(high[recent].max()), since=since)


def _sample_columns(hm: Heatmap, market: pd.DataFrame, horizon: str, every: str) -> list:
    """Heatmap column times, at most one per ``every``, with a whole horizon after them."""
    last = market.index[-1] - pd.Timedelta(horizon)
    times = pd.Series(hm.times, index=hm.times)
    times = times[times <= last]
    return list(times.groupby(times.index.floor(every)).last())


def reach_by_distance(
    hm: Heatmap,
    market: pd.DataFrame,
    *,
    horizon: str = "24h",
    every: str = "1h",
    edges_pct=(0.0, 1.0, 2.0, 5.0, 10.0, 15.0),
    zone_pct: float = 0.5,
    top_n: int = 6,
) -> pd.DataFrame:
    """How often price reached a hot zone within ``horizon``, by the zone's distance, against
    a level picked at random at the same distance.

    At one heatmap column per ``every``, the ``top_n`` hot zones are found
    (:func:`liqlib.stories.zones.compute_hot_zones`) and each is marked reached or not
    (:func:`liqlib.stories.zones.zone_sweeps`) within the following ``horizon``. The baseline
    asks the same of a level drawn uniformly from the zone's distance band, on its side, at the
    same time: closer levels are reached more often whatever they hold, so a hot zone tells
    something only if it is reached more often than its baseline.

    Returns
    -------
    pandas.DataFrame
        Index: distance band (``"0-1 %"``...); ``zones`` (count), ``reached_pct`` (%) and
        ``baseline_pct`` (%, a random level in the band). ``attrs["n_maps"]``: maps scored;
        ``attrs["independent_windows"]``: how many of their windows do not overlap.
    """
    edges = np.asarray(edges_pct, dtype=float)
    found = []
    times = _sample_columns(hm, market, horizon, every)
    if not times:
        raise InputError(f"no heatmap column has {horizon} of data after it: shorten horizon")
    low, high = _low_high(market)
    for t in times:
        z = compute_hot_zones(hm, t, zone_pct=zone_pct, max_distance_pct=edges[-1], top_n=top_n)
        s = zone_sweeps(z, market, until=pd.Timestamp(t) + pd.Timedelta(horizon))
        # how far the price went each way in the window (%): a level d % away on a side is
        # reached when d <= that excursion
        px = float(z.attrs["price"]) if "price" in z.attrs else float(hm.price[hm.column_at(t)])
        win = (market.index > pd.Timestamp(t)) & (
            market.index < pd.Timestamp(t) + pd.Timedelta(horizon)
        )
        down = (1.0 - float(low[win].min()) / px) * 100.0 if win.any() else 0.0
        up = (float(high[win].max()) / px - 1.0) * 100.0 if win.any() else 0.0
        s = s[["distance_pct", "swept_at"]].copy()
        s["excursion_pct"] = np.where(s["distance_pct"] < 0, down, up)
        found.append(s)
    allz = pd.concat(found, ignore_index=True)
    labels = [f"{a:g}-{b:g} %" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    dist = allz["distance_pct"].abs()
    band = pd.cut(dist, edges, labels=labels)
    k = np.clip(np.searchsorted(edges, dist.to_numpy(), side="left") - 1, 0, edges.size - 2)
    lo, hi = edges[k], edges[k + 1]
    baseline = np.clip((allz["excursion_pct"].to_numpy() - lo) / (hi - lo), 0.0, 1.0)
    out = (
        allz.assign(band=band, reached=allz["swept_at"].notna(), baseline=baseline)
        .groupby("band", observed=False)
        .agg(
            zones=("reached", "size"),
            reached_pct=("reached", "mean"),
            baseline_pct=("baseline", "mean"),
        )
    )
    out[["reached_pct", "baseline_pct"]] *= 100.0
    out.attrs["n_maps"] = len(times)
    out.attrs["independent_windows"] = independent_windows(len(times), horizon, every)
    return out


def bias_vs_direction(
    hm: Heatmap,
    market: pd.DataFrame,
    *,
    horizon: str = "24h",
    every: str = "1h",
    within_pct: float = 5.0,
) -> pd.DataFrame:
    """Does the side holding more USD near the price say which way price goes next?

    At one heatmap column per ``every``: which side holds more USD within ``within_pct``
    (shorts above, longs below), and whether the close ``horizon`` later is higher or lower.

    Returns
    -------
    pandas.DataFrame
        A 2 x 2 count table: index ``more USD nearby`` ("shorts above" / "longs below"),
        columns ``price went`` ("up" / "down"). ``attrs["toward_pct"]``: % of maps where price
        moved toward the side holding more USD; ``attrs["ci95_pct"]``: its 95 % Wilson
        interval (a coin toss is 50 %); ``attrs["n_maps"]``; ``attrs["independent_windows"]``.
    """
    close = market[C.CLOSE]
    rows = []
    for t in _sample_columns(hm, market, horizon, every):
        lm = hm.liquidation_map(t)
        px = lm.attrs["price"]
        near = np.abs(lm.index.to_numpy() / px - 1.0) * 100.0 <= within_pct
        above = float(lm["cum_short_usd"].to_numpy()[near].max(initial=0.0))
        below = float(lm["cum_long_usd"].to_numpy()[near].max(initial=0.0))
        later = close.asof(pd.Timestamp(t) + pd.Timedelta(horizon))
        if above == below or later == px or not np.isfinite(later):
            continue
        rows.append(
            ("shorts above" if above > below else "longs below", "up" if later > px else "down")
        )
    if not rows:
        raise InputError("no map had a clear bigger side and a later price: widen the market")
    df = pd.DataFrame(rows, columns=["more USD nearby", "price went"])
    table = pd.crosstab(df["more USD nearby"], df["price went"]).reindex(
        index=["shorts above", "longs below"], columns=["up", "down"], fill_value=0
    )
    toward = table.loc["shorts above", "up"] + table.loc["longs below", "down"]
    table.attrs = dict(
        toward_pct=100.0 * toward / len(rows),
        ci95_pct=wilson_interval(int(toward), len(rows)),
        n_maps=len(rows),
        independent_windows=independent_windows(len(rows), horizon, every),
    )
    return table
