"""The recorder against real WebSocket servers on 127.0.0.1 (synthetic frames, real sockets)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from ws_server import BASE_MS, WsServer, binance_frame, bybit_frame, bybit_rows, okx_frame

from liqlib.data.record import load_coverage, load_gaps, load_liquidations
from liqlib.data.record.recorder import RecorderConfig, record_async
from liqlib.data.record.store import EventSink
from liqlib.data.record.streams import make_specs

FAST = RecorderConfig(
    flush_s=0.2, idle_s=0.5, pong_s=0.5, open_timeout_s=2.0, backoff_min_s=0.05, backoff_max_s=0.2
)


def run(specs, out: Path, cfg: RecorderConfig, seconds: float):
    """Record for ``seconds`` in this process; returns the stats per venue."""
    import dataclasses

    sink = EventSink(out, max_buffer=cfg.max_buffer, dedup_size=cfg.dedup_size)
    return asyncio.run(record_async(specs, sink, dataclasses.replace(cfg, duration_s=seconds)))


def expected_binance(i: int) -> tuple[str, float]:
    return ("long" if i % 2 == 0 else "short"), (50000 + i) * 0.001 * (i + 1)


def test_drop_garbage_and_replayed_duplicates_are_each_stored_once(tmp_path, monkeypatch):
    first = [binance_frame(i) for i in range(30)]
    second = [binance_frame(i) for i in range(25, 60)]  # replays 25..29 after the reconnect
    scripts = [
        [("wait_sub",), *[("send", f) for f in first[:10]], ("send", "}{ garbage"),
         *[("send", f) for f in first[10:]], ("sleep", 0.1), ("drop",)],
        [("wait_sub",), *[("send", f) for f in second]],
    ]  # fmt: skip
    with WsServer("binance", scripts) as srv:
        monkeypatch.setenv("LIQLIB_BINANCE_WS_URL", srv.url)
        stats = run(make_specs(["binance"], ["BTCUSDT"]), tmp_path, FAST, 2.0)
    s = stats["binance"]
    assert (s.events, s.malformed, s.drops, s.gaps) == (60, 1, 1, 1)
    assert srv.connections == 2
    liqs = load_liquidations(tmp_path)
    assert len(liqs) == 60 and liqs.index.is_monotonic_increasing
    assert list(liqs.index.asi8 // 10**6) == [BASE_MS + 1000 * i for i in range(60)]
    for i, row in enumerate(liqs.itertuples()):
        side, usd = expected_binance(i)
        assert (row.venue, row.symbol, row.side) == ("binance", "BTCUSDT", side)
        assert row.usd == pytest.approx(usd)
    gaps = load_gaps(tmp_path)
    assert len(gaps) == 1 and gaps.loc[0, "reason"].startswith("dropped")
    assert gaps.loc[0, "start"] < gaps.loc[0, "end"]


def test_a_silent_server_is_a_stall_and_is_replaced(tmp_path, monkeypatch):
    rows = [bybit_rows(i) for i in range(20)]
    scripts = [
        [("wait_sub",), ("send", bybit_frame(rows[:10])), ("sleep", 0.1), ("freeze", 2.0)],
        [("wait_sub",), ("send", bybit_frame(rows[5:]))],
    ]
    with WsServer("bybit", scripts) as srv:
        monkeypatch.setenv("LIQLIB_BYBIT_WS_URL", srv.url)
        stats = run(make_specs(["bybit"], ["BTCUSDT"]), tmp_path, FAST, 4.0)
    s = stats["bybit"]
    assert s.stalls >= 1 and s.events == 20
    assert '{"op": "ping"}' in srv.received  # the venue's own ping was sent on silence
    liqs = load_liquidations(tmp_path, venue="bybit")
    assert len(liqs) == 20
    assert list(liqs.side[:2]) == ["long", "short"]  # Buy = long liquidated
    gaps = load_gaps(tmp_path)
    assert gaps.loc[0, "reason"].startswith("stall")
    assert (gaps.end - gaps.start).iloc[0] >= pd.Timedelta("0.9s")  # covers the frozen time


def test_quiet_but_alive_socket_is_kept(tmp_path, monkeypatch):
    scripts = [[("wait_sub",), ("send", okx_frame(0)), ("sleep", 2.0), ("send", okx_frame(1))]]
    with WsServer("okx", scripts) as srv:
        monkeypatch.setenv("LIQLIB_OKX_WS_URL", srv.url)
        specs = make_specs(["okx"], ["BTCUSDT"], {"BTC-USDT-SWAP": 0.01})
        stats = run(specs, tmp_path, FAST, 3.0)
    s = stats["okx"]
    assert (s.connects, s.stalls, s.drops, s.events) == (1, 0, 0, 2)
    assert "ping" in srv.received  # OKX's text ping, answered with pong
    liqs = load_liquidations(tmp_path)
    assert list(liqs.qty) == pytest.approx([0.01, 0.02])  # contracts x 0.01 BTC


@pytest.mark.parametrize("seconds", [5, pytest.param(60, marks=pytest.mark.slow)])
def test_burst_of_1000_events_per_second_loses_nothing(tmp_path, monkeypatch, seconds):
    """1,000 events/s for 60 s (the issue's burst; also a 5 s version that fails fast), one
    frame per event: every event stored once, in files of bounded size, the buffer bounded."""
    n = 1000 * seconds
    frames = [binance_frame(i) for i in range(n)]
    scripts = [[("wait_sub",), ("burst", frames, 50, 0.05)]]
    with WsServer("binance", scripts) as srv:
        monkeypatch.setenv("LIQLIB_BINANCE_WS_URL", srv.url)
        cfg = RecorderConfig(flush_s=0.5, idle_s=5, pong_s=5, max_buffer=2000)
        t0 = time.monotonic()
        stats = run(make_specs(["binance"], ["BTCUSDT"]), tmp_path, cfg, seconds + 3.0)
    assert time.monotonic() - t0 < seconds + 8
    assert stats["binance"].events == n
    liqs = load_liquidations(tmp_path)
    assert len(liqs) == n and liqs.index.is_unique
    files = list((tmp_path / "events").rglob("part-*.parquet"))
    assert max(pq.read_metadata(f).num_rows for f in files) <= 2000


def test_restarted_recorder_does_not_store_a_replay_again(tmp_path, monkeypatch):
    scripts = [[("wait_sub",), *[("send", binance_frame(i)) for i in range(10)]]]
    for _ in range(2):  # the same 10 events, to two recorder runs on one folder
        with WsServer("binance", scripts) as srv:
            monkeypatch.setenv("LIQLIB_BINANCE_WS_URL", srv.url)
            sink = EventSink(tmp_path)
            sink.remember_existing(["binance"], ["BTCUSDT"], BASE_MS)
            cfg = RecorderConfig(duration_s=1.0, flush_s=0.2)
            asyncio.run(record_async(make_specs(["binance"], ["BTCUSDT"]), sink, cfg))
    assert sink.duplicates == 10
    assert len(load_liquidations(tmp_path)) == 10


def _record_cmd(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "liqlib.data.record", "record", "--out", str(out), *extra]


def test_done_when_three_venues_drop_once_garbage_and_240_events(tmp_path):
    """The issue's scenario through ``liqlib record``: 80 events per venue (240), each stream drops once
    and replays a few after the reconnect, one garbage frame; exit 0 at --duration."""
    b = [binance_frame(i) for i in range(80)]
    y = [bybit_frame([bybit_rows(i)]) for i in range(80)]
    o = [okx_frame(i) for i in range(80)]

    def scripts(frames, garbage=False):
        head = [("send", f) for f in frames[:40]]
        if garbage:
            head.insert(20, ("send", "\x00not json at all"))
        return [
            [("wait_sub",), *head, ("sleep", 0.2), ("drop",)],
            [("wait_sub",), *[("send", f) for f in frames[35:]]],
        ]

    with (
        WsServer("binance", scripts(b, garbage=True)) as sb,
        WsServer("bybit", scripts(y)) as sy,
        WsServer("okx", scripts(o)) as so,
    ):
        env = dict(
            os.environ,
            LIQLIB_BINANCE_WS_URL=sb.url,
            LIQLIB_BYBIT_WS_URL=sy.url,
            LIQLIB_OKX_WS_URL=so.url,
        )
        cmd = [sys.executable, "-m", "liqlib.report.cli", "record", "--out", str(tmp_path)]
        cmd += [
            "--venue", "binance,bybit,okx", "--symbols", "BTCUSDT", "--duration", "4s",
            "--flush", "0.5", "--backoff-max", "0.3", "--okx-ct-val", "BTC-USDT-SWAP=0.01",
        ]  # fmt: skip
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])["venues"]
    assert {v: s["drops"] for v, s in summary.items()} == {"binance": 1, "bybit": 1, "okx": 1}
    assert summary["binance"]["malformed"] == 1
    liqs = load_liquidations(tmp_path, symbol="BTCUSDT")
    assert len(liqs) == 240
    assert liqs.groupby("venue").size().to_dict() == {"binance": 80, "bybit": 80, "okx": 80}
    for venue, per_venue in liqs.groupby("venue"):
        times = per_venue.index.asi8 // 10**6
        assert sorted(times) == [BASE_MS + 1000 * i for i in range(80)], venue
        i = (times - BASE_MS) // 1000
        want_side = ["long" if k % 2 == 0 else "short" for k in i]
        assert list(per_venue.side) == want_side, venue
        qty = (i + 1) * (0.01 if venue == "okx" else 0.001)
        assert per_venue.usd.to_numpy() == pytest.approx((50000 + i) * qty), venue
    assert len(load_gaps(tmp_path)) == 3
    runs = load_coverage(tmp_path)  # one clean run per venue, holding every event
    assert sorted(runs.venue) == ["binance", "bybit", "okx"]
    assert (runs.end - runs.start).min() >= pd.Timedelta("3.5s")


def test_sigterm_mid_write_exits_0_and_leaves_only_whole_files(tmp_path):
    frames = [binance_frame(i) for i in range(20000)]
    scripts = [[("wait_sub",), ("burst", frames, 40, 0.01)]]  # ~4,000 events/s
    with WsServer("binance", scripts) as srv:
        env = dict(os.environ, LIQLIB_BINANCE_WS_URL=srv.url)
        proc = subprocess.Popen(
            _record_cmd(tmp_path, "--flush", "0.01", "--quiet"),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # wait until it is writing
            if len(list((tmp_path / "events").rglob("part-*.parquet"))) >= 5:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=30)
        finally:
            proc.kill()  # only if it hung: never leave a recorder running
    assert proc.returncode == 0, err
    stored = json.loads(out.strip().splitlines()[-1])["venues"]["binance"]["events"]
    assert not list(tmp_path.rglob("*.tmp"))
    files = list((tmp_path / "events").rglob("*.parquet"))
    assert sum(pq.read_metadata(f).num_rows for f in files) == stored > 0
    liqs = load_liquidations(tmp_path)
    assert len(liqs) == stored
    i = (liqs.index.asi8 // 10**6 - BASE_MS) // 1000
    assert list(i) == list(range(stored))  # a prefix of what was sent, in order, no hole


def test_sigkill_leaves_no_partial_parquet_and_the_next_run_cleans_up(tmp_path):
    frames = [binance_frame(i) for i in range(20000)]
    with WsServer("binance", [[("wait_sub",), ("burst", frames, 40, 0.01)]]) as srv:
        env = dict(os.environ, LIQLIB_BINANCE_WS_URL=srv.url)
        proc = subprocess.Popen(_record_cmd(tmp_path, "--flush", "0.01", "--quiet"), env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if len(list((tmp_path / "events").rglob("part-*.parquet"))) >= 5:
                break
            time.sleep(0.05)
        proc.kill()
        proc.wait(10)
    for f in (tmp_path / "events").rglob("part-*.parquet"):
        pq.read_metadata(f)  # every visible file is whole
    folder = next((tmp_path / "events").rglob("date=*"))
    (folder / ".part-0-dead.parquet.abc.tmp").write_bytes(b"PAR1 half a file")
    n = len(load_liquidations(tmp_path))  # readers ignore hidden temporary files
    assert n > 0
    assert load_coverage(tmp_path).empty  # a killed run covers nothing
    EventSink(tmp_path)  # a new recorder removes them
    assert not list(tmp_path.rglob("*.tmp"))
    assert len(load_liquidations(tmp_path)) == n


def test_bad_url_and_unknown_venue_fail_in_one_line(tmp_path, monkeypatch, capsys):
    from liqlib.data.record.cli import main

    monkeypatch.setenv("LIQLIB_BYBIT_WS_URL", "http://example")
    assert main(["record", "--out", str(tmp_path), "--venue", "bybit", "--duration", "1s"]) == 2
    err = capsys.readouterr().err
    assert "LIQLIB_BYBIT_WS_URL" in err and len(err.strip().splitlines()) == 1
    assert main(["--out", str(tmp_path), "--venue", "kraken", "--duration", "1s"]) == 2
    assert "unknown venue 'kraken'" in capsys.readouterr().err
