"""The one timing helper the benchmark scripts share (they import it as a sibling module)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(
    fn: Callable[[int], object], runs: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Median time (s) of ``fn(0) ... fn(runs - 1)`` (the run number lets a benchmark vary
    what it changes from run to run). ``clock`` is wall time by default; pass
    ``time.process_time`` for the CPU time of this process, which other jobs sharing the
    machine do not inflate."""
    times = []
    for i in range(runs):
        t0 = clock()
        fn(i)
        times.append(clock() - t0)
    return statistics.median(times)
