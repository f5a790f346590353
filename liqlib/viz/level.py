"""Figure of a map's level: predicted / realized per model, with CIs and the prior's band.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"ratio": [0.5, 1.4], "lo": [0.4, 1.1], "hi": [0.7, 1.9]},
...                  index=["default prior", "calibrated"])
>>> fig = plot_level_ratios(t, band=(0.23, 5.2), label="demo")
>>> len(fig.axes)
1
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from liqlib.errors import InputError

__all__ = ["plot_level_ratios"]


def plot_level_ratios(
    table: pd.DataFrame,
    *,
    band: tuple[float, float] | None = None,
    label: str = "",
    ax=None,
) -> Figure:
    """Predicted / realized per row on a log axis, 95 % CIs as whiskers, 1 as a line.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per model or variant; columns ``ratio``, ``lo``, ``hi``.
    band : (float, float), optional
        The level prior's band as multipliers of its estimate: shaded around 1 and labelled
        "prior band" (an estimate is right within it if the prior is).
    label : str
        What the data is, in the title (say SIMULATED for simulated data).
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not {"ratio", "lo", "hi"} <= set(table.columns) or table.empty:
        raise InputError("table needs rows with columns ratio, lo, hi: use validate.level_ratio")
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 0.5 * len(table) + 1.5))
    else:
        fig = ax.figure
    y = np.arange(len(table))
    r = table["ratio"].to_numpy(float)
    err = np.vstack([r - table["lo"].to_numpy(float), table["hi"].to_numpy(float) - r])
    if band is not None:
        ax.axvspan(band[0], band[1], color="0.9", label=f"prior band x{band[0]:.2f}-x{band[1]:.2f}")
    ax.axvline(1.0, color="0.3", lw=1)
    ax.errorbar(r, y, xerr=np.maximum(err, 0), fmt="o", capsize=3)
    ax.set_yticks(y, [str(i) for i in table.index])
    ax.set_xscale("log")
    ax.set_xlabel("predicted / realized USD (log; 1 = right level)")
    ax.set_title(f"Level of the map{': ' + label if label else ''}")
    if band is not None:
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
