"""How long ``import liqlib`` takes in a fresh interpreter (target: <= 0.5 s), and the first use
of the estimator after it (pandas + numba imported then).

Median of 7 fresh processes each; the interpreter's own start-up (``python -c pass``) is printed
too and not subtracted. Usage: ``python benchmarks/bench_import.py``
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 7


def _median_s(code: str) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    bare = _median_s("pass")
    imp = _median_s("import liqlib")
    first = _median_s("import liqlib as lq; lq.estimate_heatmap; lq.plot_heatmap")
    print(f"python -c pass: median {bare:.3f} s")
    print(f"import liqlib: median {imp:.3f} s (target <= 0.5 s)")
    print(f"import liqlib + first use of estimate_heatmap and plot_heatmap: median {first:.3f} s")


if __name__ == "__main__":
    main()
