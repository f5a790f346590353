"""The bundled demo market: 14 **SIMULATED** days of ``SIM-BTCUSDT``, the offline default.

``liqlib/datasets/demo/`` holds the output of one seeded :func:`liqlib.sim.market.simulate_market` run, laid
out exactly like Binance's public archive (daily zips with ``.CHECKSUM`` files), plus the
simulator's truth (live liquidation levels every 4 hours, realized liquidations every
minute) and ``registry.json``: the seed, the configuration and the sha256 of every file.
``make demo-data`` rebuilds it; a test checks every file against the registry.

Use it three ways:

- ``lq.load_demo()`` reads it directly (checked against the registry) into the frame
  ``lq.load_market`` would give; ``lq.load_demo(truth=True)`` also returns the truth;
- ``with lq.serve_demo() as url:`` serves it on 127.0.0.1 as an archive mirror, so
  ``lq.load_market("SIM-BTCUSDT", ...)`` downloads, verifies and caches it like real data;
- ``liqlib report`` falls back to it when no mirror and no archive are reachable.

Every frame it returns says ``attrs["synthetic"] = True`` and names the source SIMULATED.

Examples
--------
>>> market = load_demo(interval="1h")  # doctest: +SKIP
>>> market.attrs["source"]  # doctest: +SKIP
'SIMULATED demo market (liqlib.sim, seed=7): liqlib/datasets/demo'
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from liqlib import settings
from liqlib.data import columns as C
from liqlib.data.bars import resample_market
from liqlib.data.sources.binance import archive as binance
from liqlib.data.sources.binance.symbols import register_symbol
from liqlib.data.sources.binance.writer import (
    archive_path,
    funding_csv,
    kline_csv,
    metrics_csv,
    write_archive_zip,
)
from liqlib.data.store import align_market, interval_offset
from liqlib.data.time import parse_interval, to_utc
from liqlib.errors import CorruptDataError, InputError
from liqlib.sim.market import SimConfig, describe_config, simulate_market
from liqlib.sim.truth import MarketTruth

__all__ = [
    "DEMO_CONFIG",
    "DEMO_SEED",
    "DEMO_SYMBOL",
    "demo_days",
    "demo_liquidations",
    "demo_dir",
    "use_demo_mirror",
    "load_demo",
    "serve_demo",
    "verify_demo",
    "write_demo",
]

DEMO_DIR_ENV = "LIQLIB_DEMO_DIR"
#: Chosen among seeds 1-8 (all else default) because its fortnight shows both sides: a rally
#: with short squeezes, then a sudden 12 % drop with a long cascade.
DEMO_SEED = 7
DEMO_SYMBOL = "SIM-BTCUSDT"
#: The demo's configuration: everything else is :class:`~liqlib.sim.market.SimConfig`'s default.
DEMO_CONFIG = SimConfig(days=14.0, start="2025-03-01", symbol=DEMO_SYMBOL, snapshot_minutes=240)
LABEL = (
    "SIMULATED market data made by liqlib.sim (agent-based simulator), not real trading. "
    "Layout mimics data.binance.vision."
)
ARCHIVE = "archive"
#: Kline intervals the demo archive holds (coarser ones aggregated from the minutes, as
#: Binance's are).
DEMO_INTERVALS = ("1m", "5m", "1h")
TRUTH_FILE = "truth.npz"
LIQUIDATIONS_FILE = "liquidations-1m.csv.gz"
REGISTRY_FILE = "registry.json"


def demo_dir() -> Path:
    """The demo folder: ``$LIQLIB_DEMO_DIR``, else the package data ``liqlib/datasets/demo``
    (installed with the package, so ``lq.load_demo()`` works from any folder)."""
    folder = settings.get("demo_dir")
    if folder is not None:
        return folder
    return Path(str(resources.files("liqlib") / "datasets" / "demo"))


def demo_days() -> list[str]:
    """The demo's days (``YYYY-MM-DD``, UTC), first to last."""
    start = pd.Timestamp(DEMO_CONFIG.start, tz="UTC")
    return [d.strftime("%Y-%m-%d") for d in pd.date_range(start, periods=int(DEMO_CONFIG.days))]


def register_demo_symbol() -> str:
    """Let ``lq.load_market`` accept ``SIM-BTCUSDT`` (its listing day is the demo's first day)."""
    return register_symbol(DEMO_SYMBOL, demo_days()[0])


# --------------------------------------------------------------------------------------------
# writing (make demo-data)
# --------------------------------------------------------------------------------------------


