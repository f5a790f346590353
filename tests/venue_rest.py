"""Bybit and OKX REST routes for the loopback ``ArchiveServer`` (synthetic values in each
venue's JSON shapes). Candle ``k`` minutes after ``t0`` has open ``base + k x tick`` (tick 1, or 1 % of a base
below 100); volumes, open interest
and funding are constants the tests check. ``base`` moves the price level (default 100).
``unit`` (Bybit) serves an instrument quoted in lots of ``unit`` tokens, as ``1000PEPEUSDT``:
prices x ``unit``, sizes / ``unit``, USD unchanged, so in coins of the token it is the same
market as ``unit=1``."""

from __future__ import annotations

MIN = 60_000


def _tick(base: float) -> float:
    """Price step per minute and half a bar's range: 1, or 1 % of a price below 100."""
    return min(1.0, base / 100)


BAR_MS = {"1": MIN, "5": 5 * MIN, "60": 60 * MIN, "1m": MIN, "5m": 5 * MIN, "1H": 60 * MIN}


def _rows(step_ms, make_row, t0, lo, hi, limit):
    """Rows newest first with ``max(lo, t0) <= t <= hi`` on the ``step_ms`` grid, at most ``limit``."""
    first = -(-max(lo, t0) // step_ms) * step_ms
    times = list(range(first, hi + 1, step_ms))[-limit:]
    return [make_row(t) for t in reversed(times)]


def bybit_kline(t0, base=100.0, unit=1):
    def row(t):
        k = (t - t0) // MIN
        tick = _tick(base)
        p = base + k * tick
        prices = [p * unit, (p + tick) * unit, (p - tick) * unit, (p + 0.5 * tick) * unit]
        return [str(t), *map(repr, prices), repr(2 / unit), repr(2 * (p + 0.5 * tick))]

    return row


def add_bybit_routes(srv, t0: int, base: float = 100.0, unit: int = 1) -> None:
    ok = lambda rows: (200, {"retCode": 0, "retMsg": "OK", "result": {"list": rows}})  # noqa: E731
    kl = bybit_kline(t0, base, unit)

    def page(q, step, make, start_key, end_key, cap):
        lo = int(q.get(start_key, t0))
        return _rows(step, make, t0, lo, int(q[end_key]), min(int(q["limit"]), cap))

    srv.routes["/v5/market/kline"] = lambda q: ok(
        page(q, BAR_MS[q["interval"]], kl, "start", "end", 1000)
    )
    srv.routes["/v5/market/mark-price-kline"] = lambda q: ok(
        page(q, BAR_MS[q["interval"]], lambda t: kl(t)[:5], "start", "end", 1000)
    )
    srv.routes["/v5/market/open-interest"] = lambda q: ok(
        page(
            q,
            {"5min": 5 * MIN, "1h": 60 * MIN}[q["intervalTime"]],
            lambda t: {
                "openInterest": repr(20 / unit),
                "singleOpenInterest": repr(10 / unit),
                "timestamp": str(t),
            },  # fmt: skip
            "startTime",
            "endTime",
            200,
        )
    )
    srv.routes["/v5/market/funding/history"] = lambda q: ok(
        page(
            q,
            480 * MIN,
            lambda t: {
                "symbol": "BTCUSDT",
                "fundingRate": "0.0001",
                "fundingRateTimestamp": str(t),
            },
            "x",
            "endTime",
            200,
        )
    )
    srv.routes["/v5/market/risk-limit"] = lambda q: ok([
        {"id": 2, "symbol": "BTCUSDT", "riskLimitValue": "4000000", "maintenanceMargin": "0.01",
         "initialMargin": "0.02", "maxLeverage": "50", "mmDeduction": "10000"},
        {"id": 1, "symbol": "BTCUSDT", "riskLimitValue": "2000000", "maintenanceMargin": "0.005",
         "initialMargin": "0.01", "maxLeverage": "100", "mmDeduction": ""},
    ])  # fmt: skip


def okx_candle(t0, base=100.0):
    def row(t):
        k = (t - t0) // MIN
        # 1,000 contracts of 0.01 BTC = 10 coins; USD = 10 x close
        tick = _tick(base)
        p = base + k * tick
        return [str(t), repr(p), repr(p + tick), repr(p - tick), repr(p), "1000", "10",
                repr(10 * p), "1"]  # fmt: skip

    return row


def add_okx_routes(srv, t0: int, base: float = 100.0) -> None:
    ok = lambda data: (200, {"code": "0", "msg": "", "data": data})  # noqa: E731
    cd = okx_candle(t0, base)

    def older(q, step, make, cap, key="after", inclusive=False):
        hi = int(q[key]) - (0 if inclusive else 1)
        return _rows(step, make, t0, int(q.get("begin", t0)), hi, min(int(q["limit"]), cap))

    srv.routes["/api/v5/market/history-candles"] = lambda q: ok(older(q, BAR_MS[q["bar"]], cd, 100))
    srv.routes["/api/v5/market/history-mark-price-candles"] = lambda q: ok(
        older(q, BAR_MS[q["bar"]], lambda t: [*cd(t)[:5], "1"], 100)
    )
    srv.routes["/api/v5/rubik/stat/contracts/open-interest-history"] = lambda q: ok(
        older(
            q,
            BAR_MS[q["period"]],
            lambda t: [str(t), "300000", "3000", repr(3000 * float(cd(t)[4]))],  # USD at close
            100,
            key="end",
            inclusive=True,
        )
    )
    srv.routes["/api/v5/public/funding-rate-history"] = lambda q: ok(
        older(
            q,
            480 * MIN,
            lambda t: {"fundingRate": "0.0002", "realizedRate": "0.0001", "fundingTime": str(t)},
            400,
        )
    )
    srv.routes["/api/v5/public/instruments"] = lambda q: ok(
        [{"instId": q["instId"], "ctVal": "0.01", "ctMult": "1"}]
    )
    srv.routes["/api/v5/public/position-tiers"] = lambda q: ok([
        {"tier": "2", "minSz": "10001", "maxSz": "20000", "mmr": "0.005", "imr": "0.01",
         "maxLever": "75"},
        {"tier": "1", "minSz": "0", "maxSz": "10000", "mmr": "0.004", "imr": "0.008",
         "maxLever": "125"},
    ])  # fmt: skip
