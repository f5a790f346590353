"""The one timing helper the benchmark scripts share (they import it as a sibling module)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(fn: Callable[[int], object], runs: int) -> float:
    """Median wall time (s) of ``fn(0) ... fn(runs - 1)`` (the run number lets a benchmark
    vary what it changes from run to run)."""
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
