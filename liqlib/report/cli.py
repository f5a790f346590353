"""Command line: ``liqlib report`` runs the notebook suite headless and writes HTML reports;
``liqlib scan`` summarises every symbol at once on Dask (:mod:`liqlib.report.scan_cli`);
``liqlib cache`` manages the local cache.

Which market the notebooks run on (their ``DATA`` parameter) is chosen once for the run:

- ``--data demo``: the bundled **SIMULATED** demo market (also served on 127.0.0.1 as an
  archive mirror, so the data-acquisition notebook exercises the real loader on it);
- ``--data binance``: real data from ``--mirror DIR`` (served on 127.0.0.1), from
  ``$LIQLIB_BINANCE_ARCHIVE_URL``, or from Binance's archive online;
- ``--data auto`` (default): ``binance`` when a mirror is given or an archive answers, else
  ``demo``, and the run says which it chose.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from pathlib import Path

from liqlib import settings
from liqlib.data.record.cli import add_record_parser
from liqlib.data.sources.binance.archive import ARCHIVE_URL_ENV
from liqlib.errors import LiqlibError
from liqlib.report import cache_cli, scan_cli
from liqlib.report.suite import default_notebooks, notebooks_dir, parameters_help

NO_DATA_HELP = (
    "cannot reach {url} ({why}): real data needs a mirror or the internet. Offline, point "
    "liqlib at a local copy of the archive: `make report MIRROR=/path/to/mirror` (a folder "
    "holding data/futures/um/...) or set {env} to a mirror's URL; or run on the bundled "
    "SIMULATED demo market with --data demo"
)


def archive_reachable(url: str, timeout_s: float = 5.0) -> str | None:
    """None if the archive answers at all, else a short reason it does not."""
    import requests

    try:
        requests.head(url, timeout=timeout_s, allow_redirects=True)
    except requests.RequestException as exc:
        return type(exc).__name__
    return None


REPORT_EXAMPLES = """examples:
  liqlib report                                  every notebook, market chosen by --data auto
  liqlib report --data demo --out /tmp/reports   offline, on the SIMULATED demo market
  liqlib report --symbol BTCUSDT --window 24h    one symbol report (20-report)
  liqlib report --notebook notebooks/03-heatmap-explorer.ipynb -p MODEL turnover
  liqlib report --mirror ../shared/data/mirror   real data from a local archive mirror
