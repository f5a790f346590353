"""``liqlib scan``: every symbol's liquidation summary at once, on Dask.

``liqlib scan --data {sim,binance} [--symbols all|BTCUSDT,ETHUSDT|--n-symbols N] --window 24h
--out DIR [--scheduler tcp://HOST:PORT] [--workers 2]`` writes ``DIR/scan.parquet`` (one row
per symbol, :data:`liqlib.stories.scan.SCAN_COLUMNS`) and ``DIR/index.html`` (the ranked
page). Both are written whole and then moved into place. Bad arguments are one-line errors
(exit 2); a symbol that fails is listed with its error while the others finish (exit 1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from liqlib.errors import InputError, LiqlibError

__all__ = ["add_scan_parser", "run_scan"]


def add_scan_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``scan`` command to an ``argparse`` sub-parser set; returns its parser.

    Values are checked by :func:`run_scan` (one-line errors), not by argparse.
    """
    p = subparsers.add_parser(
        "scan", help="estimate every symbol's heatmap on Dask; write scan.parquet + index.html"
    )
    p.add_argument("--data", default="sim", help="sim (SIMULATED universe, offline) or binance")
    p.add_argument("--symbols", help="all, or a list such as BTCUSDT,ETHUSDT (SIM-000,... for sim)")
    p.add_argument("--n-symbols", help="the first N symbols of the universe, e.g. 40")
    p.add_argument("--window", default="24h", help="window length ending at --end, e.g. 24h")
    p.add_argument("--end", help="binance: end of the window (UTC), default today 00:00")
    p.add_argument("--interval", default="1m", help="binance: candle length (default 1m)")
    p.add_argument("--model", help="estimator (default: liqlib's default model)")
    p.add_argument("--out", default="scan", help="output folder (default: scan)")
    p.add_argument("--scheduler", help="address of a running dask scheduler, tcp://HOST:PORT")
    p.add_argument("--workers", default="2", help="LocalCluster workers when no --scheduler")
    p.add_argument("--universe-seed", default="0", help="sim: seed of the universe (default 0)")
    return p


def _int(text, flag: str, example: str, minimum: int = 1) -> int:
    try:
        value = int(str(text))
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise InputError(f"{flag} {text!r} must be an integer >= {minimum}: use e.g. {example}")
    return value


def run_scan(args: argparse.Namespace) -> int:
    """Run ``liqlib scan``; returns the exit status (0 ok, 1 some symbols failed, 2 bad input)."""
    try:
        return _run(args)
    except LiqlibError as err:
        print(f"liqlib scan: {err}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from liqlib.stories.scan import (
        DATA_CHOICES,
        ScanConfig,
        parse_window,
        resolve_symbols,
        scan,
    )

    if args.data not in DATA_CHOICES:
        raise InputError(f"--data {args.data!r} is unknown: use one of {', '.join(DATA_CHOICES)}")
    parse_window(args.window)
    n = None if args.n_symbols is None else _int(args.n_symbols, "--n-symbols", "40")
    workers = _int(args.workers, "--workers", "2")
    seed = _int(args.universe_seed, "--universe-seed", "0", minimum=0)
    if args.symbols is None and n is None:
        raise InputError("say which symbols: --n-symbols 40, --symbols all or --symbols A,B")
    symbols = resolve_symbols(args.symbols, args.data, n)
    cfg = ScanConfig(
        data=args.data,
        window=args.window,
        end=args.end,
        interval=args.interval,
        model=args.model,
        universe_seed=seed,
    )
    if args.model is not None:
        import liqlib as lq

        if args.model not in lq.MODELS:
            raise InputError(f"--model {args.model!r} is unknown: use one of {sorted(lq.MODELS)}")
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"--out {args.out!r} cannot be created ({exc.strerror}): choose a writable folder"
        ) from None
    where = args.scheduler or f"a LocalCluster of {workers} worker(s)"
    print(
        f"liqlib scan: {len(symbols)} symbol(s), data {args.data}, window {args.window}, on {where}"
    )
    table = scan(symbols, cfg, scheduler=args.scheduler, n_workers=workers)
    _write(table, out, args)
    failed = table[table["error"].notna()]
    for _, row in failed.iterrows():
        print(f"liqlib scan: {row['symbol']} failed: {row['error']}", file=sys.stderr)
    print(
        f"liqlib scan: {len(table) - len(failed)} ok, {len(failed)} failed in "
        f"{table.attrs['wall_seconds']:.1f} s on {table.attrs['workers']} worker(s); wrote "
        f"{out / 'scan.parquet'} and {out / 'index.html'}"
    )
    return 1 if len(failed) else 0


def _write(table, out: Path, args: argparse.Namespace) -> None:
    from liqlib.report.scan_page import write_scan_page

    target = out / "scan.parquet"
    tmp = target.with_name(target.name + ".tmp")
    table.to_parquet(tmp, index=False)
    tmp.replace(target)
    label = "SIMULATED universe" if args.data == "sim" else "Binance USD-M"
    write_scan_page(table, out / "index.html", title=f"liqlib scan: {label}, {args.window}")
