"""The "turnover" model's book: difference arrays over the price bins, swept at exact prices.

Each (side, tier) holds USD of open positions by liquidation price (LP) on the bins ``edges``
(USD/coin), times a lazy ``scale`` (hazard closes and proportional closes multiply it, as in
:mod:`liqlib.estimate.kernels`). A bin's USD has two parts:

- **density** (``dd``): USD spread uniformly over the *whole* bin, stored as a difference
  array of USD per USD of price. A deposit over ``[a, b]`` writes two entries however many
  bins it spans; the density of a bin is the running sum of ``dd`` taken from the side the
  price sweeps from (longs from the top bin down, shorts from the bottom bin up), so a sweep
  reads it while it walks and the map is materialised only at snapshot columns. ``dn``
  counts the deposits the same way (+1 / -1 at the same two entries): a bin whose running
  count is 0 has no density, exactly, whatever rounding residue the running sum of ``dd``
  leaves there (a residue kept as density would widen the bin's extent when a sweep cuts
  it; that was the rare mismatch with the reference of issue 14). A density a cut would
  keep below 1e-10 of the book's USD (or 1e-9 of the bin's kept explicit part) is under
  the sums' resolution and is liquidated with the rest (the reference does the same);
- **explicit** (``raw`` over the extent ``[xlo, xhi]``): the pieces of deposits that cover a
  bin in part (their two end bins, or one bin) and what a sweep leaves of a bin, taken as
  uniform over that extent.

A long is liquidated when the candle's low reaches its LP (``LP >= low``), a short when the
high does (``LP <= high``), at the exact price: bins wholly past the extreme are removed,
and the bin holding it is cut at the extreme (its density exactly, its explicit part as
uniform over its extent). A level that shares a bin with the price but lies beyond it stays.
``front`` bounds each book on the swept side (the highest long LP, the lowest short LP), so a
candle that cannot reach a book costs one comparison.

The pieces are numba functions on arrays: ``_locate`` (bin of a price from its grid
coordinate), ``_deposit`` (any interval, overflow included), ``_sweep``, ``_snapshot``,
``_renorm`` and ``_clear``. The hot loop of :mod:`liqlib.estimate.turnover` inlines the
common deposit (inside the grid) itself. (numba's on-disk cache of that loop does not notice
edits to this file: after changing it, delete the ``*.nbi`` / ``*.nbc`` files under
``liqlib/estimate/__pycache__``.)
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["grid_coordinates", "is_log_grid"]


def is_log_grid(edges: np.ndarray) -> bool:
    """True when ``edges`` (USD/coin) are evenly spaced in log price (then bins are located
    from log prices; otherwise from prices, and a guess is corrected by walking).

    Examples
    --------
    >>> is_log_grid(np.geomspace(1.0, 100.0, 11)), is_log_grid(np.linspace(1.0, 100.0, 11))
    (True, False)
    """
    if edges.size < 2 or np.any(edges <= 0):
        return False
    step = np.diff(np.log(edges))
    return bool(np.ptp(step) <= 1e-9 * abs(float(step.mean())))


def grid_coordinates(edges: np.ndarray, *prices: np.ndarray) -> tuple:
    """``(use_log, c0, inv, coords...)``: how :func:`_locate` finds a price's bin.

    A price ``x`` has coordinate ``log x`` on a log grid, ``x`` otherwise; its bin is
    guessed as ``int((coord - c0) * inv)`` and corrected against ``edges``.
    """
    use_log = is_log_grid(edges)
    f = np.log if use_log else np.asarray
    c0 = float(f(edges[0]))
    inv = (edges.size - 1) / (float(f(edges[-1])) - c0)
    return (use_log, c0, inv) + tuple(np.ascontiguousarray(f(p), dtype=float) for p in prices)


@njit(cache=True)
def _locate(edges, x, cx, c0, inv, nb):
    """Bin ``b`` with ``edges[b] <= x < edges[b+1]`` for ``x`` inside the grid (``cx`` its
    coordinate): a guess from the coordinate, then corrected against the edges."""
    g = int((cx - c0) * inv)
    if g > nb - 1:
        g = nb - 1
    if g < 0:
        g = 0
    while g > 0 and edges[g] > x:
        g -= 1
    while g < nb - 1 and edges[g + 1] <= x:
        g += 1
    return g


@njit(cache=True)
def _materialised_total(edges, raw, dd, lo, hi, s, t):
    """USD (unscaled) of side ``s`` tier ``t`` on the grid, summed bin by bin."""
    acc = 0.0
    c = 0.0
    if s == 0:
        for b in range(hi[s, t], lo[s, t] - 1, -1):
            c += dd[s, t, b]
            acc += raw[s, t, b] + (edges[b + 1] - edges[b]) * c
    else:
        for b in range(lo[s, t], hi[s, t] + 1):
            c += dd[s, t, b]
            acc += raw[s, t, b] + (edges[b + 1] - edges[b]) * c
    return acc


@njit(cache=True)
def _clear(raw, dd, dn, xlo, xhi, tot, ovf_lo, ovf_hi, scale, lo, hi, front, s, t, nb):
    """Empty side ``s`` tier ``t``."""
    for b in range(lo[s, t], hi[s, t] + 1):
        raw[s, t, b] = 0.0
        dd[s, t, b] = 0.0
        dn[s, t, b] = 0
        xlo[s, t, b] = np.inf
        xhi[s, t, b] = -np.inf
    tot[s, t] = 0.0
    ovf_lo[s, t] = 0.0
    ovf_hi[s, t] = 0.0
    scale[s, t] = 1.0
    lo[s, t] = nb
    hi[s, t] = -1
    front[s, t] = -np.inf if s == 0 else np.inf


@njit(cache=True)
def _renorm(raw, dd, tot, ovf_lo, ovf_hi, scale, lo, hi, s, t):
    """Fold the lazy scale of side ``s`` tier ``t`` into its arrays (scale back to 1)."""
    sc = scale[s, t]
    for b in range(lo[s, t], hi[s, t] + 1):
        raw[s, t, b] *= sc
        dd[s, t, b] *= sc
    tot[s, t] *= sc
    ovf_lo[s, t] *= sc
    ovf_hi[s, t] *= sc
    scale[s, t] = 1.0


@njit(cache=True)
def _put(raw, xlo, xhi, s, t, b, v, x0, x1):
    """Add ``v`` (unscaled USD) lying uniformly on ``[x0, x1]`` to bin ``b``'s explicit part."""
    raw[s, t, b] += v
    if x0 < xlo[s, t, b]:
        xlo[s, t, b] = x0
    if x1 > xhi[s, t, b]:
        xhi[s, t, b] = x1


