"""Stage 4, validate. The accuracy yardstick: how close a heatmap comes to the truth and to realized liquidations.

Three families of metrics, from the most to the least demanding of data:

1. **Density** (:func:`density_scores`, :mod:`.metrics`; simulations only, where the live positions are known):
   the estimated and the true USD profiles, per side, both expressed in *offset space* (signed
   distance of a liquidation price from the price then, in %), compared by cosine similarity
   and earth-mover distance, and scored against a flat +-20 % profile.
2. **Per bar** (:func:`per_bar_scores`; works on real data): predicted vs realized USD
   liquidated per bar, by Spearman rank correlation, squared Pearson correlation, top-decile
   hit rate, zero shares and the total ratio. :func:`naive_baselines` gives one-line
   predictions a model must beat, :func:`scorecard` puts models and baselines side by side
   with day-block bootstrap intervals (:func:`block_bootstrap_ci`, :func:`paired_ci`).
3. **Zones** (:func:`zone_scores`, :mod:`.zones`): precision of the top price zones of each map, with a Wilson
   interval (:func:`wilson_interval`) and a reach-matched random baseline.

Conventions: amounts in USD notional, prices in USD/coin, offsets and distances in % of the
price (``emd_pct`` is in percentage points of price), times in UTC. A *bar frame* is a
DataFrame indexed by bar open time (UTC) with columns ``long_usd`` (USD of long positions
liquidated in the bar) and ``short_usd``; ``total`` means ``long_usd + short_usd``.

Examples
--------
>>> import liqlib as lq
>>> market = lq.make_synthetic_market(2_000, interval="5min")
>>> hm = lq.estimate_heatmap(market, n_bins=200, max_columns=50)
>>> from liqlib.validate import *
>>> preds = {"oi-flow": to_bars(heatmap_predicted(hm), "1h"),
...          **naive_baselines(market, interval="1h")}
>>> realized = preds["OI fall"]  # stand-in: use truth.realized("1h") or Coinglass data
>>> card = scorecard(preds, realized, n_boot=50)  # doctest: +SKIP
"""

from liqlib.data.realized import BAR_COLUMNS, SIDES
from liqlib.validate._checks import (
    BASELINES,
    DEFAULT_OFFSET_EDGES,
    METRICS,
    PER_BAR_METRICS,
    SCOPES,
    TOP_SHARE,
)
from liqlib.validate.baselines import naive_baselines
from liqlib.validate.bootstrap import block_bootstrap_ci, paired_ci, scorecard
from liqlib.validate.metrics import (
    density_scores,
    heatmap_predicted,
    per_bar_scores,
    rebin_to_offsets,
    summarize_density,
    to_bars,
)
from liqlib.validate.zones import structure_lift, wilson_interval, zone_hits, zone_scores

__all__ = [
    "BAR_COLUMNS",
    "BASELINES",
    "DEFAULT_OFFSET_EDGES",
    "METRICS",
    "PER_BAR_METRICS",
    "SCOPES",
    "SIDES",
    "TOP_SHARE",
    "block_bootstrap_ci",
    "density_scores",
    "heatmap_predicted",
    "naive_baselines",
    "paired_ci",
    "per_bar_scores",
    "rebin_to_offsets",
    "scorecard",
    "summarize_density",
    "to_bars",
    "structure_lift",
    "wilson_interval",
    "zone_hits",
    "zone_scores",
]
