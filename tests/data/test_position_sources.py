"""Readers of real position samples (Hyperliquid) and the Coinglass alt-coin export."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import liqlib as lq
from liqlib.errors import CorruptDataError, DataNotFoundError, InputError

ALTS = "raw/coinglass-4h-alts/cg_eth_4h_binance_liq_oi_20241114_20251114.csv"
CANDLES = "raw/finm-hourly-candles/perp_1h_binance_bybit_BTC_ETH_DOGE_SOL_20250306_20251122.csv.gz"


def _csv_row(**kw):
    row = dict(user_address="0x1", coin="BTC", market_type="HyperCore", direction="LONG",
               size=0.1, entry_price=100_000.0, liquidation_price=90_000.0,
               position_value=9_500.0, leverage_type="isolated", leverage_value=10)  # fmt: skip
    row.update(kw)
    return row


def test_reads_csv_and_raw_json_exports_into_one_frame(tmp_path):
    folder = tmp_path / "cohort" / "positions"
    folder.mkdir(parents=True)
    pd.DataFrame(
        [_csv_row(), _csv_row(direction="SHORT", liquidation_price=np.nan, leverage_type="cross")]
    ).to_csv(folder / "positions_detail_hypercore_20251208.csv", index=False)
    raw = {"users": [{"address": "0x2", "hypercore": {"assetPositions": [{"position": {
        "coin": "ETH", "szi": "-2.0", "entryPx": "3000", "liquidationPx": "3300",
        "positionValue": "6000", "leverage": {"type": "cross", "value": 20}}}]}}]}  # fmt: skip
    (folder / "positions_raw_hypercore_20260209.json").write_text(json.dumps(raw))
    pos = lq.load_hyperliquid_positions(tmp_path)
    assert sorted(pos.cohort.unique()) == ["cohort-20251208", "cohort-20260209"]
    first = pos.iloc[0]
    assert first.mark_price == pytest.approx(95_000.0)  # value / size
    assert first.mark_distance == pytest.approx(5_000 / 95_000)
    assert first.entry_distance == pytest.approx(0.1)
    assert np.isinf(pos.iloc[1].mark_distance)  # no reachable liquidation price
    eth = pos[pos.coin == "ETH"].iloc[0]
    assert eth.side == "short" and eth.margin == "cross" and eth.size_coin == 2.0
    assert eth.entry_distance == pytest.approx(0.1)


def test_position_reader_errors_name_the_problem(tmp_path):
    with pytest.raises(DataNotFoundError, match="no Hyperliquid position snapshots"):
        lq.load_hyperliquid_positions(tmp_path)
    (tmp_path / "positions_detail_hypercore_1.csv").write_text("coin,size\nBTC,1\n")
    with pytest.raises(InputError, match="has no column 'direction'"):
        lq.load_hyperliquid_positions(tmp_path)


def test_alt_reader_errors_name_the_problem(tmp_path):
    with pytest.raises(DataNotFoundError, match="does not exist"):
        lq.load_coinglass_alts(tmp_path / "a.csv", tmp_path / "b.csv", "ETH")
    (tmp_path / "a.csv").write_text("time_ms,liq_long_usd_binance\n1,2\n")
    (tmp_path / "b.csv").write_text("timestamp,venue,coin,o,h,l,c,v\n")
    with pytest.raises(CorruptDataError, match="no column 'liq_short_usd_binance'"):
        lq.load_coinglass_alts(tmp_path / "a.csv", tmp_path / "b.csv", "ETH")


@pytest.mark.realdata
def test_alt_export_joins_candles_and_keeps_every_usd(shared_data):
    market, realized = lq.load_coinglass_alts(shared_data / ALTS, shared_data / CANDLES, "ETH")
    raw = pd.read_csv(shared_data / ALTS)
    raw.index = pd.to_datetime(raw.time_ms, unit="ms", utc=True)
    raw = raw.loc[realized.index]
    assert np.allclose(realized.long_usd, raw.liq_long_usd_binance)
    assert np.allclose(realized.short_usd, raw.liq_short_usd_binance)
    # a 4-hour bar's closing open interest is the state at the open of the hour it ends
    oi = market.oi_coin.dropna()
    assert (oi.index.hour % 4 == 0).all()
    bar = realized.index[10]
    assert oi.loc[bar + pd.Timedelta("4h")] == raw.loc[bar, "oi_binance_stablecoin_coins_close"]
    assert market.attrs["interval"] == "1h" and market.attrs["oi_timing"] == "open"
    assert market.index[0] == realized.index[0] and market.index.is_monotonic_increasing
