"""One user symbol -> each venue's instrument, and the one conversion to coins of the token."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqlib.data import columns as C
from liqlib.data.instruments import (
    Instrument,
    explicit_instrument,
    parse_symbol,
    resolve_instrument,
    to_base_units,
)
from liqlib.data.sources.binance import symbols
from liqlib.data.venues import venue_instruments
from liqlib.errors import InputError


@pytest.mark.parametrize(
    ("symbol", "binance", "bybit", "okx", "base", "scale"),
    [
        ("BTCUSDT", "BTCUSDT", "BTCUSDT", "BTC-USDT-SWAP", "BTC", 1),
        ("pepeusdt", "1000PEPEUSDT", "1000PEPEUSDT", "PEPE-USDT-SWAP", "PEPE", 1000),
        ("1000PEPEUSDT", "1000PEPEUSDT", "1000PEPEUSDT", "PEPE-USDT-SWAP", "PEPE", 1000),
        ("PEPE-USDT-SWAP", "1000PEPEUSDT", "1000PEPEUSDT", "PEPE-USDT-SWAP", "PEPE", 1000),
        ("SHIBUSDT", "1000SHIBUSDT", "SHIB1000USDT", "SHIB-USDT-SWAP", "SHIB", 1000),
        ("SHIB1000USDT", "1000SHIBUSDT", "SHIB1000USDT", "SHIB-USDT-SWAP", "SHIB", 1000),
        ("1MBABYDOGEUSDT", "1MBABYDOGEUSDT", "1MBABYDOGEUSDT", "BABYDOGE-USDT-SWAP", "BABYDOGE",
         1_000_000),
        ("1INCHUSDT", "1INCHUSDT", "1INCHUSDT", "1INCH-USDT-SWAP", "1INCH", 1),
    ],
)  # fmt: skip
def test_one_symbol_maps_to_each_venues_instrument(symbol, binance, bybit, okx, base, scale):
    got = {v: resolve_instrument(symbol, v) for v in ("binance", "bybit", "okx")}
    assert [got[v].name for v in got] == [binance, bybit, okx]
    assert {i.base for i in got.values()} == {base}
    # Binance and Bybit count lots of `scale` tokens; OKX's candles and OI are in tokens
    assert [got[v].multiplier for v in got] == [scale, scale, 1]


def test_parse_symbol_reads_every_venues_spelling():
    assert parse_symbol("10000SATSUSDT") == ("SATS", "USDT", 10_000)
    assert parse_symbol("1000000MOGUSDT") == ("MOG", "USDT", 1_000_000)
    assert parse_symbol(" ethusdc ") == ("ETH", "USDC", 1)
    for bad in ("BTC", "BTC/USDT", "", "BTCUSD", "BTC-USD-SWAP"):
        with pytest.raises(InputError, match="perpetual|non-empty") as info:
            parse_symbol(bad)
        assert "\n" not in str(info.value)


def test_ambiguous_and_unsupported_symbols_are_one_line_errors(monkeypatch):
    # Binance listing both 1000PEPEUSDT and PEPEUSDT: a third scale cannot be mapped
    monkeypatch.setitem(symbols._EXTRA_SYMBOLS, "PEPEUSDT", pd.Timestamp("2024-01-01").date())
    with pytest.raises(InputError, match="ambiguous on Binance.*1000PEPEUSDT and PEPEUSDT"):
        resolve_instrument("10000PEPEUSDT", "binance")
    assert resolve_instrument("PEPEUSDT", "binance").multiplier == 1  # the exact name wins
    with pytest.raises(InputError, match="USDT perpetuals only"):
        resolve_instrument("ETHUSDC", "okx")
    with pytest.raises(InputError, match="not one of binance, bybit, okx"):
        resolve_instrument("BTCUSDT", "ftx")
    with pytest.raises(InputError, match="not an OKX swap"):
        explicit_instrument("BTCUSDT", "okx")
    with pytest.raises(InputError, match="not one market"):
        venue_instruments("BTCUSDT", {"binance": "1000PEPEUSDT", "okx": "SHIB-USDT-SWAP"})


def test_explicit_instruments_are_taken_as_given():
    got = venue_instruments(
        "SHIBUSDT", {"binance": "1000SHIBUSDT", "bybit": "shib1000usdt", "okx": None}
    )
    assert {v: (i.name, i.multiplier) for v, i in got.items()} == {
        "binance": ("1000SHIBUSDT", 1000), "bybit": ("SHIB1000USDT", 1000),
        "okx": ("SHIB-USDT-SWAP", 1)}  # fmt: skip


def _market(price: float, size: float) -> pd.DataFrame:
    idx = pd.date_range("2026-04-03", periods=3, freq="5min", tz="UTC", name="time")
    frame = pd.DataFrame(np.nan, index=idx, columns=list(C.MARKET_COLUMNS))
    for col in (*C.PRICE_COLUMNS, *C.MARK_COLUMNS):
        frame[col] = price
    for col in (C.VOLUME, C.TAKER_BUY_VOLUME, C.OI_COIN):
        frame[col] = size
    frame[C.QUOTE_VOLUME] = frame[C.OI_USD] = price * size
    frame[C.TRADES] = 7.0
    frame[C.FUNDING_RATE] = 1e-4
    return frame


def test_to_base_units_converts_once_and_keeps_usd():
    lots = Instrument("binance", "1000PEPEUSDT", "PEPE", "USDT", 1000)
    raw = _market(0.0123, 5.0)  # USD per 1,000 PEPE; lots of 1,000 PEPE
    out = to_base_units(raw, lots)
    okx = to_base_units(_market(0.0000123, 5000.0), Instrument("okx", "PEPE-USDT-SWAP", "PEPE",
                                                                 "USDT", 1))  # fmt: skip
    pd.testing.assert_frame_equal(out, okx, rtol=1e-12)  # the same market in one unit
    assert out.close.iloc[0] == pytest.approx(1.23e-5) and out.oi_coin.iloc[0] == 5000.0
    np.testing.assert_allclose(out.oi_coin * out.mark_close, raw.oi_coin * raw.mark_close)
    assert out[[C.QUOTE_VOLUME, C.OI_USD, C.TRADES, C.FUNDING_RATE]].equals(
        raw[[C.QUOTE_VOLUME, C.OI_USD, C.TRADES, C.FUNDING_RATE]]
    )
    assert out.attrs["unit_multiplier"] == 1000 and out.attrs["venue_symbol"] == "1000PEPEUSDT"
    assert "unit_multiplier" not in raw.attrs  # the input is left alone
    with pytest.raises(InputError, match="already in coins of PEPE"):
        to_base_units(out, lots)


def test_load_market_names_binances_scaled_instrument(tmp_path):
    import liqlib as lq

    with pytest.raises(InputError, match=r"Binance lists PEPE as 1000PEPEUSDT \(lots of 1,000 "
                       r"PEPE\): pass symbol='1000PEPEUSDT'") as info:  # fmt: skip
        lq.load_market("PEPEUSDT", "2025-11-03", "2025-11-04", "5m", cache_dir=tmp_path)
    assert "\n" not in str(info.value) and not any(tmp_path.iterdir())


def test_a_registered_plain_name_is_taken_as_given(monkeypatch):
    from liqlib.data.store import _check_binance_name

    with pytest.raises(InputError, match="register_symbol"):
        _check_binance_name("PEPEUSDT")
    monkeypatch.setitem(symbols._EXTRA_SYMBOLS, "PEPEUSDT", pd.Timestamp("2024-01-01").date())
    _check_binance_name("PEPEUSDT")  # Binance listing PEPEUSDT too: its own name, as given
    _check_binance_name("SIM-BTCUSDT")  # not a venue name: left to the archive
