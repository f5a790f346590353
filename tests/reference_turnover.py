"""A plain, per-candle, pure-Python reference of the "turnover" kernel (no numpy in the loop).

Same semantics as :func:`liqlib.estimate.turnover.run_turnover`, written the obvious way: every
bin of every (side, tier) is a small record, hazards and closes multiply every bin, sweeps
look at every bin, deposits visit every bin they overlap. No difference arrays, lazy scales or
fronts: those are what the fast kernel adds, and what this file checks it against (equality to
1e-9 relative on small markets, ``tests/estimate/test_turnover_reference.py``).

A bin holds two parts of USD: ``full`` (uniform over the whole bin: the bins a deposit spans
wholly) and ``part`` (uniform over its extent ``[x0, x1]``: a deposit's end bins, the warm
book, what a sweep leaves of a bin). A sweep at the candle's low ``p`` removes longs with
liquidation price ``LP >= p`` (shorts: the high, ``LP <= p``): bins wholly past ``p`` go, the
bin holding ``p`` is cut at ``p`` (the full part exactly, the explicit part as uniform over its
extent) and what is left of it becomes one explicit part.

Example
-------
>>> from liqlib.estimate.config import EngineParams, LeverageDensity
>>> from liqlib.estimate.turnover import prepare_turnover
>>> from liqlib.sim.synthetic import make_synthetic_market
>>> p = EngineParams(flow="turnover", mix=LeverageDensity(n_tiers=3), n_bins=40, max_columns=5)
>>> inp = prepare_turnover(make_synthetic_market(30), p)
>>> reference_turnover(inp)[0].out.shape
(2, 5, 40)
"""

from __future__ import annotations

import math

import numpy as np

from liqlib.estimate.inputs import EngineOutputs

INF = math.inf


def _bin_of(edges: list[float], x: float) -> int:
    for b in range(len(edges) - 1):
        if edges[b] <= x < edges[b + 1]:
            return b
    return len(edges) - 1 if x >= edges[-1] else -1


class Book:
    """One (side, tier): per bin ``full``, ``part``, ``x0``, ``x1``; overflow below / above."""

    def __init__(self, nb: int) -> None:
        self.full = [0.0] * nb
        self.part = [0.0] * nb
        self.x0 = [INF] * nb
        self.x1 = [-INF] * nb
        self.ovf_lo = 0.0
        self.ovf_hi = 0.0

    def total(self) -> float:
        return sum(self.full) + sum(self.part) + self.ovf_lo + self.ovf_hi

    def scale(self, f: float) -> None:
        for b in range(len(self.full)):
            self.full[b] *= f
            self.part[b] *= f
        self.ovf_lo *= f
        self.ovf_hi *= f
        if f == 0.0:
            self.x0 = [INF] * len(self.full)
            self.x1 = [-INF] * len(self.full)

    def put(self, b: int, v: float, x0: float, x1: float) -> None:
        self.part[b] += v
        self.x0[b] = min(self.x0[b], x0)
        self.x1[b] = max(self.x1[b], x1)

    def deposit(self, edges: list[float], v: float, a: float, b: float) -> None:
        nb = len(edges) - 1
        if b <= a:  # a point
            i = _bin_of(edges, a)
            if i < 0:
                self.ovf_lo += v
            elif i >= nb:
                self.ovf_hi += v
            else:
                self.put(i, v, a, a)
            return
        rho = v / (b - a)
        if a < edges[0]:
            self.ovf_lo += (min(b, edges[0]) - a) * rho
        if b > edges[nb]:
            self.ovf_hi += (b - max(a, edges[nb])) * rho
        x0, x1 = max(a, edges[0]), min(b, edges[nb])
        if x1 <= x0:
            return
        ia, ib = _bin_of(edges, x0), min(_bin_of(edges, x1), nb - 1)
        if ib > ia and x1 == edges[ib]:
            ib -= 1
        if ia == ib:
            self.put(ia, (x1 - x0) * rho, x0, x1)
            return
        self.put(ia, (edges[ia + 1] - x0) * rho, x0, edges[ia + 1])
        self.put(ib, (x1 - edges[ib]) * rho, edges[ib], x1)
        for k in range(ia + 1, ib):
            self.full[k] += (edges[k + 1] - edges[k]) * rho

    def sweep(self, edges: list[float], side: int, p: float) -> float:
        """Remove the levels ``p`` reached; returns the USD removed."""
        nb = len(edges) - 1
        ip = _bin_of(edges, p)
        book = sum(self.full) + sum(self.part)  # the grid's USD before the sweep
        if side == 0:
            removed, self.ovf_hi = self.ovf_hi, 0.0
        else:
            removed, self.ovf_lo = self.ovf_lo, 0.0
        for b in range(nb):
            past = b > ip if side == 0 else b < ip
            if past:
                removed += self.full[b] + self.part[b]
                self.full[b] = self.part[b] = 0.0
                self.x0[b], self.x1[b] = INF, -INF
            elif b == ip and (self.full[b] > 0.0 or self.part[b] > 0.0):
                removed += self._cut(edges, side, b, p, book)
        return removed

    def _cut(self, edges: list[float], side: int, b: int, p: float, book: float) -> float:
        e_lo, e_hi = edges[b], edges[b + 1]
        full, r, x0, x1 = self.full[b], self.part[b], self.x0[b], self.x1[b]
        if side == 0:  # keep LP < p
            keep = min(full, full * (p - e_lo) / (e_hi - e_lo))
            kr = r if x1 < p else (min(r, r * (p - x0) / (x1 - x0)) if x0 < p else 0.0)
            if 0.0 < kr < r:
                x1 = p
            floor = max(1e-9 * kr, 1e-10 * book)
            if keep > floor:
                x0, x1 = min(x0, e_lo), p
        else:  # keep LP > p
            keep = min(full, full * (e_hi - p) / (e_hi - e_lo))
            kr = r if x0 > p else (min(r, r * (x1 - p) / (x1 - x0)) if x1 > p else 0.0)
            if 0.0 < kr < r:
                x0 = p
            floor = max(1e-9 * kr, 1e-10 * book)
            if keep > floor:
                x0, x1 = p, max(x1, e_hi)
        # the kernel's rule for a rounding residue of its density sums: a kept density below
        # 1e-9 of the kept explicit part or 1e-10 of the book is liquidated with the rest
        if keep <= floor:
            keep = 0.0
        self.full[b] = 0.0
        left = kr + keep
        self.part[b] = left
        self.x0[b], self.x1[b] = (x0, x1) if left > 0.0 else (INF, -INF)
        return (full - keep) + (r - kr)


