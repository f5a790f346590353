"""Validated engine inputs: a market frame checked and turned into the arrays every model's
kernel consumes (prices in USD/coin, amounts in USD, one row per candle), and the raw output arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

import numpy as np
import pandas as pd

from liqlib.data.columns import (
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
from liqlib.data.contract import ohlc_disorder
from liqlib.errors import InputError
from liqlib.estimate.config import EngineParams

FLOW_NAMES = ("liquidated", "opened", "closed", "faded", "calibrated")


SIDE_NAMES = ("long", "short")


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
    return idx.tz_convert("UTC")  # the same instants; a local-time index would mislabel figures


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
    bad = ohlc_disorder(o, h, lo, c)
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
        UTC DatetimeIndex, sorted and unique; columns named in :mod:`liqlib.data.columns`:
        open/high/low/close (required), mark_high/mark_low/mark_close (optional, used for
        sweeps), oi_coin or oi_usd (``flow="oi"``, ``calibrate``), quote_volume and
        taker_buy_quote_volume (``split="taker"``, ``flow="volume"``).
    params : EngineParams
        Engine parameters: which columns are needed and how prices are checked.

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
