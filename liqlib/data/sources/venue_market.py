"""One market frame from a venue's REST pieces (pure; no I/O): the same columns and grid rules
as Binance's ``lq.load_market``, so frames of several venues line up on one time axis."""

from __future__ import annotations

import pandas as pd

from liqlib.data import columns as C
from liqlib.errors import DataNotFoundError, InputError


def assemble_market(
    klines: pd.DataFrame, mark: pd.DataFrame, oi: pd.DataFrame, funding: pd.DataFrame,
    grid: pd.DatetimeIndex, *, oi_step: pd.Timedelta, venue: str, symbol: str,
) -> pd.DataFrame:  # fmt: skip
    """Put a venue's candles, mark candles, open interest and funding on ``grid``.

    Candles match bar open times exactly; open interest is the latest value at or before the
    bar open within ``oi_step``; funding is the latest settled rate, in force until the next
    settlement. ``oi_usd`` is ``oi_coin`` x ``mark_close`` where the venue does not give it
    (Bybit; NaN in its cached open interest).
    Columns the venue does not publish (trades, taker volumes, long/short ratios) are NaN.

    Raises
    ------
    DataNotFoundError
        The venue returned no candles for the window.
    """
    if klines.empty:
        raise DataNotFoundError(
            f"{venue} returned no {symbol} candles in the window: check the symbol and dates "
            "(a listing date after the start leaves nothing)"
        )
    out = pd.DataFrame(index=grid)
    out = out.join(klines.reindex(grid))
    out = out.join(mark[list(C.MARK_COLUMNS)].reindex(grid))
    if oi.empty:
        out[C.OI_COIN] = float("nan")
    else:
        out[C.OI_COIN] = (
            oi[C.OI_COIN]
            .sort_index()
            .reindex(grid, method="ffill", tolerance=oi_step - pd.Timedelta(1, "ms"))
        )
    out[C.OI_USD] = out[C.OI_COIN] * out[C.MARK_CLOSE]
    if C.OI_USD in oi.columns and not oi.empty:  # the venue's own USD value where it gives one
        given = (
            oi[C.OI_USD]
            .sort_index()
            .reindex(grid, method="ffill", tolerance=oi_step - pd.Timedelta(1, "ms"))
        )
        out[C.OI_USD] = given.fillna(out[C.OI_USD])
    if funding.empty:
        out[C.FUNDING_RATE] = float("nan")
        out[C.FUNDING_INTERVAL_HOURS] = float("nan")
    else:
        times = funding.index.sort_values()
        hours = times.to_series().diff().dt.total_seconds().div(3600).bfill()
        longest = float(hours.max()) if hours.notna().any() else 8.0  # one settlement: 8 h
        tol = pd.Timedelta(hours=longest)
        f = funding.sort_index()
        out[C.FUNDING_RATE] = f[C.FUNDING_RATE].reindex(grid, method="ffill", tolerance=tol)
        out[C.FUNDING_INTERVAL_HOURS] = pd.Series(hours.to_numpy(), index=times).reindex(
            grid, method="ffill", tolerance=tol
        )
    for col in C.MARKET_COLUMNS:
        if col not in out.columns:
            out[col] = float("nan")
    out = out[list(C.MARKET_COLUMNS)]
    out.index.name = C.TIME
    out.attrs.update(
        venue=venue, source=venue, symbol=symbol, interval=pd.tseries.frequencies.to_offset(
            grid.freq).freqstr if grid.freq is not None else None,
        missing_rows={"klines": int(out[C.CLOSE].isna().sum()),
                      "mark": int(out[C.MARK_CLOSE].isna().sum()),
                      "oi": int(out[C.OI_COIN].isna().sum())},
    )  # fmt: skip
    return out


#: Bar lengths both Bybit's and OKX's candle endpoints publish (canonical names).
VENUE_INTERVALS = ("1m", "5m", "15m", "30m", "1h", "4h", "1d")


def fetch_venue_market(
    rest, venue: str, symbol: str, start, end, interval: str = "5m", *, session=None,
    url: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """One aligned market frame of a REST venue (Bybit, OKX), in ``lq.load_market``'s columns.

    Parameters
    ----------
    rest : module
        The venue's REST module: ``fetch_klines``, ``fetch_open_interest``, ``fetch_funding``.
    venue, symbol : str
        Names written into ``attrs``.
    start, end : str or datetime-like
        Half-open UTC window.
    interval : str
        Bar length (``"5m"`` or ``"5min"``; one of :data:`VENUE_INTERVALS`).

    Returns
    -------
    pandas.DataFrame
        Candles and mark candles at ``interval``, open interest at 5 minutes (1 hour for bars
        of an hour or more), funding settlements; columns the venue does not publish are NaN.
    """
    from liqlib.data.http import make_session
    from liqlib.data.sources.restjson import window_ms
    from liqlib.data.time import parse_interval

    step, interval = parse_interval(interval)
    if interval not in VENUE_INTERVALS:
        raise InputError(
            f"interval {interval!r} is not one of {', '.join(VENUE_INTERVALS)}: use e.g. '5m'"
        )
    session = session or make_session()
    t0, t1 = window_ms(start, end)
    oi_interval = "5m" if step < pd.Timedelta("1h") else "1h"
    kw = dict(session=session, url=url)
    klines = rest.fetch_klines(symbol, start, end, interval, **kw)
    mark = rest.fetch_klines(symbol, start, end, interval, mark=True, **kw)
    day_before = pd.Timestamp(t0 - 86_400_000, unit="ms", tz="UTC")
    hour_before = pd.Timestamp(t0 - 3_600_000, unit="ms", tz="UTC")
    oi = rest.fetch_open_interest(symbol, hour_before, end, oi_interval, **kw)
    funding = rest.fetch_funding(symbol, day_before, end, **kw)
    t_end = pd.Timestamp(t1, unit="ms", tz="UTC")
    grid = pd.date_range(pd.Timestamp(t0, unit="ms", tz="UTC"), t_end, freq=step,
                         inclusive="left", name="time").as_unit("ns")  # fmt: skip
    market = assemble_market(klines, mark, oi, funding, grid, oi_step=pd.Timedelta(oi_interval),
                             venue=venue, symbol=symbol.upper())  # fmt: skip
    market.attrs.update(start=str(grid[0]), end=str(t_end),
                        oi_field=oi.attrs.get("oi_field", "oiCcy"))  # fmt: skip
    return market
