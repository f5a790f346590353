"""The interactive liquidation-heatmap explorer: ipywidgets controls around one plotly figure.

``lq.make_heatmap_explorer(market)`` returns a :class:`HeatmapExplorer` (an ipywidgets
``VBox``). Its figure is one plotly ``FigureWidget`` built once and updated in place: hover
shows a readout at the cursor (time, price, USD in the cell, distance from the price then),
zoom and pan run in the browser without a kernel round trip, and every control change sends
only what changed (a colour scale is a few hundred bytes; a new estimate one float32 array).

Why plotly and not matplotlib/ipympl: measured on this project's machines (see the explorer
notes in ``../shared/NOTEBOOKS.md``), a plotly heatmap restyle of a 500 x 600 grid on a
uniform price grid takes ~73 ms in Chromium and gives hover at the cursor; ipympl takes
115-180 ms per redraw with the readout in a footer. ``interact`` and ``Output`` widgets can
hang headless and are never used here. The explorer therefore estimates on a **linear**
(uniform) price grid, and sends arrays as base64 typed-array specs (plotly's own JSON
encoding), which costs ~1 ms in Python instead of ~60 ms for nested lists.

The explorer shows the result in a browser with a kernel only; a notebook should draw a static
figure (:func:`liqlib.plot_heatmap`) above it, and may show :meth:`HeatmapExplorer.snapshot`
below it: the same figure as self-contained HTML (plotly.js gzipped inside, hover and zoom with
no kernel and no network), which is what an HTML report keeps of the explorer.

Examples
--------
>>> import liqlib as lq
>>> ex = lq.make_heatmap_explorer(lq.make_synthetic_market(2_000), n_bins=100)
>>> ex.controls["timeframe"].value
'24h'
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import secrets
import time
from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import ipywidgets as W
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from liqlib.data import columns as C
from liqlib.errors import InputError, LiqlibError
from liqlib.estimate.config import EngineParams, LeverageMix
from liqlib.estimate.registry import DEFAULT_MODEL, MODELS, resolve_params
from liqlib.estimate.window import WindowRun, prepare_venue_windows, run_window, sum_venues
from liqlib.viz.plot import (
    HEAT_CMAPS,
    LONG_COLOR,
    SHORT_COLOR,
    _duration,
    _source_label,
    heat_cmap,
    synthetic_label,
    tier_colors,
    venue_colors,
)
from liqlib.viz.realized import SIDE_COLORS, check_realized
from liqlib.viz.units import usd_tick

__all__ = [
    "SCALES",
    "SIDES",
    "TIMEFRAMES",
    "HeatmapExplorer",
    "Snapshot",
    "make_heatmap_explorer",
]

#: Timeframe presets (the names Coinglass users know), each ending at the end-time slider.
TIMEFRAMES: dict[str, pd.Timedelta] = {
    name: pd.Timedelta(name.replace("d", "D")) for name in ("12h", "24h", "3d", "7d", "30d", "90d")
}
SIDES = ("both", "long", "short")
#: Colour scales: linear to the visible maximum, log over 3 decades below it, or linear
#: clipped at the 99th percentile of the visible non-zero cells (one hot cell does not wash
#: out the rest).
SCALES = ("percentile", "linear", "log")
LOG_DECADES = 3.0
PERCENTILE = 99.0
BACKGROUND = "#0d0016"  # hidden (below-threshold) cells and the plot background
PRICE_LINE = "#ff4d6d"
MAX_BARS = 200  # predicted-liquidation bars under the heat, per window
MAP_BARS = 125  # liquidation-map bars per tier at most (every SVG bar costs browser redraw time)
FIGURE_CSS = ".liqlib-figure { width: 100%; min-width: 0; max-width: 1400px; }"
MAX_LINE_POINTS = 2_000  # price-line points per window (a min/max envelope beyond that)
MAX_DOTS = 2_000  # realized-liquidation dots per window at most (the largest by USD)
DOT_MAX_PX = 22.0  # diameter (px) of the largest realized dot; area grows with USD
MAP_STACKS = ("leverage", "venue")  # what the explorer's liquidation map is stacked by


def _f8(a) -> np.ndarray:
    """A 1-D float64 array: plotly's widget sends those as binary buffers (no JSON lists)."""
    return np.ascontiguousarray(a, dtype=np.float64)


def _rows(a: np.ndarray) -> list[np.ndarray]:
    """A 2-D array as a list of contiguous float32 rows.

    plotly's FigureWidget serialises 1-D numeric arrays as binary buffers but turns 2-D arrays
    into nested Python lists (~60 ms for 500 x 600); a list of rows goes as 500 buffers (~1 ms)
    and plotly.js draws a list of typed-array rows as a 2-D z. (Base64 typed-array specs are
    not used: the widget's front end echoes their decoded arrays back to the kernel as JSON,
    hundreds of MB for this size, and the browser tab crashes.)
    """
    arr = np.ascontiguousarray(a, dtype=np.float32)
    return list(arr)


