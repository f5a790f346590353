"""Benchmark of the "turnover" model (run by ``make bench``; a plain script, not a test).

The same 30 days of synthetic 1-minute candles (43,200) and 1,000 price bins as
``bench_engine.py``, with the model's default leverage density (24 cells x 2 sides, warm
start) folded to 1,000 columns; also the 5-tier point mix of "oi-flow", "oi-flow" itself on
the same market, one calibration basis run (every tier recorded per candle), and the
kernel on one thread. Median of 7 runs after a warm-up call (numba compilation excluded),
in candles/s, two ways:

- **wall** time: what a user waits. The kernel runs the two sides (long, short) on
  ``liqlib.estimate.turnover.KERNEL_THREADS`` threads (2 where there are two cores), so
  with 2 threads its target is read on wall time ("oi-flow", on one thread, on CPU time). On a shared machine other jobs can
  take the second core (then the two threads share one and wall time is no better than
  one thread's): the script prints the load average it started with;
- **CPU** time of this process: both threads summed, so with 2 threads it is about twice
  the wall time of the kernel (a measure of the work done, which other jobs inflate less).

The targets of issue 14: "turnover" >= 1,000,000 candles/s end to end, "oi-flow" >=
3,000,000.

Usage: ``python benchmarks/bench_turnover.py``
"""

from __future__ import annotations

import os
import time

import numpy as np
from timing import median_time

N_CANDLES = 43_200
RUNS = 7
TARGETS = {"turnover": 1_000_000, "oi-flow": 3_000_000}


def _line(label: str, fn) -> tuple[float, float]:
    """Print and return (wall, CPU) candles/s of ``fn``."""
    wall = median_time(fn, RUNS)
    cpu = median_time(fn, RUNS, clock=time.process_time)
    print(
        f"{label}: median {wall:.4f} s wall, {N_CANDLES / wall:,.0f} candles/s; "
        f"{cpu:.4f} s CPU, {N_CANDLES / cpu:,.0f} candles/s"
    )
    return N_CANDLES / wall, N_CANDLES / cpu


def main() -> None:
    import liqlib as lq
    from liqlib.estimate import turnover
    from liqlib.estimate.config import EngineParams
    from liqlib.estimate.turnover import prepare_turnover, run_turnover
    from liqlib.sim.synthetic import make_synthetic_market

    threads = turnover.KERNEL_THREADS
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"turnover kernel threads: {threads} (one per side; {os.cpu_count()} CPUs); "
        f"load average at the start (1, 5, 15 min): {load}"
    )
    market = make_synthetic_market(N_CANDLES, seed=0)
    kw = dict(n_bins=1_000, max_columns=1_000)
    speed = {}
    for label, model, extra in (
        ("turnover end-to-end, default density, 24 tiers", "turnover", {}),
        ("turnover end-to-end, 5 point tiers (oi-flow's mix)", "turnover",
         {"mix": lq.default_mix("BTCUSDT")}),
        ("oi-flow end-to-end, 5 tiers, same market", "oi-flow", {}),
    ):  # fmt: skip
        lq.estimate_heatmap(market, model, **kw, **extra)  # warm-up
        cps = _line(label, lambda _i, m=model, e=extra: lq.estimate_heatmap(market, m, **kw, **e))
        speed.setdefault(model, cps)
    p = EngineParams(flow="turnover", mix=lq.MODELS["turnover"].default_mix, **kw)
    inputs = prepare_turnover(market, p)
    _line("turnover prepare_turnover only, 24 tiers", lambda _i: prepare_turnover(market, p))
    _line(f"turnover kernel only, 24 tiers, {threads} thread(s)", lambda _i: run_turnover(inputs))
    if threads > 1:
        turnover.KERNEL_THREADS = 1
        _line("turnover kernel only, 24 tiers, 1 thread", lambda _i: run_turnover(inputs))
        turnover.KERNEL_THREADS = threads
    basis = prepare_turnover(market, p, stock_weights=np.ones(24))
    _line(
        "calibration basis run (24 tiers recorded)",
        lambda _i: run_turnover(basis, record_tiers=True),
    )
    print(
        "turnover (24 tiers) / oi-flow speed, end to end (CPU, the work done): "
        f"{speed['turnover'][1] / speed['oi-flow'][1]:.2f}"
    )
    for model, target in TARGETS.items():
        parallel = model == "turnover" and threads > 1  # oi-flow runs on one thread
        clock = "wall" if parallel else "CPU"
        got = speed[model][0 if parallel else 1]
        verdict = "met" if got >= target else "NOT met"
        print(
            f"target {model} >= {target:,} candles/s end to end ({clock}): {got:,.0f}, "
            f"{got / target:.2f}x the target, {verdict}"
        )


if __name__ == "__main__":
    main()
