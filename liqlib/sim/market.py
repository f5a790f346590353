"""An agent-based perpetual-futures market whose every position is known: **SIMULATED** data.

``simulate_market(seed, days)`` walks a market minute by minute. Traders open isolated,
one-way positions (Binance USD-M rules) with a known leverage distribution and size
distribution, at prices inside the candle; they close them by hazard (higher leverage holds
shorter); the exchange liquidates a position when the **mark price** reaches its exact
bracket liquidation price (:func:`liqlib.estimate.brackets.liquidation_price`); liquidation orders
move the price in their direction, so liquidations can cascade; funding settles every 8
hours and moves every isolated position's liquidation price; an optional burn-in leaves
positions alive when the output begins, as on real data where most open interest predates
any window you load.

It returns a ``market`` frame with exactly the columns of ``lq.load_market`` (assembled by
the same alignment code) and a :class:`liqlib.sim.truth.MarketTruth`: the live positions'
liquidation levels (USD per side and leverage bucket) at regular snapshots, and the USD
really liquidated in every candle.

The model, per minute, with ``S`` sub-steps (``SimConfig.substeps``):

1. volatility: ``sigma = daily_vol / sqrt(1440) * v``, where ``log v`` is an AR(1) process
   (volatility clusters); sub-step returns are Student-t;
2. at each sub-step, Poisson-many traders open at that sub-step's trade price: side long
   with probability ``long_share + trend_tilt * tanh(trend) - rebalance * imbalance``
   (trend: an exponential moving average of returns in units of sigma; imbalance: (long -
   short) / (long + short) open coins), notional log-normal, leverage from the
   distribution, capped at the bracket's maximum for that notional;
3. at each sub-step, every long whose liquidation price is at or above the mark price, and
   every short at or below it, is liquidated; the liquidated notional moves the price by
   ``impact * liquidated_usd / open_interest_usd`` (down for longs, up for shorts), and the
   check repeats at the new price (a cascade), up to ``max_cascade`` rounds;
4. closes: each position has an exponential holding time drawn at opening, with mean
   ``mean_hold_minutes * (10 / leverage) ** hold_leverage_exponent``;
5. funding (00, 08, 16 UTC): rate ``= clip(base + k * imbalance)`` where imbalance is
   (long - short) / (long + short) notional; a paid rate lowers the position's isolated
   margin, so its liquidation price moves by ``rate * mark / (1 -/+ MMR)``;
6. open interest (coins) is ``max(long coins, short coins)``: the unmatched difference is
   held by unleveraged market makers who are never liquidated.

Everything is deterministic by seed (numba's own generator, seeded inside the kernel).

Examples
--------
>>> market, truth = simulate_market(seed=1, days=0.25, live_positions=2_000, burn_in_days=0.1)
>>> market.attrs["synthetic"], market.attrs["symbol"]
(True, 'SIM-BTCUSDT')
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from numba import njit

from liqlib.data import columns as C
from liqlib.data.columns import SIM_PREFIX
from liqlib.data.store import align_market
from liqlib.data.time import to_utc
from liqlib.errors import InputError
from liqlib.estimate.brackets import BracketTable, get_bracket_table
from liqlib.estimate.config import LeverageMix
from liqlib.sim.truth import DEFAULT_LEVERAGE_EDGES, MarketTruth

__all__ = ["LogNormalLeverage", "SimConfig", "simulate_market"]

MINUTES_PER_DAY = 1440
METRICS_EVERY_MIN = 5
FUNDING_EVERY_MIN = 480
#: The most simulated days one call may ask for (memory grows with days x snapshots x bins).
MAX_DAYS = 120.0
#: The most live positions one call may ask for.
MAX_LIVE_POSITIONS = 2_000_000


@dataclass(frozen=True)
class LogNormalLeverage:
    """A continuous leverage distribution: log-normal, clipped to [min_leverage, bracket max].

    Parameters
    ----------
    median : float
        Median leverage (x), > 1.
    sigma : float
        Standard deviation of log leverage, > 0.
    min_leverage : float
        Leverages below this are raised to it (x), >= 1.

    Examples
    --------
    >>> LogNormalLeverage(median=8.0, sigma=0.8).median
    8.0
    """

    median: float = 10.0
    sigma: float = 0.8
    min_leverage: float = 1.1

    def __post_init__(self) -> None:
        if not (math.isfinite(self.median) and self.median > 1):
            raise InputError(f"median leverage {self.median!r} must be > 1: use e.g. 10")
        if not (math.isfinite(self.sigma) and self.sigma > 0):
            raise InputError(f"leverage sigma {self.sigma!r} must be > 0: use e.g. 0.8")
        if not (math.isfinite(self.min_leverage) and self.min_leverage >= 1):
            raise InputError(f"min_leverage {self.min_leverage!r} must be >= 1: use e.g. 1.1")


def _positive(name: str, value, *, integer: bool = False, allow_zero: bool = False) -> None:
    ok_type = isinstance(value, int | np.integer) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok_type or not math.isfinite(value):
        kind = "an integer" if integer else "a number"
        raise InputError(f"{name}={value!r} must be {kind}: fix the argument")
    if value < 0 or (value == 0 and not allow_zero):
        raise InputError(f"{name}={value!r} must be {'>= 0' if allow_zero else '> 0'}")


@dataclass(frozen=True)
class SimConfig:
    """Everything a simulated market depends on besides its seed. Units: USD, minutes, x.

    Parameters
    ----------
    days : float
        Simulated days returned (after the burn-in).
    start : str
        UTC open time of the first returned candle.
    symbol : str
        Name of the simulated instrument. It says SIM so nobody mistakes it for real; the
        bracket table is the one of the symbol after ``SIM-`` (BTCUSDT).
    price0 : float
        Price (USD/coin) at the start of the burn-in.
    daily_vol : float
        Daily standard deviation of log returns in calm times (fraction).
    vol_persistence, vol_of_vol : float
        AR(1) coefficient per minute and innovation scale of log volatility.
    tail_df : float
        Degrees of freedom of the Student-t sub-step returns (> 2).
    substeps : int
        Price points per minute; candles' OHLC come from them.
    live_positions : int
        Target number of live positions in steady state (sets the opening rate).
    mean_hold_minutes : float
        Mean holding time of a 10x position (minutes).
    hold_leverage_exponent : float
        Holding time scales like ``(10 / leverage) ** exponent``.
    leverage : LeverageMix or LogNormalLeverage
        Discrete tiers with weights, or a continuous distribution (over positions). Either is
        capped at the maximum leverage of the position's notional bracket. The default,
        log-normal with median 8x and sigma 1.0, with ``size_leverage_exponent=1``, holds
        about 50 % of live USD at 1-3x, 35 % at 3-7x and 15 % above 7x (compare Hyperliquid's
        on-chain 36 / 48 / 15 %, ../shared/data/README.md) and liquidates something in about
        95 % of hours, as real markets do.
    notional_median_usd, notional_sigma : float
        Log-normal position notional (USD): median and log standard deviation.
    notional_max_usd : float
        Positions larger than this are cut to it (USD).
    size_leverage_exponent : float
        A position's notional is scaled by ``(10 / leverage) ** exponent``: high leverage is
        mostly small accounts (so, USD-weighted, leverage is lower than position-weighted).
        The leverage distribution is over positions (counts), before the bracket cap.
    long_share : float
        Baseline probability that a new position is long.
    trend_tilt : float
        Extra long probability per unit of ``tanh(trend)`` (trend followers > 0).
    trend_halflife_minutes : float
        Half-life of the trend signal (EMA of returns in sigma units).
    rebalance : float
        Long probability falls by ``rebalance * imbalance`` (imbalance = (long - short) /
        (long + short) coins): crowded sides attract fewer newcomers, so positioning stays
        near balance as on real venues, where every contract has a long and a short.
    impact : float
        Price move (fraction) when liquidations equal to the whole open interest execute;
        1 % of open interest liquidated moves price by ``impact`` %.
    max_cascade : int
        Rounds of re-checking after an impact, per sub-step.
    basis_bp : float
        Standard deviation of trade price around mark price (basis points).
    turnover_per_minute : float
        Traded volume that changes no open interest, per minute, as a share of open
        interest (USD), before the volatility multiplier (gross turnover >> |dOI|).
    funding_base, funding_imbalance : float
        Funding rate = clip(base + funding_imbalance * imbalance, +-funding_cap) per 8 h.
    funding_cap : float
        Largest absolute funding rate per settlement.
    burn_in_days : float
        Days simulated before ``start`` and not returned; their positions are alive at the
        start (0 = the market opens empty).
    snapshot_minutes : int
        Minutes between truth snapshots.
    price_bin_pct : float
        Width of the truth's log-spaced liquidation-price bins (% of price).
    price_span : float
        The truth grid covers ``price0 * exp(+-price_span)``; levels beyond go to overflow.
    leverage_edges : tuple of float
        Leverage buckets of the truth (x).
    """

    days: float = 14.0
    start: str = "2025-01-01"
    symbol: str = "SIM-BTCUSDT"
    price0: float = 60_000.0
    daily_vol: float = 0.03
    vol_persistence: float = 0.999
    vol_of_vol: float = 0.02
    tail_df: float = 4.0
    substeps: int = 6
    live_positions: int = 50_000
    mean_hold_minutes: float = 1_440.0
    hold_leverage_exponent: float = 0.5
    leverage: LeverageMix | LogNormalLeverage = field(
        default_factory=lambda: LogNormalLeverage(median=8.0, sigma=1.0)
    )
    notional_median_usd: float = 15_000.0
    notional_sigma: float = 1.2
    notional_max_usd: float = 5_000_000.0
    size_leverage_exponent: float = 1.0
    long_share: float = 0.5
    trend_tilt: float = 0.08
    trend_halflife_minutes: float = 240.0
    rebalance: float = 0.5
    impact: float = 0.05
    max_cascade: int = 20
    basis_bp: float = 2.0
    turnover_per_minute: float = 0.002
    funding_base: float = 1e-4
    funding_imbalance: float = 2e-3
    funding_cap: float = 3e-3
    burn_in_days: float = 6.0
    snapshot_minutes: int = 60
    price_bin_pct: float = 0.2
    price_span: float = 0.9
    leverage_edges: tuple[float, ...] = DEFAULT_LEVERAGE_EDGES

    def __post_init__(self) -> None:
        _positive("days", self.days)
        if self.days > MAX_DAYS:
            raise InputError(f"days={self.days!r} exceeds {MAX_DAYS:g}: simulate fewer days")
        if self.days * MINUTES_PER_DAY < 1:
            raise InputError(f"days={self.days!r} is shorter than one minute: use e.g. 1")
        _positive("burn_in_days", self.burn_in_days, allow_zero=True)
        if self.burn_in_days > MAX_DAYS:
            raise InputError(f"burn_in_days={self.burn_in_days!r} exceeds {MAX_DAYS:g}")
        for name in (
            "price0",
            "daily_vol",
            "mean_hold_minutes",
            "notional_median_usd",
            "notional_sigma",
            "notional_max_usd",
            "trend_halflife_minutes",
            "price_bin_pct",
            "price_span",
        ):
            _positive(name, getattr(self, name))
        for name in (
            "vol_of_vol",
            "rebalance",
            "hold_leverage_exponent",
            "size_leverage_exponent",
            "impact",
            "basis_bp",
            "turnover_per_minute",
            "funding_imbalance",
            "funding_cap",
        ):
            _positive(name, getattr(self, name), allow_zero=True)
        for name in ("substeps", "live_positions", "snapshot_minutes", "max_cascade"):
            _positive(name, getattr(self, name), integer=True)
        if self.live_positions > MAX_LIVE_POSITIONS:
            raise InputError(
                f"live_positions={self.live_positions:,} exceeds {MAX_LIVE_POSITIONS:,}: "
                "simulate fewer positions"
            )
        if not 0 <= self.vol_persistence < 1:
            raise InputError(f"vol_persistence={self.vol_persistence!r} must be in [0, 1)")
        if not self.tail_df > 2:
            raise InputError(f"tail_df={self.tail_df!r} must be > 2 (finite variance)")
        if not 0 <= self.long_share <= 1:
            raise InputError(f"long_share={self.long_share!r} must be in [0, 1]")
        if not 0 <= abs(self.trend_tilt) <= 0.5:
            raise InputError(f"trend_tilt={self.trend_tilt!r} must be within +-0.5")
        if not isinstance(self.leverage, LeverageMix | LogNormalLeverage):
            raise InputError(
                "leverage must be a LeverageMix or a LogNormalLeverage: e.g. "
                "LeverageMix((5, 10, 25), (0.5, 0.3, 0.2))"
            )
        e = np.asarray(self.leverage_edges, dtype=float)
        if e.size < 2 or e[0] < 1 or np.any(np.diff(e) <= 0):
            raise InputError("leverage_edges must be >= 2 increasing leverages starting at >= 1x")
        try:
            pd.Timestamp(self.start)
        except (ValueError, TypeError):
            raise InputError(f"start={self.start!r} is not a date: use e.g. '2025-01-01'") from None
        if not str(self.symbol).upper().startswith(SIM_PREFIX):
            raise InputError(
                f"symbol={self.symbol!r} must start with 'SIM-' so simulated data is never "
                "mistaken for real: e.g. 'SIM-BTCUSDT'"
            )

    def bracket_table(self) -> BracketTable:
        """The bracket table the simulated exchange uses (that of the symbol after ``SIM-``)."""
        return get_bracket_table(self.symbol)


# --------------------------------------------------------------------------------------------
# the numba kernel
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _bracket(notional, caps):
    b = 0
    while b < caps.size - 1 and notional > caps[b]:
        b += 1
    return b


@njit(cache=True)
def _kernel(
    seed,
    n_minutes,
    burn_minutes,
    minute_of_day0,
    sp,  # float params (see _pack)
    ip,  # int params
    lev_vals,
    lev_cum,  # discrete: leverages and cumulative weights; continuous: empty
    caps,
    mmr_t,
    cum_t,
    maxlev_t,
    lev_edges,
    price_edges,
    snap_minutes,
    capacity,
    # outputs, per returned minute
    o_ohlc,  # (n, 4) trade
    o_mark,  # (n, 4) mark
    o_vol,  # (n, 4) quote volume, taker buy quote volume, trades, (unused)
    o_liq,  # (n, 4) long usd, short usd, long count, short count
    o_oi,  # (n, 5) oi coins, long coins, short coins, n long, n short
    o_funding,  # (n,) funding rate settled at this minute (NaN otherwise)
    o_snap,  # (S, 2, T, B)
    o_snap_ovf,  # (S, 2)
    o_snap_price,  # (S,)
    o_big,  # (n, 4) top-trader long coins, short coins, long count, short count
):
    np.random.seed(seed)
    daily_vol = sp[0]
    vol_pers = sp[1]
    vol_of_vol = sp[2]
    tail_df = sp[3]
    mean_hold = sp[4]
    hold_exp = sp[5]
    notional_mu = np.log(sp[6])
    notional_sigma = sp[7]
    notional_max = sp[8]
    long_share = sp[9]
    trend_tilt = sp[10]
    trend_alpha = sp[11]
    impact = sp[12]
    basis = sp[13] * 1e-4
    turnover = sp[14]
    f_base = sp[15]
    f_imb = sp[16]
    f_cap = sp[17]
    price = sp[18]
    lognorm_mu = sp[19]
    lognorm_sigma = sp[20]
    lognorm_min = sp[21]
    open_rate = sp[22]  # positions per minute
    big_usd = sp[23]
    rebalance = sp[24]
    size_lev_exp = sp[25]
    substeps = ip[0]
    max_cascade = ip[1]
    continuous = ip[2] == 1

    band = 0.05
    sigma_min = daily_vol / np.sqrt(1440.0)
    t_scale = np.sqrt((tail_df - 2.0) / tail_df)
    nt = lev_edges.size - 1
    nb = price_edges.size - 1
    log_e0 = np.log(price_edges[0])
    dlog = (np.log(price_edges[-1]) - log_e0) / nb

    # positions (structure of arrays); a slot is live while alive[i]
    side = np.zeros(capacity, np.int8)  # 0 long, 1 short
    qty = np.zeros(capacity)
    lp = np.zeros(capacity)
    mmr = np.zeros(capacity)
    lev = np.zeros(capacity)
    close_at = np.zeros(capacity, np.int64)
    alive = np.zeros(capacity, np.bool_)
    n = 0  # slots used (live and dead)
    dropped = 0  # openings that found no free slot (reported; 0 unless capacity is too small)
    # candidates for liquidation: longs with a level >= band_lo, shorts <= band_hi, rebuilt
    # every minute around the mark (a minute rarely moves 5 %); outside the band, every
    # position is scanned. This keeps a sub-step's check O(levels near the price).
    cand = np.zeros(capacity, np.int64)
    n_cand = 0
    band_lo = 0.0
    band_hi = np.inf

    log_v = 0.0
    trend = 0.0
    total = n_minutes + burn_minutes
    last_trade = price
    oi_usd = 1.0
    long_coins = 0.0
    short_coins = 0.0
    max_long_lp = 0.0
    min_short_lp = np.inf
    snap_j = 0
    for m in range(total):
        out = m - burn_minutes  # row of the outputs, < 0 during burn-in
        # 1. volatility and the minute's sub-step returns
        log_v = vol_pers * log_v + vol_of_vol * np.random.standard_normal()
        sigma = sigma_min * np.exp(log_v) / np.sqrt(substeps)
        mark = price
        m_open = mark
        m_hi = mark
        m_lo = mark
        t_open = last_trade
        t_hi = last_trade
        t_lo = last_trade
        liq_l = 0.0
        liq_s = 0.0
        cnt_l = 0
        cnt_s = 0
        opened = 0.0
        buy_usd = 0.0
        n_trades = 0
        ret_min = 0.0
        for _k in range(substeps):
            r = sigma * t_scale * np.random.standard_t(tail_df)
            ret_min += r
            mark = mark * np.exp(r)
            # 2. openings at this sub-step's trade price
            trade = mark * (1.0 + basis * np.random.standard_normal())
            n_open = np.random.poisson(open_rate / substeps)
            imb = (long_coins - short_coins) / max(long_coins + short_coins, 1e-12)
            p_long = long_share + trend_tilt * np.tanh(trend) - rebalance * imb
            p_long = min(max(p_long, 0.05), 0.95)
            for _ in range(n_open):
                if n >= capacity:  # never reached in practice: the close pass compacts
                    dropped += n_open  # every minute; counted so it cannot pass unseen
                    break
                if continuous:
                    L = np.exp(lognorm_mu + lognorm_sigma * np.random.standard_normal())
                    L = max(L, lognorm_min)
                else:
                    u = np.random.random()
                    j = 0
                    while j < lev_cum.size - 1 and u > lev_cum[j]:
                        j += 1
                    L = lev_vals[j]
                # high leverage is mostly small accounts: the median size falls as L rises
                size = np.exp(notional_mu + notional_sigma * np.random.standard_normal())
                notional = min(size * (10.0 / L) ** size_lev_exp, notional_max)
                b = _bracket(notional, caps)
                L = min(L, maxlev_t[b])
                q = notional / trade
                s = 0 if np.random.random() < p_long else 1
                if s == 0:
                    liq = (trade * (1.0 - 1.0 / L) - cum_t[b] / q) / (1.0 - mmr_t[b])
                else:
                    liq = (trade * (1.0 + 1.0 / L) + cum_t[b] / q) / (1.0 + mmr_t[b])
                hold = mean_hold * (10.0 / L) ** hold_exp
                side[n] = s
                qty[n] = q
                lp[n] = liq
                mmr[n] = mmr_t[b]
                lev[n] = L
                close_at[n] = m + 1 + np.int64(np.random.exponential(hold))
                alive[n] = True
                if (s == 0 and liq >= band_lo) or (s == 1 and liq <= band_hi):
                    cand[n_cand] = n
                    n_cand += 1
                n += 1
                opened += notional
                n_trades += 1
                if s == 0:
                    long_coins += q
                    buy_usd += notional
                    if liq > max_long_lp:
                        max_long_lp = liq
                else:
                    short_coins += q
                    if liq < min_short_lp:
                        min_short_lp = liq
            # 3. liquidations at this sub-step's mark, cascading through the impact
            for _round in range(max_cascade):
                if not (mark <= max_long_lp or mark >= min_short_lp):
                    break
                got_l = 0.0
                got_s = 0.0
                in_band = band_lo < mark < band_hi
                new_max = band_lo if in_band else 0.0
                new_min = band_hi if in_band else np.inf
                for c in range(n_cand if in_band else n):
                    i = cand[c] if in_band else c
                    if not alive[i]:
                        continue
                    if side[i] == 0:
                        if lp[i] >= mark:
                            alive[i] = False
                            got_l += qty[i] * lp[i]
                            long_coins -= qty[i]
                            cnt_l += 1
                        elif lp[i] > new_max:
                            new_max = lp[i]
                    else:
                        if lp[i] <= mark:
                            alive[i] = False
                            got_s += qty[i] * lp[i]
                            short_coins -= qty[i]
                            cnt_s += 1
                        elif lp[i] < new_min:
                            new_min = lp[i]
                max_long_lp = new_max
                min_short_lp = new_min
                if got_l == 0.0 and got_s == 0.0:
                    break
                liq_l += got_l
                liq_s += got_s
                buy_usd += got_s
                n_trades += 2
                # liquidation orders hit the book: longs sell, shorts buy
                move = impact * (got_s - got_l) / max(oi_usd, 1.0)
                move = min(max(move, -0.2), 0.2)
                mark = mark * np.exp(move)
                ret_min += move
                # the trade price overshoots the mark in a cascade (a wick)
                wick = trade * np.exp(2.0 * move)
                t_hi = max(t_hi, wick)
                t_lo = min(t_lo, wick)
            trade = mark * (1.0 + basis * np.random.standard_normal())
            m_hi = max(m_hi, mark)
            m_lo = min(m_lo, mark)
            t_hi = max(t_hi, trade)
            t_lo = min(t_lo, trade)
        price = mark
        last_trade = trade
        trend = (1.0 - trend_alpha) * trend + trend_alpha * ret_min / (sigma_min * np.exp(log_v))
        # 4. funding at 00, 08, 16 UTC: isolated margins pay or receive, levels move
        minute_of_day = (minute_of_day0 + m) % 1440
        rate = np.nan
        if minute_of_day % 480 == 0 and m > 0:
            lu = long_coins * mark
            su = short_coins * mark
            imb = (lu - su) / max(lu + su, 1.0)
            rate = min(max(f_base + f_imb * imb, -f_cap), f_cap)
            rate = np.floor(rate * 1e8 + 0.5) / 1e8  # published with 8 decimals
            for i in range(n):  # the close pass below refreshes the extremes and candidates
                if alive[i]:
                    lp[i] += rate * mark / ((1.0 - mmr[i]) if side[i] == 0 else (1.0 + mmr[i]))
        # 5. closes by hazard; book-keeping of open interest and the extreme levels
        closed = 0.0
        long_coins = 0.0
        short_coins = 0.0
        n_long = 0
        n_short = 0
        big_l = 0.0
        big_s = 0.0
        big_nl = 0
        big_ns = 0
        max_long_lp = 0.0
        min_short_lp = np.inf
        band_lo = mark * (1.0 - band)
        band_hi = mark * (1.0 + band)
        n_cand = 0
        w = 0  # live positions are compacted to the front as we go
        for i in range(n):
            if not alive[i]:
                continue
            if close_at[i] <= m:
                alive[i] = False
                closed += qty[i] * mark
                if side[i] == 1:
                    buy_usd += qty[i] * mark
                n_trades += 1
                continue
            if w != i:
                side[w] = side[i]
                qty[w] = qty[i]
                lp[w] = lp[i]
                mmr[w] = mmr[i]
                lev[w] = lev[i]
                close_at[w] = close_at[i]
                alive[w] = True
                alive[i] = False
            big = qty[w] * mark >= big_usd
            if side[w] == 0:
                long_coins += qty[w]
                n_long += 1
                if big:
                    big_l += qty[w]
                    big_nl += 1
                if lp[w] > max_long_lp:
                    max_long_lp = lp[w]
                if lp[w] >= band_lo:
                    cand[n_cand] = w
                    n_cand += 1
            else:
                short_coins += qty[w]
                n_short += 1
                if big:
                    big_s += qty[w]
                    big_ns += 1
                if lp[w] < min_short_lp:
                    min_short_lp = lp[w]
                if lp[w] <= band_hi:
                    cand[n_cand] = w
                    n_cand += 1
            w += 1
        n = w
        oi_coins = max(long_coins, short_coins)
        oi_usd = oi_coins * mark
        # 6. volume: openings, closes, liquidations and turnover that changes no OI
        noise = turnover * oi_usd * np.exp(log_v) * np.random.lognormal(0.0, 0.3)
        quote = opened + closed + liq_l + liq_s + noise
        tilt = 0.5 + 0.3 * np.tanh(ret_min / max(sigma_min * np.exp(log_v), 1e-12))
        buy_usd += noise * tilt
        if out >= 0:
            t_hi = max(t_hi, t_open, last_trade)
            t_lo = min(t_lo, t_open, last_trade)
            o_ohlc[out, 0] = t_open
            o_ohlc[out, 1] = t_hi
            o_ohlc[out, 2] = t_lo
            o_ohlc[out, 3] = last_trade
            o_mark[out, 0] = m_open
            o_mark[out, 1] = m_hi
            o_mark[out, 2] = m_lo
            o_mark[out, 3] = mark
            o_vol[out, 0] = quote
            o_vol[out, 1] = min(buy_usd, quote)
            o_vol[out, 2] = n_trades + np.random.poisson(noise / 2_000.0)
            o_liq[out, 0] = liq_l
            o_liq[out, 1] = liq_s
            o_liq[out, 2] = cnt_l
            o_liq[out, 3] = cnt_s
            o_oi[out, 0] = oi_coins
            o_oi[out, 1] = long_coins
            o_oi[out, 2] = short_coins
            o_oi[out, 3] = n_long
            o_oi[out, 4] = n_short
            o_big[out, 0] = big_l
            o_big[out, 1] = big_s
            o_big[out, 2] = big_nl
            o_big[out, 3] = big_ns
            o_funding[out] = rate
            # 7. truth snapshot after this candle
            if snap_j < snap_minutes.size and out == snap_minutes[snap_j]:
                o_snap_price[snap_j] = mark
                for i in range(n):
                    if not alive[i]:
                        continue
                    t = 0
                    while t < nt - 1 and lev[i] >= lev_edges[t + 1]:
                        t += 1
                    usd = qty[i] * mark
                    x = (np.log(max(lp[i], 1e-300)) - log_e0) / dlog
                    if x < 0.0 or x >= nb:
                        o_snap_ovf[snap_j, side[i]] += usd
                    else:
                        o_snap[snap_j, side[i], t, int(x)] += usd
                snap_j += 1
    return dropped


def _pack(
    cfg: SimConfig, lev_edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    lev = cfg.leverage
    if isinstance(lev, LogNormalLeverage):
        mu, sg, mn, cont = math.log(lev.median), lev.sigma, lev.min_leverage, 1
        vals, cumw = np.zeros(1), np.ones(1)
    else:
        mu, sg, mn, cont = 0.0, 1.0, 1.0, 0
        vals = np.asarray(lev.leverages, dtype=float)
        cumw = np.cumsum(np.asarray(lev.weights, dtype=float))
        cumw[-1] = 1.0
    # steady state: live = rate * mean hold, with hold ~ (10 / L) ** exponent
    if isinstance(lev, LogNormalLeverage):
        e = cfg.hold_leverage_exponent
        mean_factor = (10.0**e) * math.exp(-e * mu + 0.5 * (e * sg) ** 2)
    else:
        w = np.asarray(lev.weights, dtype=float)
        mean_factor = float(np.sum(w * (10.0 / vals) ** cfg.hold_leverage_exponent))
    open_rate = cfg.live_positions / (cfg.mean_hold_minutes * mean_factor)
    alpha = 1.0 - 0.5 ** (1.0 / cfg.trend_halflife_minutes)
    sp = np.array(
        [
            cfg.daily_vol,
            cfg.vol_persistence,
            cfg.vol_of_vol,
            cfg.tail_df,
            cfg.mean_hold_minutes,
            cfg.hold_leverage_exponent,
            cfg.notional_median_usd,
            cfg.notional_sigma,
            cfg.notional_max_usd,
            cfg.long_share,
            cfg.trend_tilt,
            alpha,
            cfg.impact,
            cfg.basis_bp,
            cfg.turnover_per_minute,
            cfg.funding_base,
            cfg.funding_imbalance,
            cfg.funding_cap,
            cfg.price0,
            mu,
            sg,
            mn,
            open_rate,
            cfg.notional_median_usd * 10.0,  # "top traders": positions >= 10x the median
            cfg.rebalance,
            cfg.size_leverage_exponent,
        ],
        dtype=float,
    )
    ip = np.array([cfg.substeps, cfg.max_cascade, cont], dtype=np.int64)
    return sp, ip, vals, cumw


def simulate_market(
    seed: int = 0, days: float | None = None, config: SimConfig | None = None, **overrides
) -> tuple[pd.DataFrame, MarketTruth]:
    """Simulate a perpetual market with known positions (**SIMULATED** data).

    Parameters
    ----------
    seed : int
        Seed (>= 0); the same seed and configuration give the same market and truth.
    days : float, optional
        Simulated days returned (after the burn-in); overrides ``config.days``.
    config : SimConfig, optional
        The configuration; ``overrides`` replace single fields (``live_positions=...``,
        ``leverage=LeverageMix(...)``, ``burn_in_days=0``...).
    **overrides
        :class:`SimConfig` fields replaced in ``config`` (an unknown name is refused).

    Returns
    -------
    market : pandas.DataFrame
        One-minute candles with exactly the columns of ``lq.load_market`` (open interest and
        long/short ratios every 5 minutes, funding every 8 hours, as the archive has them);
        ``attrs``: ``synthetic=True``, ``symbol``, ``source`` (says SIMULATED and the seed),
        ``interval="1m"``, ``sim_config``.
    truth : MarketTruth
        Live liquidation levels at every ``snapshot_minutes`` and realized liquidations per
        candle (USD).

    Raises
    ------
    InputError
        A seed, day count or size out of range, naming it.

    Examples
    --------
    >>> m, t = simulate_market(3, days=0.1, live_positions=1_000, burn_in_days=0)
    >>> len(m), list(t.liquidations.columns)[:2]
    (144, ['long_usd', 'short_usd'])
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise InputError(f"seed={seed!r} must be an integer in [0, 2**32): e.g. seed=7")
    base = config if config is not None else SimConfig()
    if not isinstance(base, SimConfig):
        raise InputError("config must be a SimConfig: build one with lq.SimConfig(...)")
    if days is not None:
        overrides["days"] = days
    unknown = sorted(set(overrides) - set(SimConfig.__dataclass_fields__))
    if unknown:
        raise InputError(
            f"unknown simulator setting {unknown[0]!r}: use one of "
            f"{sorted(SimConfig.__dataclass_fields__)}"
        )
    cfg = SimConfig(**{**asdict_shallow(base), **overrides})
    table = cfg.bracket_table()
    n = int(round(cfg.days * MINUTES_PER_DAY))
    burn = int(round(cfg.burn_in_days * MINUTES_PER_DAY))
    start = to_utc(cfg.start, "start")
    start = start.floor("min")
    index = pd.date_range(start, periods=n, freq="1min", name=C.TIME)
    minute_of_day0 = (
        int(((start - pd.Timedelta(minutes=burn)) - start.normalize()).total_seconds() // 60) % 1440
    )

    lev_edges = np.asarray(cfg.leverage_edges, dtype=float)
    nbins = int(math.ceil(2 * cfg.price_span / math.log1p(cfg.price_bin_pct / 100.0)))
    price_edges = cfg.price0 * np.exp(np.linspace(-cfg.price_span, cfg.price_span, nbins + 1))
    snap_minutes = np.arange(cfg.snapshot_minutes - 1, n, cfg.snapshot_minutes, dtype=np.int64)
    nt = lev_edges.size - 1
    sp, ip, vals, cumw = _pack(cfg, lev_edges)
    capacity = int(cfg.live_positions * 2 + 1_000)
    o_ohlc = np.zeros((n, 4))
    o_mark = np.zeros((n, 4))
    o_vol = np.zeros((n, 4))
    o_liq = np.zeros((n, 4))
    o_oi = np.zeros((n, 5))
    o_big = np.zeros((n, 4))
    o_funding = np.full(n, np.nan)
    o_snap = np.zeros((snap_minutes.size, 2, nt, nbins))
    o_snap_ovf = np.zeros((snap_minutes.size, 2))
    o_snap_price = np.zeros(snap_minutes.size)
    dropped = _kernel(
        int(seed), n, burn, minute_of_day0, sp, ip, vals, cumw,
        np.asarray(table.caps_usd, dtype=float), np.asarray(table.mmr, dtype=float),
        np.asarray(table.cum_usd, dtype=float), np.asarray(table.max_leverage, dtype=float),
        lev_edges, price_edges, snap_minutes, capacity,
        o_ohlc, o_mark, o_vol, o_liq, o_oi, o_funding, o_snap, o_snap_ovf, o_snap_price, o_big,
    )  # fmt: skip
    market = _market_frame(cfg, int(seed), index, o_ohlc, o_mark, o_vol, o_oi, o_big, o_funding)
    liq = pd.DataFrame(
        {
            "long_usd": o_liq[:, 0],
            "short_usd": o_liq[:, 1],
            "long_count": o_liq[:, 2].astype(np.int64),
            "short_count": o_liq[:, 3].astype(np.int64),
        },
        index=index,
    )
    truth = MarketTruth(
        times=index[snap_minutes],
        price=o_snap_price,
        price_edges=price_edges,
        leverage_edges=lev_edges,
        long_usd=o_snap[:, 0],
        short_usd=o_snap[:, 1],
        liquidations=liq,
        overflow_long_usd=o_snap_ovf[:, 0],
        overflow_short_usd=o_snap_ovf[:, 1],
        attrs={
            **market.attrs,
            "live_positions_mean": float(o_oi[:, 3:5].sum(axis=1).mean()),
            "opens_dropped": int(dropped),
        },
    )
    return market, truth


def asdict_shallow(cfg: SimConfig) -> dict:
    """The fields of ``cfg`` as a dict, nested dataclasses kept as objects."""
    return {name: getattr(cfg, name) for name in SimConfig.__dataclass_fields__}


def describe_config(cfg: SimConfig) -> dict:
    """A JSON-friendly description of ``cfg`` (for attrs and the demo's registry)."""
    d = asdict_shallow(cfg)
    lev = cfg.leverage
    d["leverage"] = {"kind": type(lev).__name__, **asdict(lev)}
    d["leverage_edges"] = list(cfg.leverage_edges)
    return d


def _market_frame(cfg, seed, index, ohlc, mark, vol, oi, big, funding) -> pd.DataFrame:
    close = ohlc[:, 3]
    quote = vol[:, 0]
    buy = vol[:, 1]
    klines = pd.DataFrame(
        {
            C.OPEN: ohlc[:, 0],
            C.HIGH: ohlc[:, 1],
            C.LOW: ohlc[:, 2],
            C.CLOSE: close,
            C.VOLUME: quote / close,
            C.QUOTE_VOLUME: quote,
            C.TRADES: vol[:, 2].astype(np.int64),
            C.TAKER_BUY_VOLUME: buy / close,
            C.TAKER_BUY_QUOTE_VOLUME: buy,
        },
        index=index,
    )
    marks = pd.DataFrame(dict(zip(C.PRICE_COLUMNS, mark.T, strict=True)), index=index)
    # metrics: 5-minute snapshots, taken at the open of every fifth candle (the state after
    # the previous candle), as the archive's metrics files are
    at = np.arange(0, len(index), METRICS_EVERY_MIN)
    prev = np.maximum(at - 1, 0)
    sell = np.maximum(quote - buy, 1e-9)
    taker_5m = pd.Series(buy).rolling(METRICS_EVERY_MIN, min_periods=1).sum().to_numpy() / (
        pd.Series(sell).rolling(METRICS_EVERY_MIN, min_periods=1).sum().to_numpy()
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        metrics = pd.DataFrame(
            {
                C.OI_COIN: oi[prev, 0],
                C.OI_USD: oi[prev, 0] * mark[prev, 3],
                C.TOPTRADER_LS_ACCOUNT: _ratio(big[prev, 2], big[prev, 3]),
                C.TOPTRADER_LS_POSITION: _ratio(big[prev, 0], big[prev, 1]),
                C.LS_ACCOUNT: _ratio(oi[prev, 3], oi[prev, 4]),
                C.TAKER_LS_VOLUME: taker_5m[prev],
            },
            index=index[at],
        )
    has_rate = np.isfinite(funding)
    fund = pd.DataFrame(
        {C.FUNDING_RATE: funding[has_rate], C.FUNDING_INTERVAL_HOURS: np.int64(8)},
        index=index[has_rate],
    )
    pieces = {"klines": klines, "markPriceKlines": marks, "metrics": metrics, "fundingRate": fund}
    market = align_market(pieces, index)
    market.attrs.update(
        symbol=str(cfg.symbol).upper(),
        interval="1m",
        start=index[0].isoformat(),
        end=(index[-1] + pd.Timedelta(minutes=1)).isoformat(),
        source=f"SIMULATED (liqlib.sim, seed={seed})",
        synthetic=True,
        sim_seed=seed,
        sim_config=describe_config(cfg),
    )
    market.attrs["kinds"] = pieces_summary(pieces)
    return market


def pieces_summary(pieces: dict) -> dict:
    """Rows per archive kind (for attrs)."""
    return {k: int(len(v)) for k, v in pieces.items()}


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b, NaN where b is 0 (a ratio of nothing is unknown, not infinite)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)
