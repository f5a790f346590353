"""Hot zones of a liquidation map, the nearest ones to price, proximity alerts and sweeps.

A *hot zone* is a price band ``zone_pct`` % of the price wide (rounded to whole price bins)
centred on a distinct peak of the map's USD: a local maximum of the USD a band of that width
holds, which stands out from its neighbourhood (its *prominence*, how far it rises above the
higher of the two lowest points within ``neighbourhood_pct`` % on either side, is at least
``min_prominence`` of its USD). Longs are read below the price (they are liquidated if price
falls there), shorts above it. The ``top_n`` zones holding the most USD within
``max_distance_pct`` of the price are kept; no two of them overlap or touch, and a map with no
peak that stands out (a flat or steadily sloping profile) has no hot zone. ``method="bands"``
gives the older fixed tiling instead (every band of ``zone_pct`` % counted outwards from the
price, ranked by USD), where a broad cluster fills several adjacent "zones" of almost the same
USD. An *alert* is a hot zone whose middle lies within ``within_pct`` of the price: the
proximity alerts some heatmap tools send.

Examples
--------
>>> from liqlib.sim.synthetic import make_synthetic_market
>>> from liqlib.estimate.registry import estimate_heatmap
>>> hm = estimate_heatmap(make_synthetic_market(2_000), n_bins=200)
>>> zones = compute_hot_zones(hm, top_n=4)
>>> list(zones.columns)[:4]
['side', 'zone_lo', 'zone_hi', 'zone_mid']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import find_peaks

from liqlib.data import columns as C
from liqlib.errors import InputError
from liqlib.estimate.heatmap import Heatmap

__all__ = [
    "ZONE_COLUMNS",
    "ZONE_METHODS",
    "compute_hot_zones",
    "nearest_zones",
    "proximity_alerts",
    "zone_sweeps",
]

ZONE_COLUMNS = (
    "side",
    "zone_lo",
    "zone_hi",
    "zone_mid",
    "usd",
    "distance_pct",
    "share_pct",
    "prominence_pct",
    "rank",
)
#: how :func:`compute_hot_zones` finds zones: distinct peaks (default) or the fixed tiling
ZONE_METHODS = ("peaks", "bands")


def _positive(name: str, value, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InputError(f"{name}={value!r} must be a number > 0: use e.g. {example}")
    return float(value)


def _side_bands(centers, usd, px, zone_pct, max_pct, side: str) -> pd.DataFrame:
    """Sum one side's USD into bands of ``zone_pct`` % counted outwards from ``px``."""
    sign = -1.0 if side == "long" else 1.0
    dist = sign * (centers / px - 1.0) * 100.0  # % away from price, > 0 on this side
    keep = (dist > 0) & (dist <= max_pct) & (usd > 0)
    band = np.floor(dist[keep] / zone_pct).astype(int)
    sums = pd.Series(usd[keep]).groupby(band).sum()
    near = px * (1.0 + sign * sums.index.to_numpy() * zone_pct / 100.0)
    far = px * (1.0 + sign * (sums.index.to_numpy() + 1) * zone_pct / 100.0)
    return pd.DataFrame(
        {
            "side": side,
            "zone_lo": np.minimum(near, far),
            "zone_hi": np.maximum(near, far),
            "usd": sums.to_numpy(dtype=float),
            "prominence_pct": np.nan,
        }
    )


def _side_peaks(edges, usd, px, zone_pct, max_pct, min_prom, hood_pct, side) -> pd.DataFrame:
    """One side's distinct peaks of the USD held by a window ``zone_pct`` % wide.

    ``usd`` is already zero on the other side of the price. The window is ``k`` whole bins
    (at least one); a peak's zone is its window, so its USD is exactly the map's USD between
    the zone's bounds. Peaks whose windows would overlap or touch keep the bigger one
    (``find_peaks(distance=k + 1)``); the prominence is searched within ``neighbourhood_pct``
    on each side (``wlen``), so a broad plateau is not one huge peak.
    """
    width_pct = float(np.median(np.diff(edges) / edges[:-1])) * 100.0  # one bin, % of price
    k = max(1, int(round(zone_pct / width_pct)))
    cs = np.concatenate(([0.0], np.cumsum(usd)))
    window = cs[k:] - cs[:-k]  # USD of the window of bins [i, i + k)
    half = max(k + 1, int(np.ceil(hood_pct / width_pct)))
    peaks, props = find_peaks(window, distance=k + 1, prominence=0.0, wlen=2 * half + 1)
    lo = edges[peaks]
    hi = edges[peaks + k]
    if side == "long":
        hi = np.minimum(hi, px)
    else:
        lo = np.maximum(lo, px)
    mid = 0.5 * (lo + hi)
    peak_usd = window[peaks]
    rel = np.divide(props["prominences"], peak_usd, out=np.zeros(len(peaks)), where=peak_usd > 0)
    keep = (
        (peak_usd > 0)
        & (rel >= min_prom)
        & (np.abs(mid / px - 1.0) * 100.0 <= max_pct)
        & ((mid < px) if side == "long" else (mid > px))
    )
    return pd.DataFrame(
        {
            "side": side,
            "zone_lo": lo[keep],
            "zone_hi": hi[keep],
            "usd": peak_usd[keep],
            "prominence_pct": rel[keep] * 100.0,
        }
    )


