"""What a report's hot zones are worth: does the map's structure beat distance alone?

A hot zone says "much USD would be liquidated here". Whether that tells more than "levels near
the price are reached more often" is measured by
:func:`liqlib.validate.structure_lift`: per bar, the map is read (its USD between the price and
the bar's low for longs, high for shorts) and so is its distance-only twin (the same USD per
side, spread by the map's average distance profile); the lift is the Spearman of the map's reads
against the realized liquidations minus the twin's, with a paired day-block 95 % CI.
:func:`zone_worth` runs it on a report's window when realized liquidations are at hand and
writes the verdict from the numbers; without them it says what the zones' USD does and where
the lift is measured on real windows (notebook 05), with no number typed.

Examples
--------
>>> row = pd.Series({"map": 0.52, "twin": 0.47, "lift": 0.05, "lift_lo": 0.01,
...                  "lift_hi": 0.09, "bars": 96, "days": 4})
>>> lift_verdict(row)
'beats'
>>> lift_verdict(pd.Series({**row, "lift_lo": -0.02}))
'tie'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from liqlib.data.record.read import to_bars
from liqlib.errors import InputError
from liqlib.estimate.heatmap import Heatmap
from liqlib.validate.zones import structure_lift

__all__ = ["ZoneWorth", "lift_sentence", "lift_verdict", "structure_row", "zone_worth"]

#: where the lift is measured for every model on real windows
NOTEBOOK_05 = "[05 · Validation](05-validation.ipynb)"

_NOT_MEASURED = (
    "whether its hot zones carry information beyond their distance from the price cannot be "
    "measured here."
)
_WHAT_IS_KNOWN = (
    "The zones' USD ranks levels by "
    "how much the model places there; on the real windows liqlib holds, the map's structure did "
    "not rank realized liquidations better than distance alone (its distance-only twin): see "
    f"the structure lift in {NOTEBOOK_05}. Set `REALIZED` to a `liqlib record` folder to "
    "measure it on a window of your own."
)
_SIMULATED = (
    " (**SIMULATED** liquidations: the demo's own; its simulator places positions by the same "
    "rules as the model, so a lift here says the method reads its own kind of market, not that "
    "it works on real ones)"
)


@dataclass(frozen=True)
class ZoneWorth:
    """The structure lift of a report's map and the sentence that reads it.

    Attributes
    ----------
    row : pandas.Series or None
        :func:`structure_row` (``map``, ``twin``, ``lift``, ``lift_lo``, ``lift_hi``,
        ``bars``, ``days``), None when it could not be measured.
    text : str
        Markdown: the numbers and the verdict, or why there are none.
    """

    row: pd.Series | None
    text: str


def structure_row(
    hm: Heatmap,
    market: pd.DataFrame,
    events: pd.DataFrame,
    *,
    interval: str = "1h",
    n_boot: int = 500,
    seed: int = 0,
) -> pd.Series:
    """:func:`liqlib.validate.structure_lift` of ``hm`` on realized events summed per bar.

    Parameters
    ----------
    hm : liqlib.Heatmap
        The map, over the span of ``market``.
    market : pandas.DataFrame
        Its candles (``low``, ``high``, USD/coin; UTC index).
    events : pandas.DataFrame
        Realized liquidations, one row per event (``side``, ``qty``, ``usd``;
        :func:`liqlib.load_liquidations` or the demo's), UTC index.
    interval : str
        Bar length the events are summed into (``"1h"``).
    n_boot, seed : int
        Bootstrap replicates and seed (day blocks).

    Returns
    -------
    pandas.Series
        ``map``, ``twin`` (Spearman), ``lift``, ``lift_lo``, ``lift_hi`` (95 % CI), ``bars``
        (bars scored) and ``days`` (UTC days they span: the bootstrap's blocks).
    """
    step = market.index[1] - market.index[0]
    bars = to_bars(events, interval, start=market.index[0], end=market.index[-1] + step)
    row = structure_lift(hm, market, bars, n_boot=n_boot, seed=seed).copy()
    scored = bars.index[bars.index >= hm.times[0]]
    row["days"] = int(scored.floor("1D").nunique())
    return row


def lift_verdict(row: pd.Series) -> str:
    """``"beats"`` (CI above 0), ``"worse"`` (CI below 0), ``"tie"`` (CI holds 0) or
    ``"unknown"`` (no finite lift or CI)."""
    lo, hi, lift = (float(row[k]) for k in ("lift_lo", "lift_hi", "lift"))
    if not np.isfinite([lo, hi, lift]).all():
        return "unknown"
    if lo > 0:
        return "beats"
    if hi < 0:
        return "worse"
    return "tie"


def lift_sentence(row: pd.Series, *, synthetic: bool) -> str:
    """Markdown: the lift with its CI and what it means, written from ``row``.

    Examples
    --------
    >>> row = pd.Series({"map": 0.40, "twin": 0.45, "lift": -0.05, "lift_lo": -0.09,
    ...                  "lift_hi": -0.01, "bars": 96, "days": 4})
    >>> "worse than distance from the price alone" in lift_sentence(row, synthetic=True)
    True
    """
    label = _SIMULATED if synthetic else ""
    numbers = (
        f"On {int(row['bars'])} hourly bars over {int(row['days'])} day(s){label}, the map's "
        f"reads rank the realized liquidations with Spearman {row['map']:.3f}, its "
        f"distance-only twin with {row['twin']:.3f}: structure lift {row['lift']:+.3f}, "
        f"95 % CI [{row['lift_lo']:+.3f}, {row['lift_hi']:+.3f}] (day-block bootstrap)."
    )
    verdict = {
        "beats": "The CI lies above zero: here the map's structure, its hot zones included, "
        "ranks realized liquidations better than distance from the price alone.",
        "tie": "The CI holds zero: here the map's structure is not distinguishable from "
        "distance from the price alone; read the hot zones as sizes, not as extra odds.",
        "worse": "The CI lies below zero: here the map's structure ranks realized liquidations "
        "worse than distance from the price alone.",
        "unknown": "The lift cannot be measured on these bars (too few, or no variation).",
    }[lift_verdict(row)]
    few = (
        f" With {int(row['days'])} day(s) the bootstrap has few blocks: the CI is rough."
        if int(row["days"]) < 5
        else ""
    )
    return f"{numbers} {verdict}{few} On real windows, every model: {NOTEBOOK_05}."


def zone_worth(
    hm: Heatmap,
    market: pd.DataFrame,
    events: pd.DataFrame | None,
    *,
    interval: str = "1h",
    n_boot: int = 500,
    seed: int = 0,
) -> ZoneWorth:
    """Whether a report's hot zones carry information beyond distance, as a row and a text.

    Parameters
    ----------
    hm, market, events, interval, n_boot, seed
        As :func:`structure_row`; ``events`` None (no realized liquidations asked for) or
        empty gives the text without numbers.

    Returns
    -------
    ZoneWorth
        ``row`` (None when not measured) and ``text`` (Markdown).

    Examples
    --------
    >>> import liqlib as lq
    >>> m = lq.make_synthetic_market(600)
    >>> zone_worth(lq.estimate_heatmap(m, n_bins=100), m, None).row is None
    True
    """
    if events is None:
        why = "No realized liquidations are given for this window, so"
        return ZoneWorth(None, f"{why} {_NOT_MEASURED} {_WHAT_IS_KNOWN}")
    if events.empty:
        why = "No realized liquidation was recorded over the map's span, so"
        return ZoneWorth(None, f"{why} {_NOT_MEASURED} {_WHAT_IS_KNOWN}")
    try:
        row = structure_row(hm, market, events, interval=interval, n_boot=n_boot, seed=seed)
    except InputError as err:
        why = f"The realized liquidations do not allow it ({err}), so"
        return ZoneWorth(None, f"{why} {_NOT_MEASURED} {_WHAT_IS_KNOWN}")
    synthetic = bool(events.attrs.get("synthetic", False))
    return ZoneWorth(row, lift_sentence(row, synthetic=synthetic))