def reference_turnover(inp, record_tiers: bool = False):
    """Run the "turnover" semantics in plain Python; returns ``(EngineOutputs, tier_liq)``."""
    edges = [float(e) for e in inp.edges]
    nb = len(edges) - 1
    nt = inp.n_tiers
    n = inp.n_candles
    col_end = [int(c) for c in inp.col_end]
    ncols = len(col_end)
    anchor = float(inp.anchor)
    books = [[Book(nb) for _ in range(nt)] for _ in range(2)]
    i0 = _bin_of(edges, anchor)
    for s in range(2):
        for t in range(nt):
            bk = books[s][t]
            bk.ovf_lo = float(inp.init_ovf_lo[s, t])
            bk.ovf_hi = float(inp.init_ovf_hi[s, t])
            for b in range(nb):
                v = float(inp.init_raw[s, t, b])
                if v > 0.0:
                    x0, x1 = edges[b], edges[b + 1]
                    if b == i0:  # the warm book lies beyond the first open
                        x0, x1 = (x0, min(anchor, x1)) if s == 0 else (max(anchor, x0), x1)
                    bk.put(b, v, x0, x1)
    out = np.zeros((2, ncols, nb))
    out_tier = np.zeros((2, ncols if inp.per_tier else 0, nt, nb))
    overflow = np.zeros((2, ncols))
    flows = np.zeros((5, 2, n))
    tier_liq = np.zeros((2, nt, n))
    j = 0
    for i in range(n):
        goal_oi = float(inp.target_usd[i])
        elo, ehi = float(inp.entry_lo[i]), float(inp.entry_hi[i])
        for s in range(2):
            p = float(inp.sweep_lo[i]) if s == 0 else float(inp.sweep_hi[i])
            for t in range(nt):
                bk = books[s][t]
                f = float(inp.survive[i, t])
                m = bk.total()
                if f < 1.0 and m > 0.0:  # 1. hazard closes
                    flows[3, s, i] += m * (1.0 - f)
                    bk.scale(f)
                liq = bk.sweep(edges, s, p)  # 2. sweep
                if not math.isnan(goal_oi):  # 3. back to the target
                    goal = float(inp.stock[s, t]) * goal_oi
                    m = bk.total()
                    d = goal - m
                    if d > 0.0:
                        a = float(inp.ka[s, t]) * elo
                        b = float(inp.kb[s, t]) * ehi
                        first = d * inp.exposure
                        rest = d
                        if s == 0:
                            hit = (
                                (1.0 if (b <= a or a >= p) else (b - p) / (b - a)) if b >= p else 0
                            )
                        else:
                            hit = (
                                (1.0 if (b <= a or b <= p) else (p - a) / (b - a)) if a <= p else 0
                            )
                        if hit > 1.0 - 1e-12:
                            hit = 1.0
                        if hit > 0.0 and first > 0.0:
                            liq += first * hit
                            rest = d - first
                            if rest <= 1e-12 * d:
                                rest = 0.0
                            if hit < 1.0:
                                lo_hi = (a, p) if s == 0 else (p, b)
                                bk.deposit(edges, first * (1.0 - hit), *lo_hi)
                        if rest > 0.0:
                            bk.deposit(edges, rest, a, b)
                        flows[1, s, i] += d
                    elif d < 0.0 and m > 0.0:
                        flows[2, s, i] -= d
                        bk.scale(max(goal, 0.0) / m)
                flows[0, s, i] += liq
                tier_liq[s, t, i] = liq
        if j < ncols and i == col_end[j]:  # 4. snapshot
            for s in range(2):
                for t in range(nt):
                    bk = books[s][t]
                    for b in range(nb):
                        v = bk.full[b] + bk.part[b]
                        out[s, j, b] += v
                        if inp.per_tier:
                            out_tier[s, j, t, b] = v
                    overflow[s, j] += bk.ovf_lo + bk.ovf_hi
            j += 1
    warm = inp.init_raw.sum(axis=2) + inp.init_ovf_lo + inp.init_ovf_hi
    if n:
        flows[1, :, 0] += warm.sum(axis=1)
    res = EngineOutputs(out=out, out_tier=out_tier, overflow=overflow, flows=flows)
    return res, (tier_liq if record_tiers else None)
