"""Throughput of the liquidation recorder's hot path and of reading a recording back.

1. decode + parse + de-duplicate + store: Binance ``forceOrder`` frames through
   ``events.parse_binance`` and ``EventSink`` (flushing every 5,000 events), events per second;
2. ``lq.load_liquidations`` + ``lq.to_bars`` on the store that made.

The venues push a few events per second per symbol (Binance and OKX at most one per symbol per
second), so anything above ~10^4 events/s leaves a wide margin. Median of 5 runs (SYNTHETIC
frames). Usage: ``python benchmarks/bench_record.py``
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from timing import median_time

import liqlib as lq
from liqlib.data.record.events import decode, parse_binance
from liqlib.data.record.store import EventSink

N = 50_000
T0 = 1_775_207_919_322


def frame(i: int) -> str:
    o = {"s": "BTCUSDT", "S": "SELL" if i % 2 else "BUY", "q": "0.010", "p": "50000",
         "ap": f"{50000 + i % 1000}", "z": "0.010", "T": T0 + 37 * i}  # fmt: skip
    return json.dumps({"stream": "btcusdt@forceOrder", "data": {"e": "forceOrder", "o": o}})


def main() -> None:
    frames = [frame(i) for i in range(N)]
    with tempfile.TemporaryDirectory() as tmp:

        def record(run: int) -> None:
            sink = EventSink(Path(tmp) / f"run{run}")
            for text in frames:
                for ev in parse_binance(decode(text), 0):
                    sink.add(ev)
            sink.flush()

        t_rec = median_time(record, 5)
        t_read = median_time(
            lambda _: lq.to_bars(lq.load_liquidations(Path(tmp) / "run0"), interval="1h"), 5
        )
    print(f"record (decode, parse, dedup, atomic Parquet): {N / t_rec:,.0f} events/s "
          f"(median {t_rec:.2f} s for {N:,})")  # fmt: skip
    print(f"load_liquidations + to_bars: {N / t_read:,.0f} events/s (median {t_read:.3f} s)")


if __name__ == "__main__":
    main()
