"""Column names, defined once.

Every frame liqlib returns uses these names. Units are part of the contract:

==========================  =====================================================  =========
column                      meaning                                                unit
==========================  =====================================================  =========
open, high, low, close      trade-price OHLC of the bar                            USD/coin
volume                      traded base volume                                     coins
quote_volume                traded quote volume                                    USD
trades                      number of trades                                       count
taker_buy_volume            base volume bought by takers                           coins
taker_buy_quote_volume      quote volume bought by takers                          USD
mark_open ... mark_close    mark-price OHLC (what Binance liquidates on)           USD/coin
oi_coin                     open interest (sum over both sides, one side counted)  coins
oi_usd                      open interest valued at the mark price                 USD
toptrader_ls_account        top-trader long/short ratio by accounts                ratio
toptrader_ls_position       top-trader long/short ratio by positions               ratio
ls_account                  global long/short ratio by accounts                    ratio
taker_ls_volume             taker buy/sell volume ratio                            ratio
funding_rate                funding rate settled at this time (0.0001 = 0.01 %)    fraction
funding_interval_hours      hours between funding settlements                      hours
==========================  =====================================================  =========

The index of every time-series frame is a ``DatetimeIndex`` in UTC named ``time``: the
*open* time of a bar, the snapshot time of a metric, the settlement time of a funding rate.
"""

from __future__ import annotations

TIME = "time"

OPEN = "open"
HIGH = "high"
LOW = "low"
CLOSE = "close"
VOLUME = "volume"
QUOTE_VOLUME = "quote_volume"
TRADES = "trades"
TAKER_BUY_VOLUME = "taker_buy_volume"
TAKER_BUY_QUOTE_VOLUME = "taker_buy_quote_volume"
KLINE_COLUMNS = (
    OPEN,
    HIGH,
    LOW,
    CLOSE,
    VOLUME,
    QUOTE_VOLUME,
    TRADES,
    TAKER_BUY_VOLUME,
    TAKER_BUY_QUOTE_VOLUME,
)
PRICE_COLUMNS = (OPEN, HIGH, LOW, CLOSE)

MARK_OPEN = "mark_open"
MARK_HIGH = "mark_high"
MARK_LOW = "mark_low"
MARK_CLOSE = "mark_close"
MARK_COLUMNS = (MARK_OPEN, MARK_HIGH, MARK_LOW, MARK_CLOSE)

OI_COIN = "oi_coin"
OI_USD = "oi_usd"
TOPTRADER_LS_ACCOUNT = "toptrader_ls_account"
TOPTRADER_LS_POSITION = "toptrader_ls_position"
LS_ACCOUNT = "ls_account"
TAKER_LS_VOLUME = "taker_ls_volume"
METRICS_COLUMNS = (
    OI_COIN,
    OI_USD,
    TOPTRADER_LS_ACCOUNT,
    TOPTRADER_LS_POSITION,
    LS_ACCOUNT,
    TAKER_LS_VOLUME,
)

FUNDING_RATE = "funding_rate"
FUNDING_INTERVAL_HOURS = "funding_interval_hours"
FUNDING_COLUMNS = (FUNDING_RATE, FUNDING_INTERVAL_HOURS)

# aggTrades
PRICE = "price"
QTY_COIN = "qty_coin"
FIRST_TRADE_ID = "first_trade_id"
LAST_TRADE_ID = "last_trade_id"
IS_BUYER_MAKER = "is_buyer_maker"
AGG_TRADE_ID = "agg_trade_id"
AGG_TRADES_COLUMNS = (AGG_TRADE_ID, PRICE, QTY_COIN, FIRST_TRADE_ID, LAST_TRADE_ID, IS_BUYER_MAKER)

# the columns of lq.load_market, in order
MARKET_COLUMNS = KLINE_COLUMNS + MARK_COLUMNS + METRICS_COLUMNS + FUNDING_COLUMNS

#: Symbols of simulated markets start with this prefix (``SIM-BTCUSDT``); they take the real
#: symbol's brackets and are labelled SIMULATED everywhere.
SIM_PREFIX = "SIM-"