def compute_hot_zones(
    hm: Heatmap,
    at=None,
    *,
    zone_pct: float = 0.5,
    max_distance_pct: float = 15.0,
    top_n: int = 6,
    method: str = "peaks",
    min_prominence: float = 0.2,
    neighbourhood_pct: float = 3.0,
) -> pd.DataFrame:
    """The ``top_n`` hot zones holding the most USD near the price at one time of the map.

    Parameters
    ----------
    hm : liqlib.Heatmap
        The estimated heatmap (USD per price bin and column).
    at : str or pandas.Timestamp, optional
        Time (UTC) of the map; the last column at or before it. None = the last column.
    zone_pct : float
        Width of a zone, % of the current price (0.5 = bands of 0.5 %). With
        ``method="peaks"`` it is rounded to whole price bins (at least one bin).
    max_distance_pct : float
        Only zones whose middle lies within this distance of the price (%) are kept.
    top_n : int
        How many zones to keep at most (both sides together), the most USD first.
    method : {"peaks", "bands"}
        ``"peaks"``: zones centred on distinct, prominent peaks of the USD a zone-wide window
        holds; they never overlap or touch, and there may be fewer than ``top_n`` (none on a
        flat map). ``"bands"``: the fixed tiling of bands counted outwards from the price.
    min_prominence : float
        ``"peaks"`` only: a zone's USD must rise above the higher of its two neighbouring
        valleys by at least this share of its USD (0.2 = the valley holds at most 80 % of it).
    neighbourhood_pct : float
        ``"peaks"`` only: how far (% of price) on each side the valleys are searched.

    Returns
    -------
    pandas.DataFrame
        One row per hot zone, nearest to the price first: ``side`` ("long" below the price,
        "short" above), ``zone_lo``/``zone_hi``/``zone_mid`` (USD/coin), ``usd`` (USD that
        would be liquidated in the zone), ``distance_pct`` (signed % from price to the zone's
        middle: negative below), ``share_pct`` (% of all USD within ``max_distance_pct``),
        ``prominence_pct`` (% of the zone's USD by which it rises above its higher
        neighbouring valley; NaN for ``"bands"``) and ``rank`` (1 = the most USD).
        ``attrs``: ``price``, ``time``, ``zone_pct``, ``max_distance_pct``, ``total_usd``
        (USD of both sides within ``max_distance_pct``), ``method`` and ``note`` (a sentence
        when no zone stands out, else "").

    Examples
    --------
    >>> from liqlib.sim.synthetic import make_synthetic_market
    >>> from liqlib.estimate.registry import estimate_heatmap
    >>> hm = estimate_heatmap(make_synthetic_market(2_000), n_bins=300)
    >>> z = compute_hot_zones(hm, top_n=3)
    >>> len(z) <= 3 and sorted(z["rank"]) == list(range(1, len(z) + 1))
    True
    """
    if not isinstance(hm, Heatmap):
        raise InputError(f"hm must be a Heatmap (lq.estimate_heatmap), not {type(hm).__name__}")
    zone_pct = _positive("zone_pct", zone_pct, "0.5 (%)")
    max_pct = _positive("max_distance_pct", max_distance_pct, "15 (%)")
    if isinstance(top_n, bool) or not isinstance(top_n, int | np.integer) or top_n < 1:
        raise InputError(f"top_n={top_n!r} must be a positive integer: use e.g. 6")
    if method not in ZONE_METHODS:
        raise InputError(f"method={method!r} is unknown: use one of {list(ZONE_METHODS)}")
    min_prom = float(min_prominence)
    if isinstance(min_prominence, bool) or not 0.0 <= min_prom < 1.0:
        raise InputError(f"min_prominence={min_prominence!r} must be in [0, 1): use e.g. 0.2")
    hood = _positive("neighbourhood_pct", neighbourhood_pct, "3 (%)")
    lm = hm.liquidation_map(at)
    px = float(lm.attrs["price"])
    centers = lm.index.to_numpy(dtype=float)
    long_usd = np.where(centers < px, lm["long_usd"].to_numpy(dtype=float), 0.0)
    short_usd = np.where(centers > px, lm["short_usd"].to_numpy(dtype=float), 0.0)
    near = np.abs(centers / px - 1.0) * 100.0 <= max_pct
    total = float(long_usd[near].sum() + short_usd[near].sum())
    if method == "bands":
        parts = [
            _side_bands(centers, long_usd, px, zone_pct, max_pct, "long"),
            _side_bands(centers, short_usd, px, zone_pct, max_pct, "short"),
        ]
    else:
        edges = np.asarray(hm.price_edges, dtype=float)
        args = (zone_pct, max_pct, min_prom, hood)
        parts = [
            _side_peaks(edges, long_usd, px, *args, "long"),
            _side_peaks(edges, short_usd, px, *args, "short"),
        ]
    zones = pd.concat(parts, ignore_index=True)
    zones["zone_mid"] = 0.5 * (zones["zone_lo"] + zones["zone_hi"])
    zones["distance_pct"] = (zones["zone_mid"] / px - 1.0) * 100.0
    zones["share_pct"] = zones["usd"] / total * 100.0 if total > 0 else 0.0
    hot = zones.nlargest(int(top_n), "usd").copy()
    hot["rank"] = np.arange(1, len(hot) + 1)
    hot = hot.iloc[np.argsort(hot["distance_pct"].abs().to_numpy(), kind="stable")]
    out = hot[list(ZONE_COLUMNS)].reset_index(drop=True)
    note = ""
    if out.empty:
        note = (
            f"no hot zone: no peak of the map within {max_pct:g} % of the price stands out "
            f"from its neighbourhood by {min_prom:.0%} of its USD"
        )
    out.attrs = dict(
        price=px,
        time=lm.attrs["time"],
        zone_pct=zone_pct,
        max_distance_pct=max_pct,
        total_usd=total,
        method=method,
        note=note,
    )
    return out


