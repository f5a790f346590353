"""Bybit v5 REST, linear USDT perpetuals: candles (trade and mark), open interest, funding and
risk-limit tiers. ``fetch_*`` page through ``$LIQLIB_BYBIT_REST_URL`` (default
https://api.bybit.com) and end by calling the pure ``parse_*`` of one response.

Units: sizes are **coins** of the instrument's unit on every endpoint (base coin; 1,000
tokens for ``1000PEPEUSDT``, converted to tokens once by
:func:`liqlib.data.instruments.to_base_units`), prices USD (USDT), so no contract conversion
is needed.

Open interest, the one documented choice: liqlib's ``oi_coin`` counts **one side** (as
Binance's ``sumOpenInterest``). Bybit documents ``openInterest`` as the sum of both sides; its
own example, and live answers quoted by third parties (e.g. ETHUSDT ``openInterest``
52,664.642 with ``singleOpenInterest`` 26,332.321), show exactly twice
``singleOpenInterest`` (a field added 2026-06-11). So :func:`parse_open_interest` takes
``singleOpenInterest`` where a row has it and **half of** ``openInterest`` where it does not,
and records which in ``attrs["oi_field"]`` (``"singleOpenInterest"``, ``"openInterest/2"`` or
``"mixed"``). Whether Bybit's values before 2026 really counted both sides is not proven
(VENUES.md pitfall 6); the choice follows the documentation, and a Bybit frame's share of an
aggregated open interest would be twice too large if it did not.
"""

from __future__ import annotations

import pandas as pd

from liqlib.data import columns as C
from liqlib.data.http import make_session
from liqlib.data.sources.restjson import base_url, get_json, page_backwards, utc_index, window_ms
from liqlib.data.time import TimeLike
from liqlib.errors import CorruptDataError, InputError

REST_URL_ENV = "LIQLIB_BYBIT_REST_URL"
DEFAULT_REST_URL = "https://api.bybit.com"
#: liqlib interval -> Bybit ``interval`` (minutes, or D)
INTERVALS = {"1m": "1", "5m": "5", "15m": "15", "30m": "30", "1h": "60", "4h": "240", "1d": "D"}
OI_INTERVALS = {"5m": "5min", "15m": "15min", "30m": "30min", "1h": "1h", "4h": "4h", "1d": "1d"}


def _result(body, what: str) -> dict:
    if not isinstance(body, dict) or body.get("retCode") != 0:
        msg = body.get("retMsg") if isinstance(body, dict) else str(body)[:80]
        raise CorruptDataError(
            f"Bybit {what}: error {msg!r}; check the symbol (e.g. BTCUSDT) and {REST_URL_ENV}"
        )
    result = body.get("result")
    if not isinstance(result, dict) or not isinstance(result.get("list"), list):
        raise CorruptDataError(f"Bybit {what}: no result.list in the answer; check {REST_URL_ENV}")
    return result


def _interval(interval: str, table: dict) -> str:
    if interval not in table:
        raise InputError(f"interval {interval!r} is not one of {', '.join(table)}: use e.g. '5m'")
    return table[interval]


