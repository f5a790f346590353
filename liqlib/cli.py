"""Command line: ``liqlib report`` runs the notebook suite headless and writes HTML reports."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from pathlib import Path

import requests

from liqlib import cache_cli
from liqlib.errors import LiqlibError
from liqlib.report import run_suite
from liqlib.serve import serve_directory
from liqlib.sources.binance import ARCHIVE_URL_ENV, DEFAULT_ARCHIVE_URL

NO_DATA_HELP = (
    "cannot reach {url} ({why}): liqlib needs market data. Offline, point it at a local copy "
    "of the archive: `make report MIRROR=/path/to/mirror` (a folder holding data/futures/um/...) "
    "or set {env} to a mirror's URL; online, check your connection."
)


def archive_reachable(url: str, timeout_s: float = 5.0) -> str | None:
    """None if the archive answers at all, else a short reason it does not."""
    try:
        requests.head(url, timeout=timeout_s, allow_redirects=True)
    except requests.RequestException as exc:
        return type(exc).__name__
    return None


def default_notebooks(folder: Path) -> list[Path]:
    """The numbered notebooks of the suite, in order (``NN-title.ipynb``)."""
    return sorted(p for p in folder.glob("[0-9][0-9]-*.ipynb"))


def cmd_report(args: argparse.Namespace) -> int:
    notebooks = [Path(p) for p in args.notebook] or default_notebooks(Path(args.notebooks_dir))
    if not notebooks:
        print(f"liqlib report: no notebooks found in {args.notebooks_dir}", file=sys.stderr)
        return 2
    params = dict(args.param or [])
    with ExitStack() as stack:
        if args.mirror:
            url = stack.enter_context(serve_directory(args.mirror))
            os.environ[ARCHIVE_URL_ENV] = url
            print(f"liqlib report: serving mirror {args.mirror} at {url}")
        url = os.environ.get(ARCHIVE_URL_ENV, DEFAULT_ARCHIVE_URL)
        why = archive_reachable(url)
        if why:
            print(
                "liqlib report: " + NO_DATA_HELP.format(url=url, why=why, env=ARCHIVE_URL_ENV),
                file=sys.stderr,
            )
            return 2
        pages = run_suite(notebooks, args.out, params, timeout_s=args.timeout)
    for page in pages:
        print(f"liqlib report: wrote {page}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="liqlib", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="run the notebooks with papermill and write HTML")
    rep.add_argument("--out", default="reports", help="output folder (default: reports)")
    rep.add_argument("--notebooks-dir", default="notebooks", help="folder of NN-*.ipynb")
    rep.add_argument("--notebook", action="append", default=[], help="run only this notebook")
    rep.add_argument("--mirror", help="serve this local archive mirror on 127.0.0.1 for the run")
    rep.add_argument("--timeout", type=int, default=600, help="per-cell timeout, seconds")
    rep.add_argument(
        "-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
        help="papermill parameter for every notebook (string value)",
    )  # fmt: skip
    cache_cli.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "cache":
        return cache_cli.run(args)
    try:
        return cmd_report(args)
    except LiqlibError as err:
        print(f"liqlib {args.command}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
