"""Benchmark of the "turnover" model (run by ``make bench``; a plain script, not a test).

The same 30 days of synthetic 1-minute candles (43,200) and 1,000 price bins as
``bench_engine.py``, with the model's default leverage density (24 cells x 2 sides, warm
start) folded to 1,000 columns; also the 5-tier point mix of "oi-flow" for a like-for-like
ratio, and one calibration basis run (every tier recorded per candle). Median of 7 runs after
a warm-up call (numba compilation excluded), in candles/s.

Usage: ``python benchmarks/bench_turnover.py``
"""

from __future__ import annotations

import numpy as np
from timing import median_time

N_CANDLES = 43_200
RUNS = 7


def main() -> None:
    import liqlib as lq
    from liqlib.estimate.config import EngineParams
    from liqlib.estimate.turnover import prepare_turnover, run_turnover
    from liqlib.sim.synthetic import make_synthetic_market

    market = make_synthetic_market(N_CANDLES, seed=0)
    kw = dict(n_bins=1_000, max_columns=1_000)
    for label, extra in (
        ("default density, 24 tiers", {}),
        ("5 point tiers (oi-flow's mix)", {"mix": lq.default_mix("BTCUSDT")}),
    ):
        lq.estimate_heatmap(market, "turnover", **kw, **extra)  # warm-up
        full = median_time(lambda _i, extra=extra: lq.estimate_heatmap(market, **kw, **extra), RUNS)
        print(
            f"turnover end-to-end, {label}: median {full:.4f} s, {N_CANDLES / full:,.0f} candles/s"
        )
    p = EngineParams(flow="turnover", mix=lq.MODELS["turnover"].default_mix, **kw)
    inputs = prepare_turnover(market, p)
    kernel = median_time(lambda _i: run_turnover(inputs), RUNS)
    print(
        f"turnover kernel only, 24 tiers: median {kernel:.4f} s, {N_CANDLES / kernel:,.0f} candles/s"
    )
    basis = prepare_turnover(market, p, stock_weights=np.ones(24))
    rec = median_time(lambda _i: run_turnover(basis, record_tiers=True), RUNS)
    print(
        f"calibration basis run (24 tiers recorded): median {rec:.4f} s, "
        f"{N_CANDLES / rec:,.0f} candles/s"
    )


if __name__ == "__main__":
    main()
