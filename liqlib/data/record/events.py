"""One venue frame -> normalised liquidation events (pure functions, no I/O).

Each venue's stream speaks its own format; this module turns a decoded frame into rows of one
schema and states each venue's side convention once:

=========  ========================  ===============================  ===========================
venue      side field                a LONG was liquidated when       price / qty
=========  ========================  ===============================  ===========================
binance    ``o.S`` (order side)      ``SELL`` (the order closes it)   ``o.ap`` avg fill / ``o.z``
                                                                      filled coins
bybit      ``S`` (position side)     ``Buy``                          ``p`` bankruptcy / ``v``
                                                                      coins
okx        ``side`` (order side),    ``sell`` (``posSide`` ``long``   ``bkPx`` bankruptcy /
           ``posSide``               or ``net``)                      ``sz`` x ctVal coins
=========  ========================  ===============================  ===========================

The Bybit reading is disputed by users (VENUES.md, pitfall 4). We settle it from real data: a
liquidated long's bankruptcy price lies below the mark price, and in the 18 real ETHUSDT
liquidations of 2026-04-03 (``raw/MultipleExchangeLiquidationMap``) the Bybit ``Buy`` event
has ``p`` 2046.51 < mark 2056.74 and the ``Sell`` event ``p`` 2072.49 > mark 2062.19: ``Buy``
means a long was liquidated, as Bybit's docs say (``tests/test_record_events.py`` checks it).

Binance and OKX push at most one liquidation per symbol (contract) per second, so totals
recorded from their streams are **lower bounds**; Bybit's ``allLiquidation`` pushes all.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

#: Columns of one stored event, in order (``time_ms``: the venue's trade time, ms since epoch UTC;
#: ``price`` USD/coin; ``qty`` coins; ``usd`` = price x qty; ``recv_ms``: when it was received).
EVENT_FIELDS = (
    "time_ms",
    "venue",
    "symbol",
    "side",
    "price",
    "qty",
    "usd",
    "raw_side",
    "event_id",
    "recv_ms",
)

VENUES = ("binance", "bybit", "okx")

#: Raw side value -> the side whose position was liquidated.
BINANCE_SIDES = {"SELL": "long", "BUY": "short"}
BYBIT_SIDES = {"Buy": "long", "Sell": "short"}
OKX_SIDES = {"sell": "long", "buy": "short"}

#: OKX USDT-swap contract values (coins per contract), a dated snapshot used only when the
#: instruments endpoint cannot be reached (the recorder logs a warning when it uses them).
#: BTC 0.01 is reported by third parties (VENUES.md §3); ETH 0.1 agrees with the real OKX event
#: of 2026-04-03 (its stored USD = sz x 0.1 x bkPx within 0.05 %; tests/test_record_events.py). The recorder
#: asks ``/api/v5/public/instruments`` first (:func:`liqlib.data.record.streams.fetch_okx_ct_val`);
#: ``--okx-ct-val INST=VALUE`` overrides both.
OKX_CT_VAL_SNAPSHOT_DATE = "2026-12-06"
OKX_CT_VAL_SNAPSHOT = {
    "BTC-USDT-SWAP": 0.01,
    "ETH-USDT-SWAP": 0.1,
}


class MalformedFrame(ValueError):
    """A frame that is not JSON, or not the venue's liquidation format."""


def okx_inst_id(symbol: str) -> str:
    """The OKX USDT-swap instrument of a Binance-style symbol.

    Examples
    --------
    >>> okx_inst_id("BTCUSDT")
    'BTC-USDT-SWAP'
    """
    symbol = symbol.upper()
    if not symbol.endswith("USDT") or len(symbol) <= 4:
        raise ValueError(f"{symbol!r} is not a USDT perpetual symbol such as BTCUSDT")
    return f"{symbol[:-4]}-USDT-SWAP"


def symbol_of_okx(inst_id: str) -> str:
    """``BTC-USDT-SWAP`` -> ``BTCUSDT``."""
    parts = inst_id.split("-")
    return "".join(parts[:2]) if len(parts) == 3 and parts[2] == "SWAP" else inst_id


def decode(text: str | bytes):
    """The JSON of a frame, or :class:`MalformedFrame`."""
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedFrame(f"not JSON: {str(text)[:60]!r}") from exc


