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

The pieces are numba functions on **one book**: its arrays (``raw``, ``dd``, ``dn``, ``xlo``,
``xhi``: 1-D over the bins) and its state, the scalars ``(tot, ovf_lo, ovf_hi, scale, lo, hi,
front)`` that each function takes and returns (the candle loop keeps them in local
variables): ``_locate`` (bin of a price from its grid coordinate), ``_deposit`` (any
interval, overflow included), ``_sweep_book``, ``_renorm`` and ``_clear``; ``_sweep`` is
``_sweep_book`` on the (side, tier) arrays of all books. A snapshot adds each book to its
column (``_snapshot_book``: explicit USD and difference array, scaled) and turns the sums
over the tiers into USD per bin once (``_materialise``). The hot loop of
:mod:`liqlib.estimate.turnover` inlines the common deposits itself. (numba's on-disk cache of
that loop does not notice edits to this file: after changing it, delete the ``*.nbi`` /
``*.nbc`` files under ``liqlib/estimate/__pycache__``.)
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
def _materialised_total(edges, raw, dd, lo, hi, s):
    """USD (unscaled) of one book (side ``s``) on the grid, summed bin by bin."""
    acc = 0.0
    c = 0.0
    if s == 0:
        for b in range(hi, lo - 1, -1):
            c += dd[b]
            acc += raw[b] + (edges[b + 1] - edges[b]) * c
    else:
        for b in range(lo, hi + 1):
            c += dd[b]
            acc += raw[b] + (edges[b + 1] - edges[b]) * c
    return acc


@njit(cache=True)
def _empty(s, nb):
    """The state of an empty book of side ``s`` on ``nb`` bins."""
    return 0.0, 0.0, 0.0, 1.0, nb, -1, (-np.inf if s == 0 else np.inf)


@njit(cache=True)
def _clear(raw, dd, dn, xlo, xhi, s, lo, hi, nb):
    """Empty one book: its arrays, and the state it returns (:func:`_empty`)."""
    for b in range(lo, hi + 1):
        raw[b] = 0.0
        dd[b] = 0.0
        dn[b] = 0
        xlo[b] = np.inf
        xhi[b] = -np.inf
    return _empty(s, nb)


@njit(cache=True)
def _renorm(raw, dd, tot, ovf_lo, ovf_hi, scale, lo, hi, front):
    """Fold one book's lazy ``scale`` into its arrays; returns the state (scale back to 1)."""
    sc = scale
    for b in range(lo, hi + 1):
        raw[b] *= sc
        dd[b] *= sc
    return tot * sc, ovf_lo * sc, ovf_hi * sc, 1.0, lo, hi, front


@njit(cache=True)
def _put(raw, xlo, xhi, b, v, x0, x1):
    """Add ``v`` (unscaled USD) lying uniformly on ``[x0, x1]`` to bin ``b``'s explicit part."""
    raw[b] += v
    if x0 < xlo[b]:
        xlo[b] = x0
    if x1 > xhi[b]:
        xhi[b] = x1


@njit(cache=True, inline="always")
def _deposit(
    edges, raw, dd, dn, xlo, xhi, s, v, a, b, ca, cb, c0, inv,
    tot, ovf_lo, ovf_hi, scale, lo, hi, front,
):  # fmt: skip
    """Add ``v`` (unscaled USD) spread uniformly over LPs in ``[a, b]`` (a point when
    ``b <= a``; ``ca``, ``cb`` their grid coordinates) to one book of side ``s``, the parts
    off the grid to the overflows. O(1) in the bins spanned. Returns the book's state."""
    nb = edges.size - 1
    e0 = edges[0]
    en = edges[nb]
    if s == 0:
        if b > front:
            front = b
    elif a < front:
        front = a
    if b <= a:  # (one return at the end: numba then drops its reference counting)
        if a < e0:
            ovf_lo += v
        elif a >= en:
            ovf_hi += v
        else:
            i = _locate(edges, a, ca, c0, inv, nb)
            _put(raw, xlo, xhi, i, v, a, a)
            tot += v
            lo = min(lo, i)
            hi = max(hi, i)
    else:
        rho = v / (b - a)
        if a < e0:
            ovf_lo += (min(b, e0) - a) * rho
        if b > en:
            ovf_hi += (b - max(a, en)) * rho
        x0 = max(a, e0)
        x1 = min(b, en)
        if x1 > x0:
            ia = _locate(edges, x0, ca if a >= e0 else c0, c0, inv, nb)
            ib = _locate(edges, x1, cb if b <= en else c0 + nb / inv, c0, inv, nb)
            if ib > ia and x1 == edges[ib]:  # ends on a lower edge: nothing in bin ib
                ib -= 1
            tot += (x1 - x0) * rho
            if ia == ib:
                _put(raw, xlo, xhi, ia, (x1 - x0) * rho, x0, x1)
            else:
                _put(raw, xlo, xhi, ia, (edges[ia + 1] - x0) * rho, x0, edges[ia + 1])
                _put(raw, xlo, xhi, ib, (x1 - edges[ib]) * rho, edges[ib], x1)
                if ib - ia >= 2:
                    if s == 0:  # longs: the density accumulates from the top bin down
                        dd[ib - 1] += rho
                        dd[ia] -= rho
                        dn[ib - 1] += 1
                        dn[ia] -= 1
                    else:  # shorts: from the bottom bin up
                        dd[ia + 1] += rho
                        dd[ib] -= rho
                        dn[ia + 1] += 1
                        dn[ib] -= 1
            lo = min(lo, ia)
            hi = max(hi, ib)
    return tot, ovf_lo, ovf_hi, scale, lo, hi, front


