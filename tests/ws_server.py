"""Loopback WebSocket servers that speak each venue's liquidation stream, with scripted faults.

Each connection plays the next script (a list of actions); when the scripts run out the server
keeps the connection open, answering pings, and sends nothing. Every frame the client sends is
kept in ``server.received`` (subscriptions, pings). The frames are **synthetic**.

Actions
-------
``("send", text)``        send one text frame
``("sleep", s)``          pause (the server stays responsive: it still answers pings)
``("freeze", s)``         block the server's event loop: no frames, no pongs (a hung server)
``("drop",)``             abort the TCP connection without a close frame
``("wait_sub",)``         wait until the client has sent its first frame (the subscription;
                          Binance subscribes in the URL, so there it does not wait)
``("burst", frames, n_per_tick, tick_s)``  send ``frames`` in groups of ``n_per_tick``

>>> with WsServer("bybit", [[("wait_sub",), ("send", bybit_frame([...]))]]) as srv:
...     os.environ["LIQLIB_BYBIT_WS_URL"] = srv.url
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

from websockets.asyncio.server import serve

BASE_MS = 1_775_207_919_322  # 2026-04-03 09:18:39 UTC


def binance_frame(i: int, symbol: str = "BTCUSDT", side: str | None = None) -> str:
    """A combined-stream ``forceOrder`` frame; event ``i`` has price 50000+i, qty 0.001*(i+1)."""
    side = side or ("SELL" if i % 2 == 0 else "BUY")
    o = {
        "s": symbol,
        "S": side,
        "o": "LIMIT",
        "f": "IOC",
        "q": f"{0.001 * (i + 1):.3f}",
        "p": f"{49000 + i}",
        "ap": f"{50000 + i}",
        "X": "FILLED",
        "l": f"{0.001 * (i + 1):.3f}",
        "z": f"{0.001 * (i + 1):.3f}",
        "T": BASE_MS + 1000 * i,
    }
    data = {"e": "forceOrder", "E": BASE_MS + 1000 * i + 2, "o": o}
    return json.dumps({"stream": f"{symbol.lower()}@forceOrder", "data": data})


def bybit_rows(i: int, symbol: str = "BTCUSDT") -> dict:
    return {
        "T": BASE_MS + 1000 * i,
        "s": symbol,
        "S": "Buy" if i % 2 == 0 else "Sell",
        "v": f"{0.001 * (i + 1):.3f}",
        "p": f"{50000 + i}",
    }


def bybit_frame(rows: list[dict]) -> str:
    symbol = rows[0]["s"]
    return json.dumps(
        {"topic": f"allLiquidation.{symbol}", "type": "snapshot", "ts": BASE_MS, "data": rows}
    )


def okx_frame(i: int, inst: str = "BTC-USDT-SWAP") -> str:
    """One OKX detail; sz = i+1 contracts (x ctVal coins), bankruptcy price 50000+i."""
    side = "sell" if i % 2 == 0 else "buy"
    detail = {
        "bkLoss": "0",
        "bkPx": f"{50000 + i}",
        "ccy": "",
        "posSide": "long" if side == "sell" else "short",
        "side": side,
        "sz": f"{i + 1}",
        "ts": str(BASE_MS + 1000 * i),
    }
    block = {"details": [detail], "instFamily": "BTC-USDT", "instId": inst, "instType": "SWAP"}
    return json.dumps(
        {"arg": {"channel": "liquidation-orders", "instType": "SWAP"}, "data": [block]}
    )


class WsServer:
    """A venue's stream on ``127.0.0.1`` (free port), run in a background thread."""

    def __init__(self, venue: str, scripts: list[list[tuple]]):
        self.venue = venue
        self.scripts = list(scripts)
        self.received: list[str] = []
        self.connections = 0
        self.sent_events = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return (
            f"ws://127.0.0.1:{self.port}/market"
            if self.venue == "binance"
            else f"ws://127.0.0.1:{self.port}/ws"
        )

    async def _handler(self, ws):
        index = self.connections
        self.connections += 1
        script = self.scripts[index] if index < len(self.scripts) else []
        subscribed = asyncio.Event()

        async def reader():
            async for text in ws:
                self.received.append(text)
                subscribed.set()
                if text == "ping":
                    await ws.send("pong")
                elif text.startswith("{") and json.loads(text).get("op") == "ping":
                    await ws.send(json.dumps({"success": True, "ret_msg": "pong", "op": "ping"}))

        task = asyncio.create_task(reader())
        try:
            for action in script:
                kind = action[0]
                if kind == "send":
                    await ws.send(action[1])
                elif kind == "sleep":
                    await asyncio.sleep(action[1])
                elif kind == "freeze":
                    time.sleep(action[1])  # blocks the loop on purpose: a hung server
                elif kind == "drop":
                    ws.transport.abort()
                    return
                elif kind == "wait_sub" and self.venue != "binance":  # binance: in the URL
                    await asyncio.wait_for(subscribed.wait(), 10)
                elif kind == "burst":
                    frames, per_tick, tick = action[1], action[2], action[3]
                    start = time.monotonic()
                    for k in range(0, len(frames), per_tick):
                        for text in frames[k : k + per_tick]:
                            await ws.send(text)
                        delay = start + (k // per_tick + 1) * tick - time.monotonic()
                        await asyncio.sleep(max(delay, 0))
            await task  # keep the connection open (answering pings) until the client leaves
        except Exception:
            pass
        finally:
            task.cancel()

    def _run(self):
        asyncio.set_event_loop(self._loop)

        async def main():
            async with serve(self._handler, "127.0.0.1", 0, ping_interval=None) as server:
                self.port = server.sockets[0].getsockname()[1]
                self._stop = asyncio.Event()
                self._ready.set()
                await self._stop.wait()

        self._loop.run_until_complete(main())

    def __enter__(self) -> WsServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("loopback WebSocket server did not start")
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
