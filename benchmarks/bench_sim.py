"""Benchmark of the agent-based simulator (run by ``make bench``; a plain script, not a test).

Simulated days per second with about 50,000 live positions (the default configuration:
1-minute candles, 6 price points a minute, hourly truth snapshots), median of 5 runs of
3 days after the default 6-day burn-in (timed together; the
burn-in's first day, with fewer positions, is the only cheaper part), numba compilation excluded by a warm-up call. The issue's
floor is 1 simulated day per second. Also reports the live-position count reached.

Usage: ``python benchmarks/bench_sim.py``
"""

from __future__ import annotations

import statistics
import time

from liqlib.sim.market import simulate_market

DAYS = 3.0
BURN_IN = 6.0
RUNS = 3


def main() -> None:
    simulate_market(0, days=0.05, live_positions=1_000, burn_in_days=0.0)  # compile
    rates, live = [], []
    for seed in range(RUNS):
        t0 = time.perf_counter()
        _, truth = simulate_market(seed, days=DAYS, burn_in_days=BURN_IN)
        elapsed = time.perf_counter() - t0
        rates.append((DAYS + BURN_IN) / elapsed)
        live.append(truth.attrs["live_positions_mean"])
    print(
        f"simulate_market: {statistics.median(rates):.2f} simulated days/s (median of {RUNS}, "
        f"min {min(rates):.2f}); mean live positions {statistics.median(live):,.0f}; "
        f"floor 1.0 days/s -> ratio {statistics.median(rates) / 1.0:.2f}x"
    )


if __name__ == "__main__":
    main()