@njit(cache=True, inline="always")
def _sweep_book(
    edges, raw, dd, dn, xlo, xhi, s, p, ip, tot, ovf_lo, ovf_hi, scale, lo, hi, front
):  # fmt: skip
    """Liquidate every level of one book (side ``s``) that the extreme ``p`` (bin ``ip``)
    reached: longs with LP >= p, shorts with LP <= p. Returns the USD removed (scaled) and
    the book's state."""
    nb = edges.size - 1
    if s == 0:
        removed = ovf_hi
        ovf_hi = 0.0
    else:
        removed = ovf_lo
        ovf_lo = 0.0
    if hi < lo:
        front = -np.inf if s == 0 else np.inf
        return removed * scale, tot, ovf_lo, ovf_hi, scale, lo, hi, front
    grid_removed = 0.0
    book = tot  # the grid's USD before the sweep (unscaled): the scale of a residue
    c = 0.0  # the density carried by the walk (running sum of dd)
    k = 0  # how many deposits that density sums (running sum of dn): 0 means none, exactly
    step = -1 if s == 0 else 1
    b = hi if s == 0 else lo
    while (b > ip and b >= lo) if s == 0 else (b < ip and b <= hi):
        c += dd[b]  # a bin wholly past p
        dd[b] = 0.0
        k += dn[b]
        dn[b] = 0
        if k == 0:  # no deposit spans the bin: what the sum holds is rounding
            c = 0.0
        v = raw[b] + (edges[b + 1] - edges[b]) * c
        grid_removed += v if v > 0.0 else 0.0  # (a density sum may end a hair below 0)
        raw[b] = 0.0
        xlo[b] = np.inf
        xhi[b] = -np.inf
        b += step
    if b == ip and lo <= b <= hi:  # the bin holding p: cut at p
        c += dd[b]
        dd[b] = 0.0
        k += dn[b]
        dn[b] = 0
        if k == 0:  # (a rounding residue of the sums would otherwise be kept as density)
            c = 0.0
        e_lo = edges[b]
        e_hi = edges[b + 1]
        full = max((e_hi - e_lo) * c, 0.0)
        r = raw[b]
        x0 = xlo[b]
        x1 = xhi[b]
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
            raw[b] = kr + keep
            xlo[b] = x0
            xhi[b] = x1
            b += step
            if lo <= b <= hi:
                dd[b] += c  # the bins beyond keep their density
                dn[b] += k
            b -= step
        else:
            raw[b] = 0.0
            xlo[b] = np.inf
            xhi[b] = -np.inf
            b += step
            if lo <= b <= hi:
                dd[b] += c
                dn[b] += k
    elif lo <= b <= hi:  # p lies past the book's last bin: nothing to cut
        dd[b] += c
        dn[b] += k
    if s == 0:
        hi = b
    else:
        lo = b
    if hi < lo:
        tot = 0.0
        lo = nb
        hi = -1
        front = -np.inf if s == 0 else np.inf
    else:
        front = np.nextafter(p, -np.inf) if s == 0 else np.nextafter(p, np.inf)
        if grid_removed > 0.0:
            before = tot
            tot = before - grid_removed
            if tot < 1e-6 * before:  # most of it gone: recount rather than cancel
                tot = _materialised_total(edges, raw, dd, lo, hi, s)
    return (removed + grid_removed) * scale, tot, ovf_lo, ovf_hi, scale, lo, hi, front


@njit(cache=True)
def _sweep(edges, raw, dd, dn, xlo, xhi, tot, ovf_lo, ovf_hi, scale, lo, hi, front, s, t, p, ip):
    """:func:`_sweep_book` on book ``(s, t)`` of the arrays of all books (``raw`` ... (2, T, B),
    the state (2, T)), updated in place. Returns the USD removed (scaled)."""
    removed, tt, ol, oh, sc, l0, h0, fr = _sweep_book(
        edges, raw[s, t], dd[s, t], dn[s, t], xlo[s, t], xhi[s, t], s, p, ip,
        tot[s, t], ovf_lo[s, t], ovf_hi[s, t], scale[s, t], lo[s, t], hi[s, t], front[s, t],
    )  # fmt: skip
    tot[s, t] = tt
    ovf_lo[s, t] = ol
    ovf_hi[s, t] = oh
    scale[s, t] = sc
    lo[s, t] = l0
    hi[s, t] = h0
    front[s, t] = fr
    return removed


@njit(cache=True, inline="always")
def _snapshot_book(edges, raw, dd, ovf_lo, ovf_hi, scale, lo, hi, s, tr, td, out_tier, per_tier):
    """Add one book (side ``s``) to an output column: its scaled explicit USD to ``tr`` and
    its scaled difference array to ``td`` (rows of B; :func:`_materialise` turns their sums
    over the tiers into USD per bin), and with ``per_tier`` its own USD per bin added to the
    row ``out_tier`` (one running sum; tiers may share a row). Returns its overflow (USD,
    scaled)."""
    sc = scale
    if hi >= lo:
        # (views from 0: the indices are then known to be >= 0, and the loop vectorises)
        r0, d0, tr0, td0 = raw[lo : hi + 1], dd[lo : hi + 1], tr[lo : hi + 1], td[lo : hi + 1]
        for k in range(r0.size):
            tr0[k] += r0[k] * sc
            td0[k] += d0[k] * sc
        if per_tier:
            c = 0.0
            for k in range(hi - lo + 1):
                b = hi - k if s == 0 else lo + k
                c += dd[b]
                out_tier[b] += (raw[b] + (edges[b + 1] - edges[b]) * c) * sc
    return (ovf_lo + ovf_hi) * sc


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
