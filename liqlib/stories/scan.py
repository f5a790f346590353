"""The whole market at once: one summary row per symbol, estimated on Dask.

:func:`scan_symbol` loads one symbol's window, estimates its heatmap with the default model
and reduces the map at the window's end to one row: the price, the nearest hot zone below
(longs) and above (shorts) the price as the report defines them
(:func:`liqlib.stories.zones.compute_hot_zones` with the report's ``zone_pct=0.5`` and
``top_n=8``, then :func:`~liqlib.stories.zones.nearest_zones`), the USD within 1, 2 and 5 %
of the price on each side, the long share of the USD within ``max_distance_pct``, the USD the
model saw swept in the last ``sweep_hours``, and a coarse profile for the ranked page.

:func:`scan` runs one task per symbol on a ``dask.distributed`` cluster: a ``LocalCluster``
of ``n_workers`` processes by default, or the existing cluster at ``scheduler``. A symbol
that fails (no data, a bad frame) becomes a row with its one-line ``error``; the others
finish. Rows come back in the order of ``symbols`` whatever the cluster, so a scan gives the
same table on a LocalCluster and on a remote one.

Data: ``"sim"`` is the SIMULATED universe of :mod:`liqlib.stories.universe` (offline);
``"binance"`` reads ``lq.load_market`` (the local cache first, so a rerun does no network
I/O; ``$LIQLIB_BINANCE_ARCHIVE_URL`` for a mirror).

Examples
--------
>>> cfg = ScanConfig(data="sim", window="2h", n_bins=100)
>>> row = scan_symbol("SIM-001", cfg)  # doctest: +SKIP
>>> row["error"] is None  # doctest: +SKIP
True
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

import liqlib as lq
from liqlib.errors import InputError

__all__ = [
    "DATA_CHOICES",
    "MAP_EDGES_PCT",
    "SCAN_COLUMNS",
    "WITHIN_PCTS",
    "ScanConfig",
    "default_mix_for",
    "estimate",
    "map_on_dask",
    "parse_window",
    "resolve_symbols",
    "scan",
    "scan_symbol",
]

DATA_CHOICES = ("sim", "binance")
#: distances (% of price) at which each side's USD is summed
WITHIN_PCTS = (1, 2, 5)
#: edges (% from the price) of the coarse profile kept per row for the page's small maps
MAP_EDGES_PCT = tuple(float(x) for x in np.linspace(-10.0, 10.0, 41))

SCAN_COLUMNS = (
    "symbol",
    "price",
    "nearest_long_zone_price",
    "nearest_long_zone_usd",
    "nearest_long_zone_distance_pct",
    "nearest_short_zone_price",
    "nearest_short_zone_usd",
    "nearest_short_zone_distance_pct",
    *(f"{side}_usd_{p}pct" for p in WITHIN_PCTS for side in ("long", "short")),
    "long_share",
    "swept_long_usd",
    "swept_short_usd",
    "window_start",
    "window_end",
    "model",
    "max_leverage",
    "data_note",
    "map_long_usd",
    "map_short_usd",
    "seconds",
    "error",
)


def parse_window(window) -> pd.Timedelta:
    """A positive window length: ``"24h"``, ``"3D"``, ``"90min"`` or a Timedelta.

    Examples
    --------
    >>> parse_window("24h")
    Timedelta('1 days 00:00:00')
    >>> parse_window("0h")
    Traceback (most recent call last):
    ...
    liqlib.errors.InputError: window='0h' must be a positive duration: use e.g. '24h' or '3D'
    """
    try:
        td = pd.Timedelta(window)
    except (TypeError, ValueError):
        td = pd.NaT
    if pd.isna(td) or td <= pd.Timedelta(0):
        raise InputError(f"window={window!r} must be a positive duration: use e.g. '24h' or '3D'")
    return td


@dataclass(frozen=True)
class ScanConfig:
    """What one scan computes for every symbol. Units: %, hours, USD.

    Parameters
    ----------
    data : str
        ``"sim"`` (the SIMULATED universe) or ``"binance"``.
    window : str
        Length of the window that ends at ``end`` (``"24h"``).
    end : str, optional
        End of the window (UTC, exclusive) for ``"binance"``; default today 00:00 UTC (the
        archive holds whole days up to yesterday). Ignored for ``"sim"``.
    interval : str
        Candle length for ``"binance"`` (``"1m"``); ``"sim"`` is always 1m.
    model : str, optional
        Estimator (``lq.MODELS``); None = ``lq.DEFAULT_MODEL``.
    n_bins, max_columns : int
        Price bins and time columns of each heatmap.
    zone_pct, top_n, max_distance_pct : float, int, float
        Hot zones as the report defines them (``compute_hot_zones``).
    sweep_hours : float
        "Recent sweeps" = the model's predicted liquidations over the last this many hours.
    universe_seed : int
        Seed of the simulated universe.
    """

    data: str = "sim"
    window: str = "24h"
    end: str | None = None
    interval: str = "1m"
    model: str | None = None
    n_bins: int = 400
    max_columns: int = 48
    zone_pct: float = 0.5
    top_n: int = 8
    max_distance_pct: float = 15.0
    sweep_hours: float = 4.0
    universe_seed: int = 0
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.data not in DATA_CHOICES:
            raise InputError(f"data={self.data!r} is unknown: use one of {list(DATA_CHOICES)}")
        parse_window(self.window)
        for name in ("n_bins", "max_columns", "top_n"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
                raise InputError(f"{name}={v!r} must be a positive integer")
        for name in ("zone_pct", "max_distance_pct", "sweep_hours"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not v > 0:
                raise InputError(f"{name}={v!r} must be a number > 0")


def resolve_symbols(spec: str | Sequence[str] | None, data: str, n_symbols: int | None) -> list:
    """The symbols a scan runs on.

    Parameters
    ----------
    spec : str or list of str, optional
        ``"all"``, ``"BTCUSDT,ETHUSDT"`` or a list; None with ``n_symbols``.
    data : str
        ``"sim"`` or ``"binance"``.
    n_symbols : int, optional
        The first N of the universe (``SIM-000`` .. for ``"sim"``; the known perpetuals in
        order for ``"binance"``).

    Examples
    --------
    >>> resolve_symbols(None, "sim", 3)
    ['SIM-000', 'SIM-001', 'SIM-002']
    >>> resolve_symbols("btcusdt, ethusdt", "binance", None)
    ['BTCUSDT', 'ETHUSDT']
    """
    if data not in DATA_CHOICES:
        raise InputError(f"--data {data!r} is unknown: use one of {', '.join(DATA_CHOICES)}")
    if n_symbols is not None and (
        isinstance(n_symbols, bool) or not isinstance(n_symbols, int | np.integer) or n_symbols < 1
    ):
        raise InputError(f"--n-symbols {n_symbols!r} must be a positive integer: use e.g. 40")
    if spec is None or (isinstance(spec, str) and spec.strip().lower() == "all"):
        if data == "sim":
            if n_symbols is None:
                raise InputError(
                    "--data sim needs --n-symbols N (e.g. 40) or --symbols SIM-000,..."
                )
            from liqlib.stories.universe import universe_table

            return list(universe_table(int(n_symbols)).index)
        from liqlib.data.sources.binance.symbols import known_symbols

        names = list(known_symbols().index)
        return names[: int(n_symbols)] if n_symbols is not None else names
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    out = [str(s).strip().upper() for s in names if str(s).strip()]
    if not out:
        raise InputError("--symbols is empty: use e.g. BTCUSDT,ETHUSDT or all")
    if len(set(out)) != len(out):
        raise InputError("--symbols names a symbol twice: list each once")
    return out[: int(n_symbols)] if n_symbols is not None else out


def default_mix_for(symbol: str):
    """The default model's leverage density, capped at the maximum leverage ``symbol``'s bracket
    allows for the model's position size; None when the default already fits.

    The default density reaches 200x; most perpetuals' first brackets allow far less (and
    their maintenance margin rules out a liquidation price above ``1 / MMR``), so the uncapped
    default cannot estimate them at all (e.g. DOGEUSDT: 50x at 10,000 USD).

    Examples
    --------
    >>> default_mix_for("DOGEUSDT").max_leverage
    50.0
    """
    from liqlib.estimate.registry import TURNOVER_DEFAULT_MIX as base

    table = lq.get_bracket_table(symbol)
    notional = lq.EngineParams().position_notional_usd
    k = int(np.searchsorted(np.asarray(table.caps_usd), notional, side="right"))
    cap = float(table.max_leverage[min(k, len(table.max_leverage) - 1)])
    return None if cap >= base.max_leverage else replace(base, max_leverage=cap)


def estimate(market: pd.DataFrame, model: str | None, n_bins: int, max_columns: int):
    """``lq.estimate_heatmap`` with the default model's density capped to the market's
    brackets (:func:`default_mix_for`); returns the heatmap and its mix's top leverage (x)."""
    model = model or lq.DEFAULT_MODEL
    kw = {}
    if model == "turnover":
        mix = default_mix_for(market.attrs.get("symbol", "BTCUSDT"))
        if mix is not None:
            kw["mix"] = mix
    hm = lq.estimate_heatmap(market, model=model, n_bins=n_bins, max_columns=max_columns, **kw)
    top = getattr(hm.params.mix, "max_leverage", None)
    return hm, float(top if top is not None else max(hm.leverages))


