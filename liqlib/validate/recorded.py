"""Score heatmaps against realized liquidations recorded by ``liqlib record``.

A recording (``lq.load_liquidations(DIR)`` summed by ``lq.to_bars(..., gaps=, coverage=)``)
holds only what the venues streamed while the recorder ran: bars flagged incomplete (a gap, or
outside a run) are left out of every score, and the totals are **lower bounds** (Binance and
OKX send at most one liquidation per symbol per second). :func:`recording_market` loads the
market the recording is scored against; :func:`score_recording` gives the level (predicted /
realized with a day-block bootstrap CI), the ranking (Spearman against the *range x OI*
baseline, paired CI) and a calibration fitted on the first half of the complete bars and
scored on the second half, all by the functions the rest of the yardstick uses
(:func:`~liqlib.validate.evaluate.model_predictions`, :func:`~liqlib.validate.scorecard`,
:func:`~liqlib.validate.level.level_ratio`, :func:`~liqlib.validate.evaluate.out_of_sample`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from liqlib.data.realized import _timedelta
from liqlib.data.time import to_utc
from liqlib.errors import InputError
from liqlib.estimate.calibrate import MixCalibration
from liqlib.estimate.registry import DEFAULT_MODEL
from liqlib.validate.baselines import naive_baselines
from liqlib.validate.bootstrap import scorecard
from liqlib.validate.evaluate import CALIBRATED, model_predictions, out_of_sample
from liqlib.validate.level import level_ratio

#: What every recorded total is: a lower bound of what was liquidated.
LOWER_BOUND = (
    "recorded totals are LOWER BOUNDS: Binance and OKX stream at most one liquidation per "
    "symbol per second, so bursts are under-counted"
)


def recording_market(
    venue: str,
    symbol: str,
    start,
    end,
    *,
    interval: str = "1m",
    synthetic: bool = False,
) -> pd.DataFrame:
    """The market a recording is scored against, over ``[start, end)`` (UTC).

    Parameters
    ----------
    venue : str
        The recording's venue: ``"binance"`` (loaded with ``lq.load_market``) or, for a
        SIMULATED recording, ``"demo"``.
    symbol : str
        E.g. ``"BTCUSDT"``.
    start, end : time-like
        The span to load (UTC): the recording's bars plus any warm-up before them.
    interval : str
        Candle length of the market (``"1m"``, ``"5m"``...).
    synthetic : bool
        True for a SIMULATED recording (``load_liquidations(...).attrs["synthetic"]``): it is
        scored against the bundled SIMULATED demo market, whatever its venue is called.

    Returns
    -------
    pandas.DataFrame
        The market frame (columns of ``lq.load_market``), clipped to ``[start, end)``.

    Raises
    ------
    InputError
        The venue has no market loader here, or the demo does not cover the span.

    Examples
    --------
    >>> m = recording_market("demo", "BTCUSDT", "2025-03-10", "2025-03-12", synthetic=True)
    >>> m.attrs["synthetic"], len(m)
    (True, 2880)
    """
    t0, t1 = to_utc(start, "start"), to_utc(end, "end")
    if t1 <= t0:
        raise InputError(f"end {t1} is not after start {t0}: swap them")
    if synthetic or venue == "demo":
        from liqlib.sim.demo import load_demo

        demo = load_demo(interval)
        out = demo[(demo.index >= t0) & (demo.index < t1)].copy()
        out.attrs = dict(demo.attrs)
        if out.empty:
            raise InputError(
                f"a SIMULATED recording is scored against the demo market, which does not cover "
                f"{t0} to {t1}: write the demo's own liquidations (lq.sim.demo.demo_liquidations)"
            )
        return out
    if venue != "binance":
        raise InputError(
            f"venue {venue!r}: only Binance markets are loaded for a recording here: pass "
            "venue='binance' (record it with liqlib record --venue binance)"
        )
    from liqlib.data.store import load_market

    return load_market(symbol, t0, t1, interval)


@dataclass(frozen=True)
class RecordedScores:
    """What :func:`score_recording` measured (every table on complete bars only).

    Attributes
    ----------
    per_bar : pandas.DataFrame
        :func:`~liqlib.validate.scorecard` of every model and baseline on the scored bars
        (Spearman with its CI, paired CI against *range x OI*...).
    level : pandas.DataFrame
        Per model and baseline: ``ratio`` (predicted / realized USD), ``lo``, ``hi`` (day-block
        bootstrap 95 % CI) and ``bars``.
    held_out : pandas.DataFrame
        Scorecard on the second half, the calibrated model (``"turnover (calibrated)"``) beside
        the others.
    held_out_level : pandas.DataFrame
        ``level`` on the second half for the default model, uncalibrated and calibrated.
    calibration : MixCalibration
        What was fitted on the first half.
    split : pandas.Timestamp
        First bar of the second half (UTC).
    scored : pandas.DatetimeIndex
        The complete bars scored.
    incomplete : pandas.DatetimeIndex
        Bars of the recording left out (a gap, or outside a recorder run).
    bar : str
        Bar length.
    realized_usd : float
        USD liquidated in the scored bars (a lower bound).
    synthetic : bool
        The recording is SIMULATED (``attrs["synthetic"]`` of the bars).
    """

    per_bar: pd.DataFrame
    level: pd.DataFrame
    held_out: pd.DataFrame
    held_out_level: pd.DataFrame
    calibration: MixCalibration
    split: pd.Timestamp
    scored: pd.DatetimeIndex
    incomplete: pd.DatetimeIndex
    bar: str
    realized_usd: float
    synthetic: bool = False

    @property
    def note(self) -> str:
        """What the recorded totals are: lower bounds (:data:`LOWER_BOUND`), or SIMULATED."""
        if self.synthetic:
            return (
                "SIMULATED events, complete by construction (not real liquidations); on a real "
                f"recording, {LOWER_BOUND}"
            )
        return LOWER_BOUND

    def summary(self, baseline: str = "range x OI", label: str = "recorded") -> list[str]:
        """Plain-text lines, one finding each, built from the numbers.

        Parameters
        ----------
        baseline : str
            The baseline row the ranking is compared with.
        label : str
            Prefix naming the data (e.g. ``"recorded (SIMULATED)"``).

        Returns
        -------
        list of str
        """
        lines = [f"- {label}: {len(self.scored)} complete {self.bar} bars scored, "
                 f"{len(self.incomplete)} incomplete left out; {self.realized_usd:,.0f} USD "
                 f"realized ({self.note})"]  # fmt: skip
        for name, r in self.level.iterrows():
            lines.append(
                f"- {label} level: {name} predicts {r['ratio']:.2f}x the recorded USD "
                f"(CI {r['lo']:.2f}-{r['hi']:.2f})"
            )
        base = (
            self.per_bar.loc[baseline, "spearman_total"]
            if baseline in self.per_bar.index
            else np.nan
        )
        for name, r in self.per_bar.drop(index=baseline, errors="ignore").iterrows():
            if "d_spearman_total_lo" not in r or pd.isna(r["spearman_total"]):
                continue
            verdict = ("beats" if r["d_spearman_total_lo"] > 0
                       else "loses to" if r["d_spearman_total_hi"] < 0
                       else "does not separate from")  # fmt: skip
            lines.append(
                f"- {label} ranking: {name} Spearman {r['spearman_total']:.2f} (CI "
                f"{r['spearman_total_lo']:.2f}-{r['spearman_total_hi']:.2f}) {verdict} {baseline} "
                f"({base:.2f}; paired CI {r['d_spearman_total_lo']:+.2f} to "
                f"{r['d_spearman_total_hi']:+.2f})"
            )
        if CALIBRATED in self.held_out.index and baseline in self.held_out.index:
            r = self.held_out.loc[CALIBRATED]
            lines.append(
                f"- {label}, held-out second half: {CALIBRATED} Spearman "
                f"{r['spearman_total']:.2f} against {baseline} "
                f"{self.held_out.loc[baseline, 'spearman_total']:.2f} (paired CI "
                f"{r['d_spearman_total_lo']:+.2f} to {r['d_spearman_total_hi']:+.2f})"
            )
        for name, r in self.held_out_level.iterrows():
            lines.append(
                f"- {label}, held-out second half (from {self.split:%Y-%m-%d %H:%M} UTC): {name} "
                f"predicts {r['ratio']:.2f}x (CI {r['lo']:.2f}-{r['hi']:.2f})"
            )
        return lines


def _complete(bars: pd.DataFrame, market: pd.DataFrame, score_from) -> tuple[pd.DataFrame, str]:
    """The complete bars inside the market (and from ``score_from``), as a bar frame."""
    if not isinstance(bars, pd.DataFrame) or not {"long_usd", "short_usd"} <= set(bars.columns):
        raise InputError("bars must be lq.to_bars(lq.load_liquidations(DIR), ...) output")
    bar = bars.attrs.get("bar")
    if not isinstance(bar, str):
        raise InputError("bars have no attrs['bar']: make them with lq.to_bars(liqs, '1h', ...)")
    td = _timedelta(bar, "bar")
    keep = np.ones(len(bars), bool)
    if "complete" in bars.columns:
        keep &= bars["complete"].to_numpy(bool)
    step = market.index[1] - market.index[0] if len(market) > 1 else pd.Timedelta(0)
    keep &= (bars.index >= market.index[0]) & (bars.index + td <= market.index[-1] + step)
    if score_from is not None:
        keep &= bars.index >= to_utc(score_from, "score_from")
    out = bars.loc[keep, ["long_usd", "short_usd"]].astype(float)
    out.attrs = {"bar": bar}
    if len(out) < 6 or out.to_numpy().sum() <= 0:
        raise InputError(
            f"{len(out)} complete {bar} bars with liquidations lie inside the market: record "
            "longer, use a shorter bar, or load the market over the recording's span"
        )
    days = out.index.normalize().nunique()
    if days < 3:
        raise InputError(
            f"the complete bars span {days} UTC days: day-block CIs of a calibration's "
            "held-out half need at least 3: record longer, or score from earlier"
        )
    return out, bar


def score_recording(
    market: pd.DataFrame,
    bars: pd.DataFrame,
    *,
    models: Iterable[str] | None = None,
    score_from=None,
    n_boot: int = 1000,
    seed: int = 0,
    **common,
) -> RecordedScores:
    """Level, ranking and an out-of-sample calibration against recorded liquidations.

    Every model runs over the whole ``market`` (so its book is warm); only complete recorded
    bars (``bars["complete"]``, from ``lq.to_bars(..., gaps=, coverage=)``) inside the market
    and from ``score_from`` are scored.

    Parameters
    ----------
    market : pandas.DataFrame
        The market over the recording's span and a warm-up before it
        (:func:`recording_market`).
    bars : pandas.DataFrame
        ``lq.to_bars(lq.load_liquidations(DIR, ...), bar, gaps=..., coverage=...)``:
        ``long_usd``, ``short_usd`` (USD) per bar, ``attrs["bar"]``, optional ``complete``.
    models : iterable of str, optional
        Names from ``lq.MODELS`` (default: every model the market has the columns for).
    score_from : time-like, optional
        First bar scored (UTC), e.g. the end of the warm-up.
    n_boot, seed
        Day-block bootstrap replicates and seed of every CI.
    **common
        For every model and the calibration (``n_bins``, ``max_columns``, ``symbol``...).

    Returns
    -------
    RecordedScores

    Raises
    ------
    InputError
        Fewer than 6 complete bars with liquidations inside the market, or fewer than 3 UTC
        days of them.

    Examples
    --------
    >>> scores = score_recording(market, bars, n_boot=200, n_bins=600)  # doctest: +SKIP
    >>> print("\\n".join(scores.summary()))  # doctest: +SKIP
    """
    real, bar = _complete(bars, market, score_from)
    total = real.sum(axis=1)
    preds = model_predictions(market, models, interval=bar, **common)
    preds.update(naive_baselines(market, interval=bar))
    aligned = {k: v.reindex(real.index, fill_value=0.0) for k, v in preds.items()}
    card = scorecard(aligned, real, n_boot=n_boot, seed=seed)
    level = pd.DataFrame(
        {k: level_ratio(v.sum(axis=1), total, n_boot=n_boot, seed=seed) for k, v in aligned.items()}
    ).T
    held, cal = out_of_sample(market, real, models, n_boot=n_boot, seed=seed, **common)
    split = pd.Timestamp(held.attrs["split"])
    calibrated = model_predictions(
        market,
        (),
        interval=bar,
        configs={CALIBRATED: {"model": "turnover", **cal.overrides()}},
        **common,
    )[CALIBRATED]
    second = total[total.index >= split]
    pairs = {f"{DEFAULT_MODEL} (uncalibrated)": aligned.get(DEFAULT_MODEL), CALIBRATED: calibrated}
    held_level = pd.DataFrame(
        {
            k: level_ratio(v.sum(axis=1), second, n_boot=n_boot, seed=seed)
            for k, v in pairs.items()
            if v is not None
        }
    ).T
    incomplete = (
        bars.index[~bars["complete"].to_numpy(bool)] if "complete" in bars else bars.index[:0]
    )
    return RecordedScores(
        per_bar=card,
        level=level,
        held_out=held,
        held_out_level=held_level,
        calibration=cal,
        split=split,
        scored=real.index,
        incomplete=incomplete,
        bar=bar,
        realized_usd=float(total.sum()),
        synthetic=bool(bars.attrs.get("synthetic", False)),
    )