@njit(cache=True)
def _deposit(
    edges, raw, dd, dn, xlo, xhi, tot, ovf_lo, ovf_hi, lo, hi, front, s, t, v, a, b, ca, cb, c0, inv
):
    """Add ``v`` (unscaled USD) spread uniformly over LPs in ``[a, b]`` (a point when
    ``b <= a``; ``ca``, ``cb`` their grid coordinates), the parts off the grid to the
    overflows. O(1) in the bins spanned."""
    nb = edges.size - 1
    e0 = edges[0]
    en = edges[nb]
    if s == 0:
        if b > front[0, t]:
            front[0, t] = b
    elif a < front[1, t]:
        front[1, t] = a
    if b <= a:
        if a < e0:
            ovf_lo[s, t] += v
        elif a >= en:
            ovf_hi[s, t] += v
        else:
            i = _locate(edges, a, ca, c0, inv, nb)
            _put(raw, xlo, xhi, s, t, i, v, a, a)
            tot[s, t] += v
            lo[s, t] = min(lo[s, t], i)
            hi[s, t] = max(hi[s, t], i)
        return
    rho = v / (b - a)
    if a < e0:
        ovf_lo[s, t] += (min(b, e0) - a) * rho
    if b > en:
        ovf_hi[s, t] += (b - max(a, en)) * rho
    x0 = max(a, e0)
    x1 = min(b, en)
    if x1 <= x0:
        return
    ia = _locate(edges, x0, ca if a >= e0 else c0, c0, inv, nb)
    ib = _locate(edges, x1, cb if b <= en else c0 + nb / inv, c0, inv, nb)
    if ib > ia and x1 == edges[ib]:  # ends on a lower edge: nothing in bin ib
        ib -= 1
    tot[s, t] += (x1 - x0) * rho
    if ia == ib:
        _put(raw, xlo, xhi, s, t, ia, (x1 - x0) * rho, x0, x1)
    else:
        _put(raw, xlo, xhi, s, t, ia, (edges[ia + 1] - x0) * rho, x0, edges[ia + 1])
        _put(raw, xlo, xhi, s, t, ib, (x1 - edges[ib]) * rho, edges[ib], x1)
        if ib - ia >= 2:
            if s == 0:  # longs: the density accumulates from the top bin down
                dd[0, t, ib - 1] += rho
                dd[0, t, ia] -= rho
                dn[0, t, ib - 1] += 1
                dn[0, t, ia] -= 1
            else:  # shorts: from the bottom bin up
                dd[1, t, ia + 1] += rho
                dd[1, t, ib] -= rho
                dn[1, t, ia + 1] += 1
                dn[1, t, ib] -= 1
    lo[s, t] = min(lo[s, t], ia)
    hi[s, t] = max(hi[s, t], ib)


