"""The position-inventory estimator: a liquidation heatmap walked candle by candle.

The inventory holds USD of open positions per side (long, short) x leverage tier x price bin,
each placed at its liquidation price ``LP = k * entry`` (``k`` from the bracket formula, see
:mod:`liqlib.brackets`). Every candle, in this order:

1. **fade** (optional): each tier keeps ``0.5 ** (1 / half_life)`` of its USD;
2. **open**: new USD (a rise in open interest, or a share of traded volume for the "volume"
   model) split long/short, spread over tiers by the mix, entered uniformly across the
   candle's trade-price range ``[low, high]`` so each tier's LPs cover ``[k low, k high]``
   (fractional bin overlaps);
3. **sweep**: every long level at or above the candle's low and every short level at or below
   its high is liquidated and removed (mark-price low/high when present, else trade price).
   A bin is swept as soon as it holds any such level: long bins with upper edge > low, short
   bins with lower edge <= high. The removed USD is the candle's *predicted liquidations*;
4. **close**: a fall in open interest not explained by the sweep closes positions
   proportionally: a fall of ``c`` USD out of ``OI`` USD closes the share ``c / OI`` of every
   side, tier and bin. The inventory is usually only part of the open interest (positions
   opened before the window are not in it), so it closes only its own share of the fall;
   dividing by the inventory instead would drain it to zero within days;
5. **calibrate** (optional): rescale so the inventory sums to the open interest;
6. **snapshot**: at the end of each block of candles, the state becomes one output column.

Open interest that is missing (NaN, e.g. 5-minute metrics on 1-minute candles) means "no
change" for that candle. The inventory starts empty: without ``calibrate`` the map only holds
positions opened inside the window.

The hot loop is a numba kernel over arrays; proportional closes and fades are lazy per
(side, tier) scale factors, and sweeps walk per-(side, tier) frontiers, so a candle costs
O(tiers + bins touched), not O(bins).

Example
-------
>>> from liqlib.synthetic import make_synthetic_market
>>> from liqlib.config import EngineParams
>>> hm = estimate(make_synthetic_market(2_000), EngineParams(n_bins=200, max_columns=100))
>>> hm.long_usd.shape
(100, 200)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NoReturn

import numpy as np
import pandas as pd
from numba import njit

from liqlib.columns import (
    CLOSE,
    HIGH,
    LOW,
    MARK_CLOSE,
    MARK_HIGH,
    MARK_LOW,
    OI_COIN,
    OI_USD,
    OPEN,
    QUOTE_VOLUME,
    TAKER_BUY_QUOTE_VOLUME,
    TAKER_BUY_VOLUME,
    VOLUME,
)
from liqlib.config import EngineParams
from liqlib.errors import InputError

__all__ = [
    "FLOW_NAMES",
    "EngineInputs",
    "EngineOutputs",
    "Heatmap",
    "build_heatmap",
    "estimate",
    "prepare_inputs",
    "run_inputs",
]

FLOW_NAMES = ("liquidated", "opened", "closed", "faded", "calibrated")
SIDE_NAMES = ("long", "short")
#: Calibration cannot scale an inventory of less than this (USD) up to the open interest
#: without overflowing; such a dust inventory is cleared instead.
CALIBRATE_FLOOR_USD = 1e-9
_RENORM_LOW = 1e-100
_RENORM_HIGH = 1e100


# --------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class EngineInputs:
    """Validated arrays the kernel (and the pure-Python reference) consume.

    Prices in USD/coin, amounts in USD, one row per candle (``n``), ``T`` tiers, ``B`` bins.
    """

    times: pd.DatetimeIndex
    edges: np.ndarray  # (B+1,)
    k: np.ndarray  # (2, T) LP / entry
    weights: np.ndarray  # (T,)
    entry_lo: np.ndarray  # (n,) trade low
    entry_hi: np.ndarray  # (n,) trade high
    sweep_lo: np.ndarray  # (n,) mark low, else trade low
    sweep_hi: np.ndarray  # (n,) mark high, else trade high
    close: np.ndarray  # (n,) trade close
    open_usd: np.ndarray  # (n,) USD opened
    long_frac: np.ndarray  # (n,) share of opened USD going long
    close_req: np.ndarray  # (n,) fall in open interest (USD), before subtracting the sweep
    oi_prev_usd: np.ndarray  # (n,) open interest before the candle (USD; NaN = unknown)
    fade: np.ndarray  # (T,) per-candle survival factor
    do_sweep: bool
    calib_mode: int  # 0 off, 1 per side, 2 both sides by one factor
    calib_target: np.ndarray  # (2, n) USD (NaN = skip); mode 2 uses row 0 as the total
    col_end: np.ndarray  # (ncols,) index of each column's last candle
    per_tier: bool

    @property
    def n_candles(self) -> int:
        return int(self.entry_lo.size)

    @property
    def n_bins(self) -> int:
        return int(self.edges.size - 1)

    @property
    def n_tiers(self) -> int:
        return int(self.weights.size)


def _fail(message: str) -> NoReturn:
    raise InputError(message)


def _when(times: pd.DatetimeIndex, mask: np.ndarray) -> str:
    i = int(np.flatnonzero(mask)[0])
    return f"{int(mask.sum())} rows, first at {times[i]:%Y-%m-%d %H:%M} UTC"


def _numeric(market: pd.DataFrame, col: str) -> np.ndarray:
    """A market column as floats, or a one-line InputError naming the first non-number."""
    try:
        return market[col].to_numpy(dtype=float)
    except (TypeError, ValueError):
        values = pd.to_numeric(market[col], errors="coerce")
        bad = values.isna() & market[col].notna()
        first = market[col][bad].iloc[0] if bad.any() else market[col].iloc[0]
        _fail(
            f"market column {col!r} holds values that are not numbers (e.g. {first!r}, "
            f"{int(bad.sum())} rows): convert it with pd.to_numeric or drop those rows"
        )


#: Volume columns every model refuses when negative or infinite, whether it uses them or not.
VOLUME_COLUMNS = (VOLUME, QUOTE_VOLUME, TAKER_BUY_VOLUME, TAKER_BUY_QUOTE_VOLUME)


def check_volumes(market: pd.DataFrame) -> None:
    """One contract for every model: volumes present in ``market`` are finite and >= 0.

    A model that ignores volume still refuses a frame whose volume is impossible: such a
    frame is damaged, and its prices cannot be trusted either.
    """
    for col in VOLUME_COLUMNS:
        if col in market.columns:
            x = _numeric(market, col)
            bad = (x < 0) | np.isinf(x)
            if np.any(bad):
                _fail(
                    f"market column {col!r} has negative or infinite volume "
                    f"({_when(market.index, bad)}): drop or repair those rows"
                )


def _price_column(market: pd.DataFrame, col: str, *, required: bool) -> np.ndarray | None:
    if col not in market.columns:
        if required:
            _fail(f"market has no {col!r} column: pass a frame from lq.load_market")
        return None
    x = _numeric(market, col)
    bad = ~np.isfinite(x) if required else np.isinf(x)
    bad |= x <= 0
    if np.any(bad):
        what = "NaN, infinite or non-positive" if required else "infinite or non-positive"
        _fail(
            f"market column {col!r} has {what} prices ({_when(market.index, bad)}): "
            "drop or repair those rows"
        )
    return x


def _validate_index(market: pd.DataFrame) -> pd.DatetimeIndex:
    if not isinstance(market, pd.DataFrame):
        _fail(f"market must be a pandas DataFrame, got {type(market).__name__}: use lq.load_market")
    idx = market.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None:
        _fail(
            "market index must be a UTC DatetimeIndex: use df.tz_localize('UTC') or lq.load_market"
        )
    if len(idx) == 0:
        _fail("market has no rows: widen the date range")
    if idx.has_duplicates:
        dup = idx[idx.duplicated()][0]
        _fail(f"market index has duplicated timestamps (first {dup:%Y-%m-%d %H:%M} UTC): drop them")
    if not idx.is_monotonic_increasing:
        _fail("market index is not sorted in time: use market.sort_index()")
    return idx


def _oi_coin(market: pd.DataFrame, close: np.ndarray, mark_close: np.ndarray | None):
    """Open interest in coins, forward-filled, or None when the market has none."""
    for col in (OI_COIN, OI_USD):
        if col in market.columns and market[col].notna().any():
            x = _numeric(market, col)
            bad = (x < 0) | np.isinf(x)
            if np.any(bad):
                _fail(
                    f"market column {col!r} has negative or infinite open interest "
                    f"({_when(market.index, bad)}): drop or repair those rows"
                )
            if col == OI_USD:
                px = (
                    close
                    if mark_close is None
                    else np.where(np.isnan(mark_close), close, mark_close)
                )
                x = x / px
            return pd.Series(x).ffill().to_numpy()
    return None


def _long_fraction(market: pd.DataFrame, params: EngineParams, n: int) -> np.ndarray:
    if params.split == "even":
        return np.full(n, 0.5)
    if params.split == "ratio":
        col = params.ratio_column
        if col not in market.columns:
            _fail(
                f"split='ratio' needs the {col!r} column, which market lacks: "
                "set ratio_column to a ratio column you have, or use split='taker' or 'even'"
            )
        r = _numeric(market, col)
        if np.any(r < 0) or np.any(np.isinf(r)):
            _fail(f"market column {col!r} has negative or infinite ratios: drop or repair them")
        r = pd.Series(r).ffill().to_numpy()
        with np.errstate(invalid="ignore"):
            f = r / (1.0 + r)
        return np.where(np.isnan(f), 0.5, f)
    for buy, total in ((TAKER_BUY_QUOTE_VOLUME, QUOTE_VOLUME), (TAKER_BUY_VOLUME, VOLUME)):
        if buy in market.columns and total in market.columns:
            b = _numeric(market, buy)
            t = _numeric(market, total)
            bad = (b < 0) | (t < 0) | np.isinf(b) | np.isinf(t)
            if np.any(bad):
                _fail(
                    f"market columns {buy!r}/{total!r} have negative or infinite volume "
                    f"({_when(market.index, bad)}): drop or repair those rows"
                )
            with np.errstate(invalid="ignore", divide="ignore"):
                f = b / t
            f = np.where(np.isfinite(f) & (t > 0), f, 0.5)
            return np.clip(f, 0.0, 1.0)
    _fail(
        f"split='taker' needs {TAKER_BUY_QUOTE_VOLUME!r} and {QUOTE_VOLUME!r} (or the base "
        "volume pair), which market lacks: use split='ratio' or split='even'"
    )


def _grid(params: EngineParams, k: np.ndarray, entry_lo, entry_hi, sweep_lo, sweep_hi):
    pmin = float(min(entry_lo.min(), sweep_lo.min()))
    pmax = float(max(entry_hi.max(), sweep_hi.max()))
    if params.price_edges is not None:
        edges = np.asarray(params.price_edges, dtype=float)
        if edges[0] > pmin or edges[-1] < pmax:
            _fail(
                f"price_edges span {edges[0]:,.6g}-{edges[-1]:,.6g} USD but the candles trade "
                f"{pmin:,.6g}-{pmax:,.6g} USD: widen price_edges or leave it None"
            )
        return edges
    lo = min(pmin, float(k[0].min()) * float(entry_lo.min())) * (1.0 - 1e-9)
    hi = max(pmax, float(k[1].max()) * float(entry_hi.max())) * (1.0 + 1e-9)
    if params.grid == "log":
        return np.geomspace(lo, hi, params.n_bins + 1)
    return np.linspace(lo, hi, params.n_bins + 1)


#: The most memory (bytes) the output and inventory arrays of one run may take.
MAX_OUTPUT_BYTES = 2 * 1024**3


def _check_size(params: EngineParams, n: int) -> None:
    """Refuse absurd grids before allocating anything (one line, with the fix)."""
    ncols = min(int(params.max_columns), n)
    nt = len(params.resolved_mix().leverages)
    layers = 1 + (nt if params.per_tier else 0)
    need = 8 * (2 * ncols * params.n_bins * layers + 2 * nt * params.n_bins)
    if need > MAX_OUTPUT_BYTES:
        _fail(
            f"n_bins={params.n_bins:,} x max_columns={ncols:,}"
            f"{' x per_tier' if params.per_tier else ''} needs {need / 2**30:,.1f} GiB of output "
            f"(limit {MAX_OUTPUT_BYTES / 2**30:.0f} GiB): lower n_bins or max_columns"
        )


def checked_prices(market: pd.DataFrame, params: EngineParams):
    """The price arrays every model needs, validated once (one-line errors naming the fault).

    Returns ``(times, open, high, low, close, mark_close, sweep_lo, sweep_hi)``: trade OHLC
    (USD/coin), mark close or None, and the sweep range (mark low/high where present, else
    trade low/high).
    """
    times = _validate_index(market)
    _check_size(params, len(times))
    o = _price_column(market, OPEN, required=True)
    h = _price_column(market, HIGH, required=True)
    lo = _price_column(market, LOW, required=True)
    c = _price_column(market, CLOSE, required=True)
    bad = (h < lo) | (o > h) | (o < lo) | (c > h) | (c < lo)
    if np.any(bad):
        _fail(
            f"market rows have open/close outside [low, high] ({_when(times, bad)}): "
            "repair the OHLC values"
        )
    mh = _price_column(market, MARK_HIGH, required=False)
    ml = _price_column(market, MARK_LOW, required=False)
    mc = _price_column(market, MARK_CLOSE, required=False)
    sweep_lo = lo if ml is None else np.where(np.isnan(ml), lo, ml)
    sweep_hi = h if mh is None else np.where(np.isnan(mh), h, mh)
    if np.any(sweep_hi < sweep_lo):
        _fail(
            f"market has mark_high below mark_low ({_when(times, sweep_hi < sweep_lo)}): repair them"
        )
    return times, o, h, lo, c, mc, sweep_lo, sweep_hi


def prepare_inputs(market: pd.DataFrame, params: EngineParams) -> EngineInputs:
    """Validate ``market`` once (vectorised) and turn it into kernel arrays.

    Parameters
    ----------
    market : pandas.DataFrame
        UTC DatetimeIndex, sorted and unique; columns named in :mod:`liqlib.columns`:
        open/high/low/close (required), mark_high/mark_low/mark_close (optional, used for
        sweeps), oi_coin or oi_usd (``flow="oi"``, ``calibrate``), quote_volume and
        taker_buy_quote_volume (``split="taker"``, ``flow="volume"``).
    params : EngineParams

    Raises
    ------
    InputError
        Naming the parameter or column at fault.
    """
    times, o, h, lo, c, mc, sweep_lo, sweep_hi = checked_prices(market, params)
    n = len(times)

    needs_oi = params.flow == "oi" or params.calibrate
    oi = _oi_coin(market, c, mc) if needs_oi else None
    if needs_oi and oi is None:
        which = "model 'oi-flow'" if params.flow == "oi" else "calibrate=True"
        _fail(
            f"{which} needs open interest but market has no {OI_COIN!r} or {OI_USD!r} values: "
            "use model='volume' or calibrate=False"
        )
    if params.flow == "oi":
        d = np.diff(oi, prepend=np.nan)
        d = np.where(np.isnan(d), 0.0, d) * c
        open_usd = np.maximum(d, 0.0)
        close_req = np.maximum(-d, 0.0)
        oi_prev_usd = np.concatenate(([np.nan], oi[:-1])) * c
    else:
        if QUOTE_VOLUME in market.columns:
            qv = _numeric(market, QUOTE_VOLUME)
        elif VOLUME in market.columns:
            qv = _numeric(market, VOLUME) * c
        else:
            _fail(f"model 'volume' needs a {QUOTE_VOLUME!r} or {VOLUME!r} column: add it")
        if np.any(qv < 0) or np.any(np.isinf(qv)):
            _fail("market has negative or infinite volume: drop or repair those rows")
        open_usd = np.where(np.isnan(qv), 0.0, qv) * float(params.volume_open_fraction)
        close_req = np.zeros(n)
        oi_prev_usd = np.full(n, np.nan)
    long_frac = _long_fraction(market, params, n)

    calib_mode = 0
    calib_target = np.full((2, n), np.nan)
    if params.calibrate:
        total = oi * c
        if params.split == "ratio":
            calib_mode = 1
            calib_target[0] = total * long_frac
            calib_target[1] = total * (1.0 - long_frac)
        else:
            calib_mode = 2
            calib_target[0] = total

    k = params.lp_factors()
    edges = _grid(params, k, lo, h, sweep_lo, sweep_hi)
    ncols = min(int(params.max_columns), n)
    col_end = ((np.arange(ncols, dtype=np.int64) + 1) * n) // ncols - 1
    mix = params.resolved_mix()
    return EngineInputs(
        times=times,
        edges=edges,
        k=np.ascontiguousarray(k, dtype=float),
        weights=np.asarray(mix.weights, dtype=float),
        entry_lo=np.ascontiguousarray(lo),
        entry_hi=np.ascontiguousarray(h),
        sweep_lo=np.ascontiguousarray(sweep_lo, dtype=float),
        sweep_hi=np.ascontiguousarray(sweep_hi, dtype=float),
        close=np.ascontiguousarray(c),
        open_usd=np.ascontiguousarray(open_usd, dtype=float),
        long_frac=np.ascontiguousarray(long_frac, dtype=float),
        close_req=np.ascontiguousarray(close_req, dtype=float),
        oi_prev_usd=np.ascontiguousarray(oi_prev_usd, dtype=float),
        fade=params.fade_factors(),
        do_sweep=bool(params.sweep),
        calib_mode=calib_mode,
        calib_target=calib_target,
        col_end=col_end,
        per_tier=bool(params.per_tier),
    )


# --------------------------------------------------------------------------------------------
# kernel
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _bin_of(edges, p):
    """Bin b with edges[b] <= p < edges[b+1]; -1 below the grid, B at or above its top."""
    nb = edges.size - 1
    if p < edges[0]:
        return -1
    if p >= edges[nb]:
        return nb
    a = 0
    b = nb
    while b - a > 1:
        m = (a + b) // 2
        if edges[m] <= p:
            a = m
        else:
            b = m
    return a


@njit(cache=True)
def _renorm(raw, tot, ovf_lo, ovf_hi, scale, lo, hi, s, t):
    f = scale[s, t]
    for b in range(lo[s, t], hi[s, t] + 1):
        raw[s, t, b] *= f
    tot[s, t] *= f
    ovf_lo[s, t] *= f
    ovf_hi[s, t] *= f
    scale[s, t] = 1.0


@njit(cache=True)
def _clear(raw, tot, ovf_lo, ovf_hi, scale, lo, hi, s, t, nb):
    for b in range(lo[s, t], hi[s, t] + 1):
        raw[s, t, b] = 0.0
    tot[s, t] = 0.0
    ovf_lo[s, t] = 0.0
    ovf_hi[s, t] = 0.0
    scale[s, t] = 1.0
    lo[s, t] = nb
    hi[s, t] = -1


@njit(cache=True)
def _rescale(raw, tot, ovf_lo, ovf_hi, scale, lo, hi, s, t, nb, f):
    if f <= 0.0:
        _clear(raw, tot, ovf_lo, ovf_hi, scale, lo, hi, s, t, nb)
        return
    scale[s, t] *= f
    if scale[s, t] < _RENORM_LOW or scale[s, t] > _RENORM_HIGH:
        _renorm(raw, tot, ovf_lo, ovf_hi, scale, lo, hi, s, t)


@njit(cache=True)
def _deposit(edges, raw, tot, ovf_lo, ovf_hi, scale, lo, hi, s, t, amount, a, b):
    """Spread ``amount`` USD uniformly over LPs in [a, b] (a point mass when b <= a)."""
    nb = edges.size - 1
    inv = 1.0 / scale[s, t]
    if b <= a:
        i = _bin_of(edges, a)
        if i < 0:
            ovf_lo[s, t] += amount * inv
        elif i >= nb:
            ovf_hi[s, t] += amount * inv
        else:
            raw[s, t, i] += amount * inv
            tot[s, t] += amount * inv
            if i < lo[s, t]:
                lo[s, t] = i
            if i > hi[s, t]:
                hi[s, t] = i
        return
    width = b - a
    if a < edges[0]:
        ovf_lo[s, t] += (min(b, edges[0]) - a) / width * amount * inv
    if b > edges[nb]:
        ovf_hi[s, t] += (b - max(a, edges[nb])) / width * amount * inv
    i0 = max(_bin_of(edges, a), 0)
    i1 = min(_bin_of(edges, b), nb - 1)
    for i in range(i0, i1 + 1):
        x0 = max(a, edges[i])
        x1 = min(b, edges[i + 1])
        if x1 > x0:
            v = (x1 - x0) / width * amount * inv
            raw[s, t, i] += v
            tot[s, t] += v
            if i < lo[s, t]:
                lo[s, t] = i
            if i > hi[s, t]:
                hi[s, t] = i


@njit(cache=True)
def _exact_total(raw, lo, hi, s, t):
    acc = 0.0
    for b in range(lo[s, t], hi[s, t] + 1):
        acc += raw[s, t, b]
    return acc


@njit(cache=True)
def _snapshot(raw, tot, ovf_lo, ovf_hi, scale, lo, hi, out, out_tier, overflow, j, per_tier):
    """Write the inventory as output column ``j`` (and refresh the exact per-tier totals)."""
    for s in range(2):
        for t in range(raw.shape[1]):
            sc = scale[s, t]
            acc = 0.0
            for b in range(lo[s, t], hi[s, t] + 1):
                r = raw[s, t, b]
                acc += r
                v = r * sc
                out[s, j, b] += v
                if per_tier:
                    out_tier[s, j, t, b] = v
            tot[s, t] = acc
            overflow[s, j] += (ovf_lo[s, t] + ovf_hi[s, t]) * sc


@njit(cache=True)
def _kernel(
    edges,
    k,
    weights,
    entry_lo,
    entry_hi,
    sweep_lo,
    sweep_hi,
    open_usd,
    long_frac,
    close_req,
    oi_prev_usd,
    fade,
    do_sweep,
    calib_mode,
    calib_target,
    col_end,
    per_tier,
    out,
    out_tier,
    overflow,
    flows,
):
    nb = edges.size - 1
    nt = weights.size
    n = entry_lo.size
    raw = np.zeros((2, nt, nb))
    tot = np.zeros((2, nt))
    ovf_lo = np.zeros((2, nt))
    ovf_hi = np.zeros((2, nt))
    scale = np.ones((2, nt))
    lo = np.full((2, nt), nb, dtype=np.int64)
    hi = np.full((2, nt), -1, dtype=np.int64)
    fading = False
    for t in range(nt):
        if fade[t] < 1.0:
            fading = True
    j = 0
    for i in range(n):
        # 1. fade
        if fading:
            for s in range(2):
                for t in range(nt):
                    if fade[t] < 1.0:
                        m = (tot[s, t] + ovf_lo[s, t] + ovf_hi[s, t]) * scale[s, t]
                        flows[3, s, i] += m * (1.0 - fade[t])
                        _rescale(raw, tot, ovf_lo, ovf_hi, scale, lo, hi, s, t, nb, fade[t])
        # 2. open
        amount = open_usd[i]
        if amount > 0.0:
            for s in range(2):
                side_amount = amount * long_frac[i] if s == 0 else amount * (1.0 - long_frac[i])
                if side_amount <= 0.0:
                    continue
                for t in range(nt):
                    a_st = side_amount * weights[t]
                    if a_st > 0.0:
                        _deposit(
                            edges,
                            raw,
                            tot,
                            ovf_lo,
                            ovf_hi,
                            scale,
                            lo,
                            hi,
                            s,
                            t,
                            a_st,
                            k[s, t] * entry_lo[i],
                            k[s, t] * entry_hi[i],
                        )
                        flows[1, s, i] += a_st
        # 3. sweep (longs and shorts are written out as mirror images on purpose: factoring
        # the shared bookkeeping into a helper measured 1.7x slower in numba 0.68)
        if do_sweep:
            pl = sweep_lo[i]
            ph = sweep_hi[i]
            for t in range(nt):
                # longs: bins whose upper edge is above the low, and anything above the grid
                removed = ovf_hi[0, t]
                ovf_hi[0, t] = 0.0
                grid_removed = 0.0
                b = hi[0, t]
                while b >= lo[0, t] and edges[b + 1] > pl:
                    grid_removed += raw[0, t, b]
                    raw[0, t, b] = 0.0
                    b -= 1
                hi[0, t] = b
                if grid_removed > 0.0:
                    before = tot[0, t]
                    if b < lo[0, t]:
                        tot[0, t] = 0.0
                        lo[0, t] = nb
                        hi[0, t] = -1
                    else:
                        tot[0, t] = before - grid_removed
                        if tot[0, t] < 0.5 * before:
                            tot[0, t] = _exact_total(raw, lo, hi, 0, t)
                elif b < lo[0, t]:
                    tot[0, t] = 0.0
                    lo[0, t] = nb
                    hi[0, t] = -1
                flows[0, 0, i] += (removed + grid_removed) * scale[0, t]
                # shorts: bins whose lower edge is at or below the high, and anything below
                removed = ovf_lo[1, t]
                ovf_lo[1, t] = 0.0
                grid_removed = 0.0
                b = lo[1, t]
                while b <= hi[1, t] and edges[b] <= ph:
                    grid_removed += raw[1, t, b]
                    raw[1, t, b] = 0.0
                    b += 1
                lo[1, t] = b
                if grid_removed > 0.0:
                    before = tot[1, t]
                    if b > hi[1, t]:
                        tot[1, t] = 0.0
                        lo[1, t] = nb
                        hi[1, t] = -1
                    else:
                        tot[1, t] = before - grid_removed
                        if tot[1, t] < 0.5 * before:
                            tot[1, t] = _exact_total(raw, lo, hi, 1, t)
                elif b > hi[1, t]:
                    tot[1, t] = 0.0
                    lo[1, t] = nb
                    hi[1, t] = -1
                flows[0, 1, i] += (removed + grid_removed) * scale[1, t]
        # 4. close what the sweep does not explain: every position, tracked or opened before
        # the window, closes in the same proportion c / (open interest left after the sweep)
        liq = flows[0, 0, i] + flows[0, 1, i]
        c = close_req[i] - liq
        if c > 0.0:
            total = 0.0
            for s in range(2):
                for t in range(nt):
                    total += (tot[s, t] + ovf_lo[s, t] + ovf_hi[s, t]) * scale[s, t]
            base = oi_prev_usd[i] - liq
            if not base > total:  # unknown open interest, or the model holds all of it
                base = total
            if total > 0.0:
                frac = min(c / base, 1.0)
                for s in range(2):
                    for t in range(nt):
                        m = (tot[s, t] + ovf_lo[s, t] + ovf_hi[s, t]) * scale[s, t]
                        flows[2, s, i] += m * frac
                        _rescale(raw, tot, ovf_lo, ovf_hi, scale, lo, hi, s, t, nb, 1.0 - frac)
        # 5. calibrate
        if calib_mode != 0:
            side_tot = np.zeros(2)
            for s in range(2):
                for t in range(nt):
                    side_tot[s] += (tot[s, t] + ovf_lo[s, t] + ovf_hi[s, t]) * scale[s, t]
            if calib_mode == 1:
                for s in range(2):
                    target = calib_target[s, i]
                    if target == target and side_tot[s] > 0.0:
                        f = target / side_tot[s] if side_tot[s] >= CALIBRATE_FLOOR_USD else 0.0
                        flows[4, s, i] += side_tot[s] * (f - 1.0)
                        for t in range(nt):
                            _rescale(raw, tot, ovf_lo, ovf_hi, scale, lo, hi, s, t, nb, f)
            else:
                target = calib_target[0, i]
                both = side_tot[0] + side_tot[1]
                if target == target and both > 0.0:
                    f = target / both if both >= CALIBRATE_FLOOR_USD else 0.0
                    for s in range(2):
                        flows[4, s, i] += side_tot[s] * (f - 1.0)
                        for t in range(nt):
                            _rescale(raw, tot, ovf_lo, ovf_hi, scale, lo, hi, s, t, nb, f)
        # 6. snapshot
        if j < col_end.size and i == col_end[j]:
            _snapshot(raw, tot, ovf_lo, ovf_hi, scale, lo, hi, out, out_tier, overflow, j, per_tier)
            j += 1


@dataclass(frozen=True, eq=False)
class EngineOutputs:
    """Raw kernel results: ``out`` (2, ncols, B), ``out_tier`` (2, ncols|0, T, B),
    ``overflow`` (2, ncols) and ``flows`` (5, 2, n) in the order of :data:`FLOW_NAMES`."""

    out: np.ndarray
    out_tier: np.ndarray
    overflow: np.ndarray
    flows: np.ndarray


def allocate_outputs(inputs: EngineInputs) -> EngineOutputs:
    """Zeroed output arrays for ``inputs``."""
    ncols = inputs.col_end.size
    nb, nt, n = inputs.n_bins, inputs.n_tiers, inputs.n_candles
    return EngineOutputs(
        out=np.zeros((2, ncols, nb)),
        out_tier=np.zeros((2, ncols if inputs.per_tier else 0, nt, nb)),
        overflow=np.zeros((2, ncols)),
        flows=np.zeros((5, 2, n)),
    )


def run_inputs(inputs: EngineInputs) -> EngineOutputs:
    """Run the numba kernel on prepared inputs."""
    res = allocate_outputs(inputs)
    _kernel(
        inputs.edges,
        inputs.k,
        inputs.weights,
        inputs.entry_lo,
        inputs.entry_hi,
        inputs.sweep_lo,
        inputs.sweep_hi,
        inputs.open_usd,
        inputs.long_frac,
        inputs.close_req,
        inputs.oi_prev_usd,
        inputs.fade,
        inputs.do_sweep,
        inputs.calib_mode,
        inputs.calib_target,
        inputs.col_end,
        inputs.per_tier,
        res.out,
        res.out_tier,
        res.overflow,
        res.flows,
    )
    return res


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Heatmap:
    """An estimated liquidation heatmap.

    Attributes
    ----------
    times : pandas.DatetimeIndex
        One per column (UTC): the open time of the column's last candle; the column is the
        inventory after that candle closed.
    price_edges : numpy.ndarray, shape (B+1,)
        Bin edges (USD/coin).
    long_usd, short_usd : numpy.ndarray, shape (columns, B)
        USD of long / short positions whose liquidation price lies in each bin.
    long_usd_by_tier, short_usd_by_tier : numpy.ndarray (columns, tiers, B) or None
        The same per leverage tier, when ``per_tier=True``.
    overflow_long_usd, overflow_short_usd : numpy.ndarray, shape (columns,)
        USD whose liquidation price falls outside the grid (kept so USD is conserved).
    price : numpy.ndarray, shape (columns,)
        Trade close (USD/coin) of each column's last candle.
    predicted_long_usd, predicted_short_usd : pandas.Series
        The model's predicted liquidations per candle (USD), indexed by candle time.
    flows : pandas.DataFrame
        Per candle and side, USD liquidated, opened, closed, faded and added by calibration
        (columns ``liquidated_long_usd`` ...): opened - closed - liquidated - faded +
        calibrated = what remains.
    leverages : tuple of float
        The tiers' leverages.
    model : str
        Name of the model (``lq.MODELS``).
    params : EngineParams
        Every parameter used.
    source : dict
        What the market frame said of its data (``symbol``, ``interval``, ``source``,
        ``synthetic``, ``start``, ``end``, ``archive_url``), so figures can name it.
    """

    times: pd.DatetimeIndex
    price_edges: np.ndarray
    long_usd: np.ndarray
    short_usd: np.ndarray
    overflow_long_usd: np.ndarray
    overflow_short_usd: np.ndarray
    price: np.ndarray
    predicted_long_usd: pd.Series
    predicted_short_usd: pd.Series
    flows: pd.DataFrame
    leverages: tuple[float, ...]
    model: str
    params: EngineParams
    long_usd_by_tier: np.ndarray | None = None
    short_usd_by_tier: np.ndarray | None = None
    source: dict = field(default_factory=dict)

    @property
    def bin_centers(self) -> np.ndarray:
        """Bin centres (USD/coin): geometric for a log grid, arithmetic otherwise."""
        e = self.price_edges
        if self.params.grid == "log" and self.params.price_edges is None:
            return np.sqrt(e[:-1] * e[1:])
        return 0.5 * (e[:-1] + e[1:])

    def column_at(self, at) -> int:
        """Index of the last column at or before ``at`` (str or Timestamp, UTC)."""
        try:
            ts = pd.Timestamp(at)
        except (TypeError, ValueError):
            ts = pd.NaT
        if pd.isna(ts):
            raise InputError(
                f"at={at!r} is not a time: pass e.g. '2025-11-04 21:35' (UTC) or a Timestamp"
            )
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        j = int(self.times.searchsorted(ts, side="right")) - 1
        if j < 0:
            raise InputError(
                f"at={ts} precedes the heatmap, which starts {self.times[0]}: choose a later time"
            )
        return j

    def liquidation_map(self, at=None) -> pd.DataFrame:
        """The 1-D liquidation profile at one time.

        Parameters
        ----------
        at : str or pandas.Timestamp, optional
            Time (UTC); the last column at or before it is used. None = the last column.

        Returns
        -------
        pandas.DataFrame
            Indexed by bin centre (``price``, USD/coin), columns ``long_usd``, ``short_usd``,
            ``cum_long_usd`` (long USD liquidated if price falls to that level: cumulative
            from the current price downwards, 0 above it) and ``cum_short_usd`` (from the
            current price upwards, 0 below it). ``attrs["price"]`` is the current price.

        Example
        -------
        >>> from liqlib.synthetic import make_synthetic_market
        >>> hm = estimate(make_synthetic_market(500), EngineParams(n_bins=100))
        >>> list(hm.liquidation_map().columns)
        ['long_usd', 'short_usd', 'cum_long_usd', 'cum_short_usd']
        """
        j = len(self.times) - 1 if at is None else self.column_at(at)
        px = float(self.price[j])
        centers = self.bin_centers
        below = centers < px
        above = centers > px
        lg = np.where(below, self.long_usd[j], 0.0)
        sh = np.where(above, self.short_usd[j], 0.0)
        cum_long = np.where(below, lg[::-1].cumsum()[::-1], 0.0)
        cum_short = np.where(above, sh.cumsum(), 0.0)
        df = pd.DataFrame(
            {
                "long_usd": self.long_usd[j],
                "short_usd": self.short_usd[j],
                "cum_long_usd": cum_long,
                "cum_short_usd": cum_short,
            },
            index=pd.Index(centers, name="price"),
        )
        df.attrs["price"] = px
        df.attrs["time"] = self.times[j]
        return df

    def to_xarray(self):
        """The heatmap as an :class:`xarray.Dataset`, to ``.sel``, resample and save.

        Returns
        -------
        xarray.Dataset
            Dims ``side`` (``"long"``, ``"short"``) x ``time`` x ``price`` [x ``tier``]:

            - ``usd`` (side, time, price): USD whose liquidation price lies in the bin;
            - ``usd_by_tier`` (side, time, tier, price), when estimated with ``per_tier=True``;
            - ``overflow_usd`` (side, time): USD whose liquidation price is off the grid;
            - ``close`` (time): trade close of each column's last candle (USD/coin).

            Coordinates: ``time`` (UTC, stored timezone-naive: ``attrs["time_zone"]`` says
            UTC), ``price`` (bin centre, USD/coin) with ``price_lower`` / ``price_upper`` (bin
            edges), ``tier`` (leverage, x). Attributes are netCDF-safe (str, int, float):
            model, units, bracket symbol and the data source (``synthetic`` is 1 for
            SYNTHETIC data).

        Example
        -------
        >>> from liqlib.synthetic import make_synthetic_market
        >>> hm = estimate(make_synthetic_market(500), EngineParams(n_bins=50, max_columns=20))
        >>> ds = hm.to_xarray()
        >>> dict(ds["usd"].sizes)
        {'side': 2, 'time': 20, 'price': 50}
        """
        import xarray as xr  # late: xarray is only needed here

        time = self.times.tz_convert("UTC").tz_localize(None)
        coords = {
            "side": list(SIDE_NAMES),
            "time": ("time", time, {"time_zone": "UTC", "long_name": "column end (UTC)"}),
            "price": ("price", self.bin_centers, {"units": "USD/coin", "long_name": "bin centre"}),
            "price_lower": ("price", self.price_edges[:-1], {"units": "USD/coin"}),
            "price_upper": ("price", self.price_edges[1:], {"units": "USD/coin"}),
        }
        usd_attrs = {"units": "USD", "long_name": "USD whose liquidation price is in the bin"}
        data = {
            "usd": (
                ("side", "time", "price"),
                np.stack([self.long_usd, self.short_usd]),
                usd_attrs,
            ),
            "overflow_usd": (
                ("side", "time"),
                np.stack([self.overflow_long_usd, self.overflow_short_usd]),
                {"units": "USD", "long_name": "USD whose liquidation price is off the grid"},
            ),
            "close": ("time", np.asarray(self.price, dtype=float), {"units": "USD/coin"}),
        }
        if self.long_usd_by_tier is not None and self.short_usd_by_tier is not None:
            coords["tier"] = ("tier", np.asarray(self.leverages), {"units": "x (leverage)"})
            data["usd_by_tier"] = (
                ("side", "time", "tier", "price"),
                np.stack([self.long_usd_by_tier, self.short_usd_by_tier]),
                usd_attrs,
            )
        attrs = {
            "title": "liqlib estimated liquidation heatmap",
            "model": self.model,
            "bracket_symbol": self.params.symbol,
            "calibrated": int(self.params.calibrate),
            "time_zone": "UTC",
            "synthetic": int(bool(self.source.get("synthetic", False))),
        }
        for key in ("symbol", "interval", "source", "start", "end", "archive_url"):
            if self.source.get(key) is not None:
                attrs[f"data_{key}"] = str(self.source[key])
        return xr.Dataset(data, coords=coords, attrs=attrs)

    def totals(self) -> pd.DataFrame:
        """USD per side at each column (in the grid plus overflow)."""
        return pd.DataFrame(
            {
                "long_usd": self.long_usd.sum(axis=1) + self.overflow_long_usd,
                "short_usd": self.short_usd.sum(axis=1) + self.overflow_short_usd,
            },
            index=self.times,
        )


SOURCE_KEYS = ("symbol", "interval", "source", "synthetic", "start", "end", "archive_url")


def build_heatmap(
    inputs: EngineInputs,
    outputs: EngineOutputs,
    params: EngineParams,
    model: str,
    source: dict | None = None,
) -> Heatmap:
    """Wrap kernel outputs into a :class:`Heatmap`."""
    times = inputs.times
    cols = times[inputs.col_end]
    flows = pd.DataFrame(
        {
            f"{name}_{side}_usd": outputs.flows[f, s]
            for f, name in enumerate(FLOW_NAMES)
            for s, side in enumerate(SIDE_NAMES)
        },
        index=times,
    )
    return Heatmap(
        times=cols,
        price_edges=inputs.edges,
        long_usd=outputs.out[0],
        short_usd=outputs.out[1],
        overflow_long_usd=outputs.overflow[0],
        overflow_short_usd=outputs.overflow[1],
        price=inputs.close[inputs.col_end],
        predicted_long_usd=pd.Series(outputs.flows[0, 0], index=times, name="predicted_long_usd"),
        predicted_short_usd=pd.Series(outputs.flows[0, 1], index=times, name="predicted_short_usd"),
        flows=flows,
        leverages=params.resolved_mix().leverages,
        model=model,
        params=params,
        long_usd_by_tier=outputs.out_tier[0] if inputs.per_tier else None,
        short_usd_by_tier=outputs.out_tier[1] if inputs.per_tier else None,
        source={k: v for k, v in (source or {}).items() if k in SOURCE_KEYS},
    )


def estimate(market: pd.DataFrame, params: EngineParams, model: str = "custom") -> Heatmap:
    """Validate, run the kernel and wrap the result (see :func:`liqlib.models.estimate_heatmap`).

    Example
    -------
    >>> from liqlib.synthetic import make_synthetic_market
    >>> hm = estimate(make_synthetic_market(300), EngineParams(n_bins=50, max_columns=10))
    >>> len(hm.times)
    10
    """
    inputs = prepare_inputs(market, params)
    return build_heatmap(inputs, run_inputs(inputs), params, model, dict(market.attrs))