def _envelope(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most ~MAX_LINE_POINTS points of a line: the min and max of each bucket, in order."""
    if x.size <= MAX_LINE_POINTS:
        return _f8(x), _f8(y)
    k = math.ceil(x.size / (MAX_LINE_POINTS // 2))
    n = x.size // k * k
    xs, ys = x[x.size - n :].reshape(-1, k), y[y.size - n :].reshape(-1, k)
    lo, hi = np.nanargmin(ys, axis=1), np.nanargmax(ys, axis=1)
    first, second = np.minimum(lo, hi), np.maximum(lo, hi)
    rows = np.arange(xs.shape[0])
    xo = np.column_stack([xs[rows, first], xs[rows, second]]).ravel()
    yo = np.column_stack([ys[rows, first], ys[rows, second]]).ravel()
    return _f8(xo), _f8(yo)


def _epoch_ms(times: pd.DatetimeIndex) -> np.ndarray:
    """Milliseconds since the epoch (what a plotly date axis reads), whatever the index unit."""
    return (times.as_unit("ns").asi8 // 1_000_000).astype(np.float64)


_usd_text = usd_tick


def _nice_ticks(vmax: float, n: int = 5) -> np.ndarray:
    """Round USD ticks from 0 to at most ``vmax`` (steps 1, 2, 2.5 or 5 x 10^k)."""
    from matplotlib.ticker import MaxNLocator

    if not vmax > 0:
        return np.array([0.0])
    ticks = MaxNLocator(nbins=n, steps=[1, 2, 2.5, 5, 10]).tick_values(0.0, vmax)
    return ticks[(ticks >= 0) & (ticks <= vmax * (1 + 1e-9))]


def colorscale(cmap: str, scale: str, zmax: float, threshold_usd: float, n: int = 48) -> list[list]:
    """Plotly colour scale for z in ``[0, zmax]`` (USD) under ``scale``, hiding cells below
    ``threshold_usd`` (they take the background colour).

    The z values sent to the browser stay USD (so the hover readout is exact); the scale is
    expressed in where the colour stops sit.
    """
    cm = heat_cmap(cmap)
    zmax = max(float(zmax), 1e-12)
    if scale == "log":
        zlo = zmax * 10.0**-LOG_DECADES
        z = np.geomspace(zlo, zmax, n)
        colour_pos = np.log(z / zlo) / np.log(zmax / zlo)
        pos = np.concatenate([[0.0], z / zmax])
        colour_pos = np.concatenate([[0.0], colour_pos])
    else:
        pos = np.linspace(0.0, 1.0, n)
        colour_pos = pos
    cut = min(max(float(threshold_usd) / zmax, 0.0), 0.999)
    stops: list[list] = []
    if cut > 0:
        stops += [[0.0, BACKGROUND], [cut, BACKGROUND]]
        first = float(np.interp(cut, pos, colour_pos))
        stops.append([min(cut + 1e-6, 1.0), _hex(cm(first))])
        keep = pos > cut + 1e-6
    else:
        keep = np.ones(pos.size, dtype=bool)
    stops += [
        [float(p), _hex(cm(float(c)))] for p, c in zip(pos[keep], colour_pos[keep], strict=True)
    ]
    stops[-1][0] = 1.0
    if stops[0][0] != 0.0:
        stops.insert(0, [0.0, stops[0][1]])
    return stops


def _hex(rgba) -> str:
    r, g, b = (int(round(255 * c)) for c in rgba[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


SNAPSHOT_BINS = 250  # price bins of a snapshot at most (merged cells add their USD)
SNAPSHOT_COLUMNS = 300  # time columns of a snapshot at most

_LOADER = """<div class="liqlib-snapshot" id="ID" style="width:100%;max-width:1400px;height:HEIGHTpx">
<p class="liqlib-snapshot-wait" style="font:13px sans-serif;color:#555">Interactive snapshot:
needs JavaScript (any recent browser; no network, no kernel).</p></div>
<script>
(function () {
  const el = document.getElementById("ID");
  async function unzip(b64) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return await new Response(stream).text();
  }
  async function plotly() {
    if (window.Plotly && window.Plotly.newPlot) return window.Plotly;
    if (!window.__liqlibPlotly) {
      window.__liqlibPlotly = unzip("PLOTLYJS").then((src) => {
        const define = window.define;  // an AMD loader on the page would capture plotly.js
        window.define = undefined;
        try { (0, eval)(src); } finally { window.define = define; }
        return window.Plotly;
      });
    }
    return await window.__liqlibPlotly;
  }
  (async function () {
    const P = await plotly();
    const fig = JSON.parse(await unzip("FIGURE"));
    el.innerHTML = "";
    await P.newPlot(el, fig.data, fig.layout, {responsive: true, displaylogo: false});
  })().catch((err) => { el.textContent = "snapshot not drawn: " + err; });
})();
</script>"""


@cache
def _plotly_js_gz_b64() -> str:
    """plotly.js (shipped with the plotly package) gzipped and base64-encoded: ~2 MB instead
    of ~4.8 MB; the page unzips it with the browser's own ``DecompressionStream``."""
    import plotly

    js = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    return base64.b64encode(gzip.compress(js, 6, mtime=0)).decode("ascii")


@dataclass(frozen=True)
class Snapshot:
    """A self-contained interactive copy of the explorer's figure (see
    :meth:`HeatmapExplorer.snapshot`): plotly.js and the figure in one HTML fragment, with
    hover and zoom in any browser, no kernel and no network. The controls are not in it.

    Attributes
    ----------
    figure : dict
        The plotly figure (``data``, ``layout``) as sent to the page.
    html : str
        The HTML fragment (a ``<div>`` and a ``<script>``); what a notebook output shows.
    """

    figure: dict
    html: str

    @property
    def size_bytes(self) -> int:
        """Size of the HTML fragment (bytes, UTF-8)."""
        return len(self.html.encode("utf-8"))

    def _repr_html_(self) -> str:
        return self.html

    def write_html(self, path: str | Path) -> Path:
        """Write the snapshot as a standalone HTML page (UTF-8) and return its path."""
        path = Path(path)
        path.write_text(
            "<!doctype html><html><head><meta charset='utf-8'>"
            "<title>liqlib explorer snapshot</title></head><body>"
            f"{self.html}</body></html>\n",
            encoding="utf-8",
        )
        return path


def _typed(a: np.ndarray) -> dict:
    """A float32 array as plotly.js's typed-array spec (base64 bytes, dtype, shape): a quarter
    of its size as JSON numbers, decoded by plotly.js without parsing text."""
    a = np.ascontiguousarray(a, dtype="<f4")
    return {
        "dtype": "f4",
        "bdata": base64.b64encode(a.tobytes()).decode("ascii"),
        "shape": ", ".join(str(n) for n in a.shape),
    }


