"""The scan's ranked page: one standalone ``index.html`` with a sortable table and a small
inline-SVG liquidation map per symbol (standard library and pandas only; no network, no CDN).

Rows are ranked by the USD within 2 % of the price (both sides): where the most liquidations
sit close to the price. Clicking a column header sorts by it (a few lines of inline
JavaScript). Symbols that failed are listed under the table with their error.

Examples
--------
>>> import pandas as pd
>>> from liqlib.stories.scan import SCAN_COLUMNS
>>> df = pd.DataFrame([{c: None for c in SCAN_COLUMNS} | {"symbol": "X", "error": "E: no"}])
>>> "E: no" in render_scan_page(df, title="t")
True
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["RANK_COLUMN", "map_svg", "render_scan_page", "write_scan_page"]

RANK_COLUMN = "usd_2pct"

#: (column, header, format) of the table, in order
_COLUMNS = (
    ("rank", "#", "{:d}"),
    ("symbol", "symbol", "{}"),
    ("price", "price (USD)", "{:,.6g}"),
    ("nearest_long_zone_price", "long zone (USD)", "{:,.6g}"),
    ("nearest_long_zone_distance_pct", "dist %", "{:+.2f}"),
    ("nearest_long_zone_usd", "long zone USD", "{:,.0f}"),
    ("nearest_short_zone_price", "short zone (USD)", "{:,.6g}"),
    ("nearest_short_zone_distance_pct", "dist %", "{:+.2f}"),
    ("nearest_short_zone_usd", "short zone USD", "{:,.0f}"),
    ("long_usd_1pct", "longs 1 %", "{:,.0f}"),
    ("short_usd_1pct", "shorts 1 %", "{:,.0f}"),
    ("long_usd_2pct", "longs 2 %", "{:,.0f}"),
    ("short_usd_2pct", "shorts 2 %", "{:,.0f}"),
    ("long_usd_5pct", "longs 5 %", "{:,.0f}"),
    ("short_usd_5pct", "shorts 5 %", "{:,.0f}"),
    ("long_share", "long share", "{:.2f}"),
    ("swept_long_usd", "swept longs", "{:,.0f}"),
    ("swept_short_usd", "swept shorts", "{:,.0f}"),
)

_MAP_AT = 3

_SORT_JS = """
document.querySelectorAll('th[data-col]').forEach(function (th) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0];
    var col = Number(th.dataset.col), asc = th.dataset.asc !== '1';
    table.querySelectorAll('th').forEach(function (h) { h.dataset.asc = ''; });
    th.dataset.asc = asc ? '1' : '0';
    var rows = Array.from(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.v, y = b.cells[col].dataset.v;
      var nx = parseFloat(x), ny = parseFloat(y);
      var cmp = (isNaN(nx) || isNaN(ny)) ? String(x).localeCompare(String(y)) : nx - ny;
      return asc ? cmp : -cmp;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:13px}
