"""Checks of what a figure shows, and image comparison against committed baseline PNGs.

Content checks (no pixels): which axis holds price, whether the view limits hold what the
title promises, whether every text and data artist lies inside its axes.

Image comparison: :func:`assert_matches_baseline` renders a figure with deterministic settings
(Agg, DejaVu Sans, no hinting, fixed dpi) and compares it with ``baseline/<name>.png`` by
matplotlib's own RMS pixel difference (:func:`matplotlib.testing.compare.compare_images`, the
tool matplotlib's test suite uses). ``LIQLIB_UPDATE_BASELINES=1`` rewrites the baselines
(review the PNGs before committing them).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.transforms import Bbox

BASELINE = Path(__file__).parent / "baseline"
DPI = 50
#: RMS difference (0-255 grey levels) allowed between a rendering and its baseline. The same
#: matplotlib wheel renders byte-identical PNGs; the tolerance absorbs anti-aliasing changes
#: between matplotlib releases. A wrong figure (the shaded block of a zone drawn on the USD
#: axis) is tens of levels away.
TOLERANCE = 6.0


@contextmanager
def deterministic_style():
    """rcParams that render the same pixels on every machine (matplotlib's test settings)."""
    from matplotlib.testing import set_font_settings_for_testing, set_reproducibility_for_testing

    with mpl.rc_context():
        mpl.rcdefaults()
        set_font_settings_for_testing()  # DejaVu Sans (bundled), no hinting
        set_reproducibility_for_testing()
        yield


def assert_matches_baseline(
    make_figure, name: str, tmp_path: Path, tol: float = TOLERANCE, *, may_update: bool = True
):
    """Render ``make_figure()`` and compare it with ``baseline/{name}.png``.

    ``make_figure`` is called inside :func:`deterministic_style` so the figure is built with
    the deterministic rcParams. ``may_update=False`` never rewrites the baseline (for tests
    that check a wrong figure is caught).
    """
    from matplotlib.testing.compare import compare_images

    with deterministic_style():
        fig = make_figure()
        actual = tmp_path / f"{name}.png"
        fig.savefig(actual, dpi=DPI, metadata={"Software": None})
    expected = BASELINE / f"{name}.png"
    if may_update and os.environ.get("LIQLIB_UPDATE_BASELINES") == "1":
        BASELINE.mkdir(exist_ok=True)
        expected.write_bytes(actual.read_bytes())
        return
    assert expected.is_file(), (
        f"no baseline {expected.name}: run with LIQLIB_UPDATE_BASELINES=1, check the PNG, commit it"
    )
    err = compare_images(str(expected), str(actual), tol=tol, in_decorator=True)
    assert err is None, (
        f"{name}: RMS {err['rms']:.2f} > {tol} against the baseline; "
        f"see {err.get('diff')} and {actual}"
    )


def rendered(fig):
    """Draw the figure (layout done) and return its renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def texts_outside(ax, slack_px: float = 2.0) -> list[str]:
    """Texts and annotations of ``ax`` whose box leaves the axes box (after drawing)."""
    renderer = rendered(ax.figure)
    box = ax.get_window_extent(renderer)
    grown = Bbox.from_extents(
        box.x0 - slack_px, box.y0 - slack_px, box.x1 + slack_px, box.y1 + slack_px
    )
    out = []
    for t in ax.texts:
        if not t.get_visible() or not t.get_text():
            continue
        ext = t.get_window_extent(renderer)
        if not (grown.contains(ext.x0, ext.y0) and grown.contains(ext.x1, ext.y1)):
            out.append(t.get_text())
    return out


def data_extent(artist) -> tuple[float, float, float, float] | None:
    """(xmin, xmax, ymin, ymax) of an artist in data coordinates; None when it has none (spans
    drawn in axes coordinates on one axis are reported on the data axis only, NaN on the
    other)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, StepPatch

    ax = artist.axes
    if isinstance(artist, Line2D):
        x, y = np.asarray(artist.get_xdata(), float), np.asarray(artist.get_ydata(), float)
        x, y = x[np.isfinite(x)], y[np.isfinite(y)]
        if not x.size or not y.size:
            return None
        return _blended(artist, ax, x.min(), x.max(), y.min(), y.max())
    if isinstance(artist, StepPatch):
        values, edges, base = artist.get_data()
        base = np.zeros_like(values) if base is None else np.broadcast_to(base, values.shape)
        occupied = np.flatnonzero(values != base)  # empty bins draw nothing
        if not occupied.size:
            return None
        lo_edge, hi_edge = edges[occupied[0]], edges[occupied[-1] + 1]
        top, low = float(np.nanmax(values)), float(min(np.nanmin(base), np.nanmin(values)))
        if artist.orientation == "vertical":
            return float(lo_edge), float(hi_edge), low, top
        return low, top, float(lo_edge), float(hi_edge)
    if isinstance(artist, Patch):
        verts = artist.get_path().vertices
        pts = (
            artist.get_patch_transform().transform(verts)
            if hasattr(artist, "get_patch_transform")
            else verts
        )
        return _blended(artist, ax, pts[:, 0].min(), pts[:, 0].max(), pts[:, 1].min(),
                        pts[:, 1].max())  # fmt: skip
    return None


def _blended(artist, ax, x0, x1, y0, y1):
    """NaN out the coordinate an artist draws in axes fraction (axvspan's y, axhline's x)."""
    tr = artist.get_transform()
    x_data = tr.contains_branch_seperately(ax.transData)[0]
    y_data = tr.contains_branch_seperately(ax.transData)[1]
    return (
        float(x0) if x_data else np.nan,
        float(x1) if x_data else np.nan,
        float(y0) if y_data else np.nan,
        float(y1) if y_data else np.nan,
    )


def artists_outside(ax, rel: float = 1e-9, skip: tuple[str, ...] = ()) -> list[str]:
    """Data artists (lines, patches) of ``ax`` not drawn wholly inside its view limits
    (artists whose class name is in ``skip`` are not checked: e.g. a map's bars, which a
    zoomed view clips on purpose)."""
    xlo, xhi = sorted(ax.get_xlim())
    ylo, yhi = sorted(ax.get_ylim())
    sx, sy = rel * max(1.0, abs(xhi)), rel * max(1.0, abs(yhi))
    bad = []
    for a in [*ax.lines, *ax.patches]:
        if not a.get_visible() or type(a).__name__ in skip:
            continue
        ext = data_extent(a)
        if ext is None:
            continue
        x0, x1, y0, y1 = ext
        inside = (np.isnan(x0) or (x0 >= xlo - sx and x1 <= xhi + sx)) and (
            np.isnan(y0) or (y0 >= ylo - sy and y1 <= yhi + sy)
        )
        if not inside:
            bad.append(
                f"{type(a).__name__} {a.get_label()!r} {ext} not in x {xlo, xhi} y {ylo, yhi}"
            )
    return bad


def visible_bar_top(ax) -> float:
    """Highest stacked bar (StepPatch) of ``ax`` over the bins inside the x view."""
    xlo, xhi = sorted(ax.get_xlim())
    top = 0.0
    for p in ax.patches:
        if type(p).__name__ != "StepPatch":
            continue
        values, edges, _ = p.get_data()
        centers = 0.5 * (edges[1:] + edges[:-1])
        seen = (centers >= xlo) & (centers <= xhi)
        top = max(top, float(np.max(values[seen], initial=0.0)))
    return top


def price_axis(ax) -> str:
    """``"x"`` or ``"y"``: the axis whose label names a price (``... price (USD)``)."""
    import re

    xs, ys = (" ".join(lab.lower().split()) for lab in (ax.get_xlabel(), ax.get_ylabel()))
    found = [n for n, lab in (("x", xs), ("y", ys)) if re.search(r"price \(usd\)", lab)]
    assert len(found) == 1, f"expected one price axis, labels x={xs!r} y={ys!r}"
    return found[0]


def limits(ax, axis: str) -> tuple[float, float]:
    lo, hi = ax.get_xlim() if axis == "x" else ax.get_ylim()
    return min(lo, hi), max(lo, hi)
