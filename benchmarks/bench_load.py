"""Warm-cache load speed of ``lq.load_market``: 30 days of 1m klines + metrics, one symbol.

Goal (issue #2): <= 0.3 s median from the warm cache. The archive is SYNTHETIC (built by the
test helpers) and served on 127.0.0.1, so the cold figure is loopback HTTP, not the internet.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from archive_server import build_synthetic_archive, serve_archive  # noqa: E402

import liqlib as lq  # noqa: E402

DAYS = [d.date().isoformat() for d in pd.date_range("2025-10-01", periods=30, freq="D")]
GOAL_S = 0.3


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        arch = build_synthetic_archive(
            tmp / "archive", days=DAYS, kinds=("klines", "metrics"), interval="1m"
        )
        print(f"built synthetic archive: {len(arch.paths)} zips in {time.perf_counter() - t:.1f} s")
        kw = {
            "interval": "1m", "include": ["klines", "metrics"], "cache_dir": tmp / "cache",
            "progress": False,
        }  # fmt: skip
        with serve_archive(arch.root) as server:
            os.environ["LIQLIB_BINANCE_ARCHIVE_URL"] = server.url
            t = time.perf_counter()
            df = lq.load_market("BTCUSDT", DAYS[0], "2025-10-31", **kw)
            cold = time.perf_counter() - t
            server.reset_counts()
            runs = []
            for _ in range(9):
                t = time.perf_counter()
                lq.load_market("BTCUSDT", DAYS[0], "2025-10-31", **kw)
                runs.append(time.perf_counter() - t)
            assert server.total_requests == 0, "warm loads must not touch the network"
    med = statistics.median(runs)
    print(f"cold load 30d 1m klines+metrics over loopback HTTP: {cold:.2f} s ({len(df):,} rows)")
    print(
        f"warm load 30d 1m klines+metrics: median {med:.3f} s over {len(runs)} runs "
        f"(min {min(runs):.3f}, max {max(runs):.3f}); goal <= {GOAL_S} s -> "
        f"{GOAL_S / med:.1f}x under budget"
    )


if __name__ == "__main__":
    main()
