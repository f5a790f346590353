"""The numbers behind the stories: hourly liquidations and their long/short imbalance, open
interest changes, the biggest drop of a window, and plain-English summaries made from them.

Every sentence :func:`summarize_report` writes is filled in from its arguments: nothing in it
is typed by hand.

Examples
--------
>>> long_share_pct(pd.Series([30.0, 5.0]), pd.Series([10.0, 0.0])).tolist()
[75.0, 100.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqlib.data import columns as C
from liqlib.errors import InputError
from liqlib.estimate.heatmap import Heatmap
from liqlib.viz.units import format_usd

__all__ = [
    "HOT_ZONES_FORMAT",
    "alerts_table",
    "biggest_drop",
    "status_banner",
    "crash_hour",
    "hot_zones_table",
    "daily_summary",
    "longs_reached",
    "hourly_liquidations",
    "hourly_oi_change",
    "long_share_from_reported_pct",
    "long_share_pct",
    "reported_imbalance_pct",
    "summarize_case",
    "summarize_report",
    "top_hours",
]


def long_share_pct(long_usd, short_usd):
    """Long share of liquidations, % : ``100 * long / (long + short)``.

    50 = as many longs as shorts liquidated, 100 = only longs, 0 = only shorts. Bounded and
    symmetric (unlike ``(long - short) / short``, which runs to "+310,181 %" when few shorts are
    swept and sits at "-100 %" when none of the longs are). NaN where nothing was liquidated.

    Examples
    --------
    >>> long_share_pct(pd.Series([30.0, 5.0, 0.0]), pd.Series([10.0, 0.0, 0.0])).tolist()
    [75.0, 100.0, nan]
    """
    total = long_usd + short_usd
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 100.0 * (np.asarray(long_usd, dtype=float) / np.asarray(total, dtype=float))
    out = np.where(np.asarray(total, dtype=float) > 0, out, np.nan)
    if isinstance(total, pd.Series):
        return pd.Series(out, index=total.index, name="long_share_pct")
    return out if np.ndim(out) else float(out)


def reported_imbalance_pct(long_usd, short_usd):
    """The figure news sites quoting Coinglass print: ``100 * (long - short) / short`` (%).

    Kept only to put cited figures through their own definition (:mod:`liqlib.cited`); liqlib
    reports :func:`long_share_pct`. NaN where ``short`` is 0 (undefined there).

    Examples
    --------
    >>> round(float(reported_imbalance_pct(3.94e6, 961.79e3)), 1)
    309.7
    """
    long_usd, short_usd = np.asarray(long_usd, dtype=float), np.asarray(short_usd, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(short_usd > 0, 100.0 * (long_usd - short_usd) / short_usd, np.nan)
    return out if np.ndim(out) else float(out)


def long_share_from_reported_pct(imbalance_pct):
    """The long share (%) a reported ``(long - short) / short`` figure (%) implies:
    ``long / (long + short) = (1 + r) / (2 + r)`` with ``r = imbalance_pct / 100``.

    Examples
    --------
    >>> round(float(long_share_from_reported_pct(12_129.0)), 2)
    99.19
    """
    r = np.asarray(imbalance_pct, dtype=float) / 100.0
    out = 100.0 * (1.0 + r) / (2.0 + r)
    return out if np.ndim(out) else float(out)


def hourly_liquidations(hm: Heatmap, freq: str = "1h") -> pd.DataFrame:
    """The model's predicted liquidations summed per hour (or ``freq``), with the imbalance.

    Returns
    -------
    pandas.DataFrame
        Index: hour open time (UTC); ``long_usd``, ``short_usd``, ``total_usd`` (USD swept in
        the hour) and ``long_share_pct`` (``100 * long / (long + short)``, NaN when nothing
        was swept).
    """
    if not isinstance(hm, Heatmap):
        raise InputError(f"hm must be a Heatmap (lq.estimate_heatmap), not {type(hm).__name__}")
    out = pd.DataFrame(
        {
            "long_usd": hm.predicted_long_usd.resample(freq).sum(),
            "short_usd": hm.predicted_short_usd.resample(freq).sum(),
        }
    )
    out["total_usd"] = out["long_usd"] + out["short_usd"]
    out["long_share_pct"] = long_share_pct(out["long_usd"], out["short_usd"])
    return out


def hourly_oi_change(market: pd.DataFrame, freq: str = "1h") -> pd.Series:
    """Change of open interest over each hour (USD at the mark close, else trade close).

    Returns NaN for hours without open interest; an empty frame column gives all NaN.
    """
    if C.OI_USD in market and market[C.OI_USD].notna().any():
        oi = market[C.OI_USD]
    elif C.OI_COIN in market and market[C.OI_COIN].notna().any():
        px = market[C.MARK_CLOSE].fillna(market[C.CLOSE]) if C.MARK_CLOSE in market else None
        oi = market[C.OI_COIN] * (market[C.CLOSE] if px is None else px)
    else:
        return pd.Series(np.nan, index=market.resample(freq).size().index, name="oi_change_usd")
    last = oi.ffill().resample(freq).last()
    return last.diff().rename("oi_change_usd")


def top_hours(hourly: pd.DataFrame, column: str = "total_usd", n: int = 3) -> pd.DataFrame:
    """The ``n`` hours with the largest ``column``, largest first (rows with 0 dropped)."""
    rows = hourly[hourly[column] > 0]
    return rows.nlargest(int(n), column)


def _mark_or_trade(market: pd.DataFrame, mark: str, trade: str) -> pd.Series:
    """The mark-price column where present, filled from the trade column; NaN rows dropped."""
    cols = [c for c in (mark, trade) if c in market]
    if not cols:
        raise InputError(
            f"market has neither {mark!r} nor {trade!r}: pass a frame of lq.load_market"
        )
    out = market[cols[0]]
    for c in cols[1:]:
        out = out.fillna(market[c])
    return out.dropna()


def biggest_drop(market: pd.DataFrame, within: str = "24h") -> dict:
    """The largest fall from a high to a later low within ``within`` (mark prices if present).

    Returns
    -------
    dict
        ``peak_time``, ``peak_usd``, ``low_time``, ``low_usd`` (UTC candle open times,
        USD/coin) and ``drop_pct`` (negative %).
    """
    span = pd.Timedelta(within)
    high, low = (
        _mark_or_trade(market, C.MARK_HIGH, C.HIGH),
        _mark_or_trade(market, C.MARK_LOW, C.LOW),
    )
    if high.empty:
        raise InputError("market has no prices: load a window with candles")
    peak = high.rolling(span).max().reindex(low.index).ffill()
    fall = low / peak - 1.0
    low_time = fall.idxmin()
    before = high.loc[low_time - span + pd.Timedelta(1, "ns") : low_time]
    return dict(
        peak_time=before.idxmax(),
        peak_usd=float(before.max()),
        low_time=low_time,
        low_usd=float(low.loc[low_time]),
        drop_pct=float(fall.loc[low_time]) * 100.0,
    )


def _usd(x: float) -> str:
    return f"{format_usd(x)} USD"


def _zone_text(row, what: str) -> str:
    return (
        f"the nearest hot zone {what} the price is {row['zone_lo']:,.6g}-{row['zone_hi']:,.6g} "
        f"({row['distance_pct']:+.2f} %), holding about {_usd(row['usd'])} of {row['side']}s"
    )


def summarize_report(
    symbol: str,
    price_usd: float,
    window: str,
    nearest: dict,
    alerts: pd.DataFrame,
    within_pct: float,
    hourly: pd.DataFrame,
    data_note: str,
) -> str:
    """A short plain-English summary of a report, made only from its arguments.

    Parameters
    ----------
    symbol, window : str
        What and which window (text as shown).
    price_usd : float
        Current price (USD/coin).
    nearest : dict
        From :func:`liqlib.stories.zones.nearest_zones`.
    alerts : pandas.DataFrame
        From :func:`liqlib.stories.zones.proximity_alerts`.
    within_pct : float
        The alert distance (%).
    hourly : pandas.DataFrame
        From :func:`hourly_liquidations` over the window.
    data_note : str
        What the data are (``market.attrs["data_note"]``); SIMULATED data say so.

    Returns
    -------
    str
        Markdown: a few sentences.
    """
    lines = [f"**{symbol}** at {price_usd:,.6g} USD ({window}). Data: {data_note}."]
    for key, what in (("below", "below"), ("above", "above")):
        row = nearest.get(key)
        lines.append(
            "T" + _zone_text(row, what)[1:] + "."
            if row is not None
            else f"No hot zone {what} the price within the range searched."
        )
    if len(alerts):
        sides = alerts["side"].value_counts()
        parts = [f"{n} of {s}s" for s, n in sides.items()]
        lines.append(
            f"**{len(alerts)} alert(s)**: hot zones within {within_pct:g} % of the price "
            f"({', '.join(parts)}), {_usd(float(alerts['usd'].sum()))} in all."
        )
    else:
        lines.append(f"No hot zone lies within {within_pct:g} % of the price: no alert.")
    total_l, total_s = float(hourly["long_usd"].sum()), float(hourly["short_usd"].sum())
    if total_l + total_s > 0:
        peak = hourly["total_usd"].idxmax()
        lines.append(
            f"Over the window the model swept {_usd(total_l)} of longs and {_usd(total_s)} of "
            f"shorts; the busiest hour began {peak:%Y-%m-%d %H:%M} UTC "
            f"({_usd(float(hourly.loc[peak, 'total_usd']))})."
        )
    else:
        lines.append("The model swept no liquidation level during the window.")
    lines.append(
        "A heatmap shows where liquidations would cluster if price got there, not which way "
        "price will go."
    )
    return " ".join(lines)


def summarize_case(symbol: str, rec: dict, data_note: str) -> str:
    """One paragraph on one symbol of a case study, made only from ``rec``
    (:func:`liqlib.stories.case.case_records`) and ``data_note`` (what the data are)."""
    text = [
        f"**{symbol}** ({data_note}). The biggest fall in the price data was "
        f"{rec['drop_pct']:.2f} %, to {rec['low_usd']:,.6g} USD at "
        f"{pd.Timestamp(rec['low_time']):%Y-%m-%d %H:%M} UTC.",
        f"Of the {rec['zones']} hot zones on the map before it, price reached "
        f"{rec['zones_reached']}.",
        f"The {rec['model']} model swept {_usd(rec['swept_long_usd'])} of longs and "
        f"{_usd(rec['swept_short_usd'])} of shorts.",
    ]
    if rec["top_hours"]:
        text.append(
            f"Its biggest sweep hour began {pd.Timestamp(rec['top_hours'][0]):%Y-%m-%d %H:%M} UTC."
        )
    rho = rec.get("sweeps_vs_oi_spearman")
    if rho is not None and np.isfinite(rho):
        text.append(
            f"Hourly sweeps and open-interest falls have a Spearman correlation of {rho:.2f}."
        )
    else:
        text.append("Open interest was not available, so sweeps were not compared with it.")
    return " ".join(text)


def daily_summary(hm: Heatmap, market: pd.DataFrame) -> pd.DataFrame:
    """Day by day (UTC): the price's change and low, and what the model swept.

    Returns
    -------
    pandas.DataFrame
        Index: the day (UTC); ``close_usd`` (last close), ``change_pct`` (close to close, %),
        ``low_usd`` (lowest low, mark low when present), ``long_usd``/``short_usd`` (USD swept
        by the model that day) and ``long_share_pct`` (``100 * long / (long + short)``).
    """
    close = _mark_or_trade(market, C.MARK_CLOSE, C.CLOSE)
    low = _mark_or_trade(market, C.MARK_LOW, C.LOW)
    out = pd.DataFrame(
        {
            "close_usd": close.resample("1D").last(),
            "low_usd": low.resample("1D").min(),
            "long_usd": hm.predicted_long_usd.resample("1D").sum(),
            "short_usd": hm.predicted_short_usd.resample("1D").sum(),
        }
    )
    out["change_pct"] = out["close_usd"].pct_change() * 100.0
    out["long_share_pct"] = long_share_pct(out["long_usd"].fillna(0), out["short_usd"].fillna(0))
    out.index = out.index.rename("day")
    return out[["close_usd", "change_pct", "low_usd", "long_usd", "short_usd", "long_share_pct"]]


def crash_hour(market: pd.DataFrame) -> dict:
    """The hour with the deepest fall from its open to its low (trade or mark prices).

    Returns
    -------
    dict
        ``time`` (hour open, UTC), ``open_usd``, ``low_usd``, ``close_usd``, ``fall_pct``
        (open to low, negative %) and ``recovered_pct`` (share of the fall the close
        recovered, %).
    """
    hourly = pd.DataFrame(
        {
            "open": _mark_or_trade(market, C.MARK_OPEN, C.OPEN).resample("1h").first(),
            "low": _mark_or_trade(market, C.MARK_LOW, C.LOW).resample("1h").min(),
            "close": _mark_or_trade(market, C.MARK_CLOSE, C.CLOSE).resample("1h").last(),
        }
    ).dropna()
    if hourly.empty:
        raise InputError("market has no prices: load a window with candles")
    fall = hourly["low"] / hourly["open"] - 1.0
    t = fall.idxmin()
    row = hourly.loc[t]
    depth = row["open"] - row["low"]
    return dict(
        time=t,
        open_usd=float(row["open"]),
        low_usd=float(row["low"]),
        close_usd=float(row["close"]),
        fall_pct=float(fall.loc[t]) * 100.0,
        recovered_pct=float((row["close"] - row["low"]) / depth * 100.0) if depth > 0 else 0.0,
    )


def longs_reached(hm: Heatmap, at, low_usd: float) -> dict:
    """How much of the longs on the map at ``at`` lay between the price and ``low_usd``.

    Parameters
    ----------
    hm : liqlib.Heatmap
        The estimated heatmap (USD per price bin and column).
    at : str or pandas.Timestamp
        Time of the map (UTC; the last column at or before it).
    low_usd : float
        A later low (USD/coin).

    Returns
    -------
    dict
        ``price_usd`` (the map's price), ``longs_below_usd`` (all longs below the price),
        ``reached_usd`` (those with a liquidation price at or above ``low_usd``) and
        ``reached_pct`` (their share, %).
    """
    lm = hm.liquidation_map(at)
    px = float(lm.attrs["price"])
    centers = lm.index.to_numpy(dtype=float)
    longs = lm["long_usd"].to_numpy(dtype=float)
    below = centers < px
    total = float(longs[below].sum())
    reached = min(float(longs[below & (centers >= low_usd)].sum()), total)
    return dict(
        price_usd=px,
        longs_below_usd=total,
        reached_usd=reached,
        reached_pct=100.0 * min(reached / total, 1.0) if total > 0 else float("nan"),
    )


def status_banner(market: pd.DataFrame, now=None) -> str:
    """The first lines of a report: where the data come from, SIMULATED or real, the data's last
    time and how stale it is.

    Parameters
    ----------
    market : pandas.DataFrame
        The report's market (``attrs``: ``data_note`` or ``source``, ``synthetic``).
    now : str or pandas.Timestamp, optional
        The time to measure staleness against (UTC); default the current time.

    Returns
    -------
    str
        Markdown: a bold status line, then a paragraph naming the source.

    Examples
    --------
    >>> m = pd.DataFrame({"close": [1.0, 1.0]},
    ...                  index=pd.date_range("2025-01-01", periods=2, freq="1h", tz="UTC"))
    >>> m.attrs = {"data_note": "real Binance data", "symbol": "BTCUSDT"}
    >>> print(status_banner(m, now="2025-01-01 05:00"))
    **REAL DATA** · BTCUSDT · data up to 2025-01-01 02:00 UTC, 3 h 0 min old
    <BLANKLINE>
    Source: real Binance data.
    """
    step = market.index[1] - market.index[0] if len(market) > 1 else pd.Timedelta(0)
    last = market.index[-1] + step
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    if now.tz is None:
        now = now.tz_localize("UTC")
    age = now - last
    minutes = int(age.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    old = (f"{days} d " if days else "") + f"{hours} h {mins} min old"
    if minutes < 0:
        old = "ends after the report's clock"
    simulated = bool(market.attrs.get("synthetic"))
    kind = "SIMULATED DATA (not a real market)" if simulated else "REAL DATA"
    note = market.attrs.get("data_note") or market.attrs.get("source", "source not recorded")
    symbol = market.attrs.get("symbol", "")
    extra = " The simulator's clock is not today's: its age says nothing." if simulated else ""
    return (
        f"**{kind}** · {symbol} · data up to {last:%Y-%m-%d %H:%M} UTC, {old}\n\n"
        f"Source: {note}.{extra}"
    )


def alerts_table(alerts: pd.DataFrame, within_pct: float) -> pd.DataFrame:
    """Proximity alerts with readable columns, one row per alert; with none, one row saying so.

    Parameters
    ----------
    alerts : pandas.DataFrame
        From :func:`liqlib.stories.zones.proximity_alerts`.
    within_pct : float
        The alert distance (%), for the no-alert row.

    Returns
    -------
    pandas.DataFrame
        Columns ``alert``, ``side``, ``from (USD)``, ``to (USD)``, ``distance (%)``,
        ``USD at stake``, ``share of nearby USD (%)``; numbers are NaN in the no-alert row.
    """
    cols = ["alert", "side", "from (USD)", "to (USD)", "distance (%)", "USD at stake",
            "share of nearby USD (%)"]  # fmt: skip
    if alerts.empty:
        row = [f"none: no hot zone within {within_pct:g} % of the price", ""]
        return pd.DataFrame([row + [np.nan] * (len(cols) - 2)], columns=cols)
    side = alerts["side"].map({"long": "longs (price falls)", "short": "shorts (price rises)"})
    return pd.DataFrame(
        {
            "alert": [f"{i + 1}" for i in range(len(alerts))],
            "side": side.to_numpy(),
            "from (USD)": alerts["zone_lo"].to_numpy(),
            "to (USD)": alerts["zone_hi"].to_numpy(),
            "distance (%)": alerts["distance_pct"].to_numpy(),
            "USD at stake": alerts["usd"].to_numpy(),
            "share of nearby USD (%)": alerts["share_pct"].to_numpy(),
        }
    )[cols]


#: ``Styler.format`` of :func:`hot_zones_table`
HOT_ZONES_FORMAT = {
    "from (USD)": "{:,.6g}",
    "to (USD)": "{:,.6g}",
    "distance (%)": "{:+.2f} %",
    "USD at stake": "{:,.0f}",
    "x next zone": "{:.2f}x",
    "prominence (%)": "{:.0f} %",
}


def hot_zones_table(zones: pd.DataFrame) -> pd.DataFrame:
    """Hot zones ranked by USD, with readable columns and how far each stands above the next.

    Parameters
    ----------
    zones : pandas.DataFrame
        From :func:`liqlib.stories.zones.compute_hot_zones`.

    Returns
    -------
    pandas.DataFrame
        One row per zone, the most USD first: ``rank``, ``side``, ``from (USD)``, ``to (USD)``,
        ``distance (%)``, ``USD at stake``, ``x next zone`` (its USD over the next-ranked
        zone's; NaN for the last) and ``prominence (%)``.

    Examples
    --------
    >>> z = pd.DataFrame({"side": ["long", "short"], "zone_lo": [95.0, 104.0],
    ...                   "zone_hi": [95.5, 104.5], "usd": [2e6, 5e6], "distance_pct": [-4.75, 4.25],
    ...                   "prominence_pct": [60.0, 80.0], "rank": [2, 1]})
    >>> hot_zones_table(z)["x next zone"].tolist()
    [2.5, nan]
    """
    z = zones.sort_values("rank")
    usd = z["usd"].to_numpy(dtype=float)
    ratio = np.append(usd[:-1] / usd[1:], np.nan) if len(usd) else usd
    side = z["side"].map({"long": "longs (price falls)", "short": "shorts (price rises)"})
    return pd.DataFrame(
        {
            "rank": z["rank"].to_numpy(),
            "side": side.to_numpy(),
            "from (USD)": z["zone_lo"].to_numpy(),
            "to (USD)": z["zone_hi"].to_numpy(),
            "distance (%)": z["distance_pct"].to_numpy(),
            "USD at stake": usd,
            "x next zone": ratio,
            "prominence (%)": z["prominence_pct"].to_numpy(),
        }
    )
