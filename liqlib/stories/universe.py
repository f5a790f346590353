"""A **SIMULATED** universe of N perpetuals for the scan and the magnet back-test, offline.

Each member is one run of the agent-based simulator (``lq.simulate_market``) with its own
seed, starting price, volatility, leverage mix and long share, drawn once from a seeded
generator, so ``universe_table(40)`` always describes the same 40 markets. Names say SIM
(``SIM-007``) and every frame's ``attrs["data_note"]`` says SIMULATED: nothing here is real.

The simulator needs a real bracket table: each member imitates BTCUSDT or ETHUSDT
(``bracket_symbol``), whatever its price.

Examples
--------
>>> t = universe_table(3)
>>> list(t.index), bool(t["seed"].is_unique)
(['SIM-000', 'SIM-001', 'SIM-002'], True)
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

import liqlib as lq
from liqlib.errors import DataNotFoundError, InputError

__all__ = [
    "SIM_UNIVERSE_PREFIX",
    "UNIVERSE_COLUMNS",
    "load_universe_market",
    "universe_table",
]

SIM_UNIVERSE_PREFIX = "SIM-"
_NAME = re.compile(r"^SIM-(\d{3,})$")
#: the bracket tables members imitate (DOGEUSDT's is left out: the default model's 125x
#: tier lies beyond its bracket's 1 / MMR, so its estimate refuses it)
_TEMPLATES = ("BTCUSDT", "ETHUSDT")
#: a member's columns: what it was simulated with
UNIVERSE_COLUMNS = (
    "seed",
    "bracket_symbol",
    "price0",
    "daily_vol",
    "leverage_median",
    "leverage_sigma",
    "long_share",
)
#: live positions per simulated member: a tenth of the simulator's default, so a 24 h member
#: costs well under a second (the scan's benchmark needs 40 of them in a minute on 2 cores)
LIVE_POSITIONS = 5_000
#: simulated days before the returned window, so the book is full when the window opens
BURN_IN_DAYS = 1.0


def _positive_int(name: str, value, example: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise InputError(f"{name}={value!r} must be a positive integer: use e.g. {example}")
    return int(value)


def universe_table(n_symbols: int, seed: int = 0) -> pd.DataFrame:
    """The members of a simulated universe and what each is simulated with.

    Parameters
    ----------
    n_symbols : int
        Number of members (> 0).
    seed : int
        Seed of the draw of the members' settings (>= 0).

    Returns
    -------
    pandas.DataFrame
        Index ``symbol`` (``SIM-000`` ...); columns :data:`UNIVERSE_COLUMNS`: ``seed`` (the
        simulator's seed, distinct), ``bracket_symbol`` (the real table imitated),
        ``price0`` (USD/coin, log-uniform 0.05 .. 100,000), ``daily_vol`` (fraction, 0.02 ..
        0.06), ``leverage_median`` (x, 4 .. 20), ``leverage_sigma`` (0.6 .. 1.2),
        ``long_share`` (0.4 .. 0.6). ``attrs["note"]`` says SIMULATED.

    Examples
    --------
    >>> universe_table(2, seed=1)["bracket_symbol"].tolist()
    ['BTCUSDT', 'ETHUSDT']
    """
    n = _positive_int("n_symbols", n_symbols, "40")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed={seed!r} must be an integer >= 0: e.g. seed=0")
    # one generator per member: a member's settings do not depend on how many are drawn
    draws = np.array(
        [np.random.default_rng([int(seed), 17, i]).uniform(size=5) for i in range(n)]
    ).reshape(n, 5)
    out = pd.DataFrame(
        {
            "seed": 1_000 * int(seed) + 101 + np.arange(n),
            "bracket_symbol": [_TEMPLATES[i % len(_TEMPLATES)] for i in range(n)],
            "price0": np.round(10.0 ** (np.log10(0.05) + draws[:, 0] * (5.0 - np.log10(0.05))), 6),
            "daily_vol": 0.02 + 0.04 * draws[:, 1],
            "leverage_median": 4.0 + 16.0 * draws[:, 2],
            "leverage_sigma": 0.6 + 0.6 * draws[:, 3],
            "long_share": 0.4 + 0.2 * draws[:, 4],
        },
        index=pd.Index([f"{SIM_UNIVERSE_PREFIX}{i:03d}" for i in range(n)], name="symbol"),
    )
    out.attrs["note"] = f"SIMULATED universe of {n} symbols (liqlib.sim, universe seed={seed})"
    return out


def load_universe_market(
    symbol: str,
    window: str | pd.Timedelta = "24h",
    *,
    universe_seed: int = 0,
    warmup: str | pd.Timedelta = "0h",
    live_positions: int = LIVE_POSITIONS,
) -> pd.DataFrame:
    """One member's **SIMULATED** 1-minute market: ``warmup`` then ``window``.

    Parameters
    ----------
    symbol : str
        A member name, ``SIM-NNN`` (any NNN >= 0: the universe is as large as asked).
    window, warmup : str or pandas.Timedelta
        Length of the returned market (``"24h"``) and extra time before it.
    universe_seed : int
        As in :func:`universe_table`.
    live_positions : int
        Live positions of the simulation (fewer is cheaper and lumpier).

    Returns
    -------
    pandas.DataFrame
        The frame of ``lq.simulate_market`` (``attrs["symbol"]`` is the simulator's
        ``SIM-BTCUSDT`` / ``SIM-ETHUSDT``, which picks the brackets), with ``attrs["member"]`` =
        ``symbol``, ``attrs["bracket_symbol"]``, ``attrs["data_note"]`` (says SIMULATED) and
        ``attrs["universe"]`` (the member's settings).

    Raises
    ------
    DataNotFoundError
        ``symbol`` is not a member name (``SIM-NNN``).
    """
    name = str(symbol).upper()
    found = _NAME.match(name)
    if not found:
        raise DataNotFoundError(
            f"{symbol!r} is not in the simulated universe: use names like SIM-000 .. SIM-039"
        )
    k = int(found.group(1))
    row = universe_table(k + 1, seed=universe_seed).iloc[k]
    span = _duration(window, "window") + _duration(warmup, "warmup", allow_zero=True)
    market, _ = lq.simulate_market(
        int(row["seed"]),
        days=span / pd.Timedelta(days=1),
        symbol=f"SIM-{row['bracket_symbol']}",
        price0=float(row["price0"]),
        daily_vol=float(row["daily_vol"]),
        leverage=lq.LogNormalLeverage(
            median=float(row["leverage_median"]), sigma=float(row["leverage_sigma"])
        ),
        long_share=float(row["long_share"]),
        live_positions=_positive_int("live_positions", live_positions, "5000"),
        burn_in_days=BURN_IN_DAYS,
    )
    market.attrs.update(  # attrs["symbol"] stays the simulator's SIM-<real>: it picks the brackets
        member=name,
        bracket_symbol=str(row["bracket_symbol"]),
        universe={c: row[c].item() if hasattr(row[c], "item") else row[c] for c in row.index},
        data_note=(
            f"SIMULATED universe member {name} (liqlib.sim, seed={int(row['seed'])}, "
            f"brackets of {row['bracket_symbol']}): {market.index[0]:%Y-%m-%d %H:%M} to "
            f"{market.index[-1]:%Y-%m-%d %H:%M} UTC, 1m bars"
        ),
    )
    return market


def _duration(value, name: str, *, allow_zero: bool = False) -> pd.Timedelta:
    try:
        td = pd.Timedelta(value)
    except (TypeError, ValueError):
        td = pd.NaT
    if pd.isna(td) or td < pd.Timedelta(0) or (td == pd.Timedelta(0) and not allow_zero):
        raise InputError(f"{name}={value!r} must be a positive duration: use e.g. '24h' or '3D'")
    return td
