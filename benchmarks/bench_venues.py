"""Cold and warm loads of Bybit and OKX market frames (``liqlib.data.venue_cache``): 30 days of
1m bars each, from loopback servers speaking each venue's REST JSON (SYNTHETIC values, built by
the test helpers), so the cold figure is loopback HTTP, not the internet. Warm loads read the
day cache and must make no request: the first warm read checks every file in full (schema,
contract, sha256) and stamps it; the reads that follow (timed) check the schema, record and
times of files unchanged since (see liqlib.data.cache).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from archive_server import ArchiveServer  # noqa: E402
from timing import median_time  # noqa: E402
from venue_rest import add_bybit_routes, add_okx_routes  # noqa: E402

from liqlib.data.cache import RACY_S  # noqa: E402
from liqlib.data.instruments import resolve_instrument  # noqa: E402
from liqlib.data.venue_cache import load_venue_market  # noqa: E402

T0 = 1_775_174_400_000  # 2026-04-03 00:00 UTC
START, END = "2026-04-03", "2026-05-03"
RUNS = 9


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, ArchiveServer(Path(tmp) / "www") as server:
        add_bybit_routes(server, T0, 60_000.0)
        add_okx_routes(server, T0, 60_000.0)
        os.environ["LIQLIB_BYBIT_REST_URL"] = os.environ["LIQLIB_OKX_REST_URL"] = server.url
        for venue in ("bybit", "okx"):
            inst = resolve_instrument("BTCUSDT", venue)
            kw = {"cache_dir": Path(tmp) / "cache"}
            server.reset_counts()
            t = time.perf_counter()
            df = load_venue_market(inst, START, END, "1m", **kw)
            cold = time.perf_counter() - t
            asked = server.total_requests
            server.reset_counts()
            time.sleep(RACY_S + 0.1)  # a warm cache was written earlier
            t = time.perf_counter()
            load_venue_market(inst, START, END, "1m", **kw)
            full = time.perf_counter() - t
            med = median_time(lambda _i, inst=inst, kw=kw: load_venue_market(inst, START, END,
                                                                               "1m", **kw), RUNS)  # fmt: skip
            assert server.total_requests == 0, "warm loads must not touch the network"
            files = len(list((Path(tmp) / "cache" / venue).rglob("*.parquet")))
            print(f"{venue} cold load 30d 1m over loopback HTTP: {cold:.2f} s, {asked} requests, "
                  f"{len(df):,} rows, {files} day files")  # fmt: skip
            print(f"{venue} first warm load (every check and sha256): {full:.3f} s")
            print(f"{venue} warm load 30d 1m from the day cache: median {med:.3f} s over {RUNS}")


if __name__ == "__main__":
    main()