def _load(symbol: str, cfg: ScanConfig) -> pd.DataFrame:
    """The symbol's market over the window."""
    window = parse_window(cfg.window)
    if cfg.data == "sim":
        from liqlib.stories.universe import load_universe_market

        m = load_universe_market(symbol, window, universe_seed=cfg.universe_seed)
        return m
    end = pd.Timestamp(cfg.end, tz="UTC") if cfg.end else pd.Timestamp.now("UTC").floor("1D")
    m = lq.load_market(symbol, end - window, end, cfg.interval)
    m.attrs.setdefault(
        "data_note",
        f"Binance USD-M {symbol} {cfg.interval}, {m.index[0]:%Y-%m-%d %H:%M} to "
        f"{m.index[-1]:%Y-%m-%d %H:%M} UTC",
    )
    return m


def _side_sum(centers, usd, px, lo_pct, hi_pct) -> float:
    off = (centers / px - 1.0) * 100.0
    return float(usd[(off >= lo_pct) & (off < hi_pct)].sum())


def summarize_heatmap(hm, market: pd.DataFrame, cfg: ScanConfig) -> dict:
    """The scan's row for one estimated heatmap (the map at its last column).

    Parameters
    ----------
    hm : liqlib.Heatmap
        Estimated over the window.
    market : pandas.DataFrame
        The window's market frame (for its times and ``data_note``).
    cfg : ScanConfig
        The scan's settings (zone width, distance, top zones, %).

    Returns
    -------
    dict
        The keys of :data:`SCAN_COLUMNS` except ``symbol``, ``seconds`` and ``error``.
    """
    from liqlib.stories.zones import compute_hot_zones, nearest_zones

    hot = compute_hot_zones(
        hm, zone_pct=cfg.zone_pct, top_n=cfg.top_n, max_distance_pct=cfg.max_distance_pct
    )
    near = nearest_zones(hot)
    lm = hm.liquidation_map()
    px = float(lm.attrs["price"])
    centers = lm.index.to_numpy(dtype=float)
    lg = lm["long_usd"].to_numpy() * (centers < px)  # longs below the price, shorts above
    sh = lm["short_usd"].to_numpy() * (centers > px)
    row: dict = {"price": px}
    for key, side in (("below", "long"), ("above", "short")):
        z = near[key]
        row[f"nearest_{side}_zone_price"] = np.nan if z is None else float(z["zone_mid"])
        row[f"nearest_{side}_zone_usd"] = np.nan if z is None else float(z["usd"])
        row[f"nearest_{side}_zone_distance_pct"] = np.nan if z is None else float(z["distance_pct"])
    for p in WITHIN_PCTS:
        row[f"long_usd_{p}pct"] = _side_sum(centers, lg, px, -p, 0.0)
        row[f"short_usd_{p}pct"] = _side_sum(centers, sh, px, 0.0, p + 1e-12)
    d = cfg.max_distance_pct
    near_long, near_short = _side_sum(centers, lg, px, -d, 0.0), _side_sum(centers, sh, px, 0, d)
    row["long_share"] = near_long / (near_long + near_short) if near_long + near_short else np.nan
    since = hm.predicted_long_usd.index[-1] - pd.Timedelta(hours=cfg.sweep_hours)
    row["swept_long_usd"] = float(hm.predicted_long_usd.loc[lambda s: s.index > since].sum())
    row["swept_short_usd"] = float(hm.predicted_short_usd.loc[lambda s: s.index > since].sum())
    row["window_start"] = market.index[0]
    row["window_end"] = market.index[-1]
    row["model"] = hm.model
    row["data_note"] = str(market.attrs.get("data_note", market.attrs.get("source", "")))
    edges = px * (1.0 + np.asarray(MAP_EDGES_PCT) / 100.0)
    idx = np.searchsorted(edges, centers, side="right") - 1
    inside = (idx >= 0) & (idx < edges.size - 1)
    n = edges.size - 1
    row["map_long_usd"] = np.bincount(idx[inside], lg[inside], minlength=n).tolist()
    row["map_short_usd"] = np.bincount(idx[inside], sh[inside], minlength=n).tolist()
    return row


