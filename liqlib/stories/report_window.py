"""The window of a scheduled report: its parameters checked once, its market loaded (with a
warm-up before it) and its heatmap cut to the window.

Examples
--------
>>> cfg = ReportConfig.from_parameters(
...     data="demo", symbol="BTCUSDT", exchange="binance", window="24h", end="",
...     warmup="2D", interval="5m", model="turnover", alert_pct=2.0)
>>> cfg.window
Timedelta('1 days 00:00:00')
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from liqlib.data.record.read import load_liquidations
from liqlib.data.time import to_utc
from liqlib.errors import InputError
from liqlib.estimate.heatmap import Heatmap
from liqlib.estimate.registry import MODELS
from liqlib.sim.datasource import DATA_SOURCES, load_data
from liqlib.sim.demo import DEMO_SYMBOL, demo_liquidations
from liqlib.viz.units import format_usd

__all__ = [
    "EXCHANGES",
    "MODEL_NEEDS",
    "ReportConfig",
    "load_report_market",
    "load_report_realized",
    "realized_summary",
    "slice_heatmap",
]

EXCHANGES = ("binance",)

#: archive kinds each model cannot do without (the registry's, by model name)
MODEL_NEEDS = {name: spec.needs for name, spec in MODELS.items()}


def _duration(name: str, text: str) -> pd.Timedelta:
    try:
        td = pd.Timedelta(str(text))
    except ValueError:
        td = pd.NaT
    if pd.isna(td) or td <= pd.Timedelta(0):
        raise InputError(f"{name}={text!r} is not a positive duration: use e.g. '24h' or '2D'")
    return td


@dataclass(frozen=True)
class ReportConfig:
    """A report's parameters, checked: see :meth:`from_parameters`."""

    data: str
    symbol: str
    exchange: str
    window: pd.Timedelta
    end: pd.Timestamp | None
    warmup: pd.Timedelta
    interval: str
    model: str
    alert_pct: float

    @classmethod
    def from_parameters(
        cls, *, data, symbol, exchange, window, end, warmup, interval, model, alert_pct
    ) -> ReportConfig:
        """Check a notebook's parameters once; a bad value is a one-line InputError.

        ``end`` = "" means the end of the data (the latest complete hour online, the demo's
        last candle offline). ``window`` and ``warmup`` are durations ("24h", "2D").
        """
        if data not in DATA_SOURCES:
            raise InputError(f"DATA={data!r} is unknown: use one of {list(DATA_SOURCES)}")
        if exchange not in EXCHANGES:
            raise InputError(f"EXCHANGE={exchange!r} is not supported yet: use 'binance'")
        if model not in MODELS:
            raise InputError(f"MODEL={model!r} is unknown: use one of {sorted(MODELS)}")
        if isinstance(alert_pct, bool) or not isinstance(alert_pct, int | float) or alert_pct <= 0:
            raise InputError(f"ALERT_PCT={alert_pct!r} must be a distance > 0 (%): e.g. 2.0")
        if not isinstance(symbol, str) or not symbol.isalnum():
            raise InputError(f"SYMBOL={symbol!r} is not a symbol: use e.g. 'BTCUSDT'")
        stamp = None
        if end:
            stamp = to_utc(end, "END")
        return cls(
            data, symbol.upper(), exchange, _duration("WINDOW", window), stamp,
            _duration("WARMUP", warmup), interval, model, float(alert_pct),
        )  # fmt: skip

    def window_text(self, market: pd.DataFrame) -> str:
        """``SYMBOL 2025-11-04 00:00 to 2025-11-05 00:00 UTC (24h)`` for a loaded window."""
        start = market.index[-1] + (market.index[1] - market.index[0]) - self.window
        end = market.index[-1] + (market.index[1] - market.index[0])
        name = market.attrs.get("symbol", self.symbol)
        return f"{name} {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC ({_short(self.window)})"


def _short(td: pd.Timedelta) -> str:
    hours = td / pd.Timedelta(hours=1)
    return f"{hours:g}h" if hours < 48 else f"{hours / 24:g}d"


