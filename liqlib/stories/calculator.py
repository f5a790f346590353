"""For beginners: one position's margin and liquidation price, a map built by hand from a few
positions, a calculator widget, how often a leverage would have been liquidated on a market,
and a checker for exercises.

Sizes are in USD of notional (``size_usd = entry * qty``), as traders type them.

Examples
--------
>>> row = position(67_000.0, 10.0, "long", 67_000.0)
>>> round(row["liquidation_usd"], 2), round(row["margin_usd"], 2)
(60542.17, 6700.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from liqlib.data import columns as C
from liqlib.errors import InputError
from liqlib.estimate.brackets import get_bracket_table, liquidation_price

__all__ = [
    "check_answer",
    "exercise_answers",
    "hand_map",
    "liquidation_odds",
    "make_calculator_widget",
    "position",
    "positions_table",
]


def position(
    entry_usd: float, leverage: float, side: str, size_usd: float, *, symbol: str = "BTCUSDT"
) -> dict:
    """Margin, maintenance margin and liquidation price of one isolated position.

    Parameters
    ----------
    entry_usd : float
        Entry price (USD/coin).
    leverage : float
        Leverage (x): notional / margin.
    side : {"long", "short"}
        Direction of the position.
    size_usd : float
        Notional (USD) = entry price x coins.
    symbol : str
        Picks the exchange's bracket table (maintenance-margin rate).

    Returns
    -------
    dict
        ``entry_usd``, ``leverage``, ``side``, ``size_usd``, ``qty_coin``, ``margin_usd``
        (what the trader puts up), ``mmr`` (maintenance-margin rate of the bracket),
        ``liquidation_usd`` (USD/coin) and ``distance_pct`` (signed % from entry).
    """
    for name, value in (("entry_usd", entry_usd), ("size_usd", size_usd)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise InputError(f"{name}={value!r} must be a number > 0 (USD): e.g. 67000")
    qty = size_usd / entry_usd
    lp = float(liquidation_price(entry_usd, leverage, side, qty, symbol=symbol))
    table = get_bracket_table(symbol)
    mmr = float(np.asarray(table.mmr)[int(table.bracket_index(size_usd))])
    return dict(
        entry_usd=float(entry_usd),
        leverage=float(leverage),
        side=side,
        size_usd=float(size_usd),
        qty_coin=qty,
        margin_usd=size_usd / leverage,
        mmr=mmr,
        liquidation_usd=lp,
        distance_pct=(lp / entry_usd - 1.0) * 100.0,
    )


def positions_table(positions: Iterable[Mapping], *, symbol: str = "BTCUSDT") -> pd.DataFrame:
    """:func:`position` for each of ``positions`` (dicts with ``entry_usd``, ``leverage``,
    ``side``, ``size_usd``), one row each."""
    rows = [position(**dict(p), symbol=symbol) for p in positions]
    if not rows:
        raise InputError("positions is empty: pass at least one position dict")
    return pd.DataFrame(rows)


def hand_map(table: pd.DataFrame, bin_usd: float) -> pd.DataFrame:
    """A liquidation map built by hand: the positions' notional summed per price bin.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`positions_table`.
    bin_usd : float
        Width of a price bin (USD/coin).

    Returns
    -------
    pandas.DataFrame
        Index: bin floor (USD/coin); ``long_usd`` and ``short_usd``: the notional (USD) whose
        liquidation price falls in the bin. Bins with nothing are left out.
    """
    if isinstance(bin_usd, bool) or not isinstance(bin_usd, int | float) or not bin_usd > 0:
        raise InputError(f"bin_usd={bin_usd!r} must be a width > 0 (USD): e.g. 1000")
    floor = np.floor(table["liquidation_usd"] / bin_usd) * bin_usd
    usd = table["size_usd"]
    out = pd.DataFrame(
        {
            "long_usd": usd.where(table["side"] == "long", 0.0).groupby(floor).sum(),
            "short_usd": usd.where(table["side"] == "short", 0.0).groupby(floor).sum(),
        }
    )
    out.index.name = "bin_floor_usd"
    return out.sort_index()


def liquidation_odds(
    market: pd.DataFrame, leverages: Iterable[float], horizon: str = "24h"
) -> pd.DataFrame:
    """How often a position opened at a candle's close would have been liquidated within
    ``horizon`` on this market, per leverage and side.

    A long of leverage ``L`` entered at the close is liquidated if a later mark low within the
    horizon reaches its liquidation price (bracket of a small position); a short likewise on
    the mark high.

    Returns
    -------
    pandas.DataFrame
        Index: leverage (x); ``long_pct`` and ``short_pct`` (% of entry candles liquidated),
        ``distance_long_pct`` (% from entry to the long's liquidation price, negative) and
        ``n_entries`` (candles with a whole horizon after them).
    """
    span = pd.Timedelta(horizon)
    step = market.index[1] - market.index[0]
    n = int(span / step)
    if n < 1 or n >= len(market):
        raise InputError(
            f"horizon={horizon!r} must be longer than a candle and shorter than the data"
        )
    low = (
        market[C.MARK_LOW].fillna(market[C.LOW]) if C.MARK_LOW in market else market[C.LOW]
    ).to_numpy()
    high = (
        market[C.MARK_HIGH].fillna(market[C.HIGH]) if C.MARK_HIGH in market else market[C.HIGH]
    ).to_numpy()
    close = market[C.CLOSE].to_numpy()
    # min / max over the next n candles (t+1 .. t+n), only where the whole horizon exists
    fut_low = pd.Series(low[::-1]).rolling(n).min().to_numpy()[::-1][1:]
    fut_high = pd.Series(high[::-1]).rolling(n).max().to_numpy()[::-1][1:]
    entry = close[:-1]
    ok = np.isfinite(fut_low) & np.isfinite(fut_high) & np.isfinite(entry)
    rows = {}
    for lev in leverages:
        k_long = position(1.0, float(lev), "long", 1.0)["liquidation_usd"]
        k_short = position(1.0, float(lev), "short", 1.0)["liquidation_usd"]
        rows[float(lev)] = dict(
            long_pct=float(np.mean(fut_low[ok] <= k_long * entry[ok])) * 100.0,
            short_pct=float(np.mean(fut_high[ok] >= k_short * entry[ok])) * 100.0,
            distance_long_pct=(k_long - 1.0) * 100.0,
            n_entries=int(ok.sum()),
        )
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("leverage (x)")


def check_answer(
    answer, expected: float, *, rel_tol: float = 0.005, abs_tol: float = 0.0, unit: str = ""
) -> str:
    """One line saying whether an exercise's answer is right (within ``rel_tol`` of the
    expected value, or ``abs_tol`` in its unit).

    Examples
    --------
    >>> check_answer(None, 10.0)
    'not answered yet: replace None with your number and run the cell again'
    >>> check_answer(10.02, 10.0, unit="USD")
    'correct: 10.02 USD'
    """
    if answer is None:
        return "not answered yet: replace None with your number and run the cell again"
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return f"{answer!r} is not a number: type a number, e.g. 12345.6"
    if math.isclose(value, expected, rel_tol=rel_tol, abs_tol=abs_tol):
        return f"correct: {value:,.6g} {unit}".rstrip()
    hint = "too high" if value > expected else "too low"
    return f"not quite: {value:,.6g} {unit} is {hint}; look at the formula and try again".replace(
        "  ", " "
    )


def _calculator_html(entry, leverage, side, size_usd, symbol) -> str:
    try:
        p = position(entry, leverage, side, size_usd, symbol=symbol)
    except InputError as err:
        return f"<b>cannot compute:</b> {err}"
    return (
        f"<b>{side} {size_usd:,.0f} USD at {entry:,.2f}, {leverage:g}x</b><br>"
        f"margin you put up: {p['margin_usd']:,.2f} USD &middot; maintenance rate "
        f"{p['mmr']:.2%}<br>liquidation price: <b>{p['liquidation_usd']:,.2f} USD</b> "
        f"({p['distance_pct']:+.2f} % from entry)"
    )


def make_calculator_widget(
    entry_usd: float = 100_000.0,
    leverage: float = 10.0,
    side: str = "long",
    size_usd: float = 1_000.0,
    *,
    symbol: str = "BTCUSDT",
):
    """A liquidation-price calculator: entry, leverage, side and size in; liquidation price
    and distance out. Built from ``observe`` callbacks updating an ``HTML`` widget (no
    ``interact``/``Output``, which can hang headless runs).

    Returns
    -------
    ipywidgets.VBox
        Its last child is the ``HTML`` result; ``.controls`` holds the four input widgets.
    """
    import ipywidgets as w

    controls = dict(
        entry=w.FloatText(value=entry_usd, description="entry (USD)"),
        leverage=w.FloatSlider(value=leverage, min=1, max=125, step=1, description="leverage x"),
        side=w.ToggleButtons(options=["long", "short"], value=side, description="side"),
        size=w.FloatText(value=size_usd, description="size (USD)"),
    )
    result = w.HTML()

    def update(_change=None) -> None:
        result.value = _calculator_html(
            controls["entry"].value, controls["leverage"].value, controls["side"].value,
            controls["size"].value, symbol,
        )  # fmt: skip

    for c in controls.values():
        c.observe(update, names="value")
    update()
    box = w.VBox([*controls.values(), result])
    box.controls = controls
    return box


#: Exercise 1: the price move (as a share of the entry) after which the margin left is asked.
EX1_MOVE = 0.03
#: Exercise 4: the leverage of the long opened at the market's first candle.
EX4_LEVERAGE = 20.0


def exercise_answers(
    entry_usd: float,
    size_usd: float,
    hand: pd.DataFrame,
    market: pd.DataFrame,
    *,
    horizon: str = "24h",
    symbol: str = "BTCUSDT",
) -> dict[str, float]:
    """The answers of notebook 00's exercises, computed from its parameters and its market
    (kept here so the exercise cells do not show them).

    Returns
    -------
    dict
        ``"1"``: margin left (USD) on a 20x long of ``5 * size_usd`` after the price fell
        :data:`EX1_MOVE` (3 %) from its entry; ``"2"``: liquidation price (USD) of a 25x
        short of ``size_usd`` at ``entry_usd``; ``"3"``: USD of shorts in ``hand`` liquidated
        by a rise to ``"3_level"`` (USD, half-way between the lowest and highest short
        liquidation prices); ``"4"``: how far (%) the lowest low of the ``horizon`` after the
        market's first candle stayed above the liquidation price of an :data:`EX4_LEVERAGE`
        long of ``size_usd`` opened at that candle's close (negative: it fell below, the long
        was liquidated); ``"4_entry"`` and ``"4_time"`` say which.

    Raises
    ------
    InputError
        If ``hand`` holds no short or ``market`` is shorter than ``horizon``.
    """
    shorts = hand.loc[hand["side"] == "short"]
    if shorts.empty:
        raise InputError("exercise 3 needs at least one short in HAND_POSITIONS: add one")
    level = 0.5 * float(shorts["liquidation_usd"].min() + shorts["liquidation_usd"].max())
    t0 = market.index[0]
    until = t0 + pd.Timedelta(horizon)
    if market.index[-1] < until:
        raise InputError(f"the market is shorter than horizon {horizon!r}: load more days")
    entry4 = float(market[C.CLOSE].iloc[0])
    lp4 = position(entry4, EX4_LEVERAGE, "long", size_usd, symbol=symbol)["liquidation_usd"]
    low = market[C.MARK_LOW].fillna(market[C.LOW]) if C.MARK_LOW in market else market[C.LOW]
    window = (market.index > t0) & (market.index <= until)
    notional = 5 * size_usd
    return {
        "1": notional / 20 - EX1_MOVE * notional,
        "2": position(entry_usd, 25, "short", size_usd, symbol=symbol)["liquidation_usd"],
        "3": float(shorts.loc[shorts["liquidation_usd"] <= level, "size_usd"].sum()),
        "3_level": level,
        "4": (float(low[window].min()) / lp4 - 1.0) * 100.0,
        "4_entry": entry4,
        "4_time": t0,
    }
