"""Venue-neutral pieces of the JSON REST sources (Bybit, OKX): one checked GET and a pager
for endpoints that answer newest first."""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd

from liqlib import settings
from liqlib.data.http import check_base_url, download
from liqlib.data.time import TimeLike, to_utc
from liqlib.errors import CorruptDataError, InputError


def base_url(given: str | None, env: str, default: str) -> str:
    """``given``, else ``$env``, else ``default`` (checked: http(s) and a host)."""
    return check_base_url(given or settings.raw_env(env) or default, env)


def get_json(url: str, params: dict, session, env: str):
    """The decoded JSON body of ``GET url?params`` (retries and deadline of :func:`download`)."""
    body = download(url, session, params=params)
    try:
        return json.loads(body)
    except ValueError as exc:
        raise CorruptDataError(
            f"{url} answered with something that is not JSON ({body[:80]!r}); check that {env} "
            "points at the venue's REST server"
        ) from exc


def window_ms(start: TimeLike, end: TimeLike) -> tuple[int, int]:
    """The half-open window ``[start, end)`` in ms since the epoch (UTC)."""
    t0, t1 = to_utc(start, "start"), to_utc(end, "end")
    if t0 >= t1:
        raise InputError(f"start {t0} is not before end {t1} (UTC): pass an end after the start")
    return int(t0.value // 1_000_000), int(t1.value // 1_000_000)


def page_backwards(
    fetch: Callable[[int], list], ts_of: Callable[[object], int], t0: int, t1: int, what: str
) -> list:
    """Rows with ``t0 <= ts < t1`` from an endpoint that returns the newest rows up to a time.

    ``fetch(upto_ms)`` returns rows with ``ts <= upto_ms`` (any order, at most one page);
    paging steps back below the oldest row seen until a page is empty or reaches ``t0``.
    """
    rows: dict[int, object] = {}
    upto = t1 - 1
    for _ in range(100_000):
        page = fetch(upto)
        if not page:
            break
        times = [ts_of(r) for r in page]
        if any(t > upto for t in times):
            raise CorruptDataError(
                f"{what}: the server returned rows after the requested end; check the REST URL"
            )
        for t, r in zip(times, page, strict=True):
            if t0 <= t < t1:
                rows[t] = r
        oldest = min(times)
        if oldest <= t0:
            break
        upto = oldest - 1
    return [rows[t] for t in sorted(rows)]


def utc_index(ms) -> pd.DatetimeIndex:
    """A UTC ``DatetimeIndex`` named ``time`` from ms since the epoch."""
    return pd.DatetimeIndex(pd.to_datetime(list(ms), unit="ms", utc=True), name="time").as_unit(
        "ns"
    )
