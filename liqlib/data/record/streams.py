"""Where each venue streams liquidations, how to subscribe, how to keep the socket alive.

Base URLs come from the environment (read when a recorder starts), so tests and mirrors can
point the recorder at loopback servers:

=========================  ==============================================  ====================
variable                   default                                         appended
=========================  ==============================================  ====================
``LIQLIB_BINANCE_WS_URL``  ``wss://fstream.binance.com/market``            ``/stream?streams=
                           (routed path: unrouted URLs stay silent)        btcusdt@forceOrder/..``
``LIQLIB_BYBIT_WS_URL``    ``wss://stream.bybit.com/v5/public/linear``     nothing
``LIQLIB_OKX_WS_URL``      ``wss://ws.okx.com:8443/ws/v5/public``          nothing
``LIQLIB_OKX_REST_URL``    ``https://www.okx.com`` (contract values)       ``/api/v5/public/..``
=========================  ==============================================  ====================
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from liqlib import settings
from liqlib.data.record import events
from liqlib.errors import DownloadError, InputError, LiqlibError

log = logging.getLogger("liqlib.record")

BINANCE_WS_ENV = "LIQLIB_BINANCE_WS_URL"
BYBIT_WS_ENV = "LIQLIB_BYBIT_WS_URL"
OKX_WS_ENV = "LIQLIB_OKX_WS_URL"
OKX_REST_ENV = "LIQLIB_OKX_REST_URL"
DEFAULT_URLS = {
    "binance": "wss://fstream.binance.com/market",
    "bybit": "wss://stream.bybit.com/v5/public/linear",
    "okx": "wss://ws.okx.com:8443/ws/v5/public",
}
URL_ENVS = {"binance": BINANCE_WS_ENV, "bybit": BYBIT_WS_ENV, "okx": OKX_WS_ENV}


@dataclass(frozen=True)
class StreamSpec:
    """One venue's liquidation stream for a set of symbols.

    Attributes
    ----------
    venue : str
    symbols : tuple[str, ...]
        Binance-style symbols (``BTCUSDT``) recorded from this stream.
    url : str
        The WebSocket URL to connect to.
    subscribe : tuple[str, ...]
        Text frames sent right after connecting.
    app_ping : str | None
        The venue's application-level ping (sent when the socket is idle), if it has one.
    parse : Callable[[object, int], list[dict]]
        Decoded frame and receive time (ms) -> events; raises ``MalformedFrame``.
    """

    venue: str
    symbols: tuple[str, ...]
    url: str
    subscribe: tuple[str, ...]
    app_ping: str | None
    parse: Callable[[object, int], list[dict]]

    def is_pong(self, text: str) -> bool:
        """True for the venue's reply to ``app_ping`` (not an event, not malformed)."""
        return text == "pong"


def ws_url(venue: str) -> str:
    """The base URL of ``venue``'s stream (environment, else the public endpoint)."""
    url = settings.raw_env(URL_ENVS[venue]) or DEFAULT_URLS[venue]
    if not url.startswith(("ws://", "wss://")):
        raise InputError(
            f"{URL_ENVS[venue]}={url!r} is not a WebSocket URL: set it to ws://host:port/... "
            "or wss://..., or unset it to use the venue's public endpoint"
        )
    return url.rstrip("/")


def binance_spec(symbols: tuple[str, ...]) -> StreamSpec:
    streams = "/".join(f"{s.lower()}@forceOrder" for s in symbols)
    return StreamSpec(
        "binance",
        symbols,
        f"{ws_url('binance')}/stream?streams={streams}",
        (),
        None,
        events.parse_binance,
    )


def bybit_spec(symbols: tuple[str, ...]) -> StreamSpec:
    sub = {"req_id": "liqlib", "op": "subscribe", "args": [f"allLiquidation.{s}" for s in symbols]}
    return StreamSpec(
        "bybit",
        symbols,
        ws_url("bybit"),
        (json.dumps(sub),),
        json.dumps({"op": "ping"}),
        events.parse_bybit,
    )


def okx_spec(symbols: tuple[str, ...], ct_val: Mapping[str, float]) -> StreamSpec:
    sub = {"op": "subscribe", "args": [{"channel": "liquidation-orders", "instType": "SWAP"}]}
    wanted = {events.okx_inst_id(s): float(ct_val[events.okx_inst_id(s)]) for s in symbols}
    return StreamSpec(
        "okx",
        symbols,
        ws_url("okx"),
        (json.dumps(sub),),
        "ping",
        functools.partial(_parse_okx, ct_val=wanted),
    )


def _parse_okx(msg, recv_ms, ct_val):
    return events.parse_okx(msg, recv_ms, ct_val)


def fetch_okx_ct_val(inst_ids) -> dict[str, float]:
    """Coins per contract (``ctVal`` x ``ctMult``) of OKX swaps from the public instruments
    endpoint (``$LIQLIB_OKX_REST_URL``, default www.okx.com), via the OKX source.

    Raises
    ------
    DownloadError
        The endpoint cannot be reached or answers something else than the instruments.
    """
    from liqlib.data.sources.okx.rest import fetch_contract_value

    out = {}
    for inst in inst_ids:
        try:
            out[inst] = fetch_contract_value(events.symbol_of_okx(inst))
        except (LiqlibError, OSError) as exc:
            raise DownloadError(
                f"cannot read {inst}'s contract value ({exc}): pass "
                f"--okx-ct-val {inst}=COINS_PER_CONTRACT or set {OKX_REST_ENV}"
            ) from exc
    return out


def resolve_okx_ct_val(symbols, given: Mapping[str, float] | None = None) -> dict[str, float]:
    """Contract values for the OKX instruments of ``symbols``: ``given`` first, then the
    instruments endpoint, then the bundled dated snapshot (with a warning)."""
    given = dict(given or {})
    insts = [events.okx_inst_id(s) for s in symbols]
    missing = [i for i in insts if i not in given]
    if missing:
        try:
            given.update(fetch_okx_ct_val(missing))
        except DownloadError as exc:
            unknown = [i for i in missing if i not in events.OKX_CT_VAL_SNAPSHOT]
            if unknown:
                raise InputError(
                    f"no contract value for {', '.join(unknown)} ({exc}): pass "
                    f"--okx-ct-val {unknown[0]}=COINS_PER_CONTRACT"
                ) from exc
            log.warning(
                "okx: using the bundled contract values of %s for %s (%s)",
                events.OKX_CT_VAL_SNAPSHOT_DATE,
                ", ".join(missing),
                exc,
            )
            given.update({i: events.OKX_CT_VAL_SNAPSHOT[i] for i in missing})
    return {i: given[i] for i in insts}


def make_specs(venues, symbols, okx_ct_val: Mapping[str, float] | None = None) -> list[StreamSpec]:
    """The stream of each venue for ``symbols``."""
    specs = []
    for venue in venues:
        if venue == "binance":
            specs.append(binance_spec(tuple(symbols)))
        elif venue == "bybit":
            specs.append(bybit_spec(tuple(symbols)))
        elif venue == "okx":
            specs.append(okx_spec(tuple(symbols), resolve_okx_ct_val(symbols, okx_ct_val)))
        else:
            raise InputError(
                f"unknown venue {venue!r}: choose from {', '.join(events.VENUES)} "
                "(e.g. --venue binance,bybit)"
            )
    return specs