def scan_symbol(symbol: str, cfg: ScanConfig) -> dict:
    """One symbol's row of the scan; never raises: a failure is the row's ``error``.

    Parameters
    ----------
    symbol : str
        ``"BTCUSDT"`` (binance) or ``"SIM-007"`` (sim).
    cfg : ScanConfig
        The scan's settings (data source, window, model, zones).

    Returns
    -------
    dict
        Every key of :data:`SCAN_COLUMNS`; ``error`` is None, or one line naming the failure
        (then the numbers are NaN). ``seconds`` is the task's own time (load + estimate).
    """
    t0 = time.perf_counter()
    row: dict = {c: np.nan for c in SCAN_COLUMNS}
    row.update(symbol=symbol, map_long_usd=None, map_short_usd=None, error=None)
    try:
        market = _load(symbol, cfg)
        hm, top = estimate(market, cfg.model, cfg.n_bins, cfg.max_columns)
        row.update(summarize_heatmap(hm, market, cfg))
        row["max_leverage"] = top
    except Exception as exc:  # one symbol's failure must not stop the scan: it is its row
        first = (str(exc).strip().splitlines() or [""])[0]
        row["error"] = f"{type(exc).__name__}: {first}"
    row["seconds"] = time.perf_counter() - t0
    return row


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(SCAN_COLUMNS))
    for c in ("window_start", "window_end"):
        df[c] = pd.to_datetime(df[c], utc=True)
    for c in ("symbol", "model", "data_note", "error"):
        df[c] = df[c].astype("str")  # missing stays missing (NaN), as after a Parquet round trip
    return df


