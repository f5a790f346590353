"""``liqlib cache list``, ``verify``, ``clear`` and ``refresh-tiers``: the cache (every
venue's, and the venues' margin tiers) from the command line.

Registered by :func:`add_parser` in :mod:`liqlib.report.cli`; :func:`run` returns the exit status
(0: the cache is sound, 1: problems remain, 2: bad usage or a liqlib error).
"""

from __future__ import annotations

import argparse
import sys

from liqlib.errors import LiqlibError


def add_parser(sub) -> None:
    """Add ``cache verify`` / ``cache clear`` / ``cache refresh-tiers`` to the sub-parsers."""
    cache = sub.add_parser("cache", help="check, repair or clear the local data cache")
    actions = cache.add_subparsers(dest="action", required=True)
    verify = actions.add_parser(
        "verify", help="check every cached file (sha256, schema, contract); --repair mends"
    )
    verify.add_argument(
        "--repair", action="store_true", help="quarantine and re-download bad files"
    )
    clear = actions.add_parser(
        "clear", help="delete cached files (all, or one symbol's or venue's)"
    )
    clear.add_argument("--symbol", help="only this symbol, e.g. BTCUSDT or PEPEUSDT")
    clear.add_argument("--venue", choices=("binance", "bybit", "okx"), help="only this venue")
    listing = actions.add_parser(
        "list", help="what is cached: one line per venue, instrument and kind"
    )
    tiers = actions.add_parser(
        "refresh-tiers",
        help="fetch a venue's current margin tiers (public REST) into the cache; the engine "
        "then prefers them to the bundled tables",
    )
    tiers.add_argument("--venue", required=True, help="bybit or okx")
    tiers.add_argument(
        "--symbols", default="BTCUSDT,ETHUSDT,SOLUSDT,DOGEUSDT", help="comma-separated symbols"
    )
    for p in (verify, clear, listing, tiers):
        p.add_argument(
            "--cache-dir",
            help="cache folder (default: $LIQLIB_CACHE_DIR, else see lq.show_config())",
        )


def run(args: argparse.Namespace) -> int:
    """Execute ``liqlib cache <action>``."""
    from liqlib.data.store import clear_cache, list_cache, resolve_cache_dir, verify_cache

    try:
        root = resolve_cache_dir(args.cache_dir)
        if args.action == "refresh-tiers":
            from liqlib.data.venue_tiers import refresh_tiers

            paths = refresh_tiers(args.venue, args.symbols, cache_dir=root)
            for path in paths:
                print(f"liqlib cache refresh-tiers: wrote {path}")
            return 0
        if args.action == "clear":
            removed = clear_cache(args.symbol, cache_dir=root, venue=args.venue)
            print(f"liqlib cache clear: removed {removed} files from {root}")
            return 0
        if args.action == "list":
            table = list_cache(root)
            if table.empty:
                print(f"liqlib cache list: nothing cached in {root}")
            else:
                print(f"liqlib cache list: {int(table.files.sum())} files in {root}")
                print(table.to_string(index=False))
            return 0
        report = verify_cache(root, repair=args.repair)
    except LiqlibError as err:
        print(f"liqlib cache {args.action}: {err}", file=sys.stderr)
        return 2
    counts = report["status"].value_counts().to_dict() if len(report) else {}
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "empty"
    print(f"liqlib cache verify: {len(report)} files in {root}: {summary}")
    for row in report[report["status"] != "ok"].itertuples():
        note = f" -> {row.action}" if row.action else ""
        print(f"  {row.status:<12} {row.path}: {row.detail}{note}")
    problems = report.attrs.get("problems", 0)
    if problems:
        print(
            f"liqlib cache verify: {problems} problems remain; run `liqlib cache verify "
            "--repair` to mend them",
            file=sys.stderr,
        )
        return 1
    return 0
