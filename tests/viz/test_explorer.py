"""The explorer's snapshot and layout, without a browser (the browser tier is test_browser.py)."""

from __future__ import annotations

import base64
import gzip
import json
import re

import numpy as np
import pytest

import liqlib as lq
from liqlib.errors import InputError


@pytest.fixture(scope="module")
def explorer():
    market = lq.make_synthetic_market(3_000, seed=5)
    return lq.make_heatmap_explorer(market, n_bins=300, max_columns=300)


def _array(spec: dict) -> np.ndarray:
    shape = tuple(int(n) for n in spec["shape"].split(","))
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f4").reshape(shape)


def test_snapshot_is_self_contained_and_holds_the_estimate(explorer):
    snap = explorer.snapshot(max_bins=100, max_columns=120)
    html = snap.html
    # no script or style from the network: plotly.js travels gzipped inside the fragment
    blobs = re.findall(r'unzip\("([A-Za-z0-9+/=]+)"\)', html)
    code = re.sub(r'unzip\("[A-Za-z0-9+/=]+"\)', "unzip(...)", html)
    assert not re.search(r"<script[^>]+src=", code) and "http" not in code
    assert "DecompressionStream" in code and snap.size_bytes < 5_000_000
    # the figure inside the page is the one in .figure
    assert len(blobs) == 2
    assert json.loads(gzip.decompress(base64.b64decode(blobs[1]))) == snap.figure
    js = gzip.decompress(base64.b64decode(blobs[0]))
    assert b"plotly" in js[:2000].lower() and len(js) > 1_000_000

    heat = snap.figure["data"][0]
    z = _array(heat["z"])
    rows = explorer._visible_rows()
    visible = explorer.values()[rows]
    assert z.shape[0] <= 100 and z.shape[1] <= 120
    # merged price bins add their USD: the last column keeps the total of the visible bins
    assert z[:, -1].sum() == pytest.approx(float(visible[:, -1].sum()), rel=1e-5)
    # columns are kept, not summed: the last snapshot column is the last estimate column
    assert heat["x"][-1] == f"{explorer.hm.times[-1]:%Y-%m-%d %H:%M}"
    # the readout's distance is the bin centre over the price then
    dist = _array(heat["customdata"])
    centre = heat["y0"] + heat["dy"] * np.arange(z.shape[0])
    assert dist[:, -1] == pytest.approx(centre / explorer.hm.price[-1] - 1, abs=1e-6)
    assert "hover, zoom" in snap.figure["layout"]["title"]["text"]


def test_snapshot_refuses_a_grid_too_small(explorer):
    with pytest.raises(InputError, match="at least 2"):
        explorer.snapshot(max_bins=1)


def test_colour_bar_and_legend_sit_outside_the_plots(explorer):
    """The layout that keeps them off the heat at any width: a horizontal colour bar above
    the heat's top and a legend in the bottom margin (the browser test measures the pixels)."""
    lay = explorer.figure.layout
    bar = explorer.figure.data[0].colorbar
    assert bar.orientation == "h" and bar.yanchor == "bottom" and bar.y >= 1.0
    assert lay.legend.yref == "container" and lay.legend.y == 0 and lay.legend.yanchor == "bottom"
    heat_x, map_x = lay.xaxis.domain, lay.xaxis3.domain
    assert heat_x[1] < map_x[0]  # the heat and the liquidation map do not share width
    assert explorer.controls["timeframe"].style.button_width == "auto"  # "12h", never "1..."
