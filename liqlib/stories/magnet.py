"""The "magnet" back-test: does price go to the bigger liquidation cluster?

At many times ``t`` on many symbols, the map at ``t`` (the model's estimate from the candles up
to ``t``, nothing later) gives each side's biggest zone within ``max_distance_pct``: bands of
``zone_pct`` % counted outwards from the price, as :func:`liqlib.stories.zones.compute_hot_zones`
bands them with ``method="bands"`` (the report's default zones are distinct peaks instead).
The **bigger cluster** is the larger of the two; ``D`` is the distance (%) from the price to
its middle. Over the next ``h`` hours (candles strictly after ``t``):

- **hit**: did price reach the level (low <= level below, high >= level above)?
- **signed move**: the close-to-close return at ``t + h`` (%) signed towards the level.

The same outcomes are computed for baselines that choose a side at the **same distance D**:

- ``mirror``: the opposite side (the level at ``-D``);
- ``random``: a side drawn at random, scored by its expected value: the mean of the cluster's
  and the mirror's outcomes (its signed move is 0 by construction);
- ``momentum``: the side the price moved to over the past ``h`` hours;
- ``reversion``: the other side.

If clusters attract price, the cluster's hit rate beats the mirror and random at the same
distance. :func:`magnet_table` gives hit rates and signed moves by horizon, distance band and
cluster dominance (biggest zone / the other side's biggest zone), per symbol and pooled, with
day-block bootstrap intervals (:func:`liqlib.validate.block_bootstrap_ci`; resampled days hold
every symbol's events of that day together) and the paired differences ``cluster - random``.

Examples
--------
>>> cfg = MagnetConfig(horizons_h=(1, 4))
>>> cfg.horizons_h
(1, 4)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

import liqlib as lq
from liqlib.errors import InputError
from liqlib.stories.scan import estimate

__all__ = [
    "STRATEGIES",
    "MagnetConfig",
    "biggest_zones",
    "conclusion",
    "magnet_events",
    "magnet_table",
    "with_constant_oi",
]

#: the cluster and its baselines, each a side at the cluster's distance
STRATEGIES = ("cluster", "mirror", "random", "momentum", "reversion")


@dataclass(frozen=True)
class MagnetConfig:
    """Settings of the back-test. Units: hours, %.

    Parameters
    ----------
    horizons_h : tuple of int
        Horizons ``h`` (hours) after ``t``.
    zone_pct : float
        Width of a zone (% of the price), as in the report.
    max_distance_pct : float
        Only zones whose middle lies within this distance of the price.
    distance_edges_pct : tuple of float
        Bands of the cluster's distance ``D`` for the breakdown.
    dominance_edges : tuple of float
        Bands of dominance = biggest zone USD / the other side's biggest zone USD.
    """

    horizons_h: tuple[int, ...] = (1, 4, 12, 24)
    zone_pct: float = 0.5
    max_distance_pct: float = 10.0
    distance_edges_pct: tuple[float, ...] = (0.0, 1.0, 2.0, 5.0, 10.0)
    dominance_edges: tuple[float, ...] = (1.0, 1.5, 3.0, np.inf)

    def __post_init__(self) -> None:
        h = self.horizons_h
        if not h or any(isinstance(x, bool) or not isinstance(x, int) or x < 1 for x in h):
            raise InputError(f"horizons_h={h!r} must be positive whole hours: e.g. (1, 4, 24)")
        if not (self.zone_pct > 0 and self.max_distance_pct > self.zone_pct):
            raise InputError("need 0 < zone_pct < max_distance_pct: e.g. 0.5 and 10 (%)")
        for name in ("distance_edges_pct", "dominance_edges"):
            e = np.asarray(getattr(self, name), dtype=float)
            if e.size < 2 or np.any(np.diff(e) <= 0):
                raise InputError(f"{name} must be >= 2 increasing numbers")


def with_constant_oi(market: pd.DataFrame, oi_usd: float = 1e9) -> pd.DataFrame:
    """A copy of ``market`` with a **constant open-interest proxy** of ``oi_usd`` (USD).

    Candles without open interest (the bundled hourly event candles) cannot drive the default
    ("turnover") model, which keeps each leverage tier's share of the open interest. With a
    constant proxy the model keeps a book of constant USD that churns and refills at each
    candle's prices: *where* levels sit depends on the price path alone, only their USD scale
    is arbitrary. The back-test compares the two sides of one map, so the scale cancels.
    ``attrs["oi_proxy"]`` records it.

    Examples
    --------
    >>> m = with_constant_oi(lq.make_synthetic_market(10, interval="1h").drop(columns=["oi_coin", "oi_usd"]))
    >>> float(m["oi_usd"].iloc[0]), m.attrs["oi_proxy"]
    (1000000000.0, 'constant 1e+09 USD')
    """
    if not oi_usd > 0:
        raise InputError(f"oi_usd={oi_usd!r} must be > 0 (USD): e.g. 1e9")
    out = market.copy()
    out[lq.columns.OI_USD] = float(oi_usd)
    if lq.columns.OI_COIN in out.columns:
        out = out.drop(columns=[lq.columns.OI_COIN])
    out.attrs = dict(market.attrs)
    out.attrs["oi_proxy"] = f"constant {oi_usd:g} USD"
    return out


def biggest_zones(hm, zone_pct: float = 0.5, max_distance_pct: float = 10.0) -> pd.DataFrame:
    """Each column's biggest zone on each side (vectorised ``compute_hot_zones(method="bands")``).

    Parameters
    ----------
    hm : liqlib.Heatmap
        The estimated heatmap (USD per price bin and column).
    zone_pct, max_distance_pct : float
        Band width and search distance (% of the column's price).

    Returns
    -------
    pandas.DataFrame
        Index: the heatmap's times (UTC); ``price`` (USD/coin), ``long_usd`` / ``short_usd``
        (USD of the biggest zone below / above), ``long_dist_pct`` / ``short_dist_pct``
        (distance of its middle, % > 0), ``total_usd`` (both sides within the distance).
    """
    centers = hm.bin_centers
    px = np.asarray(hm.price, dtype=float)[:, None]
    n_bands = int(np.ceil(max_distance_pct / zone_pct))
    out = {"price": px[:, 0]}
    total = np.zeros(px.shape[0])
    rows = np.arange(px.shape[0])[:, None]
    for side, usd, sign in (("long", hm.long_usd, -1.0), ("short", hm.short_usd, 1.0)):
        dist = sign * (centers[None, :] / px - 1.0) * 100.0
        keep = (dist > 0) & (dist <= max_distance_pct) & (usd > 0)
        band = np.where(keep, np.floor(dist / zone_pct), 0).astype(np.int64)
        flat = np.where(keep, rows * n_bands + np.minimum(band, n_bands - 1), -1)
        sums = np.bincount(flat[keep], usd[keep], minlength=px.shape[0] * n_bands)
        sums = sums.reshape(px.shape[0], n_bands)
        best = sums.argmax(axis=1)
        out[f"{side}_usd"] = sums[np.arange(px.shape[0]), best]
        out[f"{side}_dist_pct"] = (best + 0.5) * zone_pct
        total += sums.sum(axis=1)
    out["total_usd"] = total
    return pd.DataFrame(out, index=hm.times)


def _future_extremes(market: pd.DataFrame, times: pd.DatetimeIndex, hours: int):
    """Low, high and last close of the candles in ``(t, t + hours]`` for each ``t``; NaN when
    the market ends before ``t + hours``."""
    C = lq.columns
    step = market.index[1] - market.index[0]
    n = int(round(pd.Timedelta(hours=hours) / step))
    low = market[C.MARK_LOW].fillna(market[C.LOW]) if C.MARK_LOW in market else market[C.LOW]
    high = market[C.MARK_HIGH].fillna(market[C.HIGH]) if C.MARK_HIGH in market else market[C.HIGH]
    # rolling over the n candles ending at row i, shifted so row i sees rows i+1 .. i+n
    fut_low = low.rolling(n, min_periods=n).min().shift(-n)
    fut_high = high.rolling(n, min_periods=n).max().shift(-n)
    fut_close = market[C.CLOSE].shift(-n)
    past_close = market[C.CLOSE].shift(n)
    pos = market.index.get_indexer(times)
    if np.any(pos < 0):
        raise InputError("the heatmap's times are not candles of the market: pass the same market")
    return (
        fut_low.to_numpy()[pos],
        fut_high.to_numpy()[pos],
        fut_close.to_numpy()[pos],
        past_close.to_numpy()[pos],
    )


def magnet_events(
    hm, market: pd.DataFrame, symbol: str, config: MagnetConfig | None = None
) -> pd.DataFrame:
    """One row per (time, horizon): the bigger cluster and every strategy's outcome.

    Parameters
    ----------
    hm : liqlib.Heatmap
        Estimated on ``market``; each of its columns is one test time ``t``.
    market : pandas.DataFrame
        The candles (regular bars) the heatmap was estimated on.
    symbol : str
        Name for the ``symbol`` column.
    config : MagnetConfig, optional
        Horizons, zone width and distances of the back-test; default ``MagnetConfig()``.

    Returns
    -------
    pandas.DataFrame
        Columns ``symbol``, ``time`` (UTC), ``horizon_h``, ``side`` (of the bigger cluster:
        "long" below, "short" above), ``distance_pct`` (D), ``dominance``, ``cluster_usd``;
        for each strategy ``hit_<s>`` (0/1) and ``move_<s>`` (signed move, %). Times whose
        horizon runs past the data, or without a zone on both sides, are dropped.
    """
    cfg = config if config is not None else MagnetConfig()
    z = biggest_zones(hm, cfg.zone_pct, cfg.max_distance_pct)
    ok = (z["long_usd"] > 0) & (z["short_usd"] > 0)
    z = z.loc[ok]
    up = (z["short_usd"] > z["long_usd"]).to_numpy()  # bigger cluster above
    s_c = np.where(up, 1.0, -1.0)
    big = np.where(up, z["short_usd"], z["long_usd"])
    small = np.where(up, z["long_usd"], z["short_usd"])
    dist = np.where(up, z["short_dist_pct"], z["long_dist_pct"])
    px = z["price"].to_numpy()
    frames = []
    for h in cfg.horizons_h:
        lo, hi, close, past = _future_extremes(market, z.index, h)
        ret = (close / px - 1.0) * 100.0
        up_lvl, dn_lvl = px * (1 + dist / 100.0), px * (1 - dist / 100.0)
        hit_up, hit_dn = (hi >= up_lvl).astype(float), (lo <= dn_lvl).astype(float)
        s_m = np.sign(px - past)
        s_m[s_m == 0] = 1.0
        d = {
            "symbol": symbol,
            "time": z.index,
            "horizon_h": h,
            "side": np.where(up, "short", "long"),
            "distance_pct": dist,
            "dominance": big / small,
            "cluster_usd": big,
        }
        for name, s in (("cluster", s_c), ("mirror", -s_c), ("momentum", s_m), ("reversion", -s_m)):
            d[f"hit_{name}"] = np.where(s > 0, hit_up, hit_dn)
            d[f"move_{name}"] = s * ret
        d["hit_random"] = 0.5 * (d["hit_cluster"] + d["hit_mirror"])
        d["move_random"] = 0.0 * ret
        f = pd.DataFrame(d)
        valid = np.isfinite(close) & np.isfinite(past) & np.isfinite(lo) & np.isfinite(hi)
        frames.append(f.loc[valid])
    out = pd.concat(frames, ignore_index=True)
    out.attrs = {"model": hm.model, "config": cfg}
    return out


def _bands(values: np.ndarray, edges, fmt: str) -> np.ndarray:
    e = np.asarray(edges, dtype=float)
    k = np.clip(np.searchsorted(e, values, side="right") - 1, 0, e.size - 2)
    labels = np.array([fmt.format(a, b) for a, b in zip(e[:-1], e[1:], strict=True)])
    return labels[k]


def _group_frame(events: pd.DataFrame, cfg: MagnetConfig, per_symbol: bool) -> pd.DataFrame:
    """Per UTC day and group: counts and sums of every outcome (the bootstrap's rows)."""
    ev = events.copy()
    ev["distance"] = _bands(ev["distance_pct"].to_numpy(), cfg.distance_edges_pct, "{:g}-{:g} %")
    ev["dominance_band"] = _bands(
        ev["dominance"].to_numpy(), cfg.dominance_edges, "{:g}-{:g}x"
    ).astype(str)
    stats = [f"{k}_{s}" for k in ("hit", "move") for s in STRATEGIES]
    ev["n"] = 1.0
    scopes = [("pooled", ev)]
    if per_symbol:
        scopes += [(str(s), g) for s, g in ev.groupby("symbol", sort=True)]
    parts = []
    for scope, g in scopes:
        for by, col in (("all", None), ("distance", "distance"), ("dominance", "dominance_band")):
            key = g[col] if col else pd.Series("all", index=g.index)
            label = scope + "|" + g["horizon_h"].astype(str) + "|" + by + "|" + key.astype(str)
            day = g["time"].dt.floor("1D")
            parts.append(g[["n", *stats]].groupby([day.rename("day"), label.rename("group")]).sum())
    long = pd.concat(parts)
    wide = long.unstack("group", fill_value=0.0)
    return wide.sort_index()


def _rates(wide: pd.DataFrame) -> pd.Series:
    tot = wide.sum(axis=0)
    n = tot["n"]
    out = {}
    for s in STRATEGIES:
        out[f"hit_{s}"] = tot[f"hit_{s}"] / n
        out[f"move_{s}"] = tot[f"move_{s}"] / n
    for s in ("random", "mirror", "momentum", "reversion"):
        out[f"hit_cluster_minus_{s}"] = out["hit_cluster"] - out[f"hit_{s}"]
        out[f"move_cluster_minus_{s}"] = out["move_cluster"] - out[f"move_{s}"]
    frame = pd.DataFrame(out)
    frame = frame.where(n > 0)
    flat = frame.stack(future_stack=True)
    flat.index = [f"{g}|{m}" for g, m in flat.index]
    return flat


def magnet_table(
    events: pd.DataFrame,
    config: MagnetConfig | None = None,
    *,
    per_symbol: bool = True,
    block: str = "1D",
    n_boot: int = 500,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Hit rates and signed moves with day-block bootstrap intervals, by group.

    Parameters
    ----------
    events : pandas.DataFrame
        From :func:`magnet_events` (any number of symbols concatenated).
    config : MagnetConfig, optional
        For the distance and dominance bands.
    per_symbol : bool
        Also every symbol on its own (besides ``"pooled"``).
    block, n_boot, seed, level
        As in :func:`liqlib.validate.block_bootstrap_ci` (blocks of UTC days: each replicate
        draws whole days, every symbol's events of a day together).

    Returns
    -------
    pandas.DataFrame
        Columns ``scope`` ("pooled" or a symbol), ``horizon_h``, ``by`` ("all", "distance",
        "dominance"), ``band``, ``metric`` (``hit_<s>``: share of events whose level was
        reached; ``move_<s>``: mean signed move, %; ``*_cluster_minus_<s>``: the paired
        differences), ``n`` (events), ``estimate``, ``ci_low``, ``ci_high``.
    """
    cfg = config if config is not None else MagnetConfig()
    if not isinstance(events, pd.DataFrame) or events.empty:
        raise InputError("events is empty: run magnet_events on a longer market first")
    wide = _group_frame(events, cfg, per_symbol)
    ci = lq.validate.block_bootstrap_ci(
        _rates, wide, block=block, n_boot=n_boot, seed=seed, level=level
    )
    group = pd.Series(ci.index.astype(str)).str.split("|", expand=True)
    out = pd.DataFrame(
        {
            "scope": group[0].to_numpy(),
            "horizon_h": group[1].astype(int).to_numpy(),
            "by": group[2].to_numpy(),
            "band": group[3].to_numpy(),
            "metric": group[4].to_numpy(),
        }
    )
    counts = wide["n"].sum(axis=0)
    keys = group[0] + "|" + group[1] + "|" + group[2] + "|" + group[3]
    out["n"] = counts.reindex(keys).to_numpy().astype(int)
    for c in ("estimate", "ci_low", "ci_high"):
        out[c] = ci[c].to_numpy()
    out.attrs = dict(ci.attrs)
    return out.sort_values(["scope", "by", "horizon_h", "band", "metric"], ignore_index=True)


def pivot_metrics(
    table: pd.DataFrame,
    metrics: Sequence[str],
    *,
    scope: str = "pooled",
    by: str = "all",
) -> pd.DataFrame:
    """A readable slice of :func:`magnet_table`: rows (horizon, band), columns the metrics
    as ``estimate [ci_low, ci_high]`` text, plus ``n``."""
    t = table[(table["scope"] == scope) & (table["by"] == by) & table["metric"].isin(metrics)]
    t = t.assign(
        text=[
            f"{e:.3f} [{lo:.3f}, {hi:.3f}]"
            for e, lo, hi in zip(t["estimate"], t["ci_low"], t["ci_high"], strict=True)
        ]
    )
    wide = t.pivot_table(
        index=["horizon_h", "band"], columns="metric", values="text", aggfunc="first"
    )
    wide = wide[[m for m in metrics if m in wide.columns]]
    wide["n"] = t.groupby(["horizon_h", "band"])["n"].first()
    return wide


def verdict(table: pd.DataFrame, baseline: str = "random") -> Mapping[int, str]:
    """Per horizon, what the pooled numbers say: the cluster's hit rate above, below or not
    distinguishable from ``baseline`` at the same distance (its interval excludes 0 or not)."""
    t = table[
        (table["scope"] == "pooled")
        & (table["by"] == "all")
        & (table["metric"] == f"hit_cluster_minus_{baseline}")
    ]
    out = {}
    for _, r in t.iterrows():
        if r["ci_low"] > 0:
            word = "more often than"
        elif r["ci_high"] < 0:
            word = "less often than"
        else:
            word = "not distinguishably more or less often than"
        out[int(r["horizon_h"])] = (
            f"{int(r['horizon_h'])} h: price reached the bigger cluster {word} a {baseline} "
            f"level at the same distance ({r['estimate'] * 100:+.1f} points, 95 % CI "
            f"{r['ci_low'] * 100:+.1f} to {r['ci_high'] * 100:+.1f}; n = {int(r['n'])})"
        )
    return out


def load_event_market(symbol: str, venue: str = "binance") -> pd.DataFrame:
    """Real hourly perpetual candles (2025-03-06 .. 2025-11-22, bundled) as a market frame.

    ``symbol`` may be the coin (``"BTC"``) or the perpetual (``"BTCUSDT"``); see
    ``lq.load_event_candles``.
    """
    coin = str(symbol).upper().removesuffix("USDT")
    market = lq.load_event_candles(f"{coin}USDT", venue=venue)
    market.attrs.setdefault("data_note", f"real {venue} {coin}USDT hourly candles (bundled)")
    return market


def event_symbol_events(
    symbol: str,
    data: str = "events",
    config: MagnetConfig | None = None,
    *,
    step_h: int = 4,
    days: float = 30.0,
    universe_seed: int = 0,
    n_bins: int = 2000,
) -> pd.DataFrame:
    """Load one symbol, estimate its heatmap with the default model, return its events.

    Parameters
    ----------
    symbol : str
        ``"BTC"`` .. (``data="events"``: the real hourly candles, run on the default model with
        the constant open-interest proxy of :func:`with_constant_oi`) or ``"SIM-007"``
        (``data="sim"``: a SIMULATED universe member of ``days`` days, with its simulated
        open interest).
    data : {"events", "sim"}
        Real hourly candles or the SIMULATED universe.
    config : MagnetConfig, optional
        Settings of the back-test; default ``MagnetConfig()``.
    step_h : int
        Hours between test times (heatmap columns).
    days : float
        Length of the simulated market (days; ``data="sim"`` only).
    universe_seed : int
        Seed of the SIMULATED universe (``data="sim"`` only).
    n_bins : int
        Price bins of the heatmap.

    Returns
    -------
    pandas.DataFrame
        :func:`magnet_events`; ``attrs["data_note"]`` says what the data were.
    """
    if data == "events":
        coin = str(symbol).upper().removesuffix("USDT")
        market = with_constant_oi(load_event_market(coin))
        note = market.attrs["data_note"] + f"; OI proxy {market.attrs['oi_proxy']}"
    elif data == "sim":
        from liqlib.stories.universe import load_universe_market

        market = load_universe_market(symbol, f"{days}D", universe_seed=universe_seed)
        note = market.attrs["data_note"]
    else:
        raise InputError(f"data={data!r} is unknown: use 'events' or 'sim'")
    step = market.index[1] - market.index[0]
    per_col = max(1, int(round(pd.Timedelta(hours=step_h) / step)))
    hm, top = estimate(market, None, n_bins, max(1, len(market) // per_col))
    ev = magnet_events(hm, market, symbol, config)
    ev.attrs["data_note"] = note
    ev.attrs["brackets"] = str(market.attrs.get("bracket_symbol", market.attrs.get("symbol")))
    ev.attrs["max_leverage"] = top
    return ev


def conclusion(table: pd.DataFrame) -> str:
    """One sentence from the pooled numbers: against which baselines the bigger cluster's
    hit rate is higher at how many horizons (95 % intervals of the paired differences)."""
    t = table[(table["scope"] == "pooled") & (table["by"] == "all")]
    n_h = t["horizon_h"].nunique()
    parts = []
    for base in ("random", "momentum", "reversion"):
        r = t[t["metric"] == f"hit_cluster_minus_{base}"]
        above, below = int((r["ci_low"] > 0).sum()), int((r["ci_high"] < 0).sum())
        parts.append(
            f"above {base} at {above} of {n_h} horizons"
            + (f" (below at {below})" if below else "")
            + f", by {r['estimate'].min() * 100:+.1f} to {r['estimate'].max() * 100:+.1f} points"
        )
    return "The bigger cluster's hit rate is " + "; ".join(parts) + "."


def plot_magnet(
    table: pd.DataFrame,
    *,
    scope: str = "pooled",
    strategies: Sequence[str] = ("cluster", "random", "momentum", "reversion"),
    title: str = "",
    ax=None,
):
    """Hit rate by horizon for the cluster and its baselines, with bootstrap intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`magnet_table`.
    scope : str
        ``"pooled"`` or a symbol.
    strategies : sequence of str
        Which of :data:`STRATEGIES` to draw.
    title : str
        Figure title (say SIMULATED when it is).
    ax : matplotlib.axes.Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    t = table[(table["scope"] == scope) & (table["by"] == "all")]
    for i, s in enumerate(strategies):
        r = t[t["metric"] == f"hit_{s}"].sort_values("horizon_h")
        x = np.arange(len(r)) + (i - (len(strategies) - 1) / 2) * 0.12
        err = [r["estimate"] - r["ci_low"], r["ci_high"] - r["estimate"]]
        ax.errorbar(x, r["estimate"] * 100, yerr=np.asarray(err) * 100, fmt="o", capsize=3,
                    label=s)  # fmt: skip
        ax.set_xticks(np.arange(len(r)), [f"{h} h" for h in r["horizon_h"]])
    ax.set_xlabel("horizon after t")
    ax.set_ylabel("level reached (% of times)")
    ax.set_title(title or f"Does price reach the bigger cluster? ({scope})")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax.figure
