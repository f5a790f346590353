"""Benchmark of ``liqlib scan`` on Dask (run by ``make bench``; a plain script, not a test).

1. **End to end**: 40 SIMULATED symbols x 24 h of 1-minute candles on a LocalCluster of 2
   workers, cluster start and shutdown included (what ``liqlib scan --data sim --n-symbols 40
   --window 24h`` costs), median of 3 runs after a warm-up run (numba's on-disk cache filled).
   The issue's ceiling: 60 s.
2. **Scaling of the task step** from 1 to 2 workers: the same 40 tasks timed on an already
   started cluster (map + gather only), median of 3; speed-up = t(1) / t(2) (2.0 = linear).
3. **Cost per symbol**: the median task time (load + estimate) and, in this process, the
   split between making the SIMULATED market and estimating it.
4. **500 symbols x 24 h** on 2 workers, the task step of one run (every member simulated:
   an upper bound for a warm-cache Binance scan, which reads Parquet instead); the issue's
   ceiling for that: 120 s.

The machine is shared: the figures are medians, and the ratios say more than the seconds.

Usage: ``python benchmarks/bench_scan.py``
"""

from __future__ import annotations

import logging
import statistics
import time

from timing import median_time

N_SYMBOLS = 40
RUNS = 3
BIG = 500


def _timed_tasks(client, symbols, cfg) -> float:
    from liqlib.stories.scan import map_on_dask, scan_symbol

    t0 = time.perf_counter()
    rows, _ = map_on_dask(scan_symbol, symbols, client=client, cfg=cfg)
    elapsed = time.perf_counter() - t0
    failed = [r["symbol"] for r in rows if r["error"] is not None]
    if failed:
        raise SystemExit(f"bench_scan: symbols failed: {failed[:3]}")
    return elapsed


def main() -> None:
    import os

    from distributed import Client, LocalCluster

    import liqlib as lq
    from liqlib.stories.scan import ScanConfig, resolve_symbols, scan
    from liqlib.stories.universe import load_universe_market

    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared)")
    cfg = ScanConfig(window="24h")
    symbols = resolve_symbols(None, "sim", N_SYMBOLS)
    scan(symbols[:4], cfg)  # warm-up: numba's cache, imports

    e2e = median_time(lambda _: scan(symbols, cfg, n_workers=2), RUNS)
    print(
        f"scan end to end: {N_SYMBOLS} SIMULATED symbols x 24 h of 1m on 2 workers: "
        f"{e2e:.1f} s (median of {RUNS}, cluster start included); ceiling 60 s -> "
        f"{60.0 / e2e:.1f}x under it"
    )

    step = {}
    for n in (1, 2):
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,
        ):  # fmt: skip
            _timed_tasks(client, symbols[:4], cfg)  # warm every worker
            step[n] = statistics.median(_timed_tasks(client, symbols, cfg) for _ in range(RUNS))
    print(
        f"task step, {N_SYMBOLS} symbols: 1 worker {step[1]:.1f} s, 2 workers {step[2]:.1f} s "
        f"-> speed-up {step[1] / step[2]:.2f}x (2.00x = linear)"
    )

    sim_t, est_t = [], []
    for s in symbols[:10]:
        t0 = time.perf_counter()
        m = load_universe_market(s, "24h")
        t1 = time.perf_counter()
        lq.estimate_heatmap(m, params=lq.EngineParams(n_bins=cfg.n_bins, max_columns=48,
                                                      symbol=m.attrs["bracket_symbol"]))  # fmt: skip
        t2 = time.perf_counter()
        sim_t.append(t1 - t0)
        est_t.append(t2 - t1)
    print(
        f"cost per symbol (24 h of 1m, in process, median of 10): simulate "
        f"{statistics.median(sim_t) * 1e3:.0f} ms, estimate {statistics.median(est_t) * 1e3:.0f} ms"
    )

    big = resolve_symbols(None, "sim", BIG)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
    ):
        _timed_tasks(client, big[:4], cfg)
        t_big = _timed_tasks(client, big, cfg)
    print(
        f"{BIG} SIMULATED symbols x 24 h on 2 workers (task step, simulation included): "
        f"{t_big:.1f} s, {t_big / BIG * 2 * 1e3:.0f} ms of worker time per symbol; ceiling "
        f"120 s -> {120.0 / t_big:.1f}x under it"
    )


if __name__ == "__main__":
    main()