def _positive(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise MalformedFrame(f"{what} is not a number: {value!r}") from exc
    if not math.isfinite(number) or number <= 0:
        raise MalformedFrame(f"{what} is not a positive finite number: {value!r}")
    return number


def _time_ms(value) -> int:
    try:
        ms = int(value)
    except (TypeError, ValueError) as exc:
        raise MalformedFrame(f"time is not an integer (ms): {value!r}") from exc
    if not 10**12 <= ms < 10**13:  # 2001..2286: a time in ms, not s or us
        raise MalformedFrame(f"time {value!r} is not in milliseconds since the epoch")
    return ms


def make_event(venue, symbol, time_ms, side, price, qty, raw_side, recv_ms) -> dict:
    """One normalised row (``event_id`` identifies it for de-duplication)."""
    return {
        "time_ms": time_ms,
        "venue": venue,
        "symbol": symbol,
        "side": side,
        "price": price,
        "qty": qty,
        "usd": price * qty,
        "raw_side": raw_side,
        "event_id": f"{venue}|{symbol}|{time_ms}|{raw_side}|{price!r}|{qty!r}",
        "recv_ms": recv_ms,
    }


def parse_binance(msg, recv_ms: int) -> list[dict]:
    """Events of one Binance USD-M ``forceOrder`` frame (raw or combined-stream wrapped).

    Subscription replies (``{"result": null, "id": 1}``) give ``[]``.

    Examples
    --------
    >>> msg = {"e": "forceOrder", "E": 1695714031883, "o": {"s": "BTCUSDT", "S": "SELL",
    ...        "q": "0.115", "p": "26142.12", "ap": "26245.10", "z": "0.115",
    ...        "T": 1695714031881}}
    >>> ev = parse_binance(msg, 0)[0]
    >>> ev["side"], ev["price"], ev["qty"]
    ('long', 26245.1, 0.115)
    """
    if isinstance(msg, dict) and "data" in msg and "stream" in msg:
        msg = msg["data"]
    if not isinstance(msg, dict):
        raise MalformedFrame("not a JSON object")
    if "result" in msg and "id" in msg:
        return []
    if msg.get("e") != "forceOrder" or not isinstance(msg.get("o"), dict):
        raise MalformedFrame(f"not a forceOrder event: {str(msg)[:60]}")
    o = msg["o"]
    raw_side = o.get("S")
    if raw_side not in BINANCE_SIDES:
        raise MalformedFrame(f"unknown Binance side {raw_side!r}")
    symbol = o.get("s")
    if not isinstance(symbol, str) or not symbol:
        raise MalformedFrame("no symbol")
    filled = float(o.get("z") or 0)
    qty = _positive(o.get("z") if filled > 0 else o.get("q"), "quantity")
    avg = float(o.get("ap") or 0)
    price = _positive(o.get("ap") if avg > 0 else o.get("p"), "price")
    return [
        make_event(
            "binance",
            symbol.upper(),
            _time_ms(o.get("T")),
            BINANCE_SIDES[raw_side],
            price,
            qty,
            raw_side,
            recv_ms,
        )
    ]


def parse_bybit(msg, recv_ms: int) -> list[dict]:
    """Events of one Bybit v5 ``allLiquidation.{SYMBOL}`` frame (``[]`` for op replies).

    Examples
    --------
    >>> msg = {"topic": "allLiquidation.ROSEUSDT", "type": "snapshot", "ts": 1739502303204,
    ...        "data": [{"T": 1739502302929, "s": "ROSEUSDT", "S": "Sell", "v": "20000",
    ...                  "p": "0.04499"}]}
    >>> ev = parse_bybit(msg, 0)[0]
    >>> ev["side"], ev["qty"], round(ev["usd"], 2)
    ('short', 20000.0, 899.8)
    """
    if not isinstance(msg, dict):
        raise MalformedFrame("not a JSON object")
    if "op" in msg and "topic" not in msg:
        if msg.get("success") is False:  # e.g. an unknown topic: say so, never record silence
            raise MalformedFrame(f"Bybit refused {msg.get('op')}: {msg.get('ret_msg')}")
        return []
    topic = msg.get("topic")
    if not isinstance(topic, str) or not topic.startswith("allLiquidation."):
        raise MalformedFrame(f"not an allLiquidation frame: {str(msg)[:60]}")
    rows = msg.get("data")
    if not isinstance(rows, list):
        raise MalformedFrame("allLiquidation data is not a list")
    events = []
    for row in rows:
        if not isinstance(row, dict):
            raise MalformedFrame("allLiquidation row is not an object")
        raw_side = row.get("S")
        if raw_side not in BYBIT_SIDES:
            raise MalformedFrame(f"unknown Bybit side {raw_side!r}")
        symbol = row.get("s") or topic.split(".", 1)[1]
        events.append(
            make_event(
                "bybit",
                str(symbol).upper(),
                _time_ms(row.get("T")),
                BYBIT_SIDES[raw_side],
                _positive(row.get("p"), "price"),
                _positive(row.get("v"), "size"),
                raw_side,
                recv_ms,
            )
        )
    return events


def okx_side(side, pos_side) -> str:
    """The liquidated side of an OKX detail (order ``side`` and ``posSide``).

    ``posSide`` ``long``/``short`` must agree with the order side (a long is closed by a
    ``sell``); ``net`` (one-way mode) or empty leaves the order side to decide.
    """
    if side not in OKX_SIDES:
        raise MalformedFrame(f"unknown OKX side {side!r}")
    liquidated = OKX_SIDES[side]
    if pos_side in ("long", "short") and pos_side != liquidated:
        raise MalformedFrame(f"OKX posSide {pos_side!r} contradicts order side {side!r}")
    if pos_side not in ("long", "short", "net", "", None):
        raise MalformedFrame(f"unknown OKX posSide {pos_side!r}")
    return liquidated


def parse_okx(msg, recv_ms: int, ct_val: Mapping[str, float]) -> list[dict]:
    """Events of one OKX ``liquidation-orders`` frame, for the instruments in ``ct_val`` only.

    The channel is a firehose of every swap; instruments not in ``ct_val`` (coins per
    contract) are skipped. Event replies (``{"event": "subscribe", ...}``) give ``[]``.

    Examples
    --------
    >>> msg = {"arg": {"channel": "liquidation-orders", "instType": "SWAP"}, "data": [
    ...     {"instId": "BTC-USDT-SWAP", "details": [{"bkPx": "57102.9", "posSide": "long",
    ...      "side": "sell", "sz": "10000", "ts": "1723038122631"}]}]}
    >>> ev = parse_okx(msg, 0, {"BTC-USDT-SWAP": 0.01})[0]
    >>> ev["symbol"], ev["side"], ev["qty"]
    ('BTCUSDT', 'long', 100.0)
    """
    if not isinstance(msg, dict):
        raise MalformedFrame("not a JSON object")
    if "event" in msg:
        if msg.get("event") == "error":  # a refused subscription: say so, never record silence
            raise MalformedFrame(f"OKX error {msg.get('code')}: {msg.get('msg')}")
        return []
    arg = msg.get("arg")
    if not isinstance(arg, dict) or arg.get("channel") != "liquidation-orders":
        raise MalformedFrame(f"not a liquidation-orders frame: {str(msg)[:60]}")
    blocks = msg.get("data")
    if not isinstance(blocks, list):
        raise MalformedFrame("liquidation-orders data is not a list")
    events = []
    for block in blocks:
        if not isinstance(block, dict) or not isinstance(block.get("details"), list):
            raise MalformedFrame("liquidation-orders block without details")
        inst = block.get("instId")
        if inst not in ct_val:
            continue
        for d in block["details"]:
            if not isinstance(d, dict):
                raise MalformedFrame("liquidation-orders detail is not an object")
            side = okx_side(d.get("side"), d.get("posSide"))
            events.append(
                make_event(
                    "okx",
                    symbol_of_okx(inst),
                    _time_ms(d.get("ts")),
                    side,
                    _positive(d.get("bkPx"), "bkPx"),
                    _positive(d.get("sz"), "sz") * ct_val[inst],
                    f"{d.get('posSide') or ''}:{d.get('side')}",
                    recv_ms,
                )
            )
    return events
