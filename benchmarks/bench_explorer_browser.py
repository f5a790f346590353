"""Browser side of the heatmap explorer, in Chromium (run by ``make bench``).

What a slider costs in the page once the kernel's message has arrived: plotly.js redrawing
the explorer's own figure (heat, price line, predicted liquidations, liquidation map by tier)
after a colour change (threshold / scale: new colour scale and zmax) and after a new estimate
(end slider: new z and hover data). Median of 15 changes each, timed to the next animation
frame, for the grid notebook 03 uses (300 price bins x <= 400 columns) and the former default
(500 x 600). The figure is the explorer's snapshot at full resolution, so the traces and the
layout are the explorer's. The full slider -> pixels path (kernel round trip included) is
measured by ``tests/viz/test_browser.py``.

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install -y chromium``; never
``playwright install``); prints a skip line without it.

Usage: ``python benchmarks/bench_explorer_browser.py``
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
RUNS = 15
GRIDS = ((300, 400), (500, 600))

_TIME = """async ([kind, runs]) => {
  const gd = document.querySelector('.liqlib-snapshot');
  const z0 = gd.calcdata[0][0].z, cd = gd.data[0].customdata, zmax = gd.data[0].zmax;
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    if (kind === 'colour') {
      const cut = 0.01 * (i % 10);
      await Plotly.restyle(gd, {zmax: [zmax * (1 - 0.02 * (i % 5))],
        colorscale: [[[0, '#0d0016'], [cut, '#0d0016'], [cut + 1e-6, '#300060'], [1, '#ffe000']]]}, [0]);
    } else {
      const f = 1 + 0.01 * (i + 1);
      const z = Array.from(z0, (row) => Float32Array.from(row, (v) => v * f));
      await Plotly.restyle(gd, {z: [z], customdata: [cd]}, [0]);
    }
    await new Promise((r) => requestAnimationFrame(() => r()));
    out.push(performance.now() - t0);
  }
  out.sort((a, b) => a - b);
  return out[Math.floor(out.length / 2)];
}"""


def main() -> None:
    if not CHROMIUM.exists():
        print(f"skipped: no Chromium at {CHROMIUM} (apt-get install -y chromium)")
        return
    import tempfile

    from playwright.sync_api import sync_playwright

    import liqlib as lq

    market = lq.make_synthetic_market(10_080, seed=7)
    load = os.getloadavg()[0]
    print(
        f"Chromium, 7d of 1m candles (SYNTHETIC), load average {load:.1f} on {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        for bins, cols in GRIDS:
            ex = lq.make_heatmap_explorer(market, n_bins=bins, max_columns=cols)
            page_path = ex.snapshot(max_bins=bins, max_columns=cols).write_html(
                Path(tmp) / f"x{bins}.html"
            )
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(page_path.as_uri())
            page.wait_for_selector(".liqlib-snapshot .hm image", state="attached", timeout=60_000)
            shape = f"{bins} bins x {len(ex.hm.times)} columns"
            for kind, what in (("colour", "colour change"), ("z", "new estimate (z + hover data)")):
                ms = page.evaluate(_TIME, [kind, RUNS])
                print(f"browser redraw, {shape}, {what}: median {ms:.0f} ms")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
