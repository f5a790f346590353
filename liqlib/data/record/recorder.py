"""The recorder's event loop: one WebSocket per venue, reconnects, stalls, gaps, shutdown.

Why ``websockets`` and not a feed library: ``cryptofeed`` 3.x is AGPL-3.0 and needs Python
>= 3.13 (liqlib supports 3.11), its 2.x line uses Binance's retired unrouted URLs and Bybit's
removed topic, and it polls OKX over REST; ``ccxt.pro`` pulls in aiohttp and its own
normalisation, whose side conventions differ by venue (VENUES.md §6.5) and which hides the
raw frames we must de-duplicate and validate. The three streams are one subscribe message
each, so a thin client on the well-kept ``websockets`` library (BSD, no further
dependencies) is shorter than adapting either, and every frame passes through code we test.

How a connection is watched: a frame (event, reply or pong) proves the socket alive. When
none has arrived for ``idle_s`` the recorder sends the venue's ping (Bybit ``{"op":"ping"}``,
OKX ``ping``) and a WebSocket ping; if neither a frame nor the pong comes back within
``pong_s`` the socket is a **stall** and is replaced. Drops and stalls reconnect with
exponential backoff and jitter; the time from the last frame of the lost connection to the
first moment of the new one is stored as a **gap** for every symbol of that venue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import time
from dataclasses import dataclass, field

import websockets
from websockets.asyncio.client import connect

from liqlib.data.record.events import MalformedFrame, decode
from liqlib.data.record.store import EventSink
from liqlib.data.record.streams import StreamSpec

log = logging.getLogger("liqlib.record")


@dataclass(frozen=True)
class RecorderConfig:
    """Timings and bounds of a recording (seconds unless said).

    Attributes
    ----------
    duration_s : float | None
        Stop after this long (None: until SIGTERM / Ctrl-C).
    flush_s : float
        Write buffered events at least this often.
    idle_s : float
        Silence after which the socket is pinged.
    pong_s : float
        Time a pinged socket has to answer before it counts as stalled.
    open_timeout_s : float
        Time allowed to open a connection.
    backoff_min_s, backoff_max_s : float
        First and largest wait between reconnection attempts (doubling, +-20 % jitter).
    max_buffer : int
        Events held in memory before a flush is forced.
    dedup_size : int
        Recent event ids remembered to drop duplicates.
    max_frame_bytes : int
        Largest frame accepted (larger ones close the connection).
    """

    duration_s: float | None = None
    flush_s: float = 5.0
    idle_s: float = 20.0
    pong_s: float = 10.0
    open_timeout_s: float = 10.0
    backoff_min_s: float = 1.0
    backoff_max_s: float = 60.0
    max_buffer: int = 5000
    dedup_size: int = 200_000
    max_frame_bytes: int = 2**20


@dataclass
class VenueStats:
    """Counts for one venue over a recording."""

    frames: int = 0
    events: int = 0
    malformed: int = 0
    connects: int = 0
    drops: int = 0
    stalls: int = 0
    gaps: int = 0
    errors: list[str] = field(default_factory=list)


def now_ms() -> int:
    return int(time.time() * 1000)


class _Stall(Exception):
    pass


async def _recv_watched(ws, spec: StreamSpec, cfg: RecorderConfig):
    """The next frame; pings an idle socket and raises ``_Stall`` when it stays silent."""
    # asyncio.timeout, not asyncio.wait_for: on Python 3.11 wait_for swallows a cancellation
    # that arrives as the frame does (a busy stream then never stops on SIGTERM)
    try:
        async with asyncio.timeout(cfg.idle_s):
            return await ws.recv()
    except TimeoutError:
        pass
    if spec.app_ping is not None:
        await ws.send(spec.app_ping)
    pong = await ws.ping()
    frame = asyncio.ensure_future(ws.recv())
    done, _ = await asyncio.wait({frame, pong}, timeout=cfg.pong_s, return_when="FIRST_COMPLETED")
    if frame in done:
        return frame.result()
    if pong in done:  # alive but quiet: wait for the frame as usual
        try:
            async with asyncio.timeout(cfg.idle_s):
                return await frame
        except TimeoutError:
            frame.cancel()
            return None
    frame.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await frame
    raise _Stall(f"no frame and no pong within {cfg.idle_s + cfg.pong_s:g} s")


async def run_venue(
    spec: StreamSpec, sink: EventSink, cfg: RecorderConfig, stats: VenueStats
) -> None:
    """Record one venue until cancelled: connect, subscribe, read, reconnect."""
    backoff = cfg.backoff_min_s
    lost_at: int | None = None  # ms of the last frame before a loss; None while connected
    reason = ""
    while True:
        last_frame = now_ms()
        got_frame = False
        try:
            async with connect(
                spec.url,
                open_timeout=cfg.open_timeout_s,
                ping_interval=None,  # our watchdog pings (idle_s / pong_s)
                close_timeout=1.0,
                max_size=cfg.max_frame_bytes,
                max_queue=64,
            ) as ws:
                stats.connects += 1
                opened = now_ms()
                if lost_at is not None:
                    sink.add_gap(spec.venue, spec.symbols, lost_at, opened, reason)
                    stats.gaps += 1
                    log.info(
                        "%s: reconnected; gap of %.1f s stored",
                        spec.venue,
                        (opened - lost_at) / 1e3,
                    )
                    lost_at = None
                for text in spec.subscribe:
                    await ws.send(text)
                last_frame = opened
                while True:
                    text = await _recv_watched(ws, spec, cfg)
                    if text is None:
                        continue
                    received = now_ms()
                    last_frame = received
                    stats.frames += 1
                    if not got_frame:
                        got_frame = True
                        backoff = cfg.backoff_min_s
                    if spec.is_pong(text):
                        continue
                    try:
                        evs = spec.parse(decode(text), received)
                    except MalformedFrame as exc:
                        stats.malformed += 1
                        log.warning("%s: skipped a malformed frame: %s", spec.venue, exc)
                        continue
                    for ev in evs:
                        if ev["symbol"] in spec.symbols and sink.add(ev):
                            stats.events += 1
        except asyncio.CancelledError:
            raise
        except _Stall as exc:
            stats.stalls += 1
            reason = f"stall: {exc}"
        except websockets.exceptions.ConnectionClosed as exc:
            stats.drops += 1
            reason = f"dropped: {exc}"
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
            stats.drops += 1
            reason = f"cannot connect: {type(exc).__name__}: {exc}"
        if lost_at is None:
            lost_at = last_frame
        stats.errors.append(reason)
        del stats.errors[:-20]  # bounded
        wait = backoff * random.uniform(0.8, 1.2)
        log.warning("%s: %s; reconnecting in %.2f s", spec.venue, reason, wait)
        await asyncio.sleep(wait)
        backoff = min(backoff * 2, cfg.backoff_max_s)


async def _flusher(sink: EventSink, cfg: RecorderConfig) -> None:
    while True:
        await asyncio.sleep(cfg.flush_s)
        sink.flush()


async def record_async(
    specs, sink: EventSink, cfg: RecorderConfig, stop: asyncio.Event | None = None
):
    """Record every stream in ``specs`` into ``sink`` until ``stop`` is set, SIGTERM/SIGINT
    arrives, or ``cfg.duration_s`` passes; flushes and returns the stats per venue."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    stats = {spec.venue: VenueStats() for spec in specs}
    started = now_ms()
    tasks = [asyncio.create_task(run_venue(s, sink, cfg, stats[s.venue])) for s in specs]
    tasks.append(asyncio.create_task(_flusher(sink, cfg)))
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(cfg.duration_s):
                await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for sig in installed:
            loop.remove_signal_handler(sig)
        sink.flush()
        ended = now_ms()
        for spec in specs:
            sink.add_run(spec.venue, spec.symbols, started, ended)
    return stats


def record(specs, out_dir, cfg: RecorderConfig | None = None) -> dict[str, VenueStats]:
    """Record liquidations from ``specs`` into the Parquet store at ``out_dir`` (blocking).

    Parameters
    ----------
    specs : list[StreamSpec]
        From :func:`liqlib.data.record.streams.make_specs`.
    out_dir : path-like
        The store folder (created if needed).
    cfg : RecorderConfig, optional
        Timings and bounds of the recording; default ``RecorderConfig()``.

    Returns
    -------
    dict[str, VenueStats]
        Frames, events stored, malformed frames, connects, drops, stalls and gaps per venue.
    """
    cfg = cfg or RecorderConfig()
    sink = EventSink(out_dir, max_buffer=cfg.max_buffer, dedup_size=cfg.dedup_size)
    symbols = sorted({s for spec in specs for s in spec.symbols})
    sink.remember_existing([s.venue for s in specs], symbols, now_ms())
    return asyncio.run(record_async(specs, sink, cfg))
