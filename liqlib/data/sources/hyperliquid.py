"""Read Hyperliquid position snapshots (public ``clearinghouseState`` exports) into one frame.

Hyperliquid's account states are public: every open position with the venue's own liquidation
price (cross-margin aware), leverage setting and margin type. Two file shapes are read:

- ``positions_detail_hypercore_YYYYMMDD.csv`` (one row per position, as exported by
  ``casamcc/quant-test``): ``direction``, ``size``, ``entry_price``, ``liquidation_price``
  (empty when unreachable), ``position_value`` (USD), ``leverage_type``, ``leverage_value``;
- ``positions_raw_hypercore_YYYYMMDD.json``: the raw ``clearinghouseState`` per user.

Columns of the returned frame
-----------------------------
``cohort`` (str), ``coin`` (str), ``side`` ("long" | "short"), ``size_coin`` (coins, > 0),
``entry_price``, ``mark_price``, ``liquidation_price`` (USD/coin; NaN = unreachable),
``position_usd`` (USD at the mark), ``margin`` ("cross" | "isolated"), ``leverage_setting`` (x),
``entry_distance`` and ``mark_distance`` (``|LP - price| / price``, fraction; ``inf`` when
unreachable).

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"coin": ["BTC"], "direction": ["LONG"], "size": [0.1],
...     "entry_price": [100_000.0], "liquidation_price": [90_000.0], "position_value": [10_000.0],
...     "leverage_type": ["isolated"], "leverage_value": [10]})
>>> row = tidy_positions(raw, "demo").loc[0]
>>> row["margin"], float(row["entry_distance"])
('isolated', 0.1)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from liqlib.errors import DataNotFoundError, InputError

__all__ = ["load_hyperliquid_positions", "tidy_positions"]

_NEEDED = (
    "coin",
    "direction",
    "size",
    "entry_price",
    "liquidation_price",
    "position_value",
    "leverage_type",
    "leverage_value",
)


def tidy_positions(raw: pd.DataFrame, cohort: str) -> pd.DataFrame:
    """Map one export's columns to liqlib's position frame (see the module docstring).

    Parameters
    ----------
    raw : pandas.DataFrame
        Rows of positions with the columns of a ``positions_detail`` export.
    cohort : str
        A label for the sample (file stem), kept in column ``cohort``.

    Returns
    -------
    pandas.DataFrame
        One row per position with a positive size and value.

    Raises
    ------
    InputError
        When a needed column is missing (naming it).
    """
    missing = [c for c in _NEEDED if c not in raw.columns]
    if missing:
        raise InputError(
            f"position export {cohort!r} has no column {missing[0]!r}: give a "
            "positions_detail_hypercore_*.csv export or a raw clearinghouseState JSON"
        )
    size = pd.to_numeric(raw["size"], errors="coerce").abs()
    value = pd.to_numeric(raw["position_value"], errors="coerce").abs()
    keep = (size > 0) & (value > 0)
    out = pd.DataFrame(
        {
            "cohort": cohort,
            "coin": raw["coin"].astype(str),
            "side": raw["direction"].astype(str).str.lower(),
            "size_coin": size,
            "entry_price": pd.to_numeric(raw["entry_price"], errors="coerce"),
            "liquidation_price": pd.to_numeric(raw["liquidation_price"], errors="coerce"),
            "position_usd": value,
            "margin": raw["leverage_type"].astype(str).str.lower(),
            "leverage_setting": pd.to_numeric(raw["leverage_value"], errors="coerce"),
        }
    )[keep.to_numpy()]
    out["mark_price"] = out["position_usd"] / out["size_coin"]
    lp = out["liquidation_price"]
    for col, ref in (("entry_distance", "entry_price"), ("mark_distance", "mark_price")):
        d = (lp - out[ref]).abs() / out[ref]
        out[col] = d.where(lp.notna() & (lp > 0), np.inf)
    return out.reset_index(drop=True)


def _read_raw_json(path: Path) -> pd.DataFrame:
    doc = json.loads(path.read_text())
    rows = []
    for user in doc.get("users", []):
        for item in (user.get("hypercore") or {}).get("assetPositions", []):
            p = item["position"]
            szi = float(p["szi"])
            rows.append(
                {
                    "coin": p["coin"],
                    "direction": "LONG" if szi > 0 else "SHORT",
                    "size": abs(szi),
                    "entry_price": float(p["entryPx"]),
                    "liquidation_price": p.get("liquidationPx"),
                    "position_value": float(p["positionValue"]),
                    "leverage_type": p["leverage"]["type"],
                    "leverage_value": float(p["leverage"]["value"]),
                }
            )
    return pd.DataFrame(rows, columns=list(_NEEDED))


def load_hyperliquid_positions(folder: str | os.PathLike) -> pd.DataFrame:
    """Read every Hyperliquid position snapshot under ``folder`` (recursively).

    Parameters
    ----------
    folder : str or path-like
        A folder holding ``positions_detail_hypercore_*.csv`` and/or
        ``positions_raw_hypercore_*.json`` files (e.g. ``../shared/data/raw/hyperliquid-positions``).

    Returns
    -------
    pandas.DataFrame
        All positions, one ``cohort`` per file (``<folder>-<date>``), see the module docstring.

    Raises
    ------
    DataNotFoundError
        When the folder holds no such file.

    Examples
    --------
    >>> load_hyperliquid_positions("/nonexistent")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    liqlib.errors.DataNotFoundError: no Hyperliquid position snapshots under /nonexistent: ...
    """
    root = Path(folder)
    files = sorted(root.rglob("positions_detail_hypercore_*.csv")) + sorted(
        root.rglob("positions_raw_hypercore_*.json")
    )
    if not files:
        raise DataNotFoundError(
            f"no Hyperliquid position snapshots under {root}: point it at a folder with "
            "positions_detail_hypercore_*.csv or positions_raw_hypercore_*.json files"
        )
    frames = []
    for f in files:
        raw = pd.read_csv(f) if f.suffix == ".csv" else _read_raw_json(f)
        cohort = f"{f.relative_to(root).parts[0]}-{f.stem.rsplit('_', 1)[-1]}"
        frames.append(tidy_positions(raw, cohort))
    return pd.concat(frames, ignore_index=True)
