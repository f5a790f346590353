"""A plain, per-candle, pure-Python reference of the engine kernel (no numpy in the loop).

Same semantics as :func:`liqlib.estimate.oi_flow.run_inputs`, written the obvious way: every bin is a
list element, fades and closes multiply every bin, sweeps scan every bin. It is slow on
purpose-free grounds (clarity first) and serves two uses: the equality test (fast == reference
to 1e-9 relative on small inputs) and the speed ratio in ``benchmarks/bench_engine.py``.

Examples
--------
>>> from liqlib.estimate.config import EngineParams
>>> from liqlib.estimate.inputs import prepare_inputs
>>> from liqlib.sim.synthetic import make_synthetic_market
>>> inp = prepare_inputs(make_synthetic_market(50), EngineParams(n_bins=40, max_columns=5))
>>> reference_run(inp).out.shape
(2, 5, 40)
"""

from __future__ import annotations

import math

import numpy as np

from liqlib.estimate.inputs import EngineInputs, EngineOutputs
from liqlib.estimate.kernels import CALIBRATE_FLOOR_USD


def _bin_of(edges: list[float], p: float) -> int:
    nb = len(edges) - 1
    if p < edges[0]:
        return -1
    if p >= edges[nb]:
        return nb
    for b in range(nb):
        if edges[b] <= p < edges[b + 1]:
            return b
    return nb


def _deposit(edges, mass, ovf_lo, ovf_hi, amount, a, b):
    nb = len(edges) - 1
    if b <= a:
        i = _bin_of(edges, a)
        if i < 0:
            ovf_lo[0] += amount
        elif i >= nb:
            ovf_hi[0] += amount
        else:
            mass[i] += amount
        return
    width = b - a
    if a < edges[0]:
        ovf_lo[0] += (min(b, edges[0]) - a) / width * amount
    if b > edges[nb]:
        ovf_hi[0] += (b - max(a, edges[nb])) / width * amount
    for i in range(nb):
        x0 = max(a, edges[i])
        x1 = min(b, edges[i + 1])
        if x1 > x0:
            mass[i] += (x1 - x0) / width * amount


def reference_run(inp: EngineInputs) -> EngineOutputs:
    """Run the engine semantics in plain Python loops; returns the kernel's output layout."""
    edges = [float(e) for e in inp.edges]
    nb = len(edges) - 1
    nt = inp.n_tiers
    n = inp.n_candles
    weights = [float(w) for w in inp.weights]
    k = [[float(inp.k[s][t]) for t in range(nt)] for s in range(2)]
    fade = [float(f) for f in inp.fade]
    col_end = [int(c) for c in inp.col_end]
    ncols = len(col_end)
    mass = [[[0.0] * nb for _ in range(nt)] for _ in range(2)]
    # one-element lists so _deposit can add in place
    ovf_lo = [[[0.0] for _ in range(nt)] for _ in range(2)]
    ovf_hi = [[[0.0] for _ in range(nt)] for _ in range(2)]
    out = [[[0.0] * nb for _ in range(ncols)] for _ in range(2)]
    out_tier = [[[[0.0] * nb for _ in range(nt)] for _ in range(ncols)] for _ in range(2)]
    overflow = [[0.0] * ncols for _ in range(2)]
    flows = [[[0.0] * n for _ in range(2)] for _ in range(5)]

    def side_tier_total(s, t):
        return sum(mass[s][t]) + ovf_lo[s][t][0] + ovf_hi[s][t][0]

    def scale(s, t, f):
        for b in range(nb):
            mass[s][t][b] *= f
        ovf_lo[s][t][0] *= f
        ovf_hi[s][t][0] *= f

    j = 0
    for i in range(n):
        # 1. fade
        for s in range(2):
            for t in range(nt):
                if fade[t] < 1.0:
                    flows[3][s][i] += side_tier_total(s, t) * (1.0 - fade[t])
                    scale(s, t, fade[t])
        # 2. open
        amount = float(inp.open_usd[i])
        if amount > 0.0:
            lf = float(inp.long_frac[i])
            for s in range(2):
                side_amount = amount * lf if s == 0 else amount * (1.0 - lf)
                if side_amount <= 0.0:
                    continue
                for t in range(nt):
                    a_st = side_amount * weights[t]
                    if a_st > 0.0:
                        _deposit(
                            edges,
                            mass[s][t],
                            ovf_lo[s][t],
                            ovf_hi[s][t],
                            a_st,
                            k[s][t] * float(inp.entry_lo[i]),
                            k[s][t] * float(inp.entry_hi[i]),
                        )
                        flows[1][s][i] += a_st
        # 3. sweep
        if inp.do_sweep:
            low = float(inp.sweep_lo[i])
            high = float(inp.sweep_hi[i])
            for t in range(nt):
                removed = ovf_hi[0][t][0]
                ovf_hi[0][t][0] = 0.0
                for b in range(nb):
                    if edges[b + 1] > low:
                        removed += mass[0][t][b]
                        mass[0][t][b] = 0.0
                flows[0][0][i] += removed
                removed = ovf_lo[1][t][0]
                ovf_lo[1][t][0] = 0.0
                for b in range(nb):
                    if edges[b] <= high:
                        removed += mass[1][t][b]
                        mass[1][t][b] = 0.0
                flows[0][1][i] += removed
        # 4. close
        liq = flows[0][0][i] + flows[0][1][i]
        c = float(inp.close_req[i]) - liq
        if c > 0.0:
            total = sum(side_tier_total(s, t) for s in range(2) for t in range(nt))
            base = float(inp.oi_prev_usd[i]) - liq
            if math.isnan(base) or base <= total:
                base = total
            if total > 0.0:
                frac = min(c / base, 1.0)
                for s in range(2):
                    for t in range(nt):
                        flows[2][s][i] += side_tier_total(s, t) * frac
                        scale(s, t, 1.0 - frac)
        # 5. calibrate
        if inp.calib_mode != 0:
            side_tot = [sum(side_tier_total(s, t) for t in range(nt)) for s in range(2)]
            if inp.calib_mode == 1:
                for s in range(2):
                    target = float(inp.calib_target[s][i])
                    if not math.isnan(target) and side_tot[s] > 0.0:
                        f = target / side_tot[s] if side_tot[s] >= CALIBRATE_FLOOR_USD else 0.0
                        flows[4][s][i] += side_tot[s] * (f - 1.0)
                        for t in range(nt):
                            scale(s, t, f)
            else:
                target = float(inp.calib_target[0][i])
                both = side_tot[0] + side_tot[1]
                if not math.isnan(target) and both > 0.0:
                    f = target / both if both >= CALIBRATE_FLOOR_USD else 0.0
                    for s in range(2):
                        flows[4][s][i] += side_tot[s] * (f - 1.0)
                        for t in range(nt):
                            scale(s, t, f)
        # 6. snapshot
        if j < ncols and i == col_end[j]:
            for s in range(2):
                for t in range(nt):
                    for b in range(nb):
                        out[s][j][b] += mass[s][t][b]
                        out_tier[s][j][t][b] = mass[s][t][b]
                    overflow[s][j] += ovf_lo[s][t][0] + ovf_hi[s][t][0]
            j += 1

    out_tier_arr = np.array(out_tier, dtype=float).reshape(2, ncols, nt, nb)
    if not inp.per_tier:
        out_tier_arr = np.zeros((2, 0, nt, nb))
    return EngineOutputs(
        out=np.array(out, dtype=float).reshape(2, ncols, nb),
        out_tier=out_tier_arr,
        overflow=np.array(overflow, dtype=float),
        flows=np.array(flows, dtype=float),
    )