def _zip_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An ``.npz`` whose bytes depend only on the arrays (numpy's own writer stamps the time)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, arr in arrays.items():
            member = io.BytesIO()
            np.save(member, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, member.getvalue())
    path.write_bytes(buf.getvalue())


def write_demo(root: str | Path | None = None) -> dict:
    """Simulate the demo market and write it under ``root`` (default :func:`demo_dir`).

    Returns the registry written to ``root/registry.json``.
    """
    root = demo_dir() if root is None else Path(root)
    market, truth = simulate_market(DEMO_SEED, config=DEMO_CONFIG)
    archive = root / ARCHIVE
    files: list[Path] = []
    metrics = market[list(C.METRICS_COLUMNS)].iloc[::5]
    for interval in DEMO_INTERVALS:
        bars = market if interval == "1m" else resample_market(market, interval)
        step = interval_offset(interval)
        kl = bars[list(C.KLINE_COLUMNS)]
        mk = bars[list(C.MARK_COLUMNS)].set_axis(list(C.PRICE_COLUMNS), axis=1)
        for day in demo_days():
            sl = slice(day, f"{day} 23:59:59.999")
            for kind, frame in (("klines", kl), ("markPriceKlines", mk)):
                files.append(
                    write_archive_zip(
                        archive, archive_path(kind, DEMO_SYMBOL, day, interval),
                        kline_csv(frame.loc[sl], step), comment=LABEL,
                    )
                )  # fmt: skip
    for day in demo_days():
        sl = slice(day, f"{day} 23:59:59.999")
        files.append(
            write_archive_zip(
                archive, archive_path("metrics", DEMO_SYMBOL, day),
                metrics_csv(metrics.loc[sl], DEMO_SYMBOL), comment=LABEL,
            )
        )  # fmt: skip
    at_settlement = market.index.hour.isin([0, 8, 16]) & (market.index.minute == 0)
    funding = market.loc[at_settlement, list(C.FUNDING_COLUMNS)].dropna()
    for month in sorted({d[:7] for d in demo_days()}):
        files.append(
            write_archive_zip(
                archive, archive_path("fundingRate", DEMO_SYMBOL, month),
                funding_csv(funding.loc[month]), comment=LABEL,
            )
        )  # fmt: skip
    _zip_arrays(
        root / TRUTH_FILE,
        {
            "times_ns": truth.times.as_unit("ns").asi8,
            "price": truth.price,
            "price_edges": truth.price_edges,
            "leverage_edges": truth.leverage_edges,
            "long_usd": truth.long_usd.astype(np.float32),
            "short_usd": truth.short_usd.astype(np.float32),
            "overflow_long_usd": truth.overflow_long_usd,
            "overflow_short_usd": truth.overflow_short_usd,
        },
    )
    liq = truth.liquidations.copy()
    liq.insert(0, "time_ms", liq.index.as_unit("ns").asi8 // 1_000_000)
    text = liq.to_csv(index=False, float_format="%.6f", lineterminator="\n").encode()
    with gzip.GzipFile(root / LIQUIDATIONS_FILE, "wb", mtime=0) as gz:
        gz.write(text)
    files += [root / TRUTH_FILE, root / LIQUIDATIONS_FILE]
    registry = {
        "what": LABEL,
        "symbol": DEMO_SYMBOL,
        "seed": DEMO_SEED,
        "days": demo_days(),
        "config": describe_config(DEMO_CONFIG),
        "made_by": "make demo-data (liqlib.sim.demo.main)",
        "files": {
            p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(files)
        },
    }
    (root / REGISTRY_FILE).write_text(json.dumps(registry, indent=1, default=str) + "\n")
    return registry


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------


def _registry(root: Path) -> dict:
    path = root / REGISTRY_FILE
    if not path.is_file():
        raise InputError(
            f"the demo market is missing ({path} not found): run `make demo-data`, or set "
            f"{DEMO_DIR_ENV} to a folder that holds it"
        )
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CorruptDataError(
            f"demo registry {path} is unreadable ({exc}): restore it with `git checkout "
            "liqlib/datasets/demo` or rebuild with `make demo-data`"
        ) from None


def _verified_files(root: Path) -> tuple[dict, dict[str, bytes]]:
    """The registry and every registered file's bytes, each read once and checked."""
    reg = _registry(root)
    blobs = {}
    for rel, digest in reg["files"].items():
        path = root / rel
        if not path.is_file():
            raise CorruptDataError(
                f"demo file {rel} is missing: restore it with `git checkout liqlib/datasets/demo` or "
                "rebuild with `make demo-data`"
            )
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise CorruptDataError(
                f"demo file {rel} does not match its sha256 in {REGISTRY_FILE}: restore it "
                "with `git checkout liqlib/datasets/demo` or rebuild with `make demo-data`"
            )
        blobs[rel] = data
    return reg, blobs


def verify_demo(root: str | Path | None = None) -> dict:
    """Check every demo file against the sha256 in ``registry.json``; returns the registry.

    Raises
    ------
    CorruptDataError
        Naming the first file that is missing or whose hash does not match, and the fix.
    """
    return _verified_files(demo_dir() if root is None else Path(root))[0]


def _read_kind(blobs: dict[str, bytes], kind: str, periods: list[str], interval: str | None):
    frames = []
    for period in periods:
        rel = ARCHIVE + archive_path(kind, DEMO_SYMBOL, period, interval)
        csv, name = binance.unzip_single_csv(blobs[rel], rel)
        frames.append(binance.KINDS[kind].parser(csv, source=f"demo {name}"))
    return pd.concat(frames).sort_index()


def _read_truth(blobs: dict[str, bytes], attrs: dict) -> MarketTruth:
    with np.load(io.BytesIO(blobs[TRUTH_FILE]), allow_pickle=False) as z:
        a = {k: z[k] for k in z.files}
    liq = pd.read_csv(io.BytesIO(gzip.decompress(blobs[LIQUIDATIONS_FILE])))
    index = pd.to_datetime(liq.pop("time_ms"), unit="ms", utc=True).rename(C.TIME)
    liq.index = pd.DatetimeIndex(index)
    return MarketTruth(
        times=pd.DatetimeIndex(pd.to_datetime(a["times_ns"], utc=True), name=C.TIME),
        price=a["price"],
        price_edges=a["price_edges"],
        leverage_edges=a["leverage_edges"],
        long_usd=a["long_usd"].astype(float),
        short_usd=a["short_usd"].astype(float),
        liquidations=liq,
        overflow_long_usd=a["overflow_long_usd"],
        overflow_short_usd=a["overflow_short_usd"],
        attrs=attrs,
    )


def load_demo(
    interval: str = "1m", *, truth: bool = False, root: str | Path | None = None
) -> pd.DataFrame | tuple[pd.DataFrame, MarketTruth]:
    """The bundled **SIMULATED** demo market, as ``lq.load_market`` would give it.

    Parameters
    ----------
    interval : str
        Bar length (``"1m"`` as stored; ``"5m"``, ``"1h"``... are aggregated).
    truth : bool
        Also return the simulator's :class:`~liqlib.sim.truth.MarketTruth`.
    root : path, optional
        The demo folder; default :func:`demo_dir`.

    Returns
    -------
    pandas.DataFrame, or (DataFrame, MarketTruth)
        ``attrs``: ``symbol="SIM-BTCUSDT"``, ``synthetic=True``, ``source`` naming it
        SIMULATED, ``interval``, ``start``, ``end``, ``sim_seed``, ``sim_config``.

    Raises
    ------
    InputError
        The demo folder is missing (with the command that rebuilds it).
    CorruptDataError
        A file does not match its registry hash.
    """
    _, interval = parse_interval(interval)  # "5min" and "5m" alike
    root = demo_dir() if root is None else Path(root)
    reg, blobs = _verified_files(root)
    days = list(reg["days"])
    pieces = {
        "klines": _read_kind(blobs, "klines", days, "1m"),
        "markPriceKlines": _read_kind(blobs, "markPriceKlines", days, "1m"),
        "metrics": _read_kind(blobs, "metrics", days, None),
        "fundingRate": _read_kind(blobs, "fundingRate", sorted({d[:7] for d in days}), None),
    }
    grid = pd.date_range(days[0], periods=len(days) * 1440, freq="1min", tz="UTC", name=C.TIME)
    market = align_market(pieces, grid.as_unit("ns"))
    market.attrs.update(
        symbol=DEMO_SYMBOL,
        interval="1m",
        start=grid[0].isoformat(),
        end=(grid[-1] + pd.Timedelta(minutes=1)).isoformat(),
        source=f"SIMULATED demo market (liqlib.sim, seed={reg['seed']}): liqlib/datasets/demo",
        synthetic=True,
        sim_seed=reg["seed"],
        sim_config=reg["config"],
    )
    if interval != "1m":
        market = resample_market(market, interval)
    if truth:
        return market, _read_truth(blobs, dict(market.attrs))
    return market


#: What every realized-liquidation frame of the demo says of itself.
DEMO_LIQUIDATIONS_NOTE = (
    "SIMULATED realized liquidations of the demo market (not real): the simulator's USD "
    "liquidated per minute and side, one event per minute at that minute's mark low (longs) "
    "or mark high (shorts)."
)


def demo_liquidations(start=None, end=None, *, root: str | Path | None = None) -> pd.DataFrame:
    """The demo's **SIMULATED** realized liquidations, in the shape of ``lq.load_liquidations``.

    The simulator records the USD liquidated per minute and side, not single fills; each
    minute with liquidations becomes one event per side, priced at that minute's mark low
    (longs: liquidated on the way down) or mark high (shorts), the extreme the mark reached.

    Parameters
    ----------
    start, end : str or pandas.Timestamp, optional
        Keep events in ``[start, end)`` (UTC).
    root : path, optional
        The demo folder; default :func:`demo_dir`.

    Returns
    -------
    pandas.DataFrame
        Index ``time`` (UTC, the minute's open); columns ``venue`` ("demo"), ``symbol``,
        ``side`` ("long" / "short"), ``price`` (USD/coin), ``qty`` (coins), ``usd``;
        ``attrs["synthetic"]`` is True and ``attrs["note"]`` says what they are.

    Examples
    --------
    >>> liqs = demo_liquidations("2025-03-14", "2025-03-15")  # doctest: +SKIP
    >>> liqs.attrs["synthetic"]  # doctest: +SKIP
    True
    """
    market, truth = load_demo(truth=True, root=root)
    liq = truth.liquidations
    low = market[C.MARK_LOW].fillna(market[C.LOW]).reindex(liq.index)
    high = market[C.MARK_HIGH].fillna(market[C.HIGH]).reindex(liq.index)
    parts = []
    for side, usd, price in (("long", liq["long_usd"], low), ("short", liq["short_usd"], high)):
        keep = (usd > 0) & price.notna()
        parts.append(
            pd.DataFrame(
                {"side": side, "price": price[keep], "usd": usd[keep].astype(float)},
                index=liq.index[keep],
            )
        )
    out = pd.concat(parts).sort_index(kind="stable")
    if start is not None:
        out = out.loc[out.index >= to_utc(start, "start")]
    if end is not None:
        out = out.loc[out.index < to_utc(end, "end")]
    out.insert(0, "venue", "demo")
    out.insert(1, "symbol", DEMO_SYMBOL)
    out["qty"] = out["usd"] / out["price"]
    out = out[["venue", "symbol", "side", "price", "qty", "usd"]]
    out.index.name = C.TIME
    out.attrs = {"synthetic": True, "note": DEMO_LIQUIDATIONS_NOTE, "source": LABEL}
    return out


@contextlib.contextmanager
def serve_demo(root: str | Path | None = None) -> Iterator[str]:
    """Serve the demo as an archive mirror on 127.0.0.1; yields its base URL.

    Inside the block, ``lq.load_market("SIM-BTCUSDT", ...)`` works once
    ``$LIQLIB_BINANCE_ARCHIVE_URL`` is set to the URL (or pass the URL around yourself).

    Parameters
    ----------
    root : str or pathlib.Path, optional
        Demo folder to serve; default :func:`demo_dir`.

    Yields
    ------
    str
        The mirror's base URL, e.g. ``http://127.0.0.1:40123``.
    """
    from liqlib.data.serve import serve_directory

    root = demo_dir() if root is None else Path(root)
    verify_demo(root)
    register_demo_symbol()
    with serve_directory(root / ARCHIVE) as url:
        yield url


_SERVING: dict[str, contextlib.ExitStack | str] = {}


def use_demo_mirror() -> str:
    """Serve the demo on 127.0.0.1 for the rest of this process and point
    ``$LIQLIB_BINANCE_ARCHIVE_URL`` at it, so ``lq.load_market("SIM-BTCUSDT", ...)`` works
    (notebooks call this when ``DATA="demo"``). Idempotent; returns the URL.
    """
    if "url" not in _SERVING:
        stack = contextlib.ExitStack()
        _SERVING["url"] = stack.enter_context(serve_demo())
        _SERVING["stack"] = stack  # kept open (daemon thread) until the process ends
    os.environ[binance.ARCHIVE_URL_ENV] = str(_SERVING["url"])
    return str(_SERVING["url"])


def main() -> None:
    """``make demo-data``: rebuild the demo and print what was written."""
    reg = write_demo()
    size = sum((demo_dir() / p).stat().st_size for p in reg["files"])
    print(f"wrote {len(reg['files'])} files, {size / 1e6:.2f} MB, to {demo_dir()}")
