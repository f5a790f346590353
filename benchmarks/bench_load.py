"""Warm-cache load speed of ``lq.load_market``: 30 days of 1m bars, one symbol.

Goal (issue #13): <= 0.1 s median from the warm cache, every kind included. The archive is
SYNTHETIC (built by the test helpers) and served on 127.0.0.1, so the cold figure is loopback
HTTP, not the internet. "Warm" is a cache written earlier: the script waits
``liqlib.data.cache.RACY_S`` after the cold load, then reads once (every file checked in full
and stamped), then times the reads that follow (the cheap checks; see liqlib.data.cache). The
first, full-check read is reported too.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from archive_server import build_synthetic_archive, serve_archive  # noqa: E402
from timing import median_time  # noqa: E402

import liqlib as lq  # noqa: E402

try:  # the stamps of liqlib.data.cache (absent before issue #13: then every read checks in full)
    from liqlib.data.cache import RACY_S, STAMPS
except ImportError:
    RACY_S, STAMPS = 0.0, ".verified.json"

DAYS = [d.date().isoformat() for d in pd.date_range("2025-10-01", periods=30, freq="D")]
KINDS = ("klines", "markPriceKlines", "metrics", "fundingRate")
GOAL_S = 0.1
RUNS = 15


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        arch = build_synthetic_archive(tmp / "archive", days=DAYS, kinds=KINDS, interval="1m")
        print(f"built synthetic archive: {len(arch.paths)} zips in {time.perf_counter() - t:.1f} s")
        with serve_archive(arch.root) as server:
            os.environ["LIQLIB_BINANCE_ARCHIVE_URL"] = server.url
            for include in (["klines", "metrics"], list(KINDS)):
                kw = {"interval": "1m", "include": include, "cache_dir": tmp / "cache",
                      "progress": False}  # fmt: skip

                def load(_i: int, kw=kw) -> pd.DataFrame:
                    return lq.load_market("BTCUSDT", DAYS[0], "2025-10-31", **kw)

                t = time.perf_counter()
                df = load(0)
                cold = time.perf_counter() - t
                time.sleep(RACY_S + 0.1)  # a warm cache was written earlier
                for stamps in (tmp / "cache").rglob(STAMPS):
                    stamps.unlink()
                server.reset_counts()
                t = time.perf_counter()
                load(0)
                full = time.perf_counter() - t
                med = median_time(load, RUNS)
                assert server.total_requests == 0, "warm loads must not touch the network"
                files = len(list((tmp / "cache").rglob("*.parquet")))
                name = "+".join(include)
                print(
                    f"cold load 30d 1m {name} over loopback HTTP: {cold:.2f} s ({len(df):,} rows)"
                )
                print(f"first warm load ({files} files, every check and sha256): {full:.3f} s")
                print(
                    f"warm load 30d 1m {name}: median {med:.3f} s over {RUNS} runs; goal <= "
                    f"{GOAL_S} s -> {GOAL_S / med:.1f}x under budget"
                )


if __name__ == "__main__":
    main()
