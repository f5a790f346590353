"""The level of a map against realized liquidations: predicted / realized with a day-block CI.

Examples
--------
>>> import pandas as pd
>>> idx = pd.date_range("2025-01-01", periods=96, freq="1h", tz="UTC")
>>> real = pd.Series(1.0, index=idx)
>>> level_ratio(2 * real, real, n_boot=50)["ratio"]
2.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqlib.errors import InputError
from liqlib.validate.bootstrap import block_bootstrap_ci

__all__ = ["level_ratio"]


def level_ratio(
    predicted: pd.Series, realized: pd.Series, *, n_boot: int = 1000, seed: int = 0
) -> dict:
    """Predicted / realized USD summed over the bars, with a day-block bootstrap 95 % CI.

    Parameters
    ----------
    predicted, realized : pandas.Series
        USD per bar (both sides summed), on the same UTC bar index (bars missing in
        ``predicted`` count as 0).
    n_boot, seed
        Bootstrap replicates and seed (whole UTC days resampled).

    Returns
    -------
    dict
        ``ratio``, ``lo``, ``hi``, ``bars``.
    """
    if not isinstance(predicted, pd.Series) or not isinstance(realized, pd.Series):
        raise InputError("predicted and realized must be pandas Series of USD per bar")
    pred = predicted.reindex(realized.index, fill_value=0.0).astype(float)
    real = realized.astype(float)
    if real.sum() <= 0:
        raise InputError("no realized liquidation in these bars: a ratio needs some")

    def ratio(p: pd.Series, r: pd.Series) -> float:
        total = float(r.sum())
        return float(p.sum()) / total if total > 0 else np.nan

    ci = block_bootstrap_ci(ratio, pred, real, n_boot=n_boot, seed=seed)
    row = ci.iloc[0]
    return {
        "ratio": ratio(pred, real),
        "lo": float(row["ci_low"]),
        "hi": float(row["ci_high"]),
        "bars": len(real),
    }
