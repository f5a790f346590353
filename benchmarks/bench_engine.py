"""Benchmark of the estimation engine (run by ``make bench``; a plain script, not a test).

30 days of synthetic 1-minute candles (43,200), 1,000 price bins, 5 tiers x 2 sides, folded to
1,000 columns. Prints one line per figure:

- the engine end to end (validation + kernel + Heatmap) and the kernel alone: median of 7
  runs after a warm-up call (numba compilation excluded), in candles/s;
- the speed ratio against the pure-Python reference (``tests/reference_engine.py``), timed on
  the first 1,000 candles and scaled per candle (the reference is far too slow for 43,200);
- the peak memory of one year of 1-minute candles (525,600), measured in a fresh subprocess:
  tracemalloc peak of the estimate alone, and the process's peak RSS (market included).

Usage: ``python benchmarks/bench_engine.py``
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from timing import median_time

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

N_CANDLES = 43_200
N_REFERENCE = 1_000
N_YEAR = 525_600
RUNS = 7

_MEMORY_SCRIPT = """
import resource, sys, tracemalloc
from liqlib.estimate.config import EngineParams
from liqlib.estimate.oi_flow import estimate
from liqlib.sim.synthetic import make_synthetic_market
p = EngineParams(n_bins=1000, max_columns=1000)
estimate(make_synthetic_market(1000), p)  # compile / load the numba cache first
df = make_synthetic_market({n})
tracemalloc.start()
hm = estimate(df, p)
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(peak, rss)
"""


def main() -> None:
    from reference_engine import reference_run

    from liqlib.estimate.config import EngineParams
    from liqlib.estimate.inputs import prepare_inputs
    from liqlib.estimate.oi_flow import estimate, run_inputs
    from liqlib.sim.synthetic import make_synthetic_market

    params = EngineParams(n_bins=1_000, max_columns=1_000)
    market = make_synthetic_market(N_CANDLES, seed=0)
    estimate(market, params)  # warm-up: numba compilation excluded
    full = median_time(lambda _i: estimate(market, params), RUNS)
    inputs = prepare_inputs(market, params)
    kernel = median_time(lambda _i: run_inputs(inputs), RUNS)
    print(
        f"engine 30d 1m (synthetic), {params.n_bins} bins, 5 tiers x 2 sides, "
        f"{params.max_columns} columns"
    )
    print(f"engine end-to-end: median {full:.4f} s, {N_CANDLES / full:,.0f} candles/s")
    print(f"engine kernel only: median {kernel:.4f} s, {N_CANDLES / kernel:,.0f} candles/s")

    sl = prepare_inputs(market.iloc[:N_REFERENCE], params)
    t0 = time.perf_counter()
    reference_run(sl)
    ref = time.perf_counter() - t0
    ref_per = ref / N_REFERENCE
    print(
        f"reference (pure Python) on the first {N_REFERENCE:,} candles: {ref:.2f} s, "
        f"{1 / ref_per:,.0f} candles/s (scaled per candle)"
    )
    print(
        f"speed-up vs reference: {ref_per / (full / N_CANDLES):,.0f}x end-to-end, "
        f"{ref_per / (kernel / N_CANDLES):,.0f}x kernel"
    )

    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT.format(n=N_YEAR)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    peak, rss = (int(x) for x in out[-2:])
    print(
        f"peak memory, 1 year 1m ({N_YEAR:,} candles): estimate {peak / 2**20:,.0f} MiB "
        f"(tracemalloc), process {rss / 2**20:,.0f} MiB peak RSS incl. market and imports"
    )


if __name__ == "__main__":
    main()
