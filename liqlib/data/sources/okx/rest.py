"""OKX v5 REST, USDT perpetual swaps: candles (trade and mark), open interest, funding,
position tiers and contract values. ``fetch_*`` page through ``$LIQLIB_OKX_REST_URL`` (default
https://www.okx.com) and end by calling the pure ``parse_*`` of one response.

Units, converted once here: OKX counts swap sizes in **contracts**. Candles give ``volCcy``
(coins) and ``volCcyQuote`` (USD), open interest gives ``oiCcy`` (coins), so those are used
directly; tier bounds (``minSz``/``maxSz``) are contracts and are multiplied by the contract
value (``ctVal`` x ``ctMult``, :func:`fetch_contract_value`) into coins. Bars of 6 h and more
use OKX's ``...utc`` bars (its plain ``1D`` bar is aligned to UTC+8).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqlib.data import columns as C
from liqlib.data.http import make_session
from liqlib.data.sources.restjson import base_url, get_json, page_backwards, utc_index, window_ms
from liqlib.data.time import TimeLike
from liqlib.errors import CorruptDataError, InputError

REST_URL_ENV = "LIQLIB_OKX_REST_URL"
DEFAULT_REST_URL = "https://www.okx.com"
BARS = {"1m": "1m", "5m": "5m", "15m": "15m", "30m": "30m", "1h": "1H", "4h": "4H", "1d": "1Dutc"}
OI_PERIODS = {"5m": "5m", "1h": "1H", "1d": "1Dutc"}


def inst_id(symbol: str) -> str:
    """``BTCUSDT`` -> ``BTC-USDT-SWAP`` (a USDT perpetual; an OKX name is returned as is).
    Scaled names (``1000PEPEUSDT``) are resolved by :mod:`liqlib.data.instruments`.

    Examples
    --------
    >>> inst_id("ethusdt")
    'ETH-USDT-SWAP'
    """
    symbol = symbol.strip().upper()
    if symbol.endswith("-USDT-SWAP") and len(symbol) > 10:  # already OKX's name
        return symbol
    if not symbol.endswith("USDT") or len(symbol) <= 4:
        raise InputError(f"{symbol!r} is not a USDT perpetual such as BTCUSDT")
    return f"{symbol[:-4]}-USDT-SWAP"


def _data(body, what: str) -> list:
    if not isinstance(body, dict) or str(body.get("code")) != "0":
        msg = body.get("msg") if isinstance(body, dict) else str(body)[:80]
        raise CorruptDataError(
            f"OKX {what}: error {msg!r}; check the instrument (e.g. BTC-USDT-SWAP) and {REST_URL_ENV}"
        )
    data = body.get("data")
    if not isinstance(data, list):
        raise CorruptDataError(f"OKX {what}: no data list in the answer; check {REST_URL_ENV}")
    return data


def _numbers(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    try:
        return frame.astype(float)
    except ValueError as exc:
        raise CorruptDataError(f"OKX {what}: a value is not a number ({exc})") from exc


def contracts_to_coins(contracts, ct_val: float):
    """Coins of a size in contracts (``ct_val`` coins per contract, ``ctVal`` x ``ctMult``)."""
    if not ct_val > 0:
        raise InputError(f"contract value {ct_val!r} must be positive, e.g. 0.01 for BTC-USDT-SWAP")
    return contracts * ct_val


def check_contract_units(contracts, coins, what: str) -> None:
    """Raise unless ``coins`` is ``contracts`` times one fixed contract value in every row.

    OKX gives sizes both in contracts (``vol``, ``oi``) and in coins (``volCcy``, ``oiCcy``);
    liqlib reads the coins. A contract's size is fixed per instrument, so rows whose coins per
    contract differ by more than 1 % (among rows of at least 100 contracts, beyond the
    rounding of small ones) mean the answer does not hold coins where liqlib reads them.

    Examples
    --------
    >>> check_contract_units([1000, 2000], [10, 20], "candles")
    >>> check_contract_units([1000, 2000], [10, 2000 * 60_000], "candles")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    liqlib.errors.CorruptDataError: OKX candles: coins per contract vary from 0.01 to 60000 ...
    """
    n = np.asarray(contracts, dtype=float)
    c = np.asarray(coins, dtype=float)
    big = np.isfinite(n) & np.isfinite(c) & (n >= 100)
    if big.sum() < 2:
        return
    ratio = c[big] / n[big]
    mid = float(np.median(ratio))
    if not mid > 0 or np.any(np.abs(ratio / mid - 1) > 0.01):
        raise CorruptDataError(
            f"OKX {what}: coins per contract vary from {ratio.min():g} to {ratio.max():g} across "
            f"rows, but a contract's size is fixed: the answer does not hold coins where liqlib "
            f"reads them (volCcy / oiCcy); nothing was cached; check {REST_URL_ENV}"
        )


def parse_klines(body, *, mark: bool = False) -> pd.DataFrame:
    """Trade (``open``..``close`` USD, ``volume`` coins from ``volCcy``, ``quote_volume`` USD
    from ``volCcyQuote``) or mark-price candles of one answer, oldest first.

    Examples
    --------
    >>> body = {"code": "0", "data": [["1700000060000", "2", "3", "1", "2.5", "1000", "10",
    ...                               "25", "1"]]}
    >>> parse_klines(body)[["close", "volume", "quote_volume"]].to_numpy().tolist()
    [[2.5, 10.0, 25.0]]
    """
    rows = _data(body, "candles")
    if mark:
        cols, take = list(C.MARK_COLUMNS), [1, 2, 3, 4]
    else:
        cols, take = [*C.PRICE_COLUMNS, C.VOLUME, C.QUOTE_VOLUME], [1, 2, 3, 4, 6, 7]
    if any(not isinstance(r, list) or len(r) <= max(take) for r in rows):
        raise CorruptDataError("OKX candles: a row has too few fields")
    frame = pd.DataFrame(
        [[r[i] for i in take] for r in rows], columns=cols, index=utc_index(int(r[0]) for r in rows)
    )
    out = _numbers(frame, "candles")
    if not mark:  # volume is volCcy (coins), checked against vol (contracts)
        contracts = _numbers(pd.DataFrame({"vol": [r[5] for r in rows]}), "candles")["vol"]
        check_contract_units(contracts.to_numpy(), out[C.VOLUME].to_numpy(), "candles")
    return out.sort_index()


def parse_open_interest(body) -> pd.DataFrame:
    """``oi_coin`` (``oiCcy``, coins) and ``oi_usd`` (``oiUsd``) of one
    ``/api/v5/rubik/stat/contracts/open-interest-history`` answer, oldest first."""
    rows = _data(body, "open-interest-history")
    if any(not isinstance(r, list) or len(r) < 4 for r in rows):
        raise CorruptDataError("OKX open-interest-history: a row has too few fields")
    frame = pd.DataFrame(
        {"oi": [r[1] for r in rows], C.OI_COIN: [r[2] for r in rows],
         C.OI_USD: [r[3] for r in rows]},
        index=utc_index(int(r[0]) for r in rows),
    )  # fmt: skip
    out = _numbers(frame, "open-interest-history")
    check_contract_units(out["oi"].to_numpy(), out[C.OI_COIN].to_numpy(), "open-interest-history")
    return out.drop(columns="oi").sort_index()


def parse_funding(body) -> pd.DataFrame:
    """``funding_rate`` at each settlement of one ``funding-rate-history`` answer."""
    rows = _data(body, "funding-rate-history")
    frame = pd.DataFrame(
        {C.FUNDING_RATE: [r.get("realizedRate") or r.get("fundingRate") for r in rows]},
        index=utc_index(int(r["fundingTime"]) for r in rows),
    )
    return _numbers(frame, "funding-rate-history").sort_index()


def parse_position_tiers(body, ct_val: float) -> pd.DataFrame:
    """Position tiers of one ``/api/v5/public/position-tiers`` answer, bounds in coins.

    Returns
    -------
    pandas.DataFrame
        One row per tier, smallest first: ``qty_floor``, ``qty_cap`` (coins: ``minSz``,
        ``maxSz`` contracts x ``ct_val``), ``mmr``, ``imr`` and ``max_leverage``. OKX
        publishes no maintenance deduction.
    """
    rows = _data(body, "position-tiers")
    frame = pd.DataFrame(
        {
            "qty_floor": [r.get("minSz") for r in rows],
            "qty_cap": [r.get("maxSz") for r in rows],
            "mmr": [r.get("mmr") for r in rows],
            "imr": [r.get("imr") for r in rows],
            "max_leverage": [r.get("maxLever") for r in rows],
        }
    )
    frame = _numbers(frame, "position-tiers").sort_values("qty_cap", ignore_index=True)
    for col in ("qty_floor", "qty_cap"):
        frame[col] = contracts_to_coins(frame[col], ct_val)
    return frame


def parse_contract_value(body) -> float:
    """Coins per contract (``ctVal`` x ``ctMult``) of one ``/api/v5/public/instruments`` answer."""
    rows = _data(body, "instruments")
    try:
        value = float(rows[0]["ctVal"]) * float(rows[0].get("ctMult") or 1)
    except (IndexError, KeyError, TypeError, ValueError) as exc:
        raise CorruptDataError(f"OKX instruments: no usable ctVal ({exc})") from exc
    if not value > 0:
        raise CorruptDataError(f"OKX instruments: contract value {value} is not positive")
    return value


def _root(url):
    return base_url(url, REST_URL_ENV, DEFAULT_REST_URL)


def fetch_contract_value(symbol: str, *, session=None, url: str | None = None) -> float:
    """Coins per contract of ``symbol``'s USDT swap (public instruments endpoint)."""
    body = get_json(f"{_root(url)}/api/v5/public/instruments",
                    {"instType": "SWAP", "instId": inst_id(symbol)}, session or make_session(),
                    REST_URL_ENV)  # fmt: skip
    return parse_contract_value(body)