def load_report_market(cfg: ReportConfig) -> pd.DataFrame:
    """The market of the report: ``warmup + window`` up to ``end`` (see :func:`load_data`:
    real data fall back to the SIMULATED demo, saying so in ``attrs["data_note"]``).

    When the source gives another period (the demo has its own dates), the last
    ``warmup + window`` of it is used.
    """
    end = cfg.end
    if end is None and cfg.data == "binance":
        end = pd.Timestamp.now(tz="UTC").floor("h")
    start = None if end is None else end - cfg.window - cfg.warmup
    try:
        market = load_data(
            cfg.data,
            cfg.symbol,
            None if start is None else start.isoformat(),
            None if end is None else end.isoformat(),
            interval=cfg.interval,
            needs=MODEL_NEEDS[cfg.model],
            n_candles=int((cfg.window + cfg.warmup) / pd.Timedelta(minutes=1)),
        )
    except InputError as exc:
        if "was listed" not in str(exc):
            raise
        # the report has no start: its window (plus warm-up) ends at END
        listed = str(exc).split("(")[1].split(")")[0]
        raise InputError(
            f"END={end:%Y-%m-%d %H:%M} with WINDOW {cfg.window} and WARMUP {cfg.warmup} starts "
            f"before {cfg.symbol} was listed ({listed}): choose a later END (--end) or a "
            "shorter WINDOW/WARMUP"
        ) from None
    last = market.index[-1] + (market.index[1] - market.index[0])
    out = market.loc[market.index >= last - cfg.window - cfg.warmup].copy()
    out.attrs = dict(market.attrs)
    if len(out) < 3:
        raise InputError(
            f"the window holds {len(out)} candles of {cfg.interval}: widen WINDOW or use a "
            "shorter INTERVAL"
        )
    return out


def slice_heatmap(hm: Heatmap, start) -> Heatmap:
    """The heatmap's columns and predictions from ``start`` (UTC) on; the warm-up is cut.

    Parameters
    ----------
    hm : liqlib.Heatmap
        The heatmap to cut.
    start : str or pandas.Timestamp
        First time (UTC) kept.

    Returns
    -------
    liqlib.Heatmap
        A copy holding only the columns at or after ``start``.
    """
    ts = pd.Timestamp(start)
    keep = hm.times >= ts
    if not keep.any():
        raise InputError(f"start={start!r} is after the heatmap's last column: choose earlier")
    cut = {
        name: getattr(hm, name)[keep]
        for name in ("long_usd", "short_usd", "overflow_long_usd", "overflow_short_usd", "price")
    }
    for name in ("long_usd_by_tier", "short_usd_by_tier"):
        if getattr(hm, name) is not None:
            cut[name] = getattr(hm, name)[keep]
    return dataclasses.replace(
        hm,
        times=hm.times[keep],
        predicted_long_usd=hm.predicted_long_usd.loc[hm.predicted_long_usd.index >= ts],
        predicted_short_usd=hm.predicted_short_usd.loc[hm.predicted_short_usd.index >= ts],
        flows=hm.flows.loc[hm.flows.index >= ts],
        **cut,
    )


def load_report_realized(realized, market: pd.DataFrame, symbol: str) -> pd.DataFrame | None:
    """The realized liquidations a report draws over its window (its ``REALIZED`` parameter).

    Parameters
    ----------
    realized : str or None
        ``""`` / None: none; ``"auto"``: the demo's **SIMULATED** ones when the report runs
        on the demo market (offline, or real data fell back to it), none on real data;
        ``"demo"``: the demo's (only on the demo market); anything else: the folder of a
        ``liqlib record`` recording (``lq.load_liquidations``), ``symbol``'s events only.
    market : pandas.DataFrame
        The report's window (its first and last candle bound the events).
    symbol : str
        The symbol of a recording to read.

    Returns
    -------
    pandas.DataFrame or None
        One row per event (``lq.load_liquidations``'s columns and ``attrs``), maybe empty;
        None when no realized liquidations are asked for.

    Raises
    ------
    InputError
        ``"demo"`` on a real market (the demo's events are of another market).
    """
    if realized is None or str(realized).strip() == "":
        return None
    on_demo = market.attrs.get("symbol") == DEMO_SYMBOL
    step = market.index[1] - market.index[0]
    start, end = market.index[0], market.index[-1] + step
    if realized == "auto":
        return demo_liquidations(start, end) if on_demo else None
    if realized == "demo":
        if not on_demo:
            raise InputError(
                "REALIZED='demo' draws the demo's SIMULATED liquidations, which belong to the "
                "demo market, not this one: give a recording folder (liqlib record --out DIR)"
            )
        return demo_liquidations(start, end)
    return load_liquidations(str(realized), symbol=symbol, start=start, end=end)


def realized_summary(liqs: pd.DataFrame) -> str:
    """One Markdown line: how many realized liquidations, USD by side, and what they are.

    Examples
    --------
    >>> import pandas as pd
    >>> liqs = pd.DataFrame({"side": ["long", "short"], "usd": [2e6, 5e5]})
    >>> realized_summary(liqs)
    '2 realized liquidations in the window: longs 2M USD, shorts 500k USD.'
    """
    usd = liqs.groupby("side")["usd"].sum()
    text = (
        f"{len(liqs):,} realized liquidations in the window: longs "
        f"{format_usd(float(usd.get('long', 0.0)))} USD, shorts "
        f"{format_usd(float(usd.get('short', 0.0)))} USD."
    )
    note = liqs.attrs.get("note")
    return f"{text} {note}" if note else text