def nearest_zones(zones: pd.DataFrame) -> dict[str, pd.Series | None]:
    """The nearest hot zone below the price (longs) and above it (shorts).

    Returns
    -------
    dict
        ``{"below": row or None, "above": row or None}``; rows of :func:`compute_hot_zones`.
    """
    out: dict[str, pd.Series | None] = {"below": None, "above": None}
    for key, side in (("below", "long"), ("above", "short")):
        rows = zones[zones["side"] == side]
        if len(rows):
            out[key] = rows.loc[rows["distance_pct"].abs().idxmin()]
    return out


def proximity_alerts(zones: pd.DataFrame, within_pct: float) -> pd.DataFrame:
    """Hot zones whose middle lies within ``within_pct`` % of the price (nearest first).

    Examples
    --------
    >>> z = pd.DataFrame({"side": ["long"], "zone_lo": [99.0], "zone_hi": [99.5],
    ...                   "zone_mid": [99.25], "usd": [1e6], "distance_pct": [-0.75],
    ...                   "share_pct": [100.0]})
    >>> len(proximity_alerts(z, 1.0)), len(proximity_alerts(z, 0.5))
    (1, 0)
    """
    within = _positive("within_pct", within_pct, "2 (%)")
    out = zones[zones["distance_pct"].abs() <= within].reset_index(drop=True)
    out.attrs = {**zones.attrs, "within_pct": within}
    return out


def zone_sweeps(zones: pd.DataFrame, market: pd.DataFrame, until=None) -> pd.DataFrame:
    """When the price first reached each zone's middle after the map's time.

    Long zones are reached when the candle's low (mark low when present) falls to the middle,
    short zones when its high rises to it.

    Parameters
    ----------
    zones : pandas.DataFrame
        From :func:`compute_hot_zones` (its ``attrs["time"]`` is the map's time).
    market : pandas.DataFrame
        The market frame, covering the time after the map.
    until : str or pandas.Timestamp, optional
        Look no later than this (UTC); default the end of ``market``.

    Returns
    -------
    pandas.DataFrame
        ``zones`` plus ``swept_at`` (UTC candle open time, NaT if never) and ``hours_after``
        (hours from the map's time, NaN if never).
    """
    t0 = pd.Timestamp(zones.attrs["time"])
    after = market.loc[market.index > t0]
    if until is not None:
        after = after.loc[after.index < pd.Timestamp(until)]
    low = after[C.MARK_LOW].fillna(after[C.LOW]) if C.MARK_LOW in after else after[C.LOW]
    high = after[C.MARK_HIGH].fillna(after[C.HIGH]) if C.MARK_HIGH in after else after[C.HIGH]
    swept = []
    for side, mid in zip(zones["side"], zones["zone_mid"], strict=True):
        hit = (low <= mid) if side == "long" else (high >= mid)
        swept.append(hit.idxmax() if hit.any() else pd.NaT)
    out = zones.copy()
    out["swept_at"] = pd.to_datetime(pd.Series(swept, dtype="object", index=zones.index), utc=True)
    out["hours_after"] = (out["swept_at"] - t0) / pd.Timedelta(hours=1)
    out.attrs = dict(zones.attrs)
    return out