def scan(
    symbols: Sequence[str] | str | int,
    window: str | ScanConfig | None = None,
    *,
    data: str | None = None,
    config: ScanConfig | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    client=None,
) -> pd.DataFrame:
    """Scan ``symbols`` on Dask (``lq.scan``): one task per symbol, rows in their order.

    Parameters
    ----------
    symbols : list of str, str or int
        A list (``["BTCUSDT", "ETHUSDT"]``), a spec as on the command line (``"all"``,
        ``"BTCUSDT,ETHUSDT"``) or a number N (the first N of the universe).
    window : str, optional
        Window length (``"24h"``); overrides ``config.window``. A :class:`ScanConfig` here is
        taken as ``config``.
    data : str, optional
        ``"sim"`` or ``"binance"``; overrides ``config.data``.
    config : ScanConfig, optional
        Everything else (default ``ScanConfig()``: the SIMULATED universe, 24 h).
    scheduler : str, optional
        Address of an existing ``dask scheduler`` (``"tcp://127.0.0.1:8786"``); default a
        ``LocalCluster`` of ``n_workers`` single-threaded processes, closed at the end.
    n_workers : int
        Workers of the LocalCluster.
    client : distributed.Client, optional
        An open client to use as is (not closed).

    Returns
    -------
    pandas.DataFrame
        One row per symbol, the columns of :data:`SCAN_COLUMNS` (``error`` is NaN, or one
        line saying why that symbol failed). ``attrs``: ``config``, ``workers`` (how many ran
        it), ``wall_seconds``.

    Examples
    --------
    >>> df = lq.scan(3, "6h", data="sim")  # doctest: +SKIP
    >>> list(df["symbol"])  # doctest: +SKIP
    ['SIM-000', 'SIM-001', 'SIM-002']
    """
    if isinstance(window, ScanConfig):
        config, window = window, None
    cfg = config if config is not None else ScanConfig()
    if not isinstance(cfg, ScanConfig):
        raise InputError("config must be a ScanConfig: build one with ScanConfig(window='24h')")
    changes = {k: v for k, v in (("window", window), ("data", data)) if v is not None}
    if changes:
        cfg = replace(cfg, **changes)  # checked again by ScanConfig
    if isinstance(symbols, int | np.integer) and not isinstance(symbols, bool):
        symbols = resolve_symbols(None, cfg.data, int(symbols))
    elif isinstance(symbols, str):
        symbols = resolve_symbols(symbols, cfg.data, None)
    symbols = list(symbols)
    if not symbols:
        raise InputError("no symbols to scan: pass e.g. ['SIM-000'] or resolve_symbols(...)")
    t0 = time.perf_counter()
    rows, workers = map_on_dask(
        scan_symbol, symbols, scheduler=scheduler, n_workers=n_workers, client=client, cfg=cfg
    )
    out = _frame(rows)
    out.attrs = {
        "config": {k: v for k, v in asdict(cfg).items() if k != "extra"},
        "workers": workers,
        "wall_seconds": time.perf_counter() - t0,
    }
    return out


