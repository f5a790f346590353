"""Case studies of past sell-offs: what data each symbol has, and the analysis of one symbol.

:func:`load_case` takes the best the configured source holds and says what is missing:

1. the full window from the archive (trade klines, mark price, open interest, funding):
   liqlib's default model (:data:`liqlib.DEFAULT_MODEL`);
2. otherwise, real 1-minute trade-kline slices held offline (``raw/isda`` of the shared data,
   see :func:`liqlib.shared_data_file`) that overlap the window: model ``volume`` (no open
   interest), on those hours only;
3. otherwise no heatmap for the symbol; the price (mark-price klines) and funding are still
   shown when the source has them.

With ``data="events"`` (the offline default of the case studies) the heatmap runs on the
**real hourly perpetual candles bundled with liqlib** (:func:`liqlib.load_event_candles`,
Binance USD-M): trade-price OHLC and volume only, no open interest, no mark price, no taker
flow. The model the data support is ``volume`` with an even long/short split and a 24-hour
fade (24 hourly candles); the open-interest comparison is skipped, and every note says so.
Real 1-minute slices held beside the repository (``raw/isda``) are added as a close-up when
present.

With ``data="demo"`` the bundled **SIMULATED** demo market stands in, labelled as such.

Examples
--------
>>> c = load_case("demo", "BTCUSDT", "2025-11-01", "2025-11-08")
>>> c.model, c.real
('turnover', False)
>>> c = load_case("events", "DOGEUSDT", "2025-11-01", "2025-11-08")
>>> c.model, c.real, c.model_kw["split"], len(c.market)
('volume', True, 'even', 168)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from liqlib.data import columns as C
from liqlib.errors import DataNotFoundError, DownloadError, InputError
from liqlib.estimate.heatmap import Heatmap
from liqlib.estimate.registry import DEFAULT_MODEL, estimate_heatmap
from liqlib.sim.datasource import load_data, shared_data_dir
from liqlib.stories.story import biggest_drop, hourly_liquidations, hourly_oi_change, top_hours
from liqlib.stories.zones import compute_hot_zones, zone_sweeps

__all__ = [
    "CASE_DATA",
    "EVENT_MODEL_KW",
    "CaseData",
    "CaseResult",
    "analyze_case",
    "availability",
    "find_kline_slices",
    "load_case",
]

SLICE_DIR = "raw/isda"
#: Where a case study's data can come from: bundled real hourly candles (offline default), the
#: Binance archive (online: 1m klines, mark price, open interest), the SIMULATED demo.
CASE_DATA = ("events", "binance", "demo")
#: What the volume model is told on hourly candles without taker flow: an even long/short split
#: and levels that fade with a one-day half-life (24 hourly candles).
EVENT_MODEL_KW = {"split": "even", "fade_half_life_candles": 24.0}


@dataclass
class CaseData:
    """What one symbol of a case has: ``market`` (for the heatmap, or None), ``prices`` (a
    price path for context, or None), ``funding`` (settled rates, or None), the ``model`` the
    heatmap uses and ``model_kw`` (engine settings the data impose), whether the data are
    ``real``, ``notes`` saying what is missing, and ``closeup`` (real 1-minute klines of part
    of the window, when held offline)."""

    symbol: str
    market: pd.DataFrame | None
    prices: pd.DataFrame | None
    funding: pd.Series | None
    model: str | None
    real: bool
    notes: list[str] = field(default_factory=list)
    model_kw: dict = field(default_factory=dict)
    closeup: pd.DataFrame | None = None


def find_kline_slices(symbol: str, start, end, folder: Path | None = None) -> pd.DataFrame | None:
    """Real 1-minute trade klines of ``symbol`` held offline that overlap ``[start, end)``,
    concatenated (None when there are none). Files are archive CSVs named
    ``SYMBOL-1m-...csv`` in ``raw/isda`` of the shared data."""
    from liqlib.data.sources.binance.parsers import parse_klines

    if folder is not None:
        base = Path(folder)
    else:
        root = shared_data_dir()
        base = None if root is None else root / SLICE_DIR
    if base is None or not base.is_dir():
        return None
    lo, hi = pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC")
    parts = []
    for path in sorted(base.glob(f"{symbol}-1m-*.csv")):
        df = parse_klines(path.read_bytes(), source=path.name)
        df = df.loc[(df.index >= lo) & (df.index < hi)]
        if len(df):
            parts.append(df)
    if not parts:
        return None
    out = pd.concat(parts).sort_index()
    out = out[~out.index.duplicated()]
    out.attrs.update(symbol=symbol, interval="1m", source=f"real Binance 1m klines ({SLICE_DIR})")
    return out


def _try(symbol, start, end, interval, include):
    from liqlib.data.store import load_market

    try:
        return load_market(symbol, start, end, interval=interval, include=include), None
    except (DataNotFoundError, DownloadError) as err:
        return None, str(err).split(" (")[0]


def load_case(
    data: str, symbol: str, start: str, end: str, interval: str = "1m", *, slice_folder=None
) -> CaseData:
    """The data of one symbol of a case study, the best the source holds (module docstring).

    Parameters
    ----------
    data : {"events", "binance", "demo", "synthetic"}
        The source (module docstring); ``"demo"``/``"synthetic"`` are SIMULATED stand-ins.
    symbol : str
        Binance USD-M symbol, e.g. ``"BTCUSDT"``.
    start, end : str
        The case window (UTC), ``[start, end)``.
    interval : str
        Bars of the heatmap market (``"1m"``, ``"5m"``).
    slice_folder : path, optional
        Where to look for 1-minute slices (default ``raw/isda`` of the shared data).
    """
    if data in ("demo", "synthetic"):
        m = load_data(data, interval=interval)
        note = f"{m.attrs['data_note']}; stands in for {symbol} (no real data used)"
        return CaseData(m.attrs.get("symbol", symbol), m, m, None, DEFAULT_MODEL, False, [note])
    if data == "events":
        return _event_case(symbol, start, end, slice_folder)
    if data != "binance":
        raise InputError(f"DATA={data!r} is unknown: use one of {list(CASE_DATA)}")
    notes = []
    market, why = _try(symbol, start, end, interval, ("klines", "markPriceKlines", "metrics"))
    prices, _ = (
        (market, None)
        if market is not None
        else _try(symbol, start, end, "5m", ("markPriceKlines",))
    )
    fund, _ = _try(symbol, start, end, "1h", ("fundingRate",))
    funding = None if fund is None else fund[C.FUNDING_RATE].resample("8h").first().dropna()
    model = DEFAULT_MODEL if market is not None else None
    if market is None:
        notes.append(f"full window not in the source ({why})")
        market = find_kline_slices(symbol, start, end, slice_folder)
        if market is not None:
            model = "volume"
            notes.append(
                f"heatmap from real 1m trade klines held offline, {market.index[0]:%Y-%m-%d %H:%M}"
                f" to {market.index[-1]:%H:%M} UTC only, volume model (no open interest: "
                "open-interest comparison skipped)"
            )
        else:
            notes.append("no trade klines for this symbol offline: heatmap skipped")
    if prices is None and market is not None:
        notes.append("no mark-price klines: price context from the 1m trade klines only")
        prices = market
    elif prices is None:
        notes.append("no price data at all")
    if funding is None:
        notes.append("no funding rates")
    return CaseData(symbol, market, prices, funding, model, True, notes)


def _event_case(symbol: str, start: str, end: str, slice_folder) -> CaseData:
    """A case on the bundled real hourly candles (+ 1-minute slices when held offline)."""
    from liqlib.data.events import load_event_candles

    market = load_event_candles(symbol, "binance", start, end)
    # a short name for figure titles; the provenance is in liqlib/datasets/events/README.md
    market.attrs["source"] = "real Binance USD-M candles bundled with liqlib (public domain)"
    market.attrs["data_note"] = f"real hourly Binance {symbol} perpetual candles (bundled)"
    notes = [
        "real hourly Binance perpetual candles bundled with liqlib: no open interest, no mark "
        "price, no taker flow; volume model, even long/short split, 24 h fade; "
        "open-interest comparison skipped"
    ]
    closeup = find_kline_slices(symbol, start, end, slice_folder)
    if closeup is not None:
        notes.append(
            f"close-up from real 1m klines held offline, {closeup.index[0]:%Y-%m-%d %H:%M} to "
            f"{closeup.index[-1]:%H:%M} UTC"
        )
    return CaseData(symbol, market, market, None, "volume", True, notes, dict(EVENT_MODEL_KW),
                    closeup)  # fmt: skip


def availability(cases: list[CaseData]) -> pd.DataFrame:
    """One row per symbol: heatmap source and model, price and funding, and the notes."""
    rows = {}
    for c in cases:
        span = (
            "none"
            if c.market is None
            else f"{c.market.index[0]:%m-%d %H:%M} to {c.market.index[-1]:%m-%d %H:%M} UTC"
        )
        rows[c.symbol] = {
            "data": "real" if c.real else "SIMULATED",
            "heatmap window": span,
            "model": c.model or "none",
            "price context": "none" if c.prices is None else f"{len(c.prices):,} bars",
            "funding settlements": 0 if c.funding is None else len(c.funding),
            "what is missing / skipped": "; ".join(c.notes),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("symbol")


@dataclass
class CaseResult:
    """The analysis of one symbol (:func:`analyze_case`)."""

    data: CaseData
    hm: Heatmap
    drop: dict
    zones: pd.DataFrame
    swept: pd.DataFrame
    hourly: pd.DataFrame
    oi_change: pd.Series
    top: pd.DataFrame


def analyze_case(
    case: CaseData, *, drop_within: str = "24h", top_n: int = 6, zone_pct: float = 0.5, **params
) -> CaseResult:
    """Heatmap, the biggest drop (of the price context: the whole window when the source has
    it), hot zones at the high before it and when price reached them,
    predicted liquidations per hour (with the long share), open-interest changes and the
    biggest sweep hours, for one symbol with a heatmap market.

    ``**params`` go to :func:`liqlib.estimate_heatmap` (``params=EngineParams(...)``,
    ``n_bins``...); the bracket table is always the symbol's own.
    """
    if case.market is None:
        raise InputError(f"{case.symbol} has no market for a heatmap: skip it (see its notes)")
    base = params.pop("params", None)
    symbol = case.symbol if case.real else "BTCUSDT"  # the demo imitates BTCUSDT
    if base is not None:
        base = dataclasses.replace(base, symbol=symbol)
    else:
        params.setdefault("symbol", symbol)
    hm = estimate_heatmap(case.market, model=case.model, params=base,
                          **{**case.model_kw, **params})  # fmt: skip
    drop = biggest_drop(case.prices if case.prices is not None else case.market, drop_within)
    # the map just before the drop began (or the heatmap's first column, if it starts later)
    at = min(max(pd.Timestamp(drop["peak_time"]), hm.times[0]), hm.times[-1])
    zones = compute_hot_zones(hm, at, zone_pct=zone_pct, top_n=top_n)
    swept = zone_sweeps(zones, case.market)
    hourly = hourly_liquidations(hm)
    return CaseResult(
        case, hm, drop, zones, swept, hourly, hourly_oi_change(case.market), top_hours(hourly)
    )


def sweeps_vs_oi(result: CaseResult) -> float:
    """Spearman correlation of the hourly predicted liquidations with the hourly fall of open
    interest (NaN without open interest or with fewer than 3 hours)."""
    fall = (-result.oi_change).clip(lower=0)
    both = pd.concat([result.hourly["total_usd"], fall], axis=1).dropna()
    if len(both) < 3 or both.iloc[:, 1].nunique() < 2 or both.iloc[:, 0].nunique() < 2:
        return float("nan")
    return float(both.rank().corr().iloc[0, 1])


def drop_table(results: list[CaseResult]) -> pd.DataFrame:
    """The biggest drop of each symbol, as computed from its market (no typed figure)."""
    return (
        pd.DataFrame({r.data.symbol: r.drop for r in results})
        .T.rename_axis("symbol")
        .astype({"peak_usd": float, "low_usd": float, "drop_pct": float})
    )


def case_records(result: CaseResult) -> dict:
    """Key figures of one symbol, for ``lq.record``."""
    top = result.top
    return {
        "model": result.data.model,
        "real": result.data.real,
        "drop_pct": result.drop["drop_pct"],
        "low_usd": result.drop["low_usd"],
        "low_time": result.drop["low_time"].isoformat(),
        "zones_reached": int(result.swept["swept_at"].notna().sum()),
        "zones": len(result.swept),
        "top_hours": [t.isoformat() for t in top.index],
        "swept_long_usd": float(result.hourly["long_usd"].sum()),
        "swept_short_usd": float(result.hourly["short_usd"].sum()),
        "sweeps_vs_oi_spearman": sweeps_vs_oi(result),
        "long_share_top_hour_pct": float(top["long_share_pct"].iloc[0]) if len(top) else np.nan,
    }
