"""Bracket tables and exact liquidation prices."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqlib.errors import InputError
from liqlib.estimate.brackets import (
    bracket_tables,
    get_bracket_table,
    liquidation_price,
    load_leverage_brackets,
    lp_factors,
)


def test_worked_example_btc_long_10x_tier1():
    # 1 BTC long at 67,000, 10x, bracket 1 (MMR 0.4 %, cum 0): (67000*0.9)/(1-0.004)
    lp = liquidation_price(67_000.0, 10, "long", 1.0, symbol="BTCUSDT")
    assert round(float(lp), 2) == 60542.17
    table = get_bracket_table("BTCUSDT")
    assert table.bracket_index(67_000.0) == 0
    assert table.mmr[0] == 0.004 and table.cum_usd[0] == 0.0


def test_worked_example_short_mirror():
    lp = liquidation_price(67_000.0, 10, "short", 1.0, symbol="BTCUSDT")
    assert float(lp) == pytest.approx(67_000.0 * 1.1 / 1.004, rel=1e-12)


def test_2024_table_puts_the_same_position_in_bracket_2():
    # in the mid-2024 table bracket 1 stops at 50,000 USD: 67,000 USD is bracket 2 (0.5 %, 50)
    lp = liquidation_price(67_000.0, 10, "long", 1.0, symbol="BTCUSDT", as_of="2024-08-01")
    assert float(lp) == pytest.approx((67_000.0 * 0.9 - 50.0 / 1.0) / 0.995, rel=1e-12)


def test_bracket_follows_notional_not_leverage():
    # 1,000,000 USD at 10x is bracket 3 of the 2025 BTCUSDT table (MMR 0.65 %, cum 1,500)
    lp = liquidation_price(100_000.0, 10, "long", 10.0)
    assert float(lp) == pytest.approx((100_000.0 * 0.9 - 1_500.0 / 10.0) / (1 - 0.0065))


@pytest.mark.parametrize("table", bracket_tables(), ids=lambda t: f"{t.symbol}@{t.in_force}")
def test_cum_continuity(table):
    cum = np.asarray(table.cum_usd)
    mmr = np.asarray(table.mmr)
    floors = np.asarray(table.floors_usd)
    assert cum[0] == 0.0
    for i in range(1, table.n_brackets):
        expected = cum[i - 1] + floors[i] * (mmr[i] - mmr[i - 1])
        assert cum[i] == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert np.all(np.abs(table.continuity_errors()) < 1e-6 * max(cum.max(), 1.0))


@pytest.mark.parametrize("table", bracket_tables(), ids=lambda t: f"{t.symbol}@{t.in_force}")
def test_tables_are_dated_and_sourced(table):
    assert table.in_force[:4].isdigit()
    assert len(table.source) > 20
    assert list(table.max_leverage) == sorted(table.max_leverage, reverse=True)
    assert list(table.mmr) == sorted(table.mmr)


def test_leverage_above_bracket_maximum_is_an_error():
    with pytest.raises(InputError, match=r"leverage 151 exceeds the maximum 150x of the BTCUSDT"):
        liquidation_price(100_000.0, 151, "long", 0.1)
    with pytest.raises(InputError, match=r"maximum 100x .* 500,000 USD .* leverage <= 100"):
        liquidation_price(100_000.0, 125, "long", 5.0)
    with pytest.raises(InputError, match="maximum 125x"):
        liquidation_price(40_000.0, 126, "short", 1.0, as_of="2024-08-01")


def test_bad_inputs():
    with pytest.raises(InputError, match="entry"):
        liquidation_price(-1.0, 10, "long", 1.0)
    with pytest.raises(InputError, match="qty"):
        liquidation_price(100.0, 10, "long", 0.0)
    with pytest.raises(InputError, match="side"):
        liquidation_price(100.0, 10, "up", 1.0)
    with pytest.raises(InputError, match="below 1x"):
        liquidation_price(100.0, 0.5, "long", 1.0)
    with pytest.raises(InputError, match="exceeds the largest"):
        liquidation_price(100_000.0, 1, "long", 1e6)
    with pytest.raises(InputError, match="no bundled bracket table"):
        liquidation_price(1.0, 2, "long", 1.0, symbol="FOOUSDT")


def test_vectorised_over_arrays():
    entry = np.array([60_000.0, 70_000.0, 80_000.0])
    lev = np.array([5.0, 20.0, 100.0])
    side = np.array(["long", "short", "long"])
    got = liquidation_price(entry, lev, side, 0.1)
    want = [liquidation_price(e, v, s, 0.1) for e, v, s in zip(entry, lev, side, strict=True)]
    np.testing.assert_allclose(got, np.ravel(want), rtol=1e-15)
    assert got.shape == (3,)


def test_lp_factors_match_liquidation_price():
    k = lp_factors((5, 10, 50), 10_000.0)
    for t, lev in enumerate((5, 10, 50)):
        for s, side in enumerate(("long", "short")):
            lp = liquidation_price(50_000.0, lev, side, 10_000.0 / 50_000.0)
            assert k[s, t] * 50_000.0 == pytest.approx(float(lp), rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    entry=st.floats(1e-3, 1e6),
    notional=st.floats(1.0, 2.9e5),
    lev=st.floats(1.01, 149.0),
    dlev=st.floats(0.01, 50.0),
)
def test_long_below_entry_below_short_and_leverage_monotone(entry, notional, lev, dlev):
    qty = notional / entry
    hi_lev = min(lev + dlev, 150.0)
    long_lp = float(liquidation_price(entry, lev, "long", qty))
    short_lp = float(liquidation_price(entry, lev, "short", qty))
    assert long_lp < entry < short_lp
    # higher leverage: closer to entry on both sides (or equal at the 0 floor of longs)
    assert float(liquidation_price(entry, hi_lev, "long", qty)) >= long_lp
    assert float(liquidation_price(entry, hi_lev, "short", qty)) <= short_lp
    if hi_lev > lev * (1 + 1e-9):
        assert float(liquidation_price(entry, hi_lev, "short", qty)) < short_lp


def test_loader_reads_list_object_text_and_file(tmp_path):
    body = [
        {
            "symbol": "XUSDT",
            "brackets": [
                {
                    "bracket": 2,
                    "initialLeverage": 10,
                    "notionalCap": 50_000,
                    "notionalFloor": 5_000,
                    "maintMarginRatio": 0.05,
                    "cum": 175.0,
                },
                {
                    "bracket": 1,
                    "initialLeverage": 20,
                    "notionalCap": 5_000,
                    "notionalFloor": 0,
                    "maintMarginRatio": 0.015,
                    "cum": 0.0,
                },
            ],
        }
    ]
    tables = load_leverage_brackets(body, in_force="2025-01-01")
    t = tables["XUSDT"]
    assert t.floors_usd == (0.0, 5_000.0) and t.max_leverage == (20.0, 10.0)
    assert np.allclose(t.continuity_errors(), 0.0)
    assert load_leverage_brackets(body[0], in_force="2025-01-01")["XUSDT"] == t
    path = tmp_path / "brackets.json"
    path.write_text(json.dumps(body))
    from_file = load_leverage_brackets(path)["XUSDT"]
    assert from_file.source == str(path)
    assert load_leverage_brackets(json.dumps(body))["XUSDT"].cum_usd == (0.0, 175.0)
    lp = liquidation_price(100.0, 10, "long", 100.0, brackets=t)  # 10,000 USD: bracket 2
    assert float(lp) == pytest.approx((100.0 * 0.9 - 175.0 / 100.0) / 0.95)


def test_loader_rejects_bad_documents(tmp_path):
    with pytest.raises(InputError, match="not valid JSON"):
        load_leverage_brackets("[{oops")
    with pytest.raises(InputError, match="symbol"):
        load_leverage_brackets([{"brackets": []}])
    with pytest.raises(InputError, match="cannot read bracket file"):
        load_leverage_brackets(tmp_path / "missing.json")
    gap = [
        {
            "symbol": "X",
            "brackets": [
                {
                    "initialLeverage": 20,
                    "notionalCap": 5,
                    "notionalFloor": 0,
                    "maintMarginRatio": 0.01,
                    "cum": 0,
                },
                {
                    "initialLeverage": 10,
                    "notionalCap": 9,
                    "notionalFloor": 6,
                    "maintMarginRatio": 0.02,
                    "cum": 0,
                },
            ],
        }
    ]
    with pytest.raises(InputError, match="gaps"):
        load_leverage_brackets(gap)