def map_on_dask(
    fn,
    items: Sequence,
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    client=None,
    **kwargs,
) -> tuple[list, int]:
    """``[fn(item, **kwargs) for item in items]`` as one Dask task per item.

    Parameters
    ----------
    fn : callable
        Importable by the workers (a module-level function of an installed package).
    items : sequence
        One task each; results come back in this order.
    scheduler : str, optional
        Address of a running ``dask scheduler``; default a ``LocalCluster`` of ``n_workers``
        single-threaded processes (no dashboard), closed at the end.
    n_workers : int
        Workers of the LocalCluster.
    client : distributed.Client, optional
        An open client, used as is.
    **kwargs
        Passed to every call.

    Returns
    -------
    (list, int)
        The results and the number of workers that ran them.

    Raises
    ------
    InputError
        No scheduler answers at ``scheduler`` (one line, with the fix).
    """
    if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
        raise InputError(f"n_workers={n_workers!r} must be a positive integer: use e.g. 2")
    from distributed import Client, LocalCluster

    if client is not None:
        return _run(client, fn, list(items), kwargs)
    if scheduler:
        try:
            c = Client(scheduler, timeout="5s")
        except OSError as exc:
            raise InputError(
                f"no Dask scheduler answers at {scheduler} ({type(exc).__name__}): start one "
                "with `dask scheduler` and `dask worker ADDRESS`, or drop --scheduler"
            ) from None
        with c:
            return _run(c, fn, list(items), kwargs)
    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as c,
    ):
        return _run(c, fn, list(items), kwargs)


def _run(client, fn, items: list, kwargs: dict) -> tuple[list, int]:
    if not client.nthreads():
        client.wait_for_workers(1, timeout=30)
    workers = len(client.nthreads())
    futures = client.map(fn, items, pure=False, **kwargs)
    return client.gather(futures), workers
