"""Benchmark of the "turnover" model (run by ``make bench``; a plain script, not a test).

The same 30 days of synthetic 1-minute candles (43,200) and 1,000 price bins as
``bench_engine.py``, with the model's default leverage density (24 cells x 2 sides, warm
start) folded to 1,000 columns; also the 5-tier point mix of "oi-flow", "oi-flow" itself on
the same market, and one calibration basis run (every tier recorded per candle). Median of 7
runs after a warm-up call (numba compilation excluded), in candles/s: wall time, and the CPU
time of this process (what other jobs on a shared machine inflate less; the targets are read
on it). The targets of
issue 14: "turnover" >= 1,000,000 candles/s end to end, "oi-flow" >= 3,000,000.

Usage: ``python benchmarks/bench_turnover.py``
"""

from __future__ import annotations

import time

import numpy as np
from timing import median_time

N_CANDLES = 43_200
RUNS = 7
TARGETS = {"turnover": 1_000_000, "oi-flow": 3_000_000}


def _line(label: str, fn) -> float:
    wall = median_time(fn, RUNS)
    cpu = median_time(fn, RUNS, clock=time.process_time)
    print(
        f"{label}: median {wall:.4f} s wall, {N_CANDLES / wall:,.0f} candles/s; "
        f"{cpu:.4f} s CPU, {N_CANDLES / cpu:,.0f} candles/s"
    )
    return N_CANDLES / cpu


def main() -> None:
    import liqlib as lq
    from liqlib.estimate.config import EngineParams
    from liqlib.estimate.turnover import prepare_turnover, run_turnover
    from liqlib.sim.synthetic import make_synthetic_market

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
    _line("turnover kernel only, 24 tiers", lambda _i: run_turnover(inputs))
    basis = prepare_turnover(market, p, stock_weights=np.ones(24))
    _line(
        "calibration basis run (24 tiers recorded)",
        lambda _i: run_turnover(basis, record_tiers=True),
    )
    print(
        f"turnover (24 tiers) / oi-flow speed, end to end (CPU): "
        f"{speed['turnover'] / speed['oi-flow']:.2f}"
    )
    for model, target in TARGETS.items():
        got = speed[model]
        verdict = "met" if got >= target else "NOT met"
        print(
            f"target {model} >= {target:,} candles/s end to end (CPU): {got:,.0f}, "
            f"{got / target:.2f}x the target, {verdict}"
        )


if __name__ == "__main__":
    main()