"""


def typed_value(text: str):
    """A ``-p`` value typed as papermill's own CLI types it (``True``/``False``/``None``,
    int, float, else str), plus YAML flow lists such as ``[10, 25, 50]``.

    Examples
    --------
    >>> typed_value("500"), typed_value("0.5"), typed_value("True"), typed_value("[1, 2]")
    (500, 0.5, True, [1, 2])
    >>> typed_value("BTCUSDT")
    'BTCUSDT'
    """
    from papermill.cli import _resolve_type  # the exact rules of `papermill -p`

    if text.startswith("[") and text.endswith("]"):
        import yaml

        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            return text
        return value if isinstance(value, list) else text
    return _resolve_type(text)


#: parameter names that look like credentials: never papermill parameters (they would be
#: written into the executed notebook and its report)
SECRET_WORDS = ("KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL")

REPORT_NOTEBOOK = "20-report.ipynb"
#: The case studies run on what their events need: the archive when it is the real one (online),
#: else the real hourly candles bundled with liqlib (a mirror or the demo lacks those windows).
CASE_NOTEBOOKS = ("11-case-nov-2025.ipynb", "12-case-oct-2025.ipynb")


def case_data(data: str, requested: str, mirror) -> str:
    """DATA for the case studies: ``binance`` on the real archive, ``demo`` when asked for,
    else ``events`` (the bundled real hourly candles)."""
    if data == "binance" and not mirror:
        return "binance"
    return "demo" if requested == "demo" else "events"


def refuse_secrets(params: dict) -> None:
    """A parameter named like a credential is refused (one line): pass secrets by environment.

    Examples
    --------
    >>> refuse_secrets({"SYMBOL": "BTCUSDT"})
    >>> refuse_secrets({"COINGLASS_API_KEY": "x"})
    Traceback (most recent call last):
    ...
    liqlib.errors.LiqlibError: -p COINGLASS_API_KEY looks like a secret: papermill ...
    """
    for name in params:
        if any(word in name.upper() for word in SECRET_WORDS):
            raise LiqlibError(
                f"-p {name} looks like a secret: papermill parameters are written into the "
                "executed notebook and its report; set it as an environment variable instead"
            )


def _report_run(args: argparse.Namespace, params: dict) -> tuple[list[Path], dict[str, str]]:
    """``--symbol``: the report notebook alone, its parameters and its output name."""
    args.notebooks_dir = args.notebooks_dir or notebooks_dir()
    nb = Path(args.notebooks_dir) / REPORT_NOTEBOOK
    params["SYMBOL"] = args.symbol.upper()
    if args.window:
        params["WINDOW"] = args.window
    if args.end:
        params["END"] = args.end
    stem = f"20-report-{args.symbol.upper()}-{params.get('WINDOW', 'default')}"
    if args.end:
        stem += f"-{args.end.replace(':', '').replace(' ', 'T')}"
    return [nb], {str(nb): stem}


def _choose_data(args: argparse.Namespace, stack: ExitStack) -> str:
    """Serve what the run needs and return the DATA value for the notebooks."""
    from liqlib.data.serve import serve_directory
    from liqlib.sim.demo import serve_demo

    data = args.data
    if args.mirror:
        if data == "demo":
            raise LiqlibError("--mirror and --data demo contradict each other: drop one of them")
        url = stack.enter_context(serve_directory(args.mirror))
        os.environ[ARCHIVE_URL_ENV] = url
        print(f"liqlib report: serving mirror {args.mirror} at {url}")
        return "binance"
    if data in ("auto", "binance"):
        url = settings.get("binance_archive_url")
        why = archive_reachable(url)
        if not why:
            return "binance"
        if data == "binance":
            raise LiqlibError(NO_DATA_HELP.format(url=url, why=why, env=ARCHIVE_URL_ENV))
        print(
            f"liqlib report: no mirror given and {url} unreachable ({why}): running on the "
            "bundled SIMULATED demo market"
        )
    url = stack.enter_context(serve_demo())
    os.environ[ARCHIVE_URL_ENV] = url
    return "demo"


def cmd_report(args: argparse.Namespace) -> int:
    from liqlib.report.run import run_suite

    params = {name: typed_value(value) for name, value in (args.param or [])}
    refuse_secrets(params)
    stems: dict[str, str] = {}
    if args.symbol:
        notebooks, stems = _report_run(args, params)
    elif args.window or args.end:
        raise LiqlibError("--window and --end belong to a symbol report: add --symbol BTCUSDT")
    else:
        if not args.notebook:
            args.notebooks_dir = args.notebooks_dir or notebooks_dir()
        notebooks = [Path(p) for p in args.notebook] or default_notebooks(Path(args.notebooks_dir))
    if not notebooks:
        print(f"liqlib report: no notebooks found in {args.notebooks_dir}", file=sys.stderr)
        return 2
    missing = [str(p) for p in notebooks if not p.is_file()]
    if missing:
        print(f"liqlib report: notebook {missing[0]} not found: check the path", file=sys.stderr)
        return 2
    from liqlib.report.run import check_parameters

    check_parameters(notebooks, {k: v for k, v in params.items() if k != "DATA"})
    os.environ.setdefault("LIQLIB_PROGRESS", "0")  # no progress bars in reports
    with ExitStack() as stack:
        asked_data = "DATA" in params
        data = _choose_data(args, stack)
        params.setdefault("DATA", data)
        cases = {} if asked_data else {
            str(nb): {"DATA": case_data(data, args.data, args.mirror)}
            for nb in notebooks if nb.name in CASE_NOTEBOOKS
        }  # fmt: skip
        result = run_suite(
            notebooks, args.out, params, timeout_s=args.timeout, show_code=args.show_code,
            stems=stems, per_notebook=cases,
        )  # fmt: skip
    for page in result.pages:
        print(f"liqlib report: wrote {page}")
    for nb, message in result.failures.items():
        print(f"liqlib report: {nb} failed: {message}", file=sys.stderr)
    if result.index is not None:
        print(f"liqlib report: index {result.index}")
    return 1 if result.failures else 0


def main(argv: list[str] | None = None) -> int:
    import liqlib

    parser = argparse.ArgumentParser(prog="liqlib", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"liqlib {liqlib.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    params = parameters_help()
    rep = sub.add_parser(
        "report",
        help="run the notebooks with papermill and write HTML",
        description="Run the notebook suite headless with papermill and write HTML reports.",
        epilog=REPORT_EXAMPLES
        + (
            "\nnotebook parameters (-p NAME VALUE; default, [notebooks]):\n" + params
            if params
            else ""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rep.add_argument("--out", default="reports", help="output folder (default: reports)")
    rep.add_argument(
        "--notebooks-dir",
        default=None,
        help="folder of NN-*.ipynb (default: ./notebooks, the checkout's, or the installed copy)",
    )
    rep.add_argument("--notebook", action="append", default=[], help="run only this notebook")
    rep.add_argument(
        "--data", choices=("auto", "demo", "binance"), default="auto",
        help="market for the notebooks' DATA parameter (default: auto)",
    )  # fmt: skip
    rep.add_argument(
        "--symbol", help="run only the report notebook (20-report) for this symbol, e.g. BTCUSDT"
    )
    rep.add_argument("--window", help="with --symbol: the report window, e.g. 24h or 12h")
    rep.add_argument("--end", help="with --symbol: the window's end (UTC), e.g. 2025-11-05")
    rep.add_argument("--mirror", help="serve this local archive mirror on 127.0.0.1 for the run")
    rep.add_argument("--timeout", type=int, default=600, help="per-cell timeout, seconds")
    rep.add_argument("--show-code", action="store_true", help="keep code cells in the HTML")
    rep.add_argument(
        "-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
        help="papermill parameter for every notebook, typed as papermill -p types it",
    )  # fmt: skip
    cache_cli.add_parser(sub)
    scan_cli.add_scan_parser(sub)
    add_record_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "cache":
        return cache_cli.run(args)
    if args.command == "scan":
        return scan_cli.run_scan(args)
    if args.command == "record":
        return args.func(args)
    try:
        return cmd_report(args)
    except LiqlibError as err:
        print(f"liqlib {args.command}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