def _merge(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Sum blocks of ``k`` along ``axis`` (the last block may be shorter)."""
    if k <= 1:
        return a
    return np.add.reduceat(a, np.arange(0, a.shape[axis], k), axis=axis)


class HeatmapExplorer(W.VBox):
    """Controls, figure and status line of the explorer (see :func:`make_heatmap_explorer`).

    Attributes
    ----------
    figure : plotly.graph_objects.FigureWidget
        The one figure, updated in place. Traces: 0 heat, 1 price line, 2-3 predicted long /
        short liquidations, then one liquidation-map bar trace per tier, then the cumulative
        long and short curves, then one map bar trace per venue, then the realized long and
        short liquidation dots.
    controls : dict of str to ipywidgets.Widget
        ``timeframe``, ``end``, ``price``, ``side``, ``model``, ``threshold``, ``cmap``,
        ``scale``, ``tier_<i>`` (toggle) and ``mix_<i>`` (weight slider) per tier; with
        several venues ``venue_<i>`` (checkbox) per venue and ``map_stack``; with realized
        liquidations ``realized`` (toggle).
    venues : list of str
        The venues' names (empty for a single market frame).
    hm : liqlib.Heatmap
        The current estimate (columns over the window only, per tier), summed over the ticked
        venues (``hm.venues``: each ticked venue's own).
    timings_ms : dict of str to list of float
        Python-side duration of every update, by kind (``estimate``, ``display``,
        ``colour``): read by the benchmark.
    """

    def __init__(
        self,
        market: pd.DataFrame,
        *,
        model: str = DEFAULT_MODEL,
        params: EngineParams | None = None,
        n_bins: int = 500,
        max_columns: int = 600,
        timeframe: str | None = None,
        side: str = "both",
        cmap: str = "coinglass",
        scale: str = "percentile",
        threshold_pct: float = 0.0,
        height_px: int = 640,
        realized: pd.DataFrame | None = None,
    ) -> None:
        if isinstance(market, Mapping):
            if not market or not all(isinstance(m, pd.DataFrame) for m in market.values()):
                raise InputError(
                    "venues must map names to market frames: {'binance': frame, 'bybit': frame}"
                )
            self._markets = {str(k): v for k, v in market.items()}
            self.venues = list(self._markets)
            market = next(iter(self._markets.values()))
        elif isinstance(market, pd.DataFrame):
            self._markets = {"": market}
            self.venues = []
        else:
            raise InputError(
                "the explorer needs a market DataFrame (lq.load_market, lq.load_demo) or a dict "
                f"of them by venue, not {type(market).__name__}"
            )
        self._realized = None if realized is None else check_realized(realized)
        if self._realized is not None:  # the dots' times as the axis reads them, once
            self._realized = self._realized.assign(
                _x=self._realized.index.strftime("%Y-%m-%d %H:%M:%S")
            )
        if model not in MODELS:
            raise InputError(f"model {model!r} is unknown: use one of {sorted(MODELS)}")
        if side not in SIDES:
            raise InputError(f"side {side!r} is unknown: use one of {list(SIDES)}")
        if scale not in SCALES:
            raise InputError(f"scale {scale!r} is unknown: use one of {list(SCALES)}")
        heat_cmap(cmap)  # fails on an unknown name
        if timeframe is not None and timeframe not in TIMEFRAMES:
            raise InputError(f"timeframe {timeframe!r} is unknown: use one of {list(TIMEFRAMES)}")
        if not 0 <= float(threshold_pct) < 100:
            raise InputError(f"threshold_pct {threshold_pct!r} must be in [0, 100): use e.g. 5")
        base = params if params is not None else EngineParams()
        if not isinstance(base, EngineParams):
            raise InputError("params must be an EngineParams: build one with lq.EngineParams(...)")
        # a uniform price grid: plotly draws it ~6x faster than a log grid (x0/dx, y0/dy)
        self._base = replace(
            base, grid="linear", n_bins=int(n_bins), max_columns=int(max_columns), per_tier=True
        )
        self.market = market  # the first venue's: its price line and its label
        self._source = dict(market.attrs)
        if len(self.venues) > 1:
            self._source["venues"] = tuple(self.venues)
        # the bands a user toggles and re-weights: the symbol's discrete tiers; a density's
        # cells ("turnover") are grouped into them (liqlib.estimate.window)
        self._mix: LeverageMix = resolve_params(market, "oi-flow", self._base).resolved_mix()
        self._runs: dict[str, dict[str, WindowRun]] = {}
        self._parts: dict[str, object] = {}  # venue -> its Heatmap of the current window
        self.timings_ms: dict[str, list[float]] = {"estimate": [], "display": [], "colour": []}
        self._busy = False
        run = self._first(model)  # validates the markets once (InputError on bad data)
        self._times = run.times
        self._t_ms = _epoch_ms(self._times)
        n = len(self._times)
        step = self._times[1] - self._times[0] if n > 1 else pd.Timedelta("1min")
        self._step = step
        span = self._times[-1] - self._times[0] + step
        if timeframe is None:
            fitting = [k for k, v in TIMEFRAMES.items() if v <= span]
            timeframe = fitting[-1] if fitting else "12h"
        price_col = next(
            (c for c in (C.MARK_CLOSE, C.CLOSE) if c in market and market[c].notna().any()),
            C.CLOSE,
        )
        self._price_label = "mark price" if price_col == C.MARK_CLOSE else "trade price"
        px = market[price_col].to_numpy(dtype=float)
        self._price = np.where(np.isnan(px), run.inputs.close, px)

        self.controls = self._make_controls(
            model, timeframe, side, cmap, scale, float(threshold_pct), n
        )
        self.figure = self._make_figure(height_px)
        self.status = W.HTML(layout=W.Layout(margin="0 0 0 8px"))
        self.status.add_class("liqlib-status")
        self.figure.add_class("liqlib-figure")
        self.hm = None
        self._z_usd = None
        # the plotly view sizes itself to its element: make that element as wide as the
        # output area (not plotly's 700 px default), so the figure follows JupyterLab's width
        # and a phone-sized Voila window (the view re-fits on window resize)
        css = W.HTML(f"<style>{FIGURE_CSS}</style>", layout=W.Layout(height="0px"))
        super().__init__(
            [css, self._controls_box(), self.figure, self.status],
            layout=W.Layout(width="100%"),
        )
        self._model_shown = None
        self._fit_price_range()
        self._wire()
        self._busy = True  # the first estimate sets the sliders: no observer may re-enter
        try:
            self._estimate()
        finally:
            self._busy = False
        self._sync_figure_state()

    def _sync_figure_state(self) -> None:
        """Make the figure's initial state (what a new view draws) its current state.

        A FigureWidget sends updates as messages to the views that exist; a view created later
        draws ``_widget_data`` / ``_widget_layout``, which plotly refreshes only when the
        FigureWidget itself is displayed, not when a box holding it is.
        """
        fig = self.figure
        fig._widget_layout = deepcopy(fig._layout_obj._props)
        fig._widget_data = deepcopy(fig._data)

    def _repr_mimebundle_(self, **kwargs):
        self._sync_figure_state()
        return super()._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------ estimate
    def _prepared(self, model: str) -> dict[str, WindowRun]:
        """The model's runs per venue, prepared once (on the first venue's price grid): the
        same resolution as ``lq.estimate_heatmap``."""
        if model not in self._runs:
            self._runs[model] = prepare_venue_windows(
                self._markets, model, self._base, bands=self._mix.leverages
            )
        return self._runs[model]

    def _first(self, model: str) -> WindowRun:
        return next(iter(self._prepared(model).values()))

    def shown_venues(self) -> list[str]:
        """The ticked venues (all of them for a single market frame)."""
        if len(self.venues) < 2:
            return list(self._markets)
        return [v for i, v in enumerate(self.venues) if self.controls[f"venue_{i}"].value]

    def _combine(self) -> None:
        """``hm``: the ticked venues' heatmaps of the window, added (no re-estimate)."""
        if len(self._parts) == 1:
            self.hm = next(iter(self._parts.values()))
            return
        shown = self.shown_venues()
        if not shown:
            raise InputError("every venue is hidden: tick at least one venue")
        self.hm = sum_venues({v: self._parts[v] for v in shown})

    def window(self) -> tuple[int, int, int]:
        """``(first candle, last candle, candles per column)`` of the current window."""
        i_end = int(self.controls["end"].value)
        tf = TIMEFRAMES[self.controls["timeframe"].value]
        i_start = int(self._times.searchsorted(self._times[i_end] - tf, side="right"))
        n_win = i_end - i_start + 1
        block = max(1, math.ceil(n_win / self._base.max_columns))
        return i_start, i_end, block

    def _weights(self) -> np.ndarray:
        w = np.array([self.controls[f"mix_{t}"].value for t in range(self._mix.n_tiers)])
        if not w.sum() > 0:
            raise InputError("every mix weight is 0: raise one of the mix sliders")
        return w / w.sum()

    def _estimate(self) -> None:
        """Re-estimate the window (columns only inside it) and update the whole figure."""
        t0 = time.perf_counter()
        model = self.controls["model"].value
        runs = self._prepared(model)
        run = next(iter(runs.values()))
        if model != self._model_shown:  # the sliders start at the new model's own shares
            self._model_shown = model
            for t, w in enumerate(run.band_weights):
                self.controls[f"mix_{t}"].value = round(float(w), 2)
        i_start, i_end, block = self.window()
        col_end = np.arange(i_end, i_start - 1, -block)[::-1]
        weights = self._weights()
        same = np.allclose(weights, run.band_weights, atol=0.006)  # sliders round to 0.01
        self._parts = {  # untouched sliders: each venue keeps its own model shares
            v: run_window(r, i_end + 1, col_end, None if same else weights, self._source)
            for v, r in runs.items()
        }
        self._combine()
        self._col_block = block
        t1 = time.perf_counter()
        self._update_display(full=True)
        self.timings_ms["estimate"].append((time.perf_counter() - t0) * 1e3)
        self._status(f"estimate {(t1 - t0) * 1e3:.0f} ms")

    # ------------------------------------------------------------------ display
    def values(self) -> np.ndarray:
        """USD per (price bin, column) as drawn: selected side and tiers (float32)."""
        return self._values_by_column().T

    def _values_by_column(self) -> np.ndarray:
        """USD per (column, price bin), float32: what is sent (plotly transposes it)."""
        hm = self.hm
        mask = [bool(self.controls[f"tier_{t}"].value) for t in range(len(hm.leverages))]
        side = self.controls["side"].value
        z = np.zeros((len(hm.times), hm.price_edges.size - 1), dtype=np.float32)
        sides = (
            (hm.long_usd, hm.long_usd_by_tier, "long"),
            (hm.short_usd, hm.short_usd_by_tier, "short"),
        )
        for total, by_tier, s in sides:
            if side not in ("both", s):
                continue
            if all(mask):
                z += total  # the engine's own total: no per-tier sum needed
            else:
                for t in np.flatnonzero(mask):
                    z += by_tier[:, t, :]
        return z

    def _visible_rows(self) -> slice:
        lo, hi = self.controls["price"].value
        e = self.hm.price_edges
        return slice(int(np.searchsorted(e, lo, side="right")) - 1, int(np.searchsorted(e, hi)))

    def _update_display(self, full: bool = False, traces: bool = False) -> None:
        """Send the drawn z; ``full`` (a new window): also the readout's distances, and with
        ``traces`` (new window or venues) the price line, predicted bars and dots."""
        t0 = time.perf_counter()
        hm = self.hm
        zc = self._values_by_column()
        z = zc.T
        self._z_usd = z
        edges = hm.price_edges
        centers = 0.5 * (edges[:-1] + edges[1:])
        col_ms = _epoch_ms(hm.times)
        dx = float(self._col_block * self._step / pd.Timedelta(milliseconds=1))
        fig = self.figure
        with fig.batch_update():
            heat = fig.data[0]
            # z travels with its column times as date strings: after a restyle of z, plotly.js
            # hover no longer formats numeric (ms) times as dates
            self._set_rows(0, extra={"x": self._col_labels()}, z=z)
            if full:
                heat.y0 = float(centers[0])
                heat.dy = float(edges[1] - edges[0])
                inv = (1.0 / np.asarray(hm.price, dtype=np.float32))[:, None]
                dist = centers.astype(np.float32)[None, :] * inv - np.float32(1.0)
                self._set_rows(0, customdata=dist.T)
            if full or traces:
                self._update_window_traces(col_ms, dx, window=full)
                self._update_dots()
            self._update_map()
            self._update_colour()
        self.timings_ms["display"].append((time.perf_counter() - t0) * 1e3)

    def _col_labels(self) -> list[str]:
        """Column end times as UTC date strings (what the readout shows)."""
        return list(self.hm.times.strftime("%Y-%m-%d %H:%M"))

    def _set_rows(self, trace: int, extra: dict | None = None, **arrays: np.ndarray) -> None:
        """Set 2-D array properties of a trace as float32 rows (see :func:`_rows`).

        plotly's validators would turn the rows back into nested lists, so the figure's data
        are set directly and a restyle message carries the rows to the views.
        """
        fig = self.figure
        rows = {name: _rows(a) for name, a in arrays.items()}
        fig._data[trace].update(rows)
        msg = {name: [r] for name, r in rows.items()}
        for name, value in (extra or {}).items():  # 1-D arrays that must travel with them
            fig._data[trace][name] = value
            msg[name] = [value]
        fig._send_restyle_msg(msg, trace_indexes=[trace])

    def _update_window_traces(self, col_ms: np.ndarray, dx: float, window: bool = True) -> None:
        """Price line, predicted bars and axis ranges of the window; ``window=False`` (same
        window, other venues): the bars' USD only."""
        fig, hm = self.figure, self.hm
        i_start, i_end, _ = self.window()
        sl = slice(i_start, i_end + 1)
        if window:
            fig.data[1].x, fig.data[1].y = _envelope(self._t_ms[sl], self._price[sl])
        longs = hm.predicted_long_usd.to_numpy()[sl]
        shorts = hm.predicted_short_usd.to_numpy()[sl]
        k = max(1, math.ceil(longs.size / MAX_BARS))
        m = longs.size // k * k
        start = longs.size - m  # whole blocks ending at the last candle
        lb = longs[start:].reshape(-1, k).sum(axis=1)
        sb = shorts[start:].reshape(-1, k).sum(axis=1)
        if not window:
            fig.data[2].y, fig.data[3].y = _f8(-lb), _f8(sb)
            return
        t_ms = self._t_ms[sl][start:].reshape(-1, k)[:, 0]
        width = float(k * self._step / pd.Timedelta(milliseconds=1))
        bar_x = list(pd.to_datetime(t_ms + width / 2, unit="ms").strftime("%Y-%m-%d %H:%M:%S"))
        for trace, y in ((fig.data[2], -lb), (fig.data[3], sb)):
            # date strings: a restyle of the heat makes plotly.js re-guess the type of the
            # shared time axis from its data, and numbers would make it linear
            trace.x = bar_x
            trace.y = _f8(y)
        per = pd.Timedelta(milliseconds=width)
        fig.layout.yaxis2.title.text = f"predicted<br>liquidations<br>(USD/{_duration(per)})"
        x0 = float(self._t_ms[i_start] - self._step / pd.Timedelta(milliseconds=1))
        fig.layout.xaxis.range = [x0, float(col_ms[-1]) + dx / 2]
        lo, hi = self.controls["price"].value
        fig.layout.yaxis.range = [lo, hi]

    def _side_tiers(self, h, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Long and short USD per (tier, bin) of heatmap ``h`` at column ``j``, for the side
        shown (zeros for the other side)."""
        side = self.controls["side"].value
        lt, st = h.long_usd_by_tier[j], h.short_usd_by_tier[j]
        return (
            lt if side in ("both", "long") else 0 * lt,
            st if side in ("both", "short") else 0 * st,
        )

    def map_stack(self) -> str:
        """What the map panel is stacked by: ``"leverage"`` or ``"venue"``."""
        c = self.controls.get("map_stack")
        return "leverage" if c is None else c.value

    def _update_map(self) -> None:
        """Liquidation map at the window's end: USD per bin stacked by tier (or venue),
        cumulative curves."""
        fig, hm = self.figure, self.hm
        j = len(hm.times) - 1
        px = float(hm.price[j])
        edges = hm.price_edges
        centers = 0.5 * (edges[:-1] + edges[1:])
        first = 4
        long_t, short_t = self._side_tiers(hm, j)
        g = max(1, math.ceil(centers.size / MAP_BARS))  # bins per bar
        nb = centers.size // g * g
        bar_y = _f8(edges[0] + (np.arange(nb // g) + 0.5) * g * (edges[1] - edges[0]))
        mask = np.array([self.controls[f"tier_{t}"].value for t in range(len(hm.leverages))])
        by_venue = self.map_stack() == "venue"
        for t in range(len(hm.leverages)):
            on = self.controls[f"tier_{t}"].value
            bars = fig.data[first + t]
            if by_venue:
                bars.visible = False
                continue
            bars.x = _f8((long_t[t] + short_t[t])[:nb].reshape(-1, g).sum(axis=1))
            bars.y = bar_y
            bars.visible = True if on else "legendonly"
        if len(self.venues) > 1:
            shown = set(self.shown_venues())
            for i, v in enumerate(self.venues):
                bars = fig.data[self._i_venue0 + i]
                if not by_venue:
                    bars.visible = False
                    continue
                lv, sv = self._side_tiers(self._parts[v], j)
                usd = (mask[:, None] * (lv + sv)).sum(axis=0)  # the tiers shown
                bars.x = _f8(usd[:nb].reshape(-1, g).sum(axis=1))
                bars.y = bar_y
                bars.visible = True if v in shown else "legendonly"
        lg = (mask[:, None] * long_t).sum(axis=0)
        sh = (mask[:, None] * short_t).sum(axis=0)
        below, above = centers < px, centers > px
        cum_long = np.where(below, np.where(below, lg, 0)[::-1].cumsum()[::-1], np.nan)
        cum_short = np.where(above, np.where(above, sh, 0).cumsum(), np.nan)
        n_t = len(hm.leverages)
        fig.data[first + n_t].x = _f8(cum_long)
        fig.data[first + n_t].y = _f8(centers)
        fig.data[first + n_t + 1].x = _f8(cum_short)
        fig.data[first + n_t + 1].y = _f8(centers)
        when = hm.times[j].strftime("%Y-%m-%d %H:%M")
        fig.layout.xaxis3.title.text = (  # short lines: the panel is narrow on a phone
            f"liquidation map<br>{when} UTC<br>USD per ${g * (edges[1] - edges[0]):,.0f}"
        )
        fig.layout.shapes[0].y0 = fig.layout.shapes[0].y1 = px

    def realized_in_window(self) -> pd.DataFrame:
        """The realized liquidations drawn now: inside the window's time span, of the ticked
        venues (when their ``venue`` column names the explorer's venues), at most
        :data:`MAX_DOTS` (the largest by USD). Empty when none were given or they are hidden."""
        liqs = self._realized
        if liqs is None:
            return pd.DataFrame(
                columns=["side", "price", "usd"], index=pd.DatetimeIndex([], tz="UTC", name="time")
            )
        if not self.controls["realized"].value:
            return liqs.iloc[:0]
        i_start, i_end, _ = self.window()
        t0 = self._times[i_start]
        t1 = self._times[i_end] + self._step
        lo, hi = liqs.index.searchsorted(t0), liqs.index.searchsorted(t1)
        shown = liqs.iloc[lo:hi]
        if len(self.venues) > 1 and "venue" in shown and shown["venue"].isin(self.venues).any():
            shown = shown[shown["venue"].isin(self.shown_venues())]
        if len(shown) > MAX_DOTS:
            shown = shown.iloc[np.sort(np.argsort(-shown["usd"].to_numpy())[:MAX_DOTS])]
        return shown

    def _update_dots(self) -> None:
        """Realized-liquidation dots of the window: colour by side, area by USD.

        Sent only when what they show changed (window, ticked venues, toggle), and past
        plotly's validators (as :meth:`_set_rows`): ~1 ms instead of ~10 ms for 1,000 dots.
        """
        if self._realized is None:
            return
        shown = self.realized_in_window()
        key = (len(shown), shown.index[0], shown.index[-1]) if len(shown) else (0,)
        key = (*self.window()[:2], tuple(self.shown_venues()), key)
        if key == getattr(self, "_dots_key", None):
            return
        self._dots_key = key
        top = float(shown["usd"].max()) if len(shown) else 1.0
        fig = self.figure
        for k, side in enumerate(("long", "short")):
            part = shown[shown["side"] == side]
            usd = part["usd"].to_numpy(dtype=float)
            trace = self._i_dots + k
            props = {
                # date strings, as every trace on the time axis (see _update_window_traces)
                "x": part["_x"].tolist(),
                "y": _f8(part["price"].to_numpy(dtype=float)),
                "customdata": _f8(usd),
            }
            size = _f8(3.0 + DOT_MAX_PX * np.sqrt(usd / top))
            data = fig._data[trace]
            data.update(props)
            data["marker"] = {**data.get("marker", {}), "size": size}
            msg = {name: [v] for name, v in props.items()}
            msg["marker.size"] = [size]
            fig._send_restyle_msg(msg, trace_indexes=[trace])

    def _colour_props(self, vis: np.ndarray) -> dict:
        """zmax, colour scale and colour-bar ticks for the visible cells ``vis`` (USD) under
        the current scale, threshold and colour map."""
        vmax = float(vis.max()) if vis.size else 0.0
        scale = self.controls["scale"].value
        if scale == "percentile":
            pos = vis[vis > 0]
            zmax = float(np.percentile(pos, PERCENTILE)) if pos.size else 1.0
        else:
            zmax = vmax if vmax > 0 else 1.0
        thr = self.controls["threshold"].value / 100.0 * vmax
        ticks = _nice_ticks(zmax, n=3)  # few: the bar must stay readable on a phone
        return {
            "zmax": zmax,
            "colorscale": colorscale(self.controls["cmap"].value, scale, zmax, thr),
            "tickvals": ticks.tolist(),
            "ticktext": [_usd_text(v) for v in ticks],
        }

    def _update_colour(self) -> None:
        """Colour scale, threshold and price range only: no new arrays are sent."""
        t0 = time.perf_counter()
        props = self._colour_props(self._z_usd[self._visible_rows()])
        fig = self.figure
        lo, hi = self.controls["price"].value
        with fig.batch_update():
            heat = fig.data[0]
            heat.zmin = 0.0
            heat.zmax = props["zmax"]
            heat.colorscale = props["colorscale"]
            heat.colorbar.tickvals = props["tickvals"]
            heat.colorbar.ticktext = props["ticktext"]
            if tuple(fig.layout.yaxis.range or ()) != (lo, hi):  # a relayout redraws the axes
                fig.layout.yaxis.range = [lo, hi]
        self.timings_ms["colour"].append((time.perf_counter() - t0) * 1e3)

    # ------------------------------------------------------------------ snapshot
    def snapshot(
        self, max_bins: int = SNAPSHOT_BINS, max_columns: int = SNAPSHOT_COLUMNS
    ) -> Snapshot:
        """A self-contained interactive copy of the figure as it is now (see :class:`Snapshot`).

        For pages without a kernel (an HTML report): hover reads a cell, drag zooms,
        double-click resets, in any browser with no network. The visible price range is kept
        at most ``max_bins`` price bins (adjacent bins merged: their USD added) and
        ``max_columns`` time columns (every k-th column up to the last: a column is the
        inventory at its time, never a sum over time), so the page stays small.

        Returns
        -------
        Snapshot
            ``.html`` (what a notebook output shows), ``.figure`` (the plotly dict).
        """
        import plotly.io as pio

        if max_bins < 2 or max_columns < 2:
            raise InputError("a snapshot needs at least 2 price bins and 2 columns: use e.g. 250")
        hm = self.hm
        rows = self._visible_rows()
        z = self._z_usd[rows].astype(np.float64)
        e = hm.price_edges[rows.start : rows.stop + 1]
        gb = max(1, math.ceil(z.shape[0] / max_bins))
        pad = -z.shape[0] % gb
        z = _merge(np.vstack([z, np.zeros((pad, z.shape[1]))]), gb, 0)
        dy = float(e[1] - e[0]) * gb
        centres = float(e[0]) + dy * (np.arange(z.shape[0]) + 0.5)
        gc = max(1, math.ceil(z.shape[1] / max_columns))
        cols = np.arange(z.shape[1] - 1, -1, -gc)[::-1]
        z = z[:, cols].astype(np.float32)
        dist = (centres[:, None] / np.asarray(hm.price)[cols][None, :] - 1.0).astype(np.float32)
        props = self._colour_props(z)
        heat = self.figure.data[0].to_plotly_json()
        for key in ("z", "customdata", "x"):
            heat.pop(key, None)
        heat.update(
            z=_typed(z), customdata=_typed(dist), x=list(hm.times[cols].strftime("%Y-%m-%d %H:%M")),
            y0=float(centres[0]), dy=dy, zmin=0.0, zmax=props["zmax"],
            colorscale=props["colorscale"],
        )  # fmt: skip
        heat["colorbar"] = {
            **heat.get("colorbar", {}),
            "tickvals": props["tickvals"],
            "ticktext": props["ticktext"],
        }
        data = [heat] + [t.to_plotly_json() for t in self.figure.data[1:]]
        layout = self.figure.layout.to_plotly_json()
        layout.pop("uirevision", None)
        i_end = int(self.controls["end"].value)
        layout["title"] = {
            **layout.get("title", {}),
            "text": f"{layout.get('title', {}).get('text', '')} · snapshot to "
            f"{self._times[i_end]:%Y-%m-%d %H:%M} UTC (hover, zoom; controls need a kernel)",
        }
        layout["autosize"] = True
        figure = {"data": data, "layout": layout}
        payload = pio.to_json(figure, validate=False, engine="json").encode("utf-8")
        fig_b64 = base64.b64encode(gzip.compress(payload, 9, mtime=0)).decode("ascii")
        html = (
            _LOADER.replace("ID", f"liqlib-snapshot-{secrets.token_hex(4)}")
            .replace("HEIGHT", str(int(layout.get("height") or 640)))
            .replace("PLOTLYJS", _plotly_js_gz_b64())
            .replace("FIGURE", fig_b64)
        )
        return Snapshot(figure=json.loads(payload), html=html)

    # ------------------------------------------------------------------ readout
    def cell(self, time_utc, price_usd: float) -> dict:
        """The readout of the cell under ``(time, price)``: what hovering there shows.

        Returns
        -------
        dict
            ``time`` (column end, UTC), ``price_lo`` / ``price_hi`` (bin edges, USD/coin),
            ``usd`` (drawn USD in the cell), ``distance`` (bin centre / price then - 1).
        """
        hm = self.hm
        j = hm.column_at(time_utc)
        e = hm.price_edges
        b = int(np.clip(np.searchsorted(e, price_usd, side="right") - 1, 0, e.size - 2))
        centre = 0.5 * (e[b] + e[b + 1])
        return {
            "time": hm.times[j],
            "price_lo": float(e[b]),
            "price_hi": float(e[b + 1]),
            "usd": float(self._z_usd[b, j]),
            "distance": float(centre / hm.price[j] - 1.0),
        }

    def hottest_cell(self) -> dict:
        """Time, price (bin centre) and USD of the hottest drawn cell in the visible range."""
        rows = self._visible_rows()
        vis = self._z_usd[rows]
        b, j = np.unravel_index(int(np.argmax(vis)), vis.shape)
        b += rows.start
        e = self.hm.price_edges
        return {
            "time": self.hm.times[j],
            "price": float(0.5 * (e[b] + e[b + 1])),
            "usd": float(self._z_usd[b, j]),
        }

    # ------------------------------------------------------------------ widgets
    def _make_controls(self, model, timeframe, side, cmap, scale, threshold_pct, n) -> dict:
        style = {"description_width": "initial"}
        c: dict[str, W.Widget] = {}
        c["timeframe"] = W.ToggleButtons(
            options=list(TIMEFRAMES), value=timeframe, description="timeframe",
            style={**style, "button_width": "auto"},
        )  # fmt: skip
        c["end"] = W.IntSlider(
            value=n - 1, min=0, max=n - 1, step=1, description="end", readout=False,
            continuous_update=False, layout=W.Layout(flex="1 1 300px", max_width="420px", min_width="260px"), style=style,
        )  # fmt: skip
        c["end_label"] = W.Label()
        edges = self._first(model).inputs.edges
        lo, hi = float(edges[0]), float(edges[-1])
        c["price"] = W.FloatRangeSlider(
            value=(lo, hi), min=lo, max=hi, step=(hi - lo) / 1000, description="price (USD)",
            readout_format=",.0f", continuous_update=False, layout=W.Layout(flex="1 1 300px", max_width="420px", min_width="260px"),
            style=style,
        )  # fmt: skip
        c["side"] = W.ToggleButtons(
            options=list(SIDES), value=side, description="side",
            style={**style, "button_width": "auto"},
        )  # fmt: skip
        c["model"] = W.Dropdown(
            options=list(MODELS), value=model, description="model",
            layout=W.Layout(width="190px"), style=style,
        )  # fmt: skip
        c["threshold"] = W.FloatSlider(
            value=threshold_pct, min=0.0, max=60.0, step=1.0,
            description="hide cells below (% of visible max)", readout_format=".0f",
            continuous_update=False, layout=W.Layout(flex="1 1 300px", max_width="420px", min_width="260px"), style=style,
        )  # fmt: skip
        c["cmap"] = W.Dropdown(
            options=list(HEAT_CMAPS), value=cmap, description="colours",
            layout=W.Layout(width="220px"), style=style,
        )  # fmt: skip
        c["scale"] = W.ToggleButtons(
            options=list(SCALES), value=scale, description="scale",
            style={**style, "button_width": "auto"},
        )  # fmt: skip
        for t, (lev, w) in enumerate(zip(self._mix.leverages, self._mix.weights, strict=True)):
            c[f"tier_{t}"] = W.ToggleButton(
                value=True, description=f"{lev:g}x", tooltip=f"show the {lev:g}x tier",
                layout=W.Layout(width="64px"),
            )  # fmt: skip
            c[f"mix_{t}"] = W.FloatSlider(
                value=float(w), min=0.0, max=1.0, step=0.01, description=f"{lev:g}x share",
                continuous_update=False, readout_format=".2f", style=style,
                layout=W.Layout(flex="1 1 190px", max_width="210px", min_width="180px"),
            )  # fmt: skip
        if len(self.venues) > 1:  # one venue: nothing to toggle
            for i, v in enumerate(self.venues):
                c[f"venue_{i}"] = W.Checkbox(
                    value=True, description=v, indent=False,
                    layout=W.Layout(width="auto", margin="0 12px 0 0"),
                )  # fmt: skip
            c["map_stack"] = W.ToggleButtons(
                options=list(MAP_STACKS), value="leverage", description="map stacked by",
                style={**style, "button_width": "auto"},
            )  # fmt: skip
        if self._realized is not None:
            c["realized"] = W.ToggleButton(
                value=True, description="realized liquidations",
                tooltip="show the recorded liquidations as dots (colour: side, area: USD)",
                layout=W.Layout(width="auto"),
            )  # fmt: skip
        for name, widget in c.items():  # stable CSS hooks for browser tests and styling
            widget.add_class(f"liqlib-{name.replace('_', '-')}")
        return c

    def _controls_box(self) -> W.Widget:
        c = self.controls
        nt = self._mix.n_tiers
        wrap = W.Layout(flex_flow="row wrap", align_items="center", width="100%")
        row1 = W.HBox([c["timeframe"], c["end"], c["end_label"]], layout=wrap)
        row2 = W.HBox([c["price"], c["side"], c["model"]], layout=wrap)
        row3 = W.HBox([c["threshold"], c["cmap"], c["scale"]], layout=wrap)
        tiers = W.HBox(
            [W.Label("leverage tiers (click to hide):")] + [c[f"tier_{t}"] for t in range(nt)],
            layout=wrap,
        )
        mix = W.HBox(
            [W.Label("mix (re-estimates):")] + [c[f"mix_{t}"] for t in range(nt)], layout=wrap
        )
        rows = [row1, row2, row3, tiers, mix]
        extra = []
        if len(self.venues) > 1:
            extra += [W.Label("venues (summed; untick to leave one out):")]
            extra += [c[f"venue_{i}"] for i in range(len(self.venues))] + [c["map_stack"]]
        if self._realized is not None:
            extra.append(c["realized"])
        if extra:
            rows.append(W.HBox(extra, layout=wrap))
        return W.VBox(rows, layout=W.Layout(width="100%"))

    def _make_figure(self, height_px: int) -> go.FigureWidget:
        hover = (
            "<b>%{z:$,.4s}</b> would be liquidated here<br>"
            "price %{y:$,.0f}, %{customdata:+.2%} from the price then<br>"
            "%{x} UTC<extra></extra>"
        )
        traces = [
            go.Heatmap(
                z=[[0.0, 0.0], [0.0, 0.0]],
                x=[0.0, 1.0],
                y0=0,
                dy=1,
                zmin=0,
                zmax=1,
                hovertemplate=hover,
                name="heat",
                xaxis="x",
                yaxis="y",
                # horizontal, above the heat: it never covers the heat or the map, at any width
                colorbar={
                    "title": {"text": "USD per cell", "side": "right"},
                    "orientation": "h",
                    "x": 0.0,
                    "xanchor": "left",
                    "y": 1.01,
                    "yanchor": "bottom",
                    "len": 0.6,
                    "thickness": 10,
                    "nticks": 4,
                },
            ),  # fmt: skip
            go.Scatter(
                x=[],
                y=[],
                mode="lines",
                line={"color": PRICE_LINE, "width": 1.2},
                name=self._price_label,
                xaxis="x",
                yaxis="y",
                hoverinfo="skip",  # the heat readout gives the distance from the price
            ),  # fmt: skip
            # steps filled to zero, not bars: one SVG path per trace instead of one node per
            # bar (hundreds of bars made every redraw of the figure slower)
            go.Scatter(
                x=[], y=[], mode="lines", fill="tozeroy", fillcolor=LONG_COLOR,
                line={"color": LONG_COLOR, "width": 0, "shape": "hvh"},
                name="longs liquidated", xaxis="x2", yaxis="y2",
                hovertemplate="longs liquidated -%{y:$,.3s}<extra></extra>",
            ),
            go.Scatter(
                x=[], y=[], mode="lines", fill="tozeroy", fillcolor=SHORT_COLOR,
                line={"color": SHORT_COLOR, "width": 0, "shape": "hvh"},
                name="shorts liquidated", xaxis="x2", yaxis="y2",
                hovertemplate="shorts liquidated %{y:$,.3s}<extra></extra>",
            ),
        ]  # fmt: skip
        colours = tier_colors(self._mix.n_tiers)
        for t, lev in enumerate(self._mix.leverages):
            traces.append(
                go.Scatter(
                    x=[], y=[], orientation="h", stackgroup="tiers", mode="lines",
                    fillcolor=colours[t], line={"color": colours[t], "width": 0, "shape": "vhv"},
                    name=f"{lev:g}x", xaxis="x3", yaxis="y",
                    hovertemplate=f"{lev:g}x: %{{x:$,.3s}} at %{{y:$,.0f}}<extra></extra>",
                )
            )  # fmt: skip
        for name, colour in (
            ("longs, cumulative", LONG_COLOR),
            ("shorts, cumulative", SHORT_COLOR),
        ):
            traces.append(
                go.Scatter(
                    x=[], y=[], mode="lines", line={"color": colour, "width": 2}, name=name,
                    xaxis="x4", yaxis="y", hovertemplate=name + " %{x:$,.3s}<extra></extra>",
                )
            )  # fmt: skip
        self._i_venue0 = len(traces)
        if len(self.venues) > 1:
            for v, colour in zip(self.venues, venue_colors(len(self.venues)), strict=True):
                traces.append(
                    go.Scatter(
                        x=[], y=[], orientation="h", stackgroup="venues", mode="lines",
                        fillcolor=colour, line={"color": colour, "width": 0, "shape": "vhv"},
                        name=v, xaxis="x3", yaxis="y", visible=False,
                        hovertemplate=f"{v}: %{{x:$,.3s}} at %{{y:$,.0f}}<extra></extra>",
                    )
                )  # fmt: skip
        self._i_dots = len(traces)
        if self._realized is not None:
            tag = " (SIMULATED)" if self._realized.attrs.get("synthetic") else ""
            for side in ("long", "short"):
                traces.append(
                    go.Scatter(
                        x=[], y=[], mode="markers", name=f"realized {side}s liquidated{tag}",
                        xaxis="x", yaxis="y",
                        marker={"color": SIDE_COLORS[side], "sizemode": "diameter",
                                "line": {"color": "white", "width": 0.6}, "opacity": 0.9},
                        hovertemplate=f"realized {side} liquidation{tag}<br>"
                        "<b>%{customdata:$,.4s}</b> at %{y:$,.2f}<br>%{x} UTC<extra></extra>",
                    )
                )  # fmt: skip
        label = _source_label(self._source)
        if len(self.venues) > 1:
            label = f"{label} · venues: {' + '.join(self.venues)}"
        watermark = synthetic_label(self._source)
        layout = go.Layout(
            height=height_px,
            margin={"l": 60, "r": 10, "t": 110, "b": 100},
            paper_bgcolor="white",
            plot_bgcolor=BACKGROUND,
            barmode="relative",
            bargap=0,
            hovermode="closest",
            dragmode="zoom",
            uirevision="keep",
            title={"text": f"Estimated liquidation heatmap (times UTC)<br>{label}", "x": 0.01,
                   "xanchor": "left", "yref": "paper", "y": 1.0, "yanchor": "bottom",
                   "pad": {"b": 44}, "font": {"size": 13}},
            # in the bottom margin, the whole width: wraps on a narrow screen, covers nothing
            legend={"orientation": "h", "x": 0.0, "xanchor": "left", "yref": "container",
                    "y": 0.0, "yanchor": "bottom", "font": {"size": 10}},
            xaxis={"domain": [0, 0.7], "anchor": "y", "type": "date", "showticklabels": False,
                   "hoverformat": "%Y-%m-%d %H:%M",
                   "showgrid": False},
            yaxis={"domain": [0.27, 1.0], "anchor": "x", "title": {"text": "price (USD)"},
                   "tickformat": ",.0f", "showgrid": False},
            xaxis2={"domain": [0, 0.7], "anchor": "y2", "type": "date", "matches": "x",
                    "nticks": 6, "tickangle": 0},
            yaxis2={"domain": [0, 0.22], "anchor": "x2", "tickprefix": "$", "exponentformat": "B",
                    "zeroline": True, "zerolinecolor": "#888"},
            xaxis3={"domain": [0.76, 1.0], "anchor": "y", "tickprefix": "$", "exponentformat": "B",
                    "showgrid": False, "nticks": 3, "title": {"font": {"size": 10}}},
            xaxis4={"overlaying": "x3", "side": "top", "anchor": "y", "tickprefix": "$", "exponentformat": "B",
                    "showgrid": False, "nticks": 3, "title": {"text": "cumulative",
                                                  "font": {"size": 10}}},
            shapes=[{"type": "line", "xref": "x3 domain", "x0": 0, "x1": 1, "yref": "y",
                     "y0": 0, "y1": 0, "line": {"color": "#333", "dash": "dash", "width": 1}}],
            annotations=[
                {"text": watermark, "xref": "x domain", "yref": "y domain", "x": 0.99,
                 "y": 0.02, "xanchor": "right", "yanchor": "bottom", "showarrow": False,
                 "font": {"color": "rgba(255,255,255,0.6)", "size": 16}}
            ] if watermark else [],
        )  # fmt: skip
        return go.FigureWidget(data=traces, layout=layout)

    def _wire(self) -> None:
        c = self.controls
        for name in ("timeframe", "end", "model"):
            c[name].observe(self._on_window, "value")
        for t in range(self._mix.n_tiers):
            c[f"mix_{t}"].observe(self._on_window, "value")
            c[f"tier_{t}"].observe(self._on_display, "value")
        c["side"].observe(self._on_display, "value")
        for i in range(len(self.venues) if len(self.venues) > 1 else 0):
            c[f"venue_{i}"].observe(self._on_venues, "value")
        if "map_stack" in c:
            c["map_stack"].observe(self._on_map, "value")
        if "realized" in c:
            c["realized"].observe(self._on_dots, "value")
        for name in ("threshold", "cmap", "scale", "price"):
            c[name].observe(self._on_colour, "value")

    def _guarded(self, fn) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            fn()
        except LiqlibError as exc:  # one line in the status, never a traceback in the page
            self._status(f"<b style='color:#b00'>{exc}</b>")
        finally:
            self._busy = False

    def _on_window(self, _change=None) -> None:
        def run():
            self._fit_price_range()
            self._estimate()

        self._guarded(run)

    def _on_display(self, _change=None) -> None:
        self._guarded(lambda: (self._update_display(), self._status("")))

    def _on_venues(self, _change=None) -> None:
        def run():
            t0 = time.perf_counter()
            self._combine()
            self._update_display(traces=True)
            self.timings_ms.setdefault("venues", []).append((time.perf_counter() - t0) * 1e3)
            self._status("")

        self._guarded(run)

    def _batched(self, fn) -> None:
        with self.figure.batch_update():
            fn()
        self._status("")

    def _on_map(self, _change=None) -> None:
        self._guarded(lambda: self._batched(self._update_map))

    def _on_dots(self, _change=None) -> None:
        self._guarded(lambda: self._batched(self._update_dots))

    def _on_colour(self, _change=None) -> None:
        self._guarded(lambda: (self._update_colour(), self._status("")))

    def _fit_price_range(self) -> None:
        """Follow the price: the price range becomes the window's range plus a margin."""
        i_start, i_end, _ = self.window()
        p = self._price[i_start : i_end + 1]
        lo, hi = float(np.nanmin(p)), float(np.nanmax(p))
        pad = 0.25 * (hi - lo) + 0.02 * hi
        s = self.controls["price"]
        s.value = (max(s.min, lo - pad), min(s.max, hi + pad))

    def _status(self, extra: str) -> None:
        i_start, i_end, block = self.window()
        t_end = self._times[i_end]
        self.controls["end_label"].value = f"{t_end:%Y-%m-%d %H:%M} UTC"
        hm = self.hm
        est = self.timings_ms["estimate"][-1:] or [float("nan")]
        where = _source_label(self._source)
        text = (
            f"{where} · model {hm.model} · {len(hm.times)} columns of {block} candles × "
            f"{hm.price_edges.size - 1} price bins · last estimate + figure {est[0]:.0f} ms"
        )
        self.status.value = f"<span style='color:#555;font-size:12px'>{text}</span> {extra}"


def make_heatmap_explorer(
    market: pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    model: str = DEFAULT_MODEL,
    params: EngineParams | None = None,
    n_bins: int = 500,
    max_columns: int = 600,
    timeframe: str | None = None,
    side: str = "both",
    cmap: str = "coinglass",
    scale: str = "percentile",
    threshold_pct: float = 0.0,
    height_px: int = 640,
    realized: pd.DataFrame | None = None,
) -> HeatmapExplorer:
    """The interactive liquidation-heatmap explorer of ``market``.

    Controls: timeframe presets (12h ... 90d) ending at an end-time slider, price range,
    side (both / long / short), model, leverage-tier toggles (hide a tier's USD) and mix
    sliders (re-estimate with new tier weights), a threshold (hide cells below a share of the
    visible maximum), colour map and scale. The figure: the heat with the price line (mark
    price when present) over it, predicted liquidations per block of candles under it, and the
    liquidation map at the end time (bars stacked by tier, cumulative curves) beside it.
    Hover reads a cell at the cursor; drag to zoom, double-click to reset.

    With several venues (a dict of frames) each venue is estimated on the first venue's price
    grid and the figure shows their sum; a checkbox per venue leaves one out (the venues'
    estimates are re-added, not re-estimated) and the map can be stacked by venue. With
    ``realized`` (recorded liquidations) the window's events are drawn over the heat as dots
    (colour: side liquidated, area: USD), behind a toggle.

    Parameters
    ----------
    market : pandas.DataFrame or mapping of str to pandas.DataFrame
        A frame from ``lq.load_market`` or ``lq.make_synthetic_market``, or venue -> frame
        on one time axis (``lq.load_market(..., venues=...)``); the first venue's price is
        drawn.
    model : str
        Initial model (``lq.MODELS``).
    params : EngineParams, optional
        Engine parameters (mix, symbol, calibrate...); the explorer uses a linear price grid
        of ``n_bins`` bins and at most ``max_columns`` columns per window, per tier.
    n_bins, max_columns : int
        Grid size (price bins, time columns per window).
    timeframe : str, optional
        One of :data:`TIMEFRAMES`; default the longest that fits the market.
    side : {"both", "long", "short"}
        Initial side shown (:data:`SIDES`).
    cmap : str
        A name of :data:`liqlib.viz.plot.HEAT_CMAPS`.
    scale : {"percentile", "linear", "log"}
        Initial colour scale (:data:`SCALES`): linear to the 99th percentile, to the
        maximum, or log over 3 decades.
    threshold_pct : float
        Hide cells below this share (%) of the visible maximum.
    height_px : int
        Figure height in pixels.
    realized : pandas.DataFrame, optional
        Recorded liquidations (``lq.load_liquidations``: time index UTC, columns side, price
        USD, usd; ``venue`` filters them with the venue checkboxes when it names the venues).

    Returns
    -------
    HeatmapExplorer
        An ipywidgets ``VBox``; display it as the last expression of a cell.

    Raises
    ------
    InputError
        On a bad market or option (one line, naming it).
    """
    return HeatmapExplorer(
        market, model=model, params=params, n_bins=n_bins, max_columns=max_columns,
        timeframe=timeframe, side=side, cmap=cmap, scale=scale, threshold_pct=threshold_pct,
        height_px=height_px, realized=realized,
    )  # fmt: skip
