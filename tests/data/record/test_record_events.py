"""Side conventions and unit conversions of each venue's liquidation stream."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from liqlib.data.record import events
from liqlib.data.record.events import MalformedFrame, decode, parse_binance, parse_bybit, parse_okx

REAL = "raw/MultipleExchangeLiquidationMap/derived__liquidation_events.csv"


#: OKX ETH-USDT-SWAP coins per contract (the bundled snapshot's value)
ETH_CT_VAL = events.OKX_CT_VAL_SNAPSHOT["ETH-USDT-SWAP"]


def _frame_of(row) -> tuple[str, list[dict]]:
    """A venue frame built from one real event's raw fields, parsed back."""
    t = int(row.event_ts)
    if row.exchange == "binance":
        msg = {
            "e": "forceOrder",
            "E": t,
            "o": {
                "s": row.symbol,
                "S": row.raw_side,
                "q": str(row.qty),
                "p": str(row.price),
                "ap": str(row.price),
                "z": str(row.qty),
                "T": t,
            },
        }
        return row.exchange, parse_binance(msg, 0)
    if row.exchange == "bybit":
        msg = {
            "topic": f"allLiquidation.{row.symbol}",
            "ts": t,
            "data": [
                {"T": t, "s": row.symbol, "S": row.raw_side, "v": str(row.qty), "p": str(row.price)}
            ],
        }
        return row.exchange, parse_bybit(msg, 0)
    pos, side = row.raw_side.split(":")
    msg = {
        "arg": {"channel": "liquidation-orders", "instType": "SWAP"},
        "data": [
            {
                "instId": "ETH-USDT-SWAP",
                "details": [
                    {
                        "side": side,
                        "posSide": pos,
                        "bkPx": str(row.price),
                        "sz": str(row.qty),
                        "ts": str(t),
                    }
                ],
            }
        ],
    }
    return row.exchange, parse_okx(msg, 0, {"ETH-USDT-SWAP": ETH_CT_VAL})


@pytest.mark.realdata
def test_real_events_get_their_recorded_side_and_usd(shared_data):
    real = pd.read_csv(shared_data / REAL)
    assert set(real.exchange) == {"binance", "bybit", "okx"}
    for row in real.itertuples():
        venue, evs = _frame_of(row)
        assert len(evs) == 1
        ev = evs[0]
        assert (ev["venue"], ev["symbol"], ev["side"]) == (venue, "ETHUSDT", row.side), row
        if venue == "okx":
            # the source stored OKX ``sz`` (contracts) as qty; its USD (2.05829) matches
            # sz x 0.1 ETH x bkPx (2.05919) to 0.05 %, and not 0.01 or 1 ETH per contract:
            # real evidence for the bundled ETH contract value
            assert ev["qty"] == pytest.approx(row.qty * ETH_CT_VAL)
            assert ev["usd"] == pytest.approx(row.notional_usd, rel=1e-3)
        else:
            assert ev["qty"] == pytest.approx(row.qty)
            assert ev["usd"] == pytest.approx(row.notional_usd, rel=1e-9)
        assert ev["time_ms"] == row.event_ts


@pytest.mark.realdata
def test_bybit_side_is_settled_by_bankruptcy_price_vs_mark(shared_data):
    """A liquidated long's bankruptcy price lies below the mark, a short's above: on the real
    Bybit events, ``Buy`` (docs: long liquidated) always sits below the mark."""
    real = pd.read_csv(shared_data / REAL)
    bybit = real[real.exchange == "bybit"]
    assert len(bybit) >= 2 and set(bybit.raw_side) == {"Buy", "Sell"}
    for row in bybit.itertuples():
        below_mark = row.price < row.mark_price
        assert events.BYBIT_SIDES[row.raw_side] == ("long" if below_mark else "short")


def test_binance_uses_average_fill_price_and_filled_qty():
    # the real capture quoted in VENUES.md (c9s/bbgo#1232): p < ap for a SELL
    msg = decode(
        '{"e":"forceOrder","E":1695714031883,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT",'
        '"f":"IOC","q":"0.115","p":"26142.12","ap":"26245.10","X":"FILLED","l":"0.115",'
        '"z":"0.115","T":1695714031881}}'
    )
    (ev,) = parse_binance({"stream": "btcusdt@forceOrder", "data": msg}, 5)
    assert ev["side"] == "long" and ev["price"] == 26245.10 and ev["qty"] == 0.115
    assert ev["usd"] == pytest.approx(26245.10 * 0.115)
    assert ev["time_ms"] == 1695714031881 and ev["recv_ms"] == 5


def test_okx_contracts_become_coins_once():
    # the real capture quoted in VENUES.md (ccxt/ccxt#23350): 10000 contracts of 0.01 BTC
    msg = decode(
        '{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"details":[{'
        '"bkLoss":"0","bkPx":"57102.9","ccy":"","posSide":"long","side":"sell","sz":"10000",'
        '"ts":"1723038122631"}],"instFamily":"BTC-USDT","instId":"BTC-USDT-SWAP",'
        '"instType":"SWAP","uly":"BTC-USDT"}]}'
    )
    (ev,) = parse_okx(msg, 0, {"BTC-USDT-SWAP": 0.01})
    assert (ev["symbol"], ev["side"], ev["qty"]) == ("BTCUSDT", "long", pytest.approx(100.0))
    assert ev["usd"] == pytest.approx(5_710_290.0)
    assert parse_okx(msg, 0, {"ETH-USDT-SWAP": 0.1}) == []  # other instruments are filtered


