"""Simulated markets built on forms no liqlib model uses: **SIMULATED** data for honest scoring.

:mod:`liqlib.sim.market` draws leverage, hazards and bracket prices from the same forms as
the "turnover" model, so a model scored there meets its own assumptions. The markets here
do not: positions are margined, managed and closed in ways no model assumes, and the mix is
never told to a model by default.

What every scenario shares (the market, not a model form): a minute-by-minute log price
with Student-t sub-step returns and clustered volatility; liquidations at the *mark* price
with Binance's exact maintenance-margin formula (bracket by position notional), their
notional moving the price (``impact``, repeated up to five rounds: cascades); open interest
``max(long coins, short coins)`` (market makers hold the difference and are never
liquidated); one-minute candles with ``lq.load_market``'s columns.

What scenarios vary (:class:`ScenarioConfig`), none of it a model's form:

- **cross margin with account equity**: a cross position's collateral is the account's
  equity, ``equity_multiple`` (log-normal) times the setting's margin, and that equity moves
  with the account's other positions (a random walk of ``equity_vol`` per day), so its
  liquidation price drifts while the market stands still;
- **added margin**: a share of traders top up their margin (``add_factor`` of it, up to
  ``add_max`` times) when the price has gone ``add_trigger`` of the way to liquidation;
- **stop-losses**: a share of traders close when the price has gone a uniform 30-90 % of the
  way to liquidation (they are never liquidated);
- **partial closes**: positions sell ``partial_fraction`` of their size at random times
  (isolated margin shrinks with them; cross equity stays, moving the price away);
- **hazard shape**: Weibull holding times (``hold_shape`` < 1: many short holds, a long
  tail; > 1: ageing), not a constant hazard;
- **size-leverage relation**: notional scales like ``(L / 10) ** size_leverage_exponent``
  (> 0: the big accounts use high leverage; < 0: small accounts do).

Examples
--------
>>> market, truth = simulate_scenario("cross margin", seed=1, days=0.1, live_positions=500,
...                                   burn_in_days=0.05)
>>> market.attrs["synthetic"], market.attrs["scenario"]
(True, 'cross margin')
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
from numba import njit

from liqlib.data import columns as C
from liqlib.data.store import align_market
from liqlib.errors import InputError
from liqlib.estimate.brackets import get_bracket_table
from liqlib.sim.truth import DEFAULT_LEVERAGE_EDGES, MarketTruth

__all__ = ["SCENARIOS", "ScenarioConfig", "describe_scenarios", "simulate_scenario"]

_SUBSTEPS = 4
_MAX_ROUNDS = 5
#: The most simulated days (burn-in included) one call may ask for.
MAX_SCENARIO_DAYS = 60.0
#: The most live positions one call may ask for.
MAX_SCENARIO_POSITIONS = 500_000


@dataclass(frozen=True)
class ScenarioConfig:
    """One simulated market's behaviour. Units: USD, days, x (leverage), fractions.

    Parameters
    ----------
    description : str
        What the scenario assumes, in one sentence (reported beside its scores).
    leverage_median, leverage_sigma : float
        Log-normal leverage *setting* over positions (x; log standard deviation), capped at
        the bracket's maximum for the notional.
    cross_share : float
        Probability that a position is cross-margined (0..1).
    equity_multiple_median, equity_multiple_sigma : float
        A cross account's equity as a multiple (>= 1) of the setting's margin: log-normal.
    equity_vol : float
        Daily volatility (fraction) of a cross account's equity from its other positions.
    add_share, add_trigger, add_factor : float
        Share of traders who add margin; when (fraction of the way from entry to liquidation
        price); by how much (fraction of the current margin).
    add_max : int
        Top-ups per position at most.
    stop_share : float
        Share of traders with a stop-loss (at a uniform 30-90 % of the way to liquidation).
    partial_rate_per_day, partial_fraction : float
        Rate of partial closes per position and day, and the share of size each sells.
    hold_days, hold_shape, hold_leverage_exponent : float
        Weibull holding time: mean ``hold_days * (10 / L) ** hold_leverage_exponent`` days,
        shape ``hold_shape`` (1 = exponential).
    size_leverage_exponent : float
        Notional scales like ``(L / 10) ** size_leverage_exponent``.
    notional_median_usd, notional_sigma : float
        Log-normal base notional (USD; log standard deviation).
    daily_vol, tail_df, vol_persistence, vol_of_vol : float
        Price process: daily volatility, Student-t degrees of freedom (> 2), AR(1) of log
        volatility per minute, and its innovation scale.
    impact : float
        Price move (fraction) if the whole open interest were liquidated at once.
    price0 : float
        Starting price (USD/coin).

    Examples
    --------
    >>> ScenarioConfig("demo", cross_share=0.5).cross_share
    0.5
    """

    description: str = ""
    leverage_median: float = 10.0
    leverage_sigma: float = 0.8
    cross_share: float = 0.0
    equity_multiple_median: float = 3.0
    equity_multiple_sigma: float = 0.8
    equity_vol: float = 0.02
    add_share: float = 0.0
    add_trigger: float = 0.6
    add_factor: float = 1.0
    add_max: int = 2
    stop_share: float = 0.0
    partial_rate_per_day: float = 0.0
    partial_fraction: float = 0.5
    hold_days: float = 1.0
    hold_shape: float = 1.0
    hold_leverage_exponent: float = 0.5
    size_leverage_exponent: float = 0.0
    notional_median_usd: float = 15_000.0
    notional_sigma: float = 1.2
    daily_vol: float = 0.03
    tail_df: float = 4.0
    vol_persistence: float = 0.999
    vol_of_vol: float = 0.02
    impact: float = 0.05
    price0: float = 60_000.0

    def __post_init__(self) -> None:
        for name in ("cross_share", "add_share", "stop_share", "add_trigger", "partial_fraction"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and 0.0 <= v <= 1.0):
                raise InputError(f"{name}={v!r} must be within 0..1: use e.g. 0.5")
        for name in (
            "leverage_median",
            "leverage_sigma",
            "equity_multiple_median",
            "equity_multiple_sigma",
            "hold_days",
            "hold_shape",
            "notional_median_usd",
            "notional_sigma",
            "daily_vol",
            "price0",
        ):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise InputError(f"{name}={v!r} must be a number > 0: fix the scenario")
        for name in ("equity_vol", "add_factor", "partial_rate_per_day", "impact", "vol_of_vol"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise InputError(f"{name}={v!r} must be a number >= 0: fix the scenario")
        if self.leverage_median <= 1 or self.equity_multiple_median < 1:
            raise InputError("leverage_median must be > 1 and equity_multiple_median >= 1")
        if not self.tail_df > 2:
            raise InputError(f"tail_df={self.tail_df!r} must be > 2 (finite variance)")
        if not 0 <= self.vol_persistence < 1:
            raise InputError(f"vol_persistence={self.vol_persistence!r} must be in [0, 1)")
        if isinstance(self.add_max, bool) or not isinstance(self.add_max, int) or self.add_max < 0:
            raise InputError(f"add_max={self.add_max!r} must be an integer >= 0: e.g. 2")


#: The scenarios notebook 05 scores every model on. None is told to a model.
SCENARIOS: dict[str, ScenarioConfig] = {
    "cross margin": ScenarioConfig(
        "80 % of positions cross-margined on account equity 3x their margin (median), the "
        "equity drifting 2 %/day with other positions; settings median 10x",
        leverage_median=10.0,
        cross_share=0.8,
    ),
    "added margin + stops": ScenarioConfig(
        "isolated only, settings median 10x; half the traders add 100 % margin (twice at "
        "most) 60 % of the way to liquidation, 40 % keep a stop-loss at 30-90 % of the way",
        leverage_median=10.0,
        add_share=0.5,
        stop_share=0.4,
    ),
    "partial closes, Weibull holds": ScenarioConfig(
        "half cross, half isolated; Weibull holding times of shape 0.5 (mean 2 days), "
        "partial closes of half the size once a day on average",
        cross_share=0.5,
        hold_days=2.0,
        hold_shape=0.5,
        partial_rate_per_day=1.0,
    ),
    "whales at high leverage": ScenarioConfig(
        "notional grows with leverage ((L/10)^1: big accounts use high leverage), settings "
        "median 5x, a third cross-margined, holds ageing (Weibull shape 2)",
        leverage_median=5.0,
        cross_share=0.33,
        size_leverage_exponent=1.0,
        hold_shape=2.0,
    ),
}


def describe_scenarios(scenarios: dict[str, ScenarioConfig] | None = None) -> pd.DataFrame:
    """One row per scenario: its description and every setting (for notebook tables).

    Parameters
    ----------
    scenarios : dict of name -> ScenarioConfig, optional
        The scenarios to describe; default every built-in one.

    Returns
    -------
    pandas.DataFrame
        Indexed by scenario name; a ``description`` column and one column per setting.

    Examples
    --------
    >>> describe_scenarios().loc["cross margin", "cross_share"]
    0.8
    """
    sc = SCENARIOS if scenarios is None else scenarios
    return pd.DataFrame({k: asdict(v) for k, v in sc.items()}).T.rename_axis("scenario")


@njit(cache=True)
def _lp(side, qty, entry, margin, mmr, cum):
    if side > 0:
        return (entry * qty - margin - cum) / (qty * (1.0 - mmr))
    return (entry * qty + margin + cum) / (qty * (1.0 + mmr))


@njit(cache=True)
def _kernel(
    seed, n_min, burn, fp, ip, caps, mmr_t, cum_t, maxlev_t, price_edges, lev_edges,
    snap_at, cap, o_ohlc, o_mark, o_vol, o_liq, o_oi, o_snap, o_ovf, o_snap_price,
):  # fmt: skip
    np.random.seed(seed)
    (lev_med, lev_sig, cross_share, eq_med, eq_sig, eq_vol, add_share, add_trig, add_fac,
     stop_share, part_rate, part_frac, hold_days, hold_shape, hold_exp, size_exp, not_med,
     not_sig, daily_vol, tail_df, vol_pers, vol_vol, impact, price0, target) = fp  # fmt: skip
    add_max = ip[0]
    alive = np.zeros(cap, np.bool_)
    side = np.zeros(cap, np.int8)
    qty = np.zeros(cap)
    entry = np.zeros(cap)
    margin = np.zeros(cap)
    mmr = np.zeros(cap)
    cum = np.zeros(cap)
    cross = np.zeros(cap, np.bool_)
    hold_end = np.zeros(cap)
    stop = np.zeros(cap)
    adds = np.zeros(cap, np.int64)
    eff = np.zeros(cap)
    free = np.arange(cap - 1, -1, -1)
    n_free = cap
    nt = lev_edges.size - 1
    nb = price_edges.size - 1
    lg0 = math.log(price_edges[0])
    dlg = (math.log(price_edges[-1]) - lg0) / nb
    # the mean Weibull holding time is scale * Gamma(1 + 1/k)
    g = math.gamma(1.0 + 1.0 / hold_shape)
    open_rate = target / (hold_days * 1440.0) / _SUBSTEPS  # per sub-step
    t_scale = 1.0 / math.sqrt(tail_df / (tail_df - 2.0))
    sub_sig = daily_vol / math.sqrt(1440.0 * _SUBSTEPS)
    logv = 0.0
    p = price0
    long_coins = 0.0
    short_coins = 0.0
    snap_i = 0
    dropped = 0
    for m in range(burn + n_min):
        out = m - burn
        o = p
        hi = p
        lo = p
        quote = 0.0
        buy = 0.0
        trades = 0
        liq_l = 0.0
        liq_s = 0.0
        # cross equity drifts with the account's other positions; partial closes
        if eq_vol > 0.0 or part_rate > 0.0:
            e_sd = eq_vol / math.sqrt(1440.0)
            p_part = part_rate / 1440.0
            for i in range(cap):
                if not alive[i]:
                    continue
                if cross[i] and e_sd > 0.0:
                    margin[i] *= math.exp(e_sd * np.random.standard_normal() - 0.5 * e_sd * e_sd)
                if p_part > 0.0 and np.random.random() < p_part:
                    sold = qty[i] * part_frac
                    if not cross[i]:
                        margin[i] *= 1.0 - part_frac
                    qty[i] -= sold
                    quote += sold * p
                    if side[i] < 0:
                        buy += sold * p
                    if side[i] > 0:
                        long_coins -= sold
                    else:
                        short_coins -= sold
        for _s in range(_SUBSTEPS):
            logv = vol_pers * logv + vol_vol * np.random.standard_normal()
            r = sub_sig * math.exp(logv) * t_scale * np.random.standard_t(tail_df)
            p *= math.exp(r)
            # opens
            k = np.random.poisson(open_rate)
            for _j in range(k):
                if n_free == 0:
                    dropped += 1
                    continue
                i = free[n_free - 1]
                n_free -= 1
                lev = math.exp(math.log(lev_med) + lev_sig * np.random.standard_normal())
                notional = math.exp(math.log(not_med) + not_sig * np.random.standard_normal())
                lev = max(lev, 1.1)
                notional *= (lev / 10.0) ** size_exp
                b = 0
                while b < caps.size - 1 and notional > caps[b]:
                    b += 1
                lev = min(lev, maxlev_t[b])
                imb = (long_coins - short_coins) / max(long_coins + short_coins, 1e-9)
                sd = 1 if np.random.random() < 0.5 - 0.5 * imb else -1
                px = p * (1.0 + 2e-4 * np.random.standard_normal())
                alive[i] = True
                side[i] = sd
                qty[i] = notional / px
                entry[i] = px
                mmr[i] = mmr_t[b]
                cum[i] = cum_t[b]
                cross[i] = np.random.random() < cross_share
                mg = notional / lev
                if cross[i]:
                    mult = math.exp(math.log(eq_med) + eq_sig * np.random.standard_normal())
                    mg *= max(mult, 1.0)
                margin[i] = mg
                eff[i] = notional / mg
                mean_hold = hold_days * 1440.0 * (10.0 / lev) ** hold_exp
                u = np.random.random()
                hold_end[i] = m + mean_hold / g * (-math.log(1.0 - u)) ** (1.0 / hold_shape)
                stop[i] = 0.3 + 0.6 * np.random.random() if np.random.random() < stop_share else 2.0
                adds[i] = add_max if np.random.random() < add_share else 0
                quote += notional
                if sd > 0:
                    buy += notional
                    long_coins += qty[i]
                else:
                    short_coins += qty[i]
                trades += 1
            # manage and liquidate at the mark, with cascades
            for _round in range(_MAX_ROUNDS):
                moved = 0.0
                oi_usd = max(long_coins, short_coins) * p
                for i in range(cap):
                    if not alive[i]:
                        continue
                    lp = _lp(side[i], qty[i], entry[i], margin[i], mmr[i], cum[i])
                    span = entry[i] - lp
                    if span == 0.0:
                        continue
                    way = (entry[i] - p) / span  # share of the way to liquidation
                    if adds[i] > 0 and way >= add_trig:
                        margin[i] *= 1.0 + add_fac
                        adds[i] -= 1
                        lp = _lp(side[i], qty[i], entry[i], margin[i], mmr[i], cum[i])
                        span = entry[i] - lp
                        way = (entry[i] - p) / span
                    if way >= stop[i]:
                        alive[i] = False
                        free[n_free] = i
                        n_free += 1
                        quote += qty[i] * p
                        if side[i] > 0:
                            long_coins -= qty[i]
                        else:
                            short_coins -= qty[i]
                            buy += qty[i] * p
                        continue
                    hit = (side[i] > 0 and lp > 0.0 and p <= lp) or (side[i] < 0 and p >= lp)
                    if hit:
                        usd = qty[i] * lp
                        alive[i] = False
                        free[n_free] = i
                        n_free += 1
                        quote += usd
                        if side[i] > 0:
                            long_coins -= qty[i]
                            liq_l += usd
                            moved -= usd
                        else:
                            short_coins -= qty[i]
                            liq_s += usd
                            moved += usd
                            buy += usd
                if moved == 0.0 or oi_usd <= 0.0:
                    break
                p *= math.exp(impact * moved / oi_usd)
            hi = max(hi, p)
            lo = min(lo, p)
        # closes at the end of the holding time
        for i in range(cap):
            if alive[i] and hold_end[i] <= m:
                alive[i] = False
                free[n_free] = i
                n_free += 1
                quote += qty[i] * p
                if side[i] > 0:
                    long_coins -= qty[i]
                else:
                    short_coins -= qty[i]
                    buy += qty[i] * p
        if out < 0:
            continue
        # volume that changes no open interest (market makers, day traders)
        noise = 0.002 * max(long_coins, short_coins) * p * math.exp(logv)
        quote += noise
        buy += 0.5 * noise
        o_ohlc[out, 0] = o
        o_ohlc[out, 1] = hi
        o_ohlc[out, 2] = lo
        o_ohlc[out, 3] = p
        o_mark[out, 0] = o
        o_mark[out, 1] = hi
        o_mark[out, 2] = lo
        o_mark[out, 3] = p
        o_vol[out, 0] = quote
        o_vol[out, 1] = buy
        o_vol[out, 2] = trades
        o_liq[out, 0] = liq_l
        o_liq[out, 1] = liq_s
        o_oi[out, 0] = max(long_coins, short_coins)
        o_oi[out, 1] = long_coins
        o_oi[out, 2] = short_coins
        if snap_i < snap_at.size and out == snap_at[snap_i]:
            for i in range(cap):
                if not alive[i]:
                    continue
                lp = _lp(side[i], qty[i], entry[i], margin[i], mmr[i], cum[i])
                s = 0 if side[i] > 0 else 1
                usd = qty[i] * p
                if lp <= 0.0:
                    o_ovf[snap_i, s] += usd
                    continue
                bi = int(math.floor((math.log(lp) - lg0) / dlg))
                if bi < 0 or bi >= nb:
                    o_ovf[snap_i, s] += usd
                    continue
                t = 0
                while t < nt - 1 and eff[i] >= lev_edges[t + 1]:
                    t += 1
                o_snap[snap_i, s, t, bi] += usd
            o_snap_price[snap_i] = p
            snap_i += 1
    return dropped


def simulate_scenario(
    scenario: str | ScenarioConfig,
    seed: int = 0,
    *,
    days: float = 4.0,
    live_positions: int = 20_000,
    burn_in_days: float = 4.0,
    start: str = "2025-01-01",
    snapshot_minutes: int = 60,
    price_bin_pct: float = 0.2,
    price_span: float = 0.9,
    symbol: str = "SIM-BTCUSDT",
) -> tuple[pd.DataFrame, MarketTruth]:
    """Simulate one scenario (**SIMULATED** data): a market frame and its truth.

    Parameters
    ----------
    scenario : str or ScenarioConfig
        A name of :data:`SCENARIOS` or a configuration of your own.
    seed : int
        Seed (>= 0); the same seed and scenario give the same market.
    days, burn_in_days : float
        Returned days, and days simulated before them (positions alive at the start).
    live_positions : int
        Target number of live positions (sets the opening rate).
    start : str
        UTC time of the first returned candle.
    snapshot_minutes : int
        Minutes between truth snapshots.
    price_bin_pct, price_span : float
        Truth grid: log bins of ``price_bin_pct`` % over ``price0 * exp(+-price_span)``.
    symbol : str
        Must start with ``SIM-``; the bracket table is that of the rest (BTCUSDT).

    Returns
    -------
    market : pandas.DataFrame
        One-minute candles with ``lq.load_market``'s columns (no funding); ``attrs``:
        ``synthetic`` True, ``source`` naming SIMULATED and the scenario, ``scenario``,
        ``scenario_config``.
    truth : MarketTruth
        Live levels by *effective* leverage bucket (notional / collateral at opening) and
        realized liquidations per candle (USD at the liquidation price).

    Raises
    ------
    InputError
        An unknown scenario or a setting out of range (naming it).
    """
    if isinstance(scenario, str):
        if scenario not in SCENARIOS:
            raise InputError(f"scenario {scenario!r} is unknown: use one of {sorted(SCENARIOS)}")
        name, cfg = scenario, SCENARIOS[scenario]
    elif isinstance(scenario, ScenarioConfig):
        name, cfg = scenario.description or "custom", scenario
    else:
        raise InputError("scenario must be a name of SCENARIOS or a ScenarioConfig")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise InputError(f"seed={seed!r} must be an integer in [0, 2**32): e.g. seed=7")
    for label, v in (("days", days), ("burn_in_days", burn_in_days)):
        if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
            raise InputError(f"{label}={v!r} must be a number >= 0: e.g. 4")
    if days * 1440 < 1 or days + burn_in_days > MAX_SCENARIO_DAYS:
        raise InputError(
            f"days={days!r} (+ burn-in {burn_in_days!r}) must give >= 1 minute and <= "
            f"{MAX_SCENARIO_DAYS:g} days: simulate fewer days"
        )
    if (
        isinstance(live_positions, bool)
        or not isinstance(live_positions, int | np.integer)
        or not 1 <= live_positions <= MAX_SCENARIO_POSITIONS
    ):
        raise InputError(
            f"live_positions={live_positions!r} must be an integer in 1..{MAX_SCENARIO_POSITIONS:,}"
        )
    if not str(symbol).upper().startswith("SIM-"):
        raise InputError(f"symbol={symbol!r} must start with 'SIM-': e.g. 'SIM-BTCUSDT'")
    table = get_bracket_table(str(symbol).upper())
    n = int(round(days * 1440))
    burn = int(round(burn_in_days * 1440))
    t0 = pd.Timestamp(start)
    t0 = (t0.tz_localize("UTC") if t0.tzinfo is None else t0.tz_convert("UTC")).floor("min")
    index = pd.date_range(t0, periods=n, freq="1min", name=C.TIME)
    lev_edges = np.asarray(DEFAULT_LEVERAGE_EDGES, dtype=float)
    nbins = int(math.ceil(2 * price_span / math.log1p(price_bin_pct / 100.0)))
    price_edges = cfg.price0 * np.exp(np.linspace(-price_span, price_span, nbins + 1))
    snap_at = np.arange(snapshot_minutes - 1, n, snapshot_minutes, dtype=np.int64)
    fp = np.array(
        [cfg.leverage_median, cfg.leverage_sigma, cfg.cross_share, cfg.equity_multiple_median,
         cfg.equity_multiple_sigma, cfg.equity_vol, cfg.add_share, cfg.add_trigger,
         cfg.add_factor, cfg.stop_share, cfg.partial_rate_per_day, cfg.partial_fraction,
         cfg.hold_days, cfg.hold_shape, cfg.hold_leverage_exponent, cfg.size_leverage_exponent,
         cfg.notional_median_usd, cfg.notional_sigma, cfg.daily_vol, cfg.tail_df,
         cfg.vol_persistence, cfg.vol_of_vol, cfg.impact, cfg.price0, float(live_positions)],
        dtype=float,
    )  # fmt: skip
    ip = np.array([cfg.add_max], dtype=np.int64)
    cap = int(live_positions * 3 + 1_000)
    o_ohlc = np.zeros((n, 4))
    o_mark = np.zeros((n, 4))
    o_vol = np.zeros((n, 3))
    o_liq = np.zeros((n, 2))
    o_oi = np.zeros((n, 3))
    nt = lev_edges.size - 1
    o_snap = np.zeros((snap_at.size, 2, nt, nbins))
    o_ovf = np.zeros((snap_at.size, 2))
    o_price = np.zeros(snap_at.size)
    dropped = _kernel(
        int(seed), n, burn, fp, ip, np.asarray(table.caps_usd, float),
        np.asarray(table.mmr, float), np.asarray(table.cum_usd, float),
        np.asarray(table.max_leverage, float), price_edges, lev_edges, snap_at, cap,
        o_ohlc, o_mark, o_vol, o_liq, o_oi, o_snap, o_ovf, o_price,
    )  # fmt: skip
    market = _frame(index, o_ohlc, o_mark, o_vol, o_oi)
    source = f"SIMULATED (liqlib.sim.scenarios '{name}', seed={int(seed)})"
    market.attrs.update(
        symbol=str(symbol).upper(),
        interval="1m",
        start=index[0].isoformat(),
        end=(index[-1] + pd.Timedelta(minutes=1)).isoformat(),
        source=source,
        synthetic=True,
        sim_seed=int(seed),
        scenario=name,
        scenario_config=asdict(replace(cfg)),
    )
    liq = pd.DataFrame({"long_usd": o_liq[:, 0], "short_usd": o_liq[:, 1]}, index=index)
    truth = MarketTruth(
        times=index[snap_at],
        price=o_price,
        price_edges=price_edges,
        leverage_edges=lev_edges,
        long_usd=o_snap[:, 0],
        short_usd=o_snap[:, 1],
        liquidations=liq,
        overflow_long_usd=o_ovf[:, 0],
        overflow_short_usd=o_ovf[:, 1],
        attrs={**market.attrs, "opens_dropped": int(dropped), "leverage": "effective"},
    )
    return market, truth


def _frame(index, ohlc, mark, vol, oi) -> pd.DataFrame:
    close = ohlc[:, 3]
    klines = pd.DataFrame(
        {
            C.OPEN: ohlc[:, 0],
            C.HIGH: ohlc[:, 1],
            C.LOW: ohlc[:, 2],
            C.CLOSE: close,
            C.VOLUME: vol[:, 0] / close,
            C.QUOTE_VOLUME: vol[:, 0],
            C.TRADES: vol[:, 2].astype(np.int64),
            C.TAKER_BUY_VOLUME: vol[:, 1] / close,
            C.TAKER_BUY_QUOTE_VOLUME: vol[:, 1],
        },
        index=index,
    )
    marks = pd.DataFrame(dict(zip(C.PRICE_COLUMNS, mark.T, strict=True)), index=index)
    at = np.arange(0, len(index), 5)
    prev = np.maximum(at - 1, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(
            oi[prev, 2] > 0, oi[prev, 1] / np.where(oi[prev, 2] > 0, oi[prev, 2], 1), np.nan
        )
    metrics = pd.DataFrame(
        {
            C.OI_COIN: oi[prev, 0],
            C.OI_USD: oi[prev, 0] * mark[prev, 3],
            C.TOPTRADER_LS_ACCOUNT: ratio,
            C.TOPTRADER_LS_POSITION: ratio,
            C.LS_ACCOUNT: ratio,
            C.TAKER_LS_VOLUME: np.nan,
        },
        index=index[at],
    )
    pieces = {"klines": klines, "markPriceKlines": marks, "metrics": metrics, "fundingRate": None}
    return align_market(pieces, index)
