"""Bybit and OKX margin-tier documents: the bundled, dated tables and the user-cache copies
written by ``liqlib cache refresh-tiers`` (:func:`refresh_tiers`).

A document is plain JSON, one table per venue and symbol, in a venue-neutral form that
:mod:`liqlib.estimate.venue_tiers` turns into a tier table::

    {"venue": "bybit", "symbol": "BTCUSDT", "unit": "usd", "in_force": "2026-12-06/",
     "source": "...", "note": "...",
     "tiers": [{"tier": 1, "floor": 0, "cap": 2000000, "max_leverage": 100, "mmr": 0.005,
                "deduction_usd": 0}, ...]}

``unit`` is ``"usd"`` when the bounds are position values (Bybit) and ``"coin"`` when they are
sizes (OKX counts contracts; :func:`~liqlib.data.sources.okx.rest.parse_position_tiers`
multiplies them by the contract value once). A refreshed table lives in
``<cache>/tiers/<venue>/<SYMBOL>-<YYYY-MM-DD>.json`` (the UTC day it was fetched), written
atomically and only after its tiers pass the checks below.
"""

from __future__ import annotations

import json
import os
import re
from importlib import resources
from pathlib import Path

import pandas as pd

from liqlib.data.cache import write_atomic
from liqlib.errors import CorruptDataError, InputError

#: Venues with tier documents (Binance's brackets live in :mod:`liqlib.estimate.brackets`).
TIER_VENUES = ("bybit", "okx")
TIERS_FOLDER = "tiers"
_BUNDLED = {"bybit": "tiers_bybit_linear.json", "okx": "tiers_okx_swap.json"}
_SYMBOL = re.compile(r"^[A-Z0-9]{1,30}USDT$")


def check_venue(venue: str) -> str:
    """``venue`` in lower case if it has tier documents, else an error naming the choices."""
    v = str(venue).strip().lower() if isinstance(venue, str) else venue
    if v not in TIER_VENUES:
        raise InputError(f"venue {venue!r} has no tier tables here: use one of {list(TIER_VENUES)}")
    return v


def check_symbol(symbol: str) -> str:
    """An upper-case USDT perpetual symbol such as ``BTCUSDT``, or an error."""
    s = symbol.strip().upper() if isinstance(symbol, str) else ""
    if not _SYMBOL.match(s):
        raise InputError(f"symbol {symbol!r} is not a USDT perpetual such as BTCUSDT")
    return s


def bundled_tier_document(venue: str) -> dict:
    """The tier document shipped with liqlib for ``venue`` (``{"tables": [...], ...}``)."""
    v = check_venue(venue)
    text = (resources.files(f"liqlib.data.sources.{v}") / "resources" / _BUNDLED[v]).read_text(
        encoding="utf-8"
    )
    return json.loads(text)


def tiers_folder(venue: str, cache_dir: str | os.PathLike | None = None) -> Path:
    """Where refreshed ``venue`` tables are cached: ``<cache>/tiers/<venue>``."""
    from liqlib.data.store import resolve_cache_dir  # late: store imports much of the stage

    return resolve_cache_dir(cache_dir) / TIERS_FOLDER / check_venue(venue)


def cached_tier_tables(venue: str, cache_dir: str | os.PathLike | None = None) -> list[dict]:
    """Every refreshed ``venue`` table in the cache (oldest fetch first).

    Raises
    ------
    CorruptDataError
        A cached file that is not a tier table (naming it, and how to mend it).
    """
    folder = tiers_folder(venue, cache_dir)
    out = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            table = json.loads(path.read_text(encoding="utf-8"))
            check_table(table)
        except (OSError, ValueError, CorruptDataError) as exc:
            raise CorruptDataError(
                f"cached tier table {path} is unreadable ({exc}): delete it, or run "
                f"`liqlib cache refresh-tiers --venue {venue}` again"
            ) from None
        out.append(table)
    return sorted(out, key=lambda t: str(t.get("in_force", "")))