th,td{padding:3px 7px;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
th{cursor:pointer;background:#f4f4f4;position:sticky;top:0}
td.sym{text-align:left;font-weight:600}
.note{color:#a33;font-weight:600}
"""


def map_svg(long_usd, short_usd, edges_pct, width: int = 160, height: int = 36) -> str:
    """A small inline-SVG liquidation map: bars of USD by distance from the price.

    Parameters
    ----------
    long_usd, short_usd : sequence of float
        USD per bin (longs below the price, shorts above), one per interval of ``edges_pct``.
    edges_pct : sequence of float
        Bin edges, % from the price (e.g. -10 .. +10).
    width, height : int
        Size in pixels.

    Returns
    -------
    str
        An ``<svg>`` element (empty string when there is nothing to draw).

    Examples
    --------
    >>> map_svg([1.0, 0.0], [0.0, 2.0], [-1.0, 0.0, 1.0]).startswith("<svg")
    True
    """
    if long_usd is None or short_usd is None:
        return ""
    lg, sh = np.asarray(long_usd, dtype=float), np.asarray(short_usd, dtype=float)
    e = np.asarray(edges_pct, dtype=float)
    top = float(np.nanmax(np.concatenate([lg, sh]))) if lg.size else 0.0
    if not (math.isfinite(top) and top > 0):
        return ""
    x = (e - e[0]) / (e[-1] - e[0]) * width
    parts = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'xmlns="http://www.w3.org/2000/svg" role="img">'
    ]
    for usd, colour in ((lg, "#d62728"), (sh, "#2ca02c")):
        for i, v in enumerate(usd):
            if v > 0:
                h = v / top * (height - 2)
                parts.append(
                    f'<rect x="{x[i]:.1f}" y="{height - h:.1f}" width="{max(x[i + 1] - x[i] - 0.5, 0.5):.1f}" '
                    f'height="{h:.1f}" fill="{colour}"/>'
                )
    x0 = (0.0 - e[0]) / (e[-1] - e[0]) * width
    parts.append(f'<line x1="{x0:.1f}" y1="0" x2="{x0:.1f}" y2="{height}" stroke="#000"/>')
    parts.append("</svg>")
    return "".join(parts)


def _cell(value, fmt: str) -> tuple[str, str]:
    """(shown text, sort key) of one cell."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "", ""
    if fmt == "{:d}":
        return str(int(value)), str(int(value))
    if fmt == "{}":
        return html.escape(str(value)), html.escape(str(value))
    return fmt.format(float(value)), repr(float(value))


def render_scan_page(scan: pd.DataFrame, title: str = "liqlib scan", edges_pct=None) -> str:
    """The ranked page of a scan table (:func:`liqlib.stories.scan.scan`) as HTML text.

    Parameters
    ----------
    scan : pandas.DataFrame
        One row per symbol, the columns of ``SCAN_COLUMNS``.
    title : str
        Heading and page title.
    edges_pct : sequence of float, optional
        Edges of the ``map_*`` profiles (default ``MAP_EDGES_PCT`` of the scan module).

    Returns
    -------
    str
        A complete HTML document.
    """
    if edges_pct is None:
        from liqlib.stories.scan import MAP_EDGES_PCT as edges_pct
    err = scan["error"].notna() if "error" in scan else pd.Series(False, index=scan.index)
    ok = scan.loc[~err].copy()
    ok[RANK_COLUMN] = ok["long_usd_2pct"].astype(float) + ok["short_usd_2pct"].astype(float)
    ok = ok.sort_values(RANK_COLUMN, ascending=False, kind="stable")
    ok["rank"] = np.arange(1, len(ok) + 1)
    # the small map goes right after the price (position _MAP_AT), visible without scrolling
    heads = []
    for i, (_, h, _) in enumerate(_COLUMNS):
        heads.append(f'<th data-col="{i + (i >= _MAP_AT)}">{html.escape(h)}</th>')
    heads.insert(_MAP_AT, "<th>map (-10 % .. +10 %)</th>")
    head = "".join(heads)
    rows = []
    for _, r in ok.iterrows():
        cells = []
        for col, _, fmt in _COLUMNS:
            shown, key = _cell(r.get(col), fmt)
            cls = ' class="sym"' if col == "symbol" else ""
            cells.append(f'<td{cls} data-v="{key}">{shown}</td>')
        svg = map_svg(r.get("map_long_usd"), r.get("map_short_usd"), edges_pct)
        cells.insert(_MAP_AT, f"<td>{svg}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    failed = "".join(
        f"<li><b>{html.escape(str(r['symbol']))}</b>: {html.escape(str(r['error']))}</li>"
        for _, r in scan.loc[err].iterrows()
    )
    notes = sorted({str(n) for n in ok.get("data_note", pd.Series(dtype=object)).dropna()})
    simulated = any("SIMULATED" in n for n in notes)
    label = '<p class="note">SIMULATED data: no real market.</p>' if simulated else ""
    window = ""
    if len(ok):
        window = (
            f"<p>Window {pd.Timestamp(ok['window_start'].min()):%Y-%m-%d %H:%M} to "
            f"{pd.Timestamp(ok['window_end'].max()):%Y-%m-%d %H:%M} UTC; model "
            f"{html.escape(', '.join(sorted(set(ok['model'].astype(str)))))}; "
            f"{len(ok)} symbol(s) scanned, {int(err.sum())} failed.</p>"
        )
    body = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>{label}{window}"
        "<p>Ranked by the USD the model places within 2 % of the price (longs below plus "
        "shorts above). Zones are the nearest hot zones below / above the price as the report "
        "defines them; dist % is from the price to the zone's middle. Maps: longs red (below "
        "the price line), shorts green (above). Click a header to sort. A heatmap shows where "
        "liquidations would cluster if price got there, not which way price will go.</p>"
        f'<table id="scan"><thead><tr>{head}</tr></thead><tbody>'
        + "\n".join(rows)
        + "</tbody></table>"
        + (f"<h2>Failed symbols</h2><ul id='failed'>{failed}</ul>" if failed else "")
        + f"<script>{_SORT_JS}</script></body></html>\n"
    )
    return body


def write_scan_page(scan: pd.DataFrame, path: str | Path, title: str = "liqlib scan") -> Path:
    """Write :func:`render_scan_page` to ``path`` (written whole, then moved into place)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_scan_page(scan, title=title), encoding="utf-8")
    tmp.replace(path)
    return path
