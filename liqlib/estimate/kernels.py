"""Numba pieces every inventory model shares: bin lookup, lazy per-(side, tier) scales,
deposits with fractional bin overlaps, exact totals and snapshots (amounts in USD).

The inventory is ``raw`` (2 sides x tiers x bins) times a lazy ``scale`` per (side, tier), with
the live bins of each (side, tier) kept between ``lo`` and ``hi`` (frontiers swept by price).
"""

from __future__ import annotations

from numba import njit

#: Calibration cannot scale an inventory of less than this (USD) up to the open interest
#: without overflowing; such a dust inventory is cleared instead.
CALIBRATE_FLOOR_USD = 1e-9


_RENORM_LOW = 1e-100


_RENORM_HIGH = 1e100


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