def _numbers(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    try:
        out = frame.astype(float)
    except ValueError as exc:
        raise CorruptDataError(f"Bybit {what}: a value is not a number ({exc})") from exc
    return out


def parse_klines(body, *, mark: bool = False) -> pd.DataFrame:
    """Trade (``open``..``close`` USD, ``volume`` coins, ``quote_volume`` USD) or mark-price
    (``mark_open``..``mark_close``) candles of one ``/v5/market/(mark-price-)kline`` answer,
    oldest first.

    Examples
    --------
    >>> body = {"retCode": 0, "result": {"list": [
    ...     ["1700000060000", "2", "3", "1", "2.5", "10", "25"],
    ...     ["1700000000000", "1", "2", "1", "2", "4", "8"]]}}
    >>> parse_klines(body)[["open", "close", "volume"]].to_numpy().tolist()
    [[1.0, 2.0, 4.0], [2.0, 2.5, 10.0]]
    """
    rows = _result(body, "kline")["list"]
    cols = list(C.MARK_COLUMNS) if mark else [*C.PRICE_COLUMNS, C.VOLUME, C.QUOTE_VOLUME]
    if any(not isinstance(r, list) or len(r) < len(cols) + 1 for r in rows):
        raise CorruptDataError("Bybit kline: a row has too few fields")
    frame = pd.DataFrame(
        [r[1 : len(cols) + 1] for r in rows], columns=cols, index=utc_index(int(r[0]) for r in rows)
    )
    return _numbers(frame, "kline").sort_index()


def parse_open_interest(body) -> pd.DataFrame:
    """``oi_coin`` (coins, **one side**: see the module note) of one
    ``/v5/market/open-interest`` answer, oldest first.

    Examples
    --------
    >>> body = {"retCode": 0, "result": {"list": [
    ...     {"openInterest": "20", "singleOpenInterest": "10", "timestamp": "1700000300000"},
    ...     {"openInterest": "30", "timestamp": "1700000000000"}]}}
    >>> oi = parse_open_interest(body)
    >>> oi.oi_coin.tolist(), oi.attrs["oi_field"]
    ([15.0, 10.0], 'mixed')
    """
    rows = _result(body, "open-interest")["list"]
    if any(not isinstance(r, dict) or "timestamp" not in r for r in rows):
        raise CorruptDataError("Bybit open-interest: a row has no timestamp")
    single = [r.get("singleOpenInterest") not in (None, "") for r in rows]
    frame = pd.DataFrame(
        {C.OI_COIN: [r["singleOpenInterest"] if s else r.get("openInterest")
                     for r, s in zip(rows, single, strict=True)]},
        index=utc_index(int(r["timestamp"]) for r in rows),
    )  # fmt: skip
    out = _numbers(frame, "open-interest")
    halve = [not s for s in single]
    out.loc[out.index[halve], C.OI_COIN] = out[C.OI_COIN].to_numpy()[halve] / 2.0
    out = out.sort_index()
    if rows:  # an empty page says nothing about the field
        field = "singleOpenInterest" if all(single) else "openInterest/2"
        out.attrs["oi_field"] = field if all(single) or not any(single) else "mixed"
    return out


def parse_funding(body) -> pd.DataFrame:
    """``funding_rate`` (fraction) at each settlement of one ``/v5/market/funding/history``
    answer, oldest first."""
    rows = _result(body, "funding history")["list"]
    frame = pd.DataFrame(
        {C.FUNDING_RATE: [r.get("fundingRate") for r in rows]},
        index=utc_index(int(r["fundingRateTimestamp"]) for r in rows),
    )
    return _numbers(frame, "funding history").sort_index()


def parse_risk_limits(body, symbol: str) -> pd.DataFrame:
    """Risk-limit tiers of ``symbol`` from one ``/v5/market/risk-limit`` answer.

    Returns
    -------
    pandas.DataFrame
        One row per tier, smallest first: ``notional_floor`` and ``notional_cap`` (position
        value, USD), ``mmr`` (maintenance margin rate), ``imr``, ``max_leverage`` and
        ``mm_deduction`` (USD, subtracted from value x mmr).
    """
    rows = [r for r in _result(body, "risk-limit")["list"] if r.get("symbol") == symbol]
    if not rows:
        raise CorruptDataError(f"Bybit risk-limit: no tiers for {symbol}; check the symbol")
    frame = pd.DataFrame(
        {
            "notional_cap": [r.get("riskLimitValue") for r in rows],
            "mmr": [r.get("maintenanceMargin") for r in rows],
            "imr": [r.get("initialMargin") for r in rows],
            "max_leverage": [r.get("maxLeverage") for r in rows],
            "mm_deduction": [r.get("mmDeduction") or 0 for r in rows],
        }
    )
    frame = _numbers(frame, "risk-limit").sort_values("notional_cap", ignore_index=True)
    frame.insert(0, "notional_floor", frame["notional_cap"].shift(1, fill_value=0.0))
    return frame


def _fetch(path, params, t0, t1, parse, what, limit, session, url, end_key="endTime"):
    session = session or make_session()
    root = base_url(url, REST_URL_ENV, DEFAULT_REST_URL)
    attrs: dict = {}

    def page(upto: int) -> list:
        body = get_json(f"{root}{path}", {**params, end_key: upto, "limit": limit}, session,
                        REST_URL_ENV)  # fmt: skip
        frame = parse(body)
        for key, value in frame.attrs.items():  # pages that disagree are reported as mixed
            seen = attrs.get(key, value)
            attrs[key] = value if seen == value else f"mixed ({seen}, {value})"
        return [
            (int(t.value // 1_000_000), row)
            for t, row in zip(frame.index, frame.to_dict("records"), strict=True)
        ]

    rows = page_backwards(page, lambda r: r[0], t0, t1, f"Bybit {what}")
    frame = pd.DataFrame([r[1] for r in rows], index=utc_index(r[0] for r in rows))
    frame.attrs.update(attrs, venue="bybit")
    return frame


def fetch_klines(
    symbol: str, start: TimeLike, end: TimeLike, interval: str = "5m", *, mark: bool = False,
    session=None, url: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Trade (or ``mark=True``: mark-price) candles of ``symbol`` in ``[start, end)``.

    Examples
    --------
    >>> fetch_klines("BTCUSDT", "2026-04-03", "2026-04-04", "1h")  # doctest: +SKIP
    """
    t0, t1 = window_ms(start, end)
    path = "/v5/market/mark-price-kline" if mark else "/v5/market/kline"
    params = {"category": "linear", "symbol": symbol, "interval": _interval(interval, INTERVALS),
              "start": t0}  # fmt: skip
    return _fetch(path, params, t0, t1, lambda b: parse_klines(b, mark=mark), "kline", 1000,
                  session, url, end_key="end")  # fmt: skip


def fetch_open_interest(
    symbol: str, start: TimeLike, end: TimeLike, interval: str = "5m", *, session=None,
    url: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """``oi_coin`` of ``symbol`` in ``[start, end)`` (one side; see the module note)."""
    t0, t1 = window_ms(start, end)
    params = {"category": "linear", "symbol": symbol,
              "intervalTime": _interval(interval, OI_INTERVALS), "startTime": t0}  # fmt: skip
    return _fetch("/v5/market/open-interest", params, t0, t1, parse_open_interest,
                  "open-interest", 200, session, url)  # fmt: skip


def fetch_funding(
    symbol: str, start: TimeLike, end: TimeLike, *, session=None, url: str | None = None
) -> pd.DataFrame:
    """Funding settlements of ``symbol`` in ``[start, end)`` (pages back by ``endTime``:
    Bybit refuses ``startTime`` alone)."""
    t0, t1 = window_ms(start, end)
    params = {"category": "linear", "symbol": symbol}
    return _fetch("/v5/market/funding/history", params, t0, t1, parse_funding, "funding", 200,
                  session, url)  # fmt: skip


def fetch_risk_limits(symbol: str, *, session=None, url: str | None = None) -> pd.DataFrame:
    """The current risk-limit tiers of ``symbol`` (public; see :func:`parse_risk_limits`)."""
    root = base_url(url, REST_URL_ENV, DEFAULT_REST_URL)
    body = get_json(f"{root}/v5/market/risk-limit", {"category": "linear", "symbol": symbol},
                    session or make_session(), REST_URL_ENV)  # fmt: skip
    frame = parse_risk_limits(body, symbol)
    frame.attrs["fetched"] = pd.Timestamp.now("UTC").isoformat()
    return frame


def fetch_market(
    symbol: str, start: TimeLike, end: TimeLike, interval: str = "5m", *, session=None,
    url: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """One aligned bybit market frame (the columns of ``lq.load_market``; those the venue does
    not publish are NaN) in ``[start, end)``: candles and mark candles at ``interval``, open
    interest at 5 minutes (1 hour for bars of an hour or more), funding settlements.

    Examples
    --------
    >>> m = fetch_market("BTCUSDT", "2026-04-03", "2026-04-04", "5m")  # doctest: +SKIP
    """
    import sys  # this module's own fetchers, passed to the assembly both venues share

    from liqlib.data.sources.venue_market import fetch_venue_market

    return fetch_venue_market(
        sys.modules[__name__], "bybit", symbol, start, end, interval, session=session, url=url
    )