@njit(cache=True)
def _sweep(edges, raw, dd, dn, xlo, xhi, tot, ovf_lo, ovf_hi, scale, lo, hi, front, s, t, p, ip):
    """Liquidate every level of side ``s`` tier ``t`` that the extreme ``p`` (bin ``ip``)
    reached: longs with LP >= p, shorts with LP <= p. Returns the USD removed (scaled)."""
    nb = edges.size - 1
    if s == 0:
        removed = ovf_hi[0, t]
        ovf_hi[0, t] = 0.0
    else:
        removed = ovf_lo[1, t]
        ovf_lo[1, t] = 0.0
    if hi[s, t] < lo[s, t]:
        front[s, t] = -np.inf if s == 0 else np.inf
        return removed * scale[s, t]
    grid_removed = 0.0
    book = tot[s, t]  # the grid's USD before the sweep (unscaled): the scale of a residue
    c = 0.0  # the density carried by the walk (running sum of dd)
    k = 0  # how many deposits that density sums (running sum of dn): 0 means none, exactly
    step = -1 if s == 0 else 1
    b = hi[s, t] if s == 0 else lo[s, t]
    while (b > ip and b >= lo[s, t]) if s == 0 else (b < ip and b <= hi[s, t]):
        c += dd[s, t, b]  # a bin wholly past p
        dd[s, t, b] = 0.0
        k += dn[s, t, b]
        dn[s, t, b] = 0
        if k == 0:  # no deposit spans the bin: what the sum holds is rounding
            c = 0.0
        v = raw[s, t, b] + (edges[b + 1] - edges[b]) * c
        grid_removed += v if v > 0.0 else 0.0  # (a density sum may end a hair below 0)
        raw[s, t, b] = 0.0
        xlo[s, t, b] = np.inf
        xhi[s, t, b] = -np.inf
        b += step
    if b == ip and lo[s, t] <= b <= hi[s, t]:  # the bin holding p: cut at p
        c += dd[s, t, b]
        dd[s, t, b] = 0.0
        k += dn[s, t, b]
        dn[s, t, b] = 0
        if k == 0:  # (a rounding residue of the sums would otherwise be kept as density)
            c = 0.0
        e_lo = edges[b]
        e_hi = edges[b + 1]
        full = max((e_hi - e_lo) * c, 0.0)
        r = raw[s, t, b]
        x0 = xlo[s, t, b]
        x1 = xhi[s, t, b]
        kr = 0.0
        if s == 0:
            keep = min(full, full * (p - e_lo) / (e_hi - e_lo)) if full > 0.0 else 0.0
            if r > 0.0:
                if x1 < p:
                    kr = r
                elif x0 < p:
                    kr = min(r, r * (p - x0) / (x1 - x0))
                    x1 = p
            floor = max(1e-9 * kr, 1e-10 * book)
            if keep > floor:  # (not a rounding residue of the density sums)
                x0 = min(x0, e_lo)
                x1 = p
        else:
            keep = min(full, full * (e_hi - p) / (e_hi - e_lo)) if full > 0.0 else 0.0
            if r > 0.0:
                if x0 > p:
                    kr = r
                elif x1 > p:
                    kr = min(r, r * (x1 - p) / (x1 - x0))
                    x0 = p
            floor = max(1e-9 * kr, 1e-10 * book)
            if keep > floor:
                x0 = p
                x1 = max(x1, e_hi)
        if keep <= floor:  # a residue: liquidated with the rest, not kept
            keep = 0.0
        grid_removed += (full - keep) + (r - kr)
        if kr + keep > 0.0:
            raw[s, t, b] = kr + keep
            xlo[s, t, b] = x0
            xhi[s, t, b] = x1
            b += step
            if lo[s, t] <= b <= hi[s, t]:
                dd[s, t, b] += c  # the bins beyond keep their density
                dn[s, t, b] += k
            b -= step
        else:
            raw[s, t, b] = 0.0
            xlo[s, t, b] = np.inf
            xhi[s, t, b] = -np.inf
            b += step
            if lo[s, t] <= b <= hi[s, t]:
                dd[s, t, b] += c
                dn[s, t, b] += k
    elif lo[s, t] <= b <= hi[s, t]:  # p lies past the book's last bin: nothing to cut
        dd[s, t, b] += c
        dn[s, t, b] += k
    if s == 0:
        hi[0, t] = b
    else:
        lo[1, t] = b
    if hi[s, t] < lo[s, t]:
        tot[s, t] = 0.0
        lo[s, t] = nb
        hi[s, t] = -1
        front[s, t] = -np.inf if s == 0 else np.inf
    else:
        front[s, t] = np.nextafter(p, -np.inf) if s == 0 else np.nextafter(p, np.inf)
        if grid_removed > 0.0:
            before = tot[s, t]
            tot[s, t] = before - grid_removed
            if tot[s, t] < 1e-6 * before:  # most of it gone: recount rather than cancel
                tot[s, t] = _materialised_total(edges, raw, dd, lo, hi, s, t)
    return (removed + grid_removed) * scale[s, t]


