"""Write frames in the exact format of Binance's public archive (``data.binance.vision``).

Used to lay out the bundled **simulated** demo market as an archive mirror (so the same
loader, checksums and cache serve it) and by the tests' synthetic archives. Hand-written
because the archive's format is a set of quirks (a zip per file with one CSV inside, a
``.CHECKSUM`` text file beside it, millisecond epochs, ``close_time = open + bar - 1 ms``)
that no library writes.

Examples
--------
>>> archive_path("klines", "SIM-BTCUSDT", "2025-03-01", "1m")
'/data/futures/um/daily/klines/SIM-BTCUSDT/1m/SIM-BTCUSDT-1m-2025-03-01.zip'
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from liqlib.data import columns as C

__all__ = [
    "FUNDING_HEADER",
    "KLINE_HEADER",
    "METRICS_HEADER",
    "archive_path",
    "funding_csv",
    "kline_csv",
    "metrics_csv",
    "write_archive_zip",
    "write_checksum",
]

KLINE_HEADER = (
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
    "taker_buy_quote_volume,ignore"
)
METRICS_HEADER = (
    "create_time,symbol,sum_open_interest,sum_open_interest_value,"
    "count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,"
    "sum_taker_long_short_vol_ratio"
)
FUNDING_HEADER = "calc_time,funding_interval_hours,last_funding_rate"


def write_archive_zip(
    root: str | Path,
    url_path: str,
    csv_text: str | bytes,
    *,
    checksum: bool | str = True,
    member: str | None = None,
    comment: str = "",
) -> Path:
    """Write one archive zip (one CSV inside) and its ``.CHECKSUM`` under ``root``.

    Parameters
    ----------
    root : path
        Archive root (the folder that holds ``data/``).
    url_path : str
        Path of the zip as served, e.g. ``/data/futures/um/daily/.../X-1m-2025-11-04.zip``.
    csv_text : str or bytes
        The CSV content.
    checksum : bool or str
        True: write the correct ``.CHECKSUM``; False: none; a string: write it verbatim.
    member : str, optional
        Name of the CSV inside; default the zip name with ``.csv``.
    comment : str
        The zip's comment (e.g. a SIMULATED label).

    Returns
    -------
    pathlib.Path
        The zip file. The bytes depend only on the content (fixed member timestamp), so the
        same frame always gives the same sha256.
    """
    path = Path(root) / url_path.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    data = csv_text.encode() if isinstance(csv_text, str) else csv_text
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.comment = comment.encode()
        info = zipfile.ZipInfo(member or path.name[:-4] + ".csv", date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, data)
    path.write_bytes(buf.getvalue())
    write_checksum(path, checksum)
    return path


def write_checksum(path: Path, checksum: bool | str = True) -> None:
    """Write ``<path>.CHECKSUM`` as Binance does: ``"<sha256 hex>  <name>\\n"``."""
    target = path.with_name(path.name + ".CHECKSUM")
    if checksum is True:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        target.write_text(f"{digest}  {path.name}\n")
    elif isinstance(checksum, str):
        target.write_text(checksum)


def archive_path(kind: str, symbol: str, period: str, interval: str | None = None) -> str:
    """The served path of an archive zip (same layout as ``binance.archive_url``)."""
    cadence = "monthly" if len(period) == 7 else "daily"
    folder = f"{kind}/{symbol}/{interval}" if interval else f"{kind}/{symbol}"
    return f"/data/futures/um/{cadence}/{folder}/{symbol}-{interval or kind}-{period}.zip"


def _ms(index: pd.DatetimeIndex) -> np.ndarray:
    return index.as_unit("ns").asi8 // 1_000_000


def kline_csv(bars: pd.DataFrame, bar: pd.Timedelta, scale: int = 1, header: bool = True) -> str:
    """Klines (trade or mark) as the archive writes them.

    Parameters
    ----------
    bars : pandas.DataFrame
        UTC index of bar open times; liqlib's kline columns (``open`` ... ``taker_buy_quote_
        volume``; mark-price files carry zeros in the volume columns).
    bar : pandas.Timedelta
        Bar length.
    scale : int
        1 for millisecond epochs, 1000 for the microsecond files Binance writes since 2025.
    header : bool
        Write the header row (newer files have it, older ones do not).
    """
    open_ms = _ms(bars.index)
    close_ms = open_ms + bar // pd.Timedelta(1, "ms") - 1
    zeros = np.zeros(len(bars))

    def col(name):
        return bars[name].to_numpy() if name in bars.columns else zeros

    out = pd.DataFrame(
        {
            "open_time": open_ms * scale,
            "open": bars[C.OPEN].to_numpy(),
            "high": bars[C.HIGH].to_numpy(),
            "low": bars[C.LOW].to_numpy(),
            "close": bars[C.CLOSE].to_numpy(),
            "volume": col(C.VOLUME),
            # µs files: close_time = open + bar - 1 µs
            "close_time": close_ms * scale + (scale - 1),
            "quote_volume": col(C.QUOTE_VOLUME),
            "count": col(C.TRADES).astype(np.int64),
            "taker_buy_volume": col(C.TAKER_BUY_VOLUME),
            "taker_buy_quote_volume": col(C.TAKER_BUY_QUOTE_VOLUME),
            "ignore": 0,
        }
    )
    return out.to_csv(index=False, header=header, lineterminator="\n")


def metrics_csv(frame: pd.DataFrame, symbol: str, header: bool = True) -> str:
    """5-minute metrics (open interest, ratios) as the archive writes them."""
    out = pd.DataFrame(
        {
            "create_time": frame.index.strftime("%Y-%m-%d %H:%M:%S"),
            "symbol": symbol,
            "sum_open_interest": frame[C.OI_COIN].to_numpy(),
            "sum_open_interest_value": frame[C.OI_USD].to_numpy(),
            "count_toptrader_long_short_ratio": frame[C.TOPTRADER_LS_ACCOUNT].to_numpy(),
            "sum_toptrader_long_short_ratio": frame[C.TOPTRADER_LS_POSITION].to_numpy(),
            "count_long_short_ratio": frame[C.LS_ACCOUNT].to_numpy(),
            "sum_taker_long_short_vol_ratio": frame[C.TAKER_LS_VOLUME].to_numpy(),
        }
    )
    return out.to_csv(index=False, header=header, lineterminator="\n")


def funding_csv(frame: pd.DataFrame, jitter_ms: np.ndarray | None = None, scale: int = 1) -> str:
    """Funding settlements as the archive writes them (``calc_time`` a few ms late)."""
    jitter = np.zeros(len(frame), dtype=np.int64) if jitter_ms is None else jitter_ms
    out = pd.DataFrame(
        {
            "calc_time": (_ms(frame.index) + jitter) * scale,
            "funding_interval_hours": frame[C.FUNDING_INTERVAL_HOURS].to_numpy().astype(np.int64),
            "last_funding_rate": frame[C.FUNDING_RATE].map("{:.8f}".format).to_numpy(),
        }
    )
    return out.to_csv(index=False, lineterminator="\n")
