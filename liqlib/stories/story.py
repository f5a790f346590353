"""The numbers behind the stories: hourly liquidations and their long/short imbalance, open
interest changes, the biggest drop of a window, and plain-English summaries made from them.

Every sentence :func:`summarize_report` writes is filled in from its arguments: nothing in it
is typed by hand.

Examples
--------
>>> imbalance(pd.Series([30.0, 5.0]), pd.Series([10.0, 0.0])).tolist()
[2.0, nan]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqlib.data import columns as C
from liqlib.errors import InputError
from liqlib.estimate.heatmap import Heatmap
from liqlib.viz.units import format_usd

__all__ = [
    "biggest_drop",
    "hourly_liquidations",
    "hourly_oi_change",
    "imbalance",
    "summarize_case",
    "summarize_report",
    "top_hours",
]


def imbalance(long_usd, short_usd):
    """Long/short liquidation imbalance ``(long - short) / short`` (a ratio; 2.0 = "200 %
    more longs than shorts"), the figure news sites quoting Coinglass use. NaN where
    ``short`` is 0 (the ratio is undefined there).
    """
    long_usd = np.asarray(long_usd, dtype=float) if np.ndim(long_usd) == 0 else long_usd
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (long_usd - short_usd) / short_usd
    if isinstance(out, pd.Series):
        return out.where(short_usd > 0)
    return np.where(np.asarray(short_usd) > 0, out, np.nan)


def hourly_liquidations(hm: Heatmap, freq: str = "1h") -> pd.DataFrame:
    """The model's predicted liquidations summed per hour (or ``freq``), with the imbalance.

    Returns
    -------
    pandas.DataFrame
        Index: hour open time (UTC); ``long_usd``, ``short_usd``, ``total_usd`` (USD swept in
        the hour) and ``imbalance`` (``(long - short) / short``, NaN when no short was swept).
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
    out["imbalance"] = imbalance(out["long_usd"], out["short_usd"])
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
