"""Hot zones of a liquidation map, the nearest ones to price, proximity alerts and sweeps.

A *zone* groups the map's price bins into bands of equal relative width (``zone_pct`` % of the
current price) counted outwards from the price: longs below it (they are liquidated if price
falls there), shorts above it. A *hot zone* is one of the ``top_n`` zones holding the most
USD within ``max_distance_pct`` of the price. An *alert* is a hot zone whose middle lies within
``within_pct`` of the price: the proximity alerts some heatmap tools send.

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

from liqlib.data import columns as C
from liqlib.errors import InputError
from liqlib.estimate.heatmap import Heatmap

__all__ = [
    "ZONE_COLUMNS",
    "compute_hot_zones",
    "nearest_zones",
    "proximity_alerts",
    "zone_sweeps",
]

ZONE_COLUMNS = ("side", "zone_lo", "zone_hi", "zone_mid", "usd", "distance_pct", "share_pct")


def _positive(name: str, value, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InputError(f"{name}={value!r} must be a number > 0: use e.g. {example}")
    return float(value)


def _side_zones(centers, usd, px, zone_pct, max_pct, side: str) -> pd.DataFrame:
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
        }
    )


def compute_hot_zones(
    hm: Heatmap,
    at=None,
    *,
    zone_pct: float = 0.5,
    max_distance_pct: float = 15.0,
    top_n: int = 6,
) -> pd.DataFrame:
    """The ``top_n`` zones holding the most USD near the price at one time of the map.

    Parameters
    ----------
    hm : liqlib.Heatmap
        The estimated heatmap (USD per price bin and column).
    at : str or pandas.Timestamp, optional
        Time (UTC) of the map; the last column at or before it. None = the last column.
    zone_pct : float
        Width of a zone, % of the current price (0.5 = bands of 0.5 %).
    max_distance_pct : float
        Only zones within this distance of the price (%) are considered.
    top_n : int
        How many zones to keep (both sides together).

    Returns
    -------
    pandas.DataFrame
        One row per hot zone, nearest to the price first: ``side`` ("long" below the price,
        "short" above), ``zone_lo``/``zone_hi``/``zone_mid`` (USD/coin), ``usd`` (USD that
        would be liquidated in the zone), ``distance_pct`` (signed % from price to the zone's
        middle: negative below), ``share_pct`` (% of all USD within ``max_distance_pct``).
        ``attrs``: ``price``, ``time``, ``zone_pct``, ``max_distance_pct``, ``total_usd``.
    """
    if not isinstance(hm, Heatmap):
        raise InputError(f"hm must be a Heatmap (lq.estimate_heatmap), not {type(hm).__name__}")
    zone_pct = _positive("zone_pct", zone_pct, "0.5 (%)")
    max_pct = _positive("max_distance_pct", max_distance_pct, "15 (%)")
    if isinstance(top_n, bool) or not isinstance(top_n, int | np.integer) or top_n < 1:
        raise InputError(f"top_n={top_n!r} must be a positive integer: use e.g. 6")
    lm = hm.liquidation_map(at)
    px = float(lm.attrs["price"])
    centers = lm.index.to_numpy(dtype=float)
    zones = pd.concat(
        [
            _side_zones(centers, lm["long_usd"].to_numpy(), px, zone_pct, max_pct, "long"),
            _side_zones(centers, lm["short_usd"].to_numpy(), px, zone_pct, max_pct, "short"),
        ],
        ignore_index=True,
    )
    total = float(zones["usd"].sum())
    zones["zone_mid"] = 0.5 * (zones["zone_lo"] + zones["zone_hi"])
    zones["distance_pct"] = (zones["zone_mid"] / px - 1.0) * 100.0
    zones["share_pct"] = zones["usd"] / total * 100.0 if total > 0 else 0.0
    hot = zones.nlargest(int(top_n), "usd")
    hot = hot.iloc[np.argsort(hot["distance_pct"].abs().to_numpy(), kind="stable")]
    out = hot[list(ZONE_COLUMNS)].reset_index(drop=True)
    out.attrs = dict(
        price=px,
        time=lm.attrs["time"],
        zone_pct=zone_pct,
        max_distance_pct=max_pct,
        total_usd=total,
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