def test_okx_net_mode_uses_the_order_side():
    assert events.okx_side("buy", "net") == "short"
    assert events.okx_side("sell", "") == "long"


@pytest.mark.parametrize(
    ("venue", "text"),
    [
        ("binance", "not json"),
        (
            "binance",
            '{"e":"forceOrder","o":{"s":"BTCUSDT","S":"HOLD","z":"1","ap":"1","T":1695714031881}}',
        ),
        (
            "binance",
            '{"e":"forceOrder","o":{"s":"BTCUSDT","S":"SELL","z":"1","ap":"NaN","T":1695714031881}}',
        ),
        (
            "binance",
            '{"e":"forceOrder","o":{"s":"BTCUSDT","S":"SELL","z":"1","ap":"5","T":1695714031}}',
        ),
        (
            "bybit",
            '{"topic":"allLiquidation.BTCUSDT","data":[{"T":1739502302929,"S":"Long","v":"1","p":"1"}]}',
        ),
        (
            "bybit",
            '{"topic":"allLiquidation.BTCUSDT","data":[{"T":1739502302929,"S":"Buy","v":"-1","p":"1"}]}',
        ),
        ("bybit", '{"topic":"tickers.BTCUSDT","data":{}}'),
        (
            "okx",
            '{"arg":{"channel":"liquidation-orders"},"data":[{"instId":"BTC-USDT-SWAP","details":[{"side":"buy","posSide":"long","bkPx":"1","sz":"1","ts":"1723038122631"}]}]}',
        ),
        ("okx", "[1, 2]"),
    ],
)
def test_malformed_frames_are_refused(venue, text):
    parse = {
        "binance": parse_binance,
        "bybit": parse_bybit,
        "okx": lambda m, r: parse_okx(m, r, {"BTC-USDT-SWAP": 0.01}),
    }[venue]
    with pytest.raises(MalformedFrame):
        parse(decode(text), 0)


def test_refused_subscriptions_are_reported_not_silent():
    with pytest.raises(MalformedFrame, match="handler not found"):
        parse_bybit({"success": False, "ret_msg": "handler not found", "op": "subscribe"}, 0)
    with pytest.raises(MalformedFrame, match="60018"):
        parse_okx({"event": "error", "code": "60018", "msg": "bad channel"}, 0, {})


def test_control_frames_are_not_events():
    assert parse_binance({"result": None, "id": 1}, 0) == []
    assert parse_bybit(json.loads('{"success":true,"ret_msg":"pong","op":"ping"}'), 0) == []
    assert parse_okx({"event": "subscribe", "arg": {}}, 0, {}) == []


def test_event_id_identifies_a_replayed_event():
    a = events.make_event("bybit", "BTCUSDT", 1739502302929, "long", 50000.0, 0.5, "Buy", 1)
    b = events.make_event("bybit", "BTCUSDT", 1739502302929, "long", 50000.0, 0.5, "Buy", 99)
    c = events.make_event("bybit", "BTCUSDT", 1739502302929, "long", 50000.0, 0.6, "Buy", 1)
    assert a["event_id"] == b["event_id"] != c["event_id"]


def test_okx_contract_values_from_rest_then_snapshot_then_refusal(
    tmp_path, monkeypatch, caplog, fast_http
):
    from archive_server import ArchiveServer

    from liqlib.data.record.streams import resolve_okx_ct_val
    from liqlib.errors import InputError

    def instruments(query):
        rows = {
            "SOL-USDT-SWAP": {"instId": "SOL-USDT-SWAP", "ctVal": "1", "ctMult": "1"},
            "BTC-USDT-SWAP": {"instId": "BTC-USDT-SWAP", "ctVal": "0.01", "ctMult": "1"},
        }
        return 200, {"code": "0", "data": [rows[query["instId"]]]}

    with ArchiveServer(tmp_path) as server:
        server.routes["/api/v5/public/instruments"] = instruments
        monkeypatch.setenv("LIQLIB_OKX_REST_URL", server.url)
        assert resolve_okx_ct_val(["SOLUSDT", "BTCUSDT"]) == {
            "SOL-USDT-SWAP": 1.0,
            "BTC-USDT-SWAP": 0.01,
        }
        assert server.log[0][1] == {"instType": "SWAP", "instId": "SOL-USDT-SWAP"}
    # the server is gone: the bundled snapshot, with a warning naming its date
    with caplog.at_level("WARNING", logger="liqlib.record"):
        assert resolve_okx_ct_val(["ETHUSDT"]) == {"ETH-USDT-SWAP": 0.1}
    assert events.OKX_CT_VAL_SNAPSHOT_DATE in caplog.text
    with pytest.raises(InputError, match="--okx-ct-val SOL-USDT-SWAP="):
        resolve_okx_ct_val(["SOLUSDT"])
    assert resolve_okx_ct_val(["SOLUSDT"], {"SOL-USDT-SWAP": 1.0}) == {"SOL-USDT-SWAP": 1.0}
