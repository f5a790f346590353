"""``liqlib record``: record realized liquidations from the venues' public streams.

Wire it into a parent parser with :func:`add_record_parser` (``liqlib record ...``); or run
``python -m liqlib.data.record --venue binance --symbols BTCUSDT --out DIR --duration 25s``.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys

from liqlib.errors import LiqlibError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds of ``25s``, ``10m``, ``2h``, ``7d`` or a plain number of seconds.

    Examples
    --------
    >>> parse_duration("25s"), parse_duration("2h"), parse_duration("1.5")
    (25.0, 7200.0, 1.5)
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not m or float(m.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration: use e.g. 25s, 10m, 2h or 7d")
    return float(m.group(1)) * _UNITS[m.group(2) or "s"]


def _ct_val(text: str) -> tuple[str, float]:
    inst, _, value = text.partition("=")
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not inst or not number > 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not INST=COINS, e.g. --okx-ct-val BTC-USDT-SWAP=0.01"
        )
    return inst.upper(), number


def add_record_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``record`` command to an ``argparse`` sub-parsers object; returns its parser."""
    p = subparsers.add_parser(
        "record",
        help="record realized liquidations from the venues' public streams into Parquet",
        description=(
            "Subscribe to the public liquidation streams (Binance USD-M forceOrder, Bybit "
            "allLiquidation, OKX liquidation-orders) and append every event, once, to a "
            "Parquet store DIR/events/venue=/symbol=/date=. Disconnections are stored as gaps "
            "(DIR/gaps). Stops at --duration or on SIGTERM / Ctrl-C, after writing everything "
            "received. Binance and OKX push at most one liquidation per symbol per second: "
            "their totals are lower bounds. URLs: LIQLIB_BINANCE_WS_URL, LIQLIB_BYBIT_WS_URL, "
            "LIQLIB_OKX_WS_URL."
        ),
    )
    p.add_argument("--venue", default="binance", help="venues, comma-separated (binance,bybit,okx)")
    p.add_argument("--symbols", default="BTCUSDT", help="USDT perpetuals, comma-separated")
    p.add_argument("--out", required=True, help="output folder (created if needed)")
    p.add_argument("--duration", type=parse_duration, default=None, help="stop after 25s/10m/2h/7d")
    p.add_argument("--flush", type=parse_duration, default=5.0, help="write at least this often")
    p.add_argument(
        "--idle", type=parse_duration, default=20.0, help="ping a socket silent this long"
    )
    p.add_argument("--pong-timeout", type=parse_duration, default=10.0, help="stall after this")
    p.add_argument(
        "--backoff-max", type=parse_duration, default=60.0, help="longest reconnect wait"
    )
    p.add_argument(
        "--okx-ct-val",
        type=_ct_val,
        action="append",
        default=[],
        metavar="INST=COINS",
        help="OKX coins per contract (default: from OKX's instruments endpoint)",
    )
    p.add_argument("--quiet", action="store_true", help="log warnings only")
    p.set_defaults(func=run_record)
    return p


def run_record(args: argparse.Namespace) -> int:
    """Run ``liqlib record`` for parsed ``args``; returns the exit code (0 on a clean stop)."""
    from pathlib import Path

    from liqlib.data.record.recorder import RecorderConfig, record
    from liqlib.data.record.streams import make_specs

    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    venues = [v.strip().lower() for v in args.venue.split(",") if v.strip()]
    symbols = [s.strip().upper() for s in args.symbols.split(",") if s.strip()]
    try:
        if not venues or not symbols:
            raise LiqlibError(
                "no venue or symbol given: use e.g. --venue binance --symbols BTCUSDT"
            )
        specs = make_specs(venues, symbols, dict(args.okx_ct_val))
        cfg = RecorderConfig(
            duration_s=args.duration,
            flush_s=args.flush,
            idle_s=args.idle,
            pong_s=args.pong_timeout,
            backoff_min_s=min(1.0, args.backoff_max),
            backoff_max_s=args.backoff_max,
        )
        Path(args.out).mkdir(parents=True, exist_ok=True)
        stats = record(specs, args.out, cfg)
    except (LiqlibError, OSError) as exc:
        print(f"liqlib record: {exc}", file=sys.stderr)
        return 2
    summary = {
        v: {
            k: getattr(s, k) for k in ("events", "malformed", "connects", "drops", "stalls", "gaps")
        }
        for v, s in stats.items()
    }
    print(json.dumps({"out": str(args.out), "venues": summary}))
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m liqlib.data.record [record] ...``."""
    parser = argparse.ArgumentParser(prog="liqlib")
    sub = parser.add_subparsers(dest="command", required=True)
    add_record_parser(sub)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "record":
        argv.insert(0, "record")
    args = parser.parse_args(argv)
    return args.func(args)
