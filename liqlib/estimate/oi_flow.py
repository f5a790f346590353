"""The ``oi-flow`` and ``volume`` models: a position inventory walked candle by candle.

The inventory holds USD of open positions per side (long, short) x leverage tier x price bin,
each placed at its liquidation price ``LP = k * entry`` (``k`` from the bracket formula, see
:mod:`liqlib.estimate.brackets`). Every candle, in this order:

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

Examples
--------
>>> from liqlib.sim.synthetic import make_synthetic_market
>>> from liqlib.estimate.config import EngineParams
>>> hm = estimate(make_synthetic_market(2_000), EngineParams(n_bins=200, max_columns=100))
>>> hm.long_usd.shape
(100, 200)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from liqlib.estimate.config import EngineParams
from liqlib.estimate.heatmap import Heatmap, build_heatmap
from liqlib.estimate.inputs import EngineInputs, EngineOutputs, allocate_outputs, prepare_inputs
from liqlib.estimate.kernels import CALIBRATE_FLOOR_USD, _deposit, _exact_total, _rescale, _snapshot


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


def estimate(market: pd.DataFrame, params: EngineParams, model: str = "custom") -> Heatmap:
    """Validate, run the kernel and wrap the result (see :func:`liqlib.estimate.registry.estimate_heatmap`).

    Examples
    --------
    >>> from liqlib.sim.synthetic import make_synthetic_market
    >>> hm = estimate(make_synthetic_market(300), EngineParams(n_bins=50, max_columns=10))
    >>> len(hm.times)
    10
    """
    inputs = prepare_inputs(market, params)
    return build_heatmap(inputs, run_inputs(inputs), params, model, dict(market.attrs))