def _fetch(path, params, t0, t1, parse, what, limit, session, url, after_key="after"):
    session = session or make_session()
    root = _root(url)

    def page(upto: int) -> list:
        # OKX ``after`` means "older than" (exclusive); the rubik ``end`` is inclusive
        edge = upto + 1 if after_key == "after" else upto
        body = get_json(f"{root}{path}", {**params, after_key: edge, "limit": limit}, session,
                        REST_URL_ENV)  # fmt: skip
        frame = parse(body)
        return [
            (int(t.value // 1_000_000), row)
            for t, row in zip(frame.index, frame.to_dict("records"), strict=True)
        ]

    rows = page_backwards(page, lambda r: r[0], t0, t1, f"OKX {what}")
    frame = pd.DataFrame([r[1] for r in rows], index=utc_index(r[0] for r in rows))
    frame.attrs["venue"] = "okx"
    return frame


def _key(value: str, table: dict, what: str) -> str:
    if value not in table:
        raise InputError(f"{what} {value!r} is not one of {', '.join(table)}: use e.g. '5m'")
    return table[value]


def fetch_klines(
    symbol: str, start: TimeLike, end: TimeLike, interval: str = "5m", *, mark: bool = False,
    session=None, url: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Trade (or ``mark=True``: mark-price) candles of ``symbol`` in ``[start, end)`` from the
    history endpoints ("recent years"; 100 rows per request)."""
    t0, t1 = window_ms(start, end)
    path = "/api/v5/market/history-mark-price-candles" if mark else "/api/v5/market/history-candles"
    params = {"instId": inst_id(symbol), "bar": _key(interval, BARS, "interval")}
    return _fetch(path, params, t0, t1, lambda b: parse_klines(b, mark=mark), "candles", 100,
                  session, url)  # fmt: skip


def fetch_open_interest(
    symbol: str, start: TimeLike, end: TimeLike, interval: str = "5m", *, session=None,
    url: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """``oi_coin`` and ``oi_usd`` of ``symbol`` in ``[start, end)`` (OKX keeps about 1,440
    rows per period: 5 days at 5m)."""
    t0, t1 = window_ms(start, end)
    params = {"instId": inst_id(symbol), "period": _key(interval, OI_PERIODS, "interval"),
              "begin": t0}  # fmt: skip
    return _fetch("/api/v5/rubik/stat/contracts/open-interest-history", params, t0, t1,
                  parse_open_interest, "open interest", 100, session, url, after_key="end")  # fmt: skip


def fetch_funding(
    symbol: str, start: TimeLike, end: TimeLike, *, session=None, url: str | None = None
) -> pd.DataFrame:
    """Funding settlements of ``symbol`` in ``[start, end)`` (OKX keeps about 3 months)."""
    t0, t1 = window_ms(start, end)
    return _fetch("/api/v5/public/funding-rate-history", {"instId": inst_id(symbol)}, t0, t1,
                  parse_funding, "funding", 400, session, url)  # fmt: skip


def fetch_position_tiers(
    symbol: str, *, ct_val: float | None = None, session=None, url: str | None = None
) -> pd.DataFrame:
    """The current isolated-margin position tiers of ``symbol`` (bounds in coins)."""
    session = session or make_session()
    if ct_val is None:
        ct_val = fetch_contract_value(symbol, session=session, url=url)
    family = inst_id(symbol).removesuffix("-SWAP")
    body = get_json(f"{_root(url)}/api/v5/public/position-tiers",
                    {"instType": "SWAP", "tdMode": "isolated", "instFamily": family}, session,
                    REST_URL_ENV)  # fmt: skip
    frame = parse_position_tiers(body, ct_val)
    frame.attrs.update(fetched=pd.Timestamp.now("UTC").isoformat(), ct_val=ct_val)
    return frame


def fetch_market(
    symbol: str, start: TimeLike, end: TimeLike, interval: str = "5m", *, session=None,
    url: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """One aligned okx market frame (the columns of ``lq.load_market``; those the venue does
    not publish are NaN) in ``[start, end)``: candles and mark candles at ``interval``, open
    interest at 5 minutes (1 hour for bars of an hour or more), funding settlements.

    Examples
    --------
    >>> m = fetch_market("BTCUSDT", "2026-04-03", "2026-04-04", "5m")  # doctest: +SKIP
    """
    import sys  # this module's own fetchers, passed to the assembly both venues share

    from liqlib.data.sources.venue_market import fetch_venue_market

    return fetch_venue_market(
        sys.modules[__name__], "okx", symbol, start, end, interval, session=session, url=url
    )