@njit(cache=True)
def _snapshot_book(
    edges, raw, dd, ovf_lo, ovf_hi, scale, lo, hi, s, t, j, tr, td, overflow, out_tier, per_tier
):
    """Add side ``s`` tier ``t`` to output column ``j``: its scaled explicit USD to ``tr``
    and its scaled difference array to ``td`` (rows of B; :func:`_materialise` turns their
    sums over the tiers into USD per bin), its overflow to ``overflow[s, j]``, and with
    ``per_tier`` its own USD per bin to ``out_tier[s, j, t]`` (one running sum).

    Returns the book's bin range ``(lo, hi)`` (``hi < lo`` when it is empty).
    """
    sc = scale[s, t]
    l0 = lo[s, t]
    h0 = hi[s, t]
    overflow[s, j] += (ovf_lo[s, t] + ovf_hi[s, t]) * sc
    if h0 < l0:
        return l0, h0
    rr = raw[s, t]
    qq = dd[s, t]
    for b in range(l0, h0 + 1):
        tr[b] += rr[b] * sc
        td[b] += qq[b] * sc
    if per_tier:
        c = 0.0
        for k in range(h0 - l0 + 1):
            b = h0 - k if s == 0 else l0 + k
            c += qq[b]
            out_tier[s, j, t, b] = (rr[b] + (edges[b + 1] - edges[b]) * c) * sc
    return l0, h0


@njit(cache=True)
def _materialise(edges, tr, td, out, s, blo, bhi):
    """USD per bin of one side's column: ``out[b] = tr[b] + width_b * running sum of td``
    over ``[blo, bhi]`` (from the top for longs, the bottom for shorts), clipped at 0. ``tr``
    may be ``out`` itself (the explicit parts were summed into it); ``td`` is zeroed."""
    c = 0.0
    for k in range(bhi - blo + 1):
        b = bhi - k if s == 0 else blo + k
        c += td[b]
        v = tr[b] + (edges[b + 1] - edges[b]) * c
        out[b] = v if v > 0.0 else 0.0
        td[b] = 0.0
