"""One market frame from a venue's REST pieces (pure; no I/O): the same columns and grid rules
as Binance's ``lq.load_market``, so frames of several venues line up on one time axis."""

from __future__ import annotations

import pandas as pd

from liqlib.data import columns as C
from liqlib.errors import DataNotFoundError


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


def fetch_venue_market(
    rest, venue: str, symbol: str, start, end, interval: str = "5m", *, session=None,
    url: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """One aligned market frame of a REST venue (Bybit, OKX), in ``lq.load_market``'s columns,
    fetched for the window only, checked against the contract and **not cached** (the cached
    path is :func:`liqlib.data.venue_cache.load_venue_market`, used by ``lq.load_market(...,
    venues=...)``).

    Parameters
    ----------
    rest : module
        The venue's REST module (only its name is used: kept for the callers).
    venue, symbol : str
        The venue and a symbol (:func:`liqlib.data.instruments.resolve_instrument` maps it to
        the venue's instrument: ``1000PEPEUSDT`` on Bybit, ``PEPE-USDT-SWAP`` on OKX).
    start, end : str or datetime-like
        Half-open UTC window.
    interval : str
        Bar length (``"5m"`` or ``"5min"``).
    session : requests.Session, optional
        HTTP session; default :func:`liqlib.data.http.make_session`.
    url : str, optional
        The venue's REST root (default ``$LIQLIB_<VENUE>_REST_URL``, else its public
        address).

    Returns
    -------
    pandas.DataFrame
        In the venue's unit (see :mod:`liqlib.data.instruments`); columns the venue does not
        publish are NaN.
    """
    from liqlib.data.instruments import resolve_instrument
    from liqlib.data.venue_cache import load_venue_market

    inst = resolve_instrument(symbol, venue)
    return load_venue_market(inst, start, end, interval, cache=False, session=session, url=url)