def check_table(table: dict) -> None:
    """Refuse a tier table liqlib could not use: caps must rise from a floor of 0, every MMR
    lie in (0, 1) and every maximum leverage be >= 1 (raises :class:`CorruptDataError`)."""
    try:
        tiers = table["tiers"]
        caps = [float(t["cap"]) for t in tiers]
        floors = [float(t["floor"]) for t in tiers]
        mmr = [float(t["mmr"]) for t in tiers]
        lev = [float(t["max_leverage"]) for t in tiers]
        [float(t.get("deduction_usd", 0.0)) for t in tiers]
        head = (str(table["venue"]), str(table["unit"]), str(table["symbol"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptDataError(f"tier table lacks or mangles {exc}") from None
    if head[0] not in TIER_VENUES or head[1] not in ("usd", "coin") or not _SYMBOL.match(head[2]):
        raise CorruptDataError("tier table has an unknown venue, unit or symbol")
    if not tiers:
        raise CorruptDataError("tier table has no tier")
    if floors[0] != 0 or any(b <= a for a, b in zip(caps, caps[1:], strict=False)):
        raise CorruptDataError("tier caps do not rise from a first floor of 0")
    if floors[1:] != caps[:-1] or any(c <= f for f, c in zip(floors, caps, strict=True)):
        raise CorruptDataError("tier floors are not the previous tiers' caps")
    if any(not 0 < m < 1 for m in mmr) or any(not x >= 1 for x in lev):
        raise CorruptDataError("a tier has an MMR outside (0, 1) or a max leverage below 1")


def table_document(
    venue: str, symbol: str, frame: pd.DataFrame, *, fetched: pd.Timestamp, source: str
) -> dict:
    """The cache document of one parsed tier frame (Bybit ``parse_risk_limits`` or OKX
    ``parse_position_tiers`` columns), dated by its fetch day (UTC).

    Examples
    --------
    >>> f = pd.DataFrame({"notional_floor": [0.0], "notional_cap": [1e6], "mmr": [0.005],
    ...                   "imr": [0.01], "max_leverage": [100.0], "mm_deduction": [0.0]})
    >>> doc = table_document("bybit", "BTCUSDT", f, fetched=pd.Timestamp("2026-12-06", tz="UTC"),
    ...                      source="GET /v5/market/risk-limit")
    >>> doc["in_force"], doc["tiers"][0]["cap"]
    ('2026-12-06/', 1000000.0)
    """
    v = check_venue(venue)
    if v == "bybit":
        hi, unit = "notional_cap", "usd"
        ded = frame["mm_deduction"].to_numpy(float)
    else:
        hi, unit = "qty_cap", "coin"
        ded = [0.0] * len(frame)
    caps = frame[hi].to_numpy(float)
    floors = [0.0, *caps[:-1]]  # OKX's next minSz is the cap + 1 contract: the gap is closed
    tiers = [
        {"tier": i + 1, "floor": float(floors[i]), "cap": float(caps[i]),
         "max_leverage": float(frame["max_leverage"].iloc[i]), "mmr": float(frame["mmr"].iloc[i]),
         "deduction_usd": float(ded[i])}
        for i in range(len(frame))
    ]  # fmt: skip
    day = f"{pd.Timestamp(fetched).tz_convert('UTC'):%Y-%m-%d}"
    doc = {
        "venue": v,
        "symbol": check_symbol(symbol),
        "unit": unit,
        "in_force": f"{day}/",
        "kind": "API response",
        "source": source,
        "retrieved": pd.Timestamp(fetched).isoformat(),
        "note": "fetched by liqlib cache refresh-tiers",
        "tiers": tiers,
    }
    if v == "okx":
        doc["ct_val"] = float(frame.attrs.get("ct_val", float("nan")))
        doc["note"] += "; bounds are contracts x ct_val (coins)"
    check_table(doc)
    return doc


def refresh_tiers(
    venue: str, symbols, *, cache_dir: str | os.PathLike | None = None, session=None,
    url: str | None = None,
) -> list[Path]:  # fmt: skip
    """Fetch the current tiers of ``symbols`` from ``venue``'s public REST API and cache them.

    Bybit: ``GET /v5/market/risk-limit``; OKX: ``GET /api/v5/public/instruments`` (contract
    value) and ``GET /api/v5/public/position-tiers`` (isolated). Base URLs come from
    ``$LIQLIB_BYBIT_REST_URL`` / ``$LIQLIB_OKX_REST_URL`` (or ``url``). Every table is checked
    before anything is written; each file is written atomically. The engine then prefers these
    tables to the bundled ones (:func:`liqlib.estimate.venue_tiers.get_tier_table`).

    Parameters
    ----------
    venue : {"bybit", "okx"}
        Whose public REST API to ask.
    symbols : str or sequence of str
        USDT perpetuals such as ``"BTCUSDT,ETHUSDT"`` or ``["BTCUSDT"]``.
    cache_dir : path, optional
        Cache root (default: ``$LIQLIB_CACHE_DIR``, see ``lq.show_config()``).
    session : requests.Session, optional
        HTTP session; default :func:`liqlib.data.http.make_session`.
    url : str, optional
        The venue's REST root (default ``$LIQLIB_<VENUE>_REST_URL``, else its public
        address).

    Returns
    -------
    list of pathlib.Path
        The files written, one per symbol.

    Examples
    --------
    >>> refresh_tiers("bybit", "BTCUSDT,ETHUSDT")  # doctest: +SKIP
    """
    v = check_venue(venue)
    if isinstance(symbols, str):
        symbols = [s for s in symbols.split(",") if s.strip()]
    names = [check_symbol(s) for s in symbols or []]
    if not names:
        raise InputError("no symbols given: pass e.g. --symbols BTCUSDT,ETHUSDT")
    from liqlib.data.http import make_session

    session = session or make_session()
    docs = []
    for name in names:  # fetch and check all before writing any
        now = pd.Timestamp.now("UTC")
        if v == "bybit":
            from liqlib.data.sources.bybit.rest import fetch_risk_limits

            frame = fetch_risk_limits(name, session=session, url=url)
            source = f"GET /v5/market/risk-limit?category=linear&symbol={name}"
        else:
            from liqlib.data.sources.okx.rest import fetch_position_tiers, inst_id

            frame = fetch_position_tiers(name, session=session, url=url)
            family = inst_id(name).removesuffix("-SWAP")
            source = (f"GET /api/v5/public/position-tiers?instType=SWAP&tdMode=isolated&"
                      f"instFamily={family}")  # fmt: skip
        try:
            docs.append(table_document(v, name, frame, fetched=now, source=source))
        except CorruptDataError as exc:
            raise CorruptDataError(f"{v} {name} tiers: {exc}; nothing was cached") from None
    folder = tiers_folder(v, cache_dir)
    paths = []
    for doc in docs:
        path = folder / f"{doc['symbol']}-{doc['in_force'][:10]}.json"
        text = json.dumps(doc, indent=1)
        write_atomic(path, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
        paths.append(path)
    return paths
